"""Demo data for the Asperion sandbox: a well-known login, an OAuth client, administrations
filled with realistic Dutch articles, debtors, orders and invoices.

Deterministic for a seed (given the day it runs: dates are relative to today). Rows are
written with bulk_create in batches, so 10,000 articles take seconds, not minutes.

The demo credentials are deliberately public: they exist only in the sandbox.
"""

from __future__ import annotations

import itertools
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from connectors.asperion.sandbox.dates import DUTCH
from connectors.asperion.sandbox.models import (
    Administration,
    Article,
    ContactPerson,
    Debtor,
    DebtorKind,
    InvoiceStatus,
    Journal,
    OAuthClient,
    OrderStatus,
    PaymentCondition,
    PaymentMethod,
    SalesInvoice,
    SalesInvoiceLine,
    SalesOrder,
    SalesOrderLine,
    SalesType,
    SandboxUser,
    VatCode,
)
from connectors.asperion.sandbox.oauth import digest, new_secret
from connectors.asperion.sandbox.seed_data import (
    BANKS,
    BRANDS,
    CITIES,
    COLOURS,
    COMPANY_FORMS,
    FIRST_NAMES,
    FOREIGN_ADDRESSES,
    FUNCTIONS,
    POSTCODE_LETTERS,
    PRODUCT_LINES,
    STREETS,
    SURNAMES,
    TRADES,
    TRICKY_STREETS,
    VARIANT_LINES,
    ProductLine,
)

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "asperion-demo"
DEMO_CLIENT_ID = "apicenter-demo"
DEMO_CLIENT_SECRET = "apicenter-demo-secret"
DEMO_ADMINISTRATIONS = ("Demo Webshop B.V.", "Demo Groothandel B.V.")
BATCH = 1000
CENT = Decimal("0.01")
ORIGINS = ("Nederland", "Duitsland", "België", "Portugal", "China")
SHOP_CENTS = (Decimal("0.95"), Decimal("0.99"), Decimal("0.50"), Decimal(0))


# The demo login and client


# Seed profiles: the demo's codes, or another ordinary administration's (renamed after
# seeding, so that the data is the same and only the names differ).
DEMO_PROFILE = "demo"
PROFILES: dict[str, dict[str, dict[str, str]]] = {
    "other": {
        "vatcodes": {"VH": "H", "VL": "L", "V0": "0", "VV": "VR", "VI": "ICL", "VE": "EX"},
        "debtorkinds": {"ZAK": "BED", "PART": "PRI", "ZAKEU": "BEDEU", "BUIT": "PRIBU"},
        "paymentmethods": {
            "BANK": "OVB",
            "IDEAL": "IDL",
            "CC": "KK",
            "PAYPAL": "PP",
            "INC": "AI",
        },
        "journals": {"VK": "VB", "VKW": "VBW"},
        "paymentconditions": {
            "8 dagen netto": "Betaling binnen 8 dagen",
            "14 dagen netto": "Betaling binnen 14 dagen",
            "30 dagen netto": "Betaling binnen 30 dagen",
        },
    },
}


def demo_redirect_uris() -> list[str]:
    site = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    return list(
        dict.fromkeys(
            [f"{site}/", "http://127.0.0.1:8000/", "http://localhost:*", "http://127.0.0.1:*"]
        )
    )


@transaction.atomic
def ensure_demo_user() -> tuple[SandboxUser, OAuthClient]:
    """Return the demo sandbox user and OAuth client, creating them (and two
    administrations with their reference lists) when missing."""
    user, _ = SandboxUser.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"display_name": "Demo gebruiker"}
    )
    user.password = make_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    client, _ = OAuthClient.objects.update_or_create(
        client_id=DEMO_CLIENT_ID,
        defaults={
            "secret_hash": digest(DEMO_CLIENT_SECRET),
            "name": "APIcenter (demo)",
            "redirect_uris": demo_redirect_uris(),
        },
    )
    for position, name in enumerate(DEMO_ADMINISTRATIONS):
        administration, _ = Administration.objects.get_or_create(
            owner=user, name=name, defaults={"is_default": position == 0}
        )
        ensure_reference_lists(administration)
    return user, client


@dataclass(frozen=True)
class SandboxIdentity:
    """A sandbox login with its OAuth client and the administration a connection uses.

    `client_secret` is the secret in the clear: only its digest is stored, so it is known
    only right after it was made (the demo's is public).
    """

    user: SandboxUser
    client: OAuthClient
    client_secret: str
    administration: Administration


def ensure_demo_identity(*, tenant: Any = None) -> SandboxIdentity:
    """Return the public demo login, client and default administration; with `tenant` (the
    demo company), that company becomes their owner when nobody owns them yet."""
    user, client = ensure_demo_user()
    if tenant is not None:
        for row in (user, client):
            type(row).objects.filter(pk=row.pk, tenant__isnull=True).update(tenant=tenant)
    administration = user.administrations.order_by("-is_default", "id").first()
    assert administration is not None  # ensure_demo_user makes two
    return SandboxIdentity(user, client, DEMO_CLIENT_SECRET, administration)


@transaction.atomic
def ensure_tenant_identity(
    *,
    tenant: Any,
    name: str,
    seed: int,
    articles: int,
    debtors: int,
    profile: str = DEMO_PROFILE,
) -> SandboxIdentity:
    """Return one platform company's own sandbox login, OAuth client and administration,
    creating (and seeding) them the first time.

    Nobody else's token reaches them: the API serves an administration only to its owner's
    tokens. The client gets a new secret on every call (only its digest is kept), so the
    caller must store the one returned. A new login starts with the demo login's knobs: a
    demo without rate limits gives its companies none.
    """
    user = SandboxUser.objects.filter(tenant=tenant).order_by("pk").first()
    if user is None:
        demo = demo_user()
        user = SandboxUser.objects.create(
            tenant=tenant,
            username=f"company-{tenant.pk}-{secrets.token_hex(3)}",
            # Unusable: the company's connection gets its tokens directly, and nobody can
            # sign in as it on the consent page.
            password=make_password(None),
            display_name=name,
            knobs=dict(demo.knobs) if demo is not None else {},
        )
    client_secret = new_secret()
    client = OAuthClient.objects.filter(tenant=tenant).order_by("pk").first()
    if client is None:
        client = OAuthClient(
            tenant=tenant,
            client_id=f"apicenter-company-{tenant.pk}-{secrets.token_hex(4)}",
            name=f"APIcenter ({name})"[:150],
            redirect_uris=demo_redirect_uris(),
        )
    client.secret_hash = digest(client_secret)
    client.save()
    administration = own_administration(
        user, name=name, seed=seed, articles=articles, debtors=debtors, profile=profile
    )
    return SandboxIdentity(user, client, client_secret, administration)


def own_administration(
    user: SandboxUser,
    *,
    name: str,
    seed: int,
    articles: int,
    debtors: int,
    profile: str = DEMO_PROFILE,
) -> Administration:
    administration = user.administrations.order_by("-is_default", "pk").first()
    if administration is None:
        administration = Administration.objects.create(owner=user, name=name, is_default=True)
        ensure_reference_lists(administration)
        seed_administration(administration, articles=articles, debtors=debtors, seed=seed)
        apply_profile(administration, profile)
    return administration


def apply_profile(administration: Administration, profile: str) -> None:
    """Give a seeded administration the codes and names of a seed profile: the demo's, or
    another ordinary administration's (other VAT code and debtor kind ids, other payment
    method and journal codes, no shipping-cost article), on which a flow tuned to the demo's
    codes fails."""
    if profile == DEMO_PROFILE:
        return
    if profile not in PROFILES:
        raise ValueError(f"unknown seed profile {profile!r} (known: {', '.join(PROFILES)})")
    renames = PROFILES[profile]
    for model, codes in (
        (VatCode, renames["vatcodes"]),
        (DebtorKind, renames["debtorkinds"]),
        (PaymentMethod, renames["paymentmethods"]),
        (Journal, renames["journals"]),
    ):
        for old, new in codes.items():
            model.objects.filter(administration=administration, code=old).update(code=new)
    for old, new in renames["paymentconditions"].items():
        PaymentCondition.objects.filter(administration=administration, description=old).update(
            description=new
        )
    Article.objects.filter(administration=administration, code=SHIPPING_ARTICLE_CODE).delete()


def demo_user() -> SandboxUser | None:
    return SandboxUser.objects.filter(username=DEMO_USERNAME).first()


# Reference lists

VAT_CODES = (
    # code, description, sales code, percentage, default, valid from, valid until
    ("VH", "Btw hoog 21%", True, "21", True, None, None),
    ("VL", "Btw laag 9%", True, "9", False, "2019-01-01", None),
    ("VL6", "Btw laag 6% (tot 2019)", True, "6", False, None, "2018-12-31"),
    ("V0", "Btw 0%", True, "0", False, None, None),
    ("VV", "Btw verlegd", True, "0", False, None, None),
    ("VI", "Intracommunautaire levering (ICP)", True, "0", False, None, None),
    ("VE", "Export buiten de EU", True, "0", False, None, None),
    ("IH", "Voorbelasting hoog 21%", False, "21", False, None, None),
    ("IL", "Voorbelasting laag 9%", False, "9", False, None, None),
)
PAYMENT_CONDITIONS = (
    ("Direct", 0),
    ("8 dagen netto", 8),
    ("14 dagen netto", 14),
    ("30 dagen netto", 30),
    ("60 dagen netto", 60),
)
PAYMENT_METHODS = (
    ("BANK", "Bankoverschrijving"),
    ("IDEAL", "iDEAL"),
    ("INC", "Automatische incasso"),
    ("PIN", "Pin"),
    ("CASH", "Contant"),
    ("CC", "Creditcard"),
    ("PAYPAL", "PayPal"),
    ("AFTERPAY", "Achteraf betalen"),
)
SALES_TYPES = (
    # key, description, ledger account, VAT code
    ("high", "Omzet hoog", 8000, "VH"),
    ("low", "Omzet laag", 8010, "VL"),
    ("zero", "Omzet 0%", 8020, "V0"),
    ("icp", "Omzet binnen de EU", 8030, "VI"),
    ("export", "Omzet buiten de EU", 8040, "VE"),
    ("shipping", "Verzendkosten", 8050, "VH"),
)
DEBTOR_KINDS = (
    ("ZAK", "Zakelijk", True),
    ("PART", "Particulier", False),
    ("ZAKEU", "Zakelijk EU", True),
    ("BUIT", "Buitenland", False),
)
JOURNALS = (
    ("VK", "Verkoopboek", "Sales"),
    ("VKW", "Verkoopboek webshop", "Sales"),
    ("IK", "Inkoopboek", "Purchase"),
    ("BNK", "Bank", "Bank"),
    ("KAS", "Kas", "Cash"),
    ("MEM", "Memoriaal", "Memorial"),
)


def local_moment(day: str | None) -> datetime | None:
    return datetime.fromisoformat(day).replace(tzinfo=DUTCH) if day else None


def ensure_reference_lists(administration: Administration) -> None:
    """Create the administration's reference lists unless it has them already."""
    if VatCode.objects.filter(administration=administration).exists():
        return
    vat = {
        code: VatCode.objects.create(
            administration=administration,
            code=code,
            description=text,
            sales_code=sales,
            percentage=Decimal(pct),
            is_default=default,
            country_code="NL",
            valid_from=local_moment(start),
            valid_until=local_moment(end),
        )
        for code, text, sales, pct, default, start, end in VAT_CODES
    }
    for text, days in PAYMENT_CONDITIONS:
        PaymentCondition.objects.create(administration=administration, description=text, days=days)
    for code, text in PAYMENT_METHODS:
        PaymentMethod.objects.create(administration=administration, code=code, description=text)
    for _key, text, ledger, vat_code in SALES_TYPES:
        SalesType.objects.create(
            administration=administration,
            description=text,
            ledger_account_id=ledger,
            vat_code=vat[vat_code],
        )
    for code, text, business in DEBTOR_KINDS:
        DebtorKind.objects.create(
            administration=administration, code=code, description=text, is_business=business
        )
    for code, text, kind in JOURNALS:
        Journal.objects.create(
            administration=administration, code=code, description=text, type=kind
        )


@dataclass
class References:
    """The administration's reference rows, by the keys the generators use."""

    sales_types: dict[str, SalesType]
    debtor_kinds: dict[str, DebtorKind]
    conditions: dict[int, PaymentCondition]
    methods: dict[str, PaymentMethod]
    journal: Journal

    @classmethod
    def load(cls, administration: Administration) -> References:
        by_description = {
            st.description: st
            for st in SalesType.objects.filter(administration=administration).select_related(
                "vat_code"
            )
        }
        return cls(
            sales_types={key: by_description[text] for key, text, _l, _v in SALES_TYPES},
            debtor_kinds={
                demo_code("debtorkinds", kind.code): kind
                for kind in DebtorKind.objects.filter(administration=administration)
            },
            conditions={
                c.days: c for c in PaymentCondition.objects.filter(administration=administration)
            },
            methods={
                demo_code("paymentmethods", m.code): m
                for m in PaymentMethod.objects.filter(administration=administration)
            },
            journal=next(
                j
                for j in Journal.objects.filter(administration=administration)
                if demo_code("journals", j.code) == "VK"
            ),
        )


def demo_code(kind: str, code: str) -> str:
    """The demo's code of a list item that a seed profile renamed: the generators use the
    demo's codes, so that an administration of any profile can be seeded further."""
    for renames in PROFILES.values():
        for old, new in renames[kind].items():
            if new == code:
                return old
    return code


# Small generators


def ean13(body12: str) -> str:
    """Return the 12 digits with their GS1 check digit appended."""
    total = sum(int(digit) * (3 if position % 2 else 1) for position, digit in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def iban_nl(bank: str, account: str) -> str:
    """Return a Dutch IBAN with valid ISO 7064 mod-97 check digits."""
    rearranged = f"{bank}{account}NL00"
    digits = "".join(char if char.isdigit() else str(ord(char) - 55) for char in rearranged)
    check = 98 - int(digits) % 97
    return f"NL{check:02d}{bank}{account}"


def shop_price(rng: random.Random, low: float, high: float) -> Decimal:
    """Return a price incl. VAT as shops set them: 12.95, 4.99, 25.00."""
    whole = rng.randint(int(low), int(high))
    return Decimal(whole) + rng.choice(SHOP_CENTS)


def excl_vat(incl: Decimal, percentage: Decimal) -> Decimal:
    return (incl * 100 / (100 + percentage)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def house_number(rng: random.Random) -> str:
    # Most houses have low numbers; long streets run into the hundreds.
    number = str(min(int(rng.expovariate(1 / 40)) + 1, 999))
    roll = rng.random()
    if roll < 0.10:
        return number + rng.choice("ABCD")
    if roll < 0.15:
        return f"{number}-{rng.randint(1, 3)}"
    if roll < 0.18:
        return f"{number} bis"
    if roll < 0.21:
        return f"{number} hs"
    if roll < 0.23:
        return f"{number}-{rng.choice(['I', 'II', 'III'])}"
    return number


def street_line(rng: random.Random) -> str:
    street = rng.choice(TRICKY_STREETS) if rng.random() < 0.03 else rng.choice(STREETS)
    return f"{street} {house_number(rng)}"


def postcode(rng: random.Random, low: int, high: int) -> str:
    letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
    while letters in ("SA", "SD", "SS"):
        letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
    return f"{rng.randint(low, high)} {letters}"


def past_moment(rng: random.Random, now: datetime, days: int) -> datetime:
    return now - timedelta(seconds=rng.randint(0, days * 86_400))


# Articles


@dataclass
class ArticleFactory:
    rng: random.Random
    references: References
    administration: Administration
    now: datetime
    company_prefix: int
    made: int = 0

    def next_ean(self) -> str | None:
        self.made += 1
        if self.rng.random() < 0.05:
            return None
        return ean13(f"87{self.company_prefix:04d}{self.made:06d}")

    def build(
        self, line: ProductLine, code: str, description: str, incl: Decimal, **extra: Any
    ) -> Article:
        sales_type = self.references.sales_types[line.sales_type]
        added = past_moment(self.rng, self.now, 720)
        stock = 0 if self.rng.random() < 0.08 else self.rng.randint(1, 250)
        with_text = self.rng.random() < 0.6
        return Article(
            administration=self.administration,
            code=code,
            description=description[:100],
            extended_description=f"{description}. {line.blurb}" if with_text else None,
            unit=line.unit,
            sales_type=sales_type,
            sales_price=excl_vat(incl, sales_type.vat_code.percentage),
            ean_code=self.next_ean(),
            current_stock=Decimal(stock),
            active=self.rng.random() >= 0.03,
            characteristic1=self.rng.choice(BRANDS),
            characteristic4=line.material(self.rng),
            characteristic5=self.rng.choice(ORIGINS),
            date_added=added,
            date_last_change=added + (self.now - added) * self.rng.random(),
            **extra,
        )

    def simple(self, number: int) -> Article:
        line = self.rng.choice(PRODUCT_LINES)
        incl = shop_price(self.rng, *line.price_range)
        return self.build(line, f"{line.prefix}-{number:05d}", line.name(self.rng), incl)

    def variant_group(self, number: int, size: int) -> list[Article]:
        """Return one model in `size` sizes and one colour, at one price."""
        line = self.rng.choice(VARIANT_LINES)
        name, colour = line.name(self.rng), self.rng.choice(COLOURS)
        incl = shop_price(self.rng, *line.price_range)
        start = self.rng.randint(0, max(0, len(line.sizes) - size))
        return [
            self.build(
                line,
                f"{line.prefix}-{number:05d}-{option}-{colour[:2].upper()}",
                f"{name} maat {option} {colour}",
                incl,
                characteristic2=colour,
                characteristic3=option,
                is_variant=True,
            )
            for option in line.sizes[start : start + size]
        ]


def build_articles(factory: ArticleFactory, count: int, variant_share: float) -> list[Article]:
    """Return `count` articles, `variant_share` of them in variant groups, interleaved."""
    wanted = round(count * variant_share)
    # A group holds about 4.5 articles: start one with the chance that yields the share.
    start_group = variant_share / (4.5 - 3.5 * variant_share) if variant_share < 1 else 1.0
    articles: list[Article] = []
    made = 0
    for number in itertools.count(10001):
        if len(articles) >= count:
            break
        left, slots = wanted - made, count - len(articles)
        if left > 0 and (left >= slots or factory.rng.random() < start_group):
            group = factory.variant_group(number, min(left, factory.rng.randint(3, 6)))
            articles += group
            made += len(group)
        else:
            articles.append(factory.simple(number))
    return articles


# Debtors


@dataclass
class Person:
    first: str
    surname: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.surname}"

    def email(self, domain: str, serial: int) -> str:
        local = f"{self.first}.{self.surname.replace(' ', '')}".lower()
        return f"{local}{serial if serial else ''}@{domain}"


@dataclass
class DebtorFactory:
    rng: random.Random
    references: References
    administration: Administration
    now: datetime
    contacts: dict[int, list[ContactPerson]] = field(default_factory=dict)
    domains: set[str] = field(default_factory=set)

    def person(self) -> Person:
        return Person(self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES))

    def address(self) -> dict[str, Any]:
        if self.rng.random() < 0.05:
            street, code, city, country = self.rng.choice(FOREIGN_ADDRESSES)
            return {"address": street, "post_code": code, "city": city, "country_code": country}
        city, low, high, area = self.rng.choice(CITIES)
        return {
            "address": street_line(self.rng),
            "post_code": postcode(self.rng, low, high),
            "city": city,
            "country_code": "NL",
            "phone_number": f"{area}-{self.rng.randint(1000000, 9999999)}"[:11],
        }

    def company_name(self) -> tuple[str, str]:
        """Return a trade name and its legal form, e.g. ("Bakkerij De Vries", " B.V.")."""
        surname = self.rng.choice(SURNAMES)
        surname = surname[0].upper() + surname[1:]
        trade = self.rng.choice(TRADES)
        name = f"{trade} {surname}" if self.rng.random() < 0.6 else f"{surname} {trade}"
        return name, self.rng.choice(COMPANY_FORMS)

    def bank(self, row: Debtor) -> None:
        bank, bic = self.rng.choice(BANKS)
        row.iban = iban_nl(bank, f"{self.rng.randint(0, 9_999_999_999):010d}")
        row.bic = bic

    def build(self, index: int) -> Debtor:
        company = self.rng.random() < 0.6
        added = past_moment(self.rng, self.now, 1000)
        row = Debtor(
            administration=self.administration,
            customer_number=str(10001 + index),
            date_added=added,
            date_last_change=added + (self.now - added) * self.rng.random(),
            blocked=self.rng.random() < 0.01,
            **self.address(),
        )
        foreign = row.country_code != "NL"
        kinds = ("ZAKEU", "BUIT") if foreign else ("ZAK", "PART")
        row.debtor_kind = self.references.debtor_kinds[kinds[0] if company else kinds[1]]
        if company:
            self.fill_company(row, index)
        else:
            self.fill_private(row, index)
        return row

    def company_domain(self, name: str) -> str:
        slug = "".join(char for char in name.lower() if char.isascii() and char.isalnum())[:40]
        while slug in self.domains:
            slug += str(self.rng.randint(0, 9))
        self.domains.add(slug)
        return f"{slug}.example.com"

    def fill_company(self, row: Debtor, index: int) -> None:
        trade_name, form = self.company_name()
        row.name = f"{trade_name}{form}"[:100]
        domain = self.company_domain(trade_name)
        row.email_address = f"info@{domain}"
        row.coc_number = f"{self.rng.randint(10_000_000, 99_999_999)}"
        row.vat_number = f"NL{self.rng.randint(0, 999_999_999):09d}B01"
        row.payment_condition = self.references.conditions[self.rng.choice([14, 30, 30, 60])]
        row.payment_method = self.references.methods["BANK"]
        self.bank(row)
        if self.rng.random() < 0.15:
            row.direct_debit = True
            row.payment_method = self.references.methods["INC"]
        if self.rng.random() < 0.15:
            self.delivery_elsewhere(row)
        people = [self.person() for _ in range(self.rng.randint(1, 3))]
        row.attention_to = people[0].full
        self.contacts[index] = [
            ContactPerson(
                first_name=person.first,
                last_name=person.surname,
                email_address=person.email(domain, 0),
                phone_number=f"06-{self.rng.randint(10_000_000, 99_999_999)}",
                function=self.rng.choice(FUNCTIONS),
                is_primary=position == 0,
            )
            for position, person in enumerate(people)
        ]

    def delivery_elsewhere(self, row: Debtor) -> None:
        city, low, high, _area = self.rng.choice(CITIES)
        row.delivery_address = street_line(self.rng)
        row.delivery_post_code, row.delivery_city = postcode(self.rng, low, high), city
        row.delivery_country_code = "NL"

    def fill_private(self, row: Debtor, index: int) -> None:
        person = self.person()
        row.name = person.full
        domain = self.rng.choice(["example.com", "example.net", "example.org"])
        # The index keeps addresses unique: flows match customers by e-mail.
        row.email_address = person.email(domain, index)
        row.mobile_number = f"06-{self.rng.randint(10_000_000, 99_999_999)}"
        row.phone_number = None
        row.payment_condition = self.references.conditions[0]
        row.payment_method = self.references.methods[self.rng.choice(["IDEAL", "IDEAL", "PAYPAL"])]


# Orders and invoices


def plan_orders(
    rng: random.Random, articles: list[Article], debtors: list[Debtor], count: int, now: datetime
) -> list[tuple[SalesOrder, list[SalesOrderLine]]]:
    """Return orders with their lines; open ones add to their articles' reservations."""
    sellable = [a for a in articles if a.active and a.current_stock > 0]
    buyers = [d for d in debtors if not d.blocked]
    planned = []
    for _ in range(count if sellable and buyers else 0):
        status = rng.choices(list(OrderStatus), weights=[70, 5, 10, 10, 5])[0]
        order = SalesOrder(
            administration=debtors[0].administration,
            debtor=rng.choice(buyers),
            date=past_moment(rng, now, 30),
            status=status,
            reference=f"WEB-{rng.randint(100000, 999999)}" if rng.random() < 0.7 else None,
            stock_reserved=status in (OrderStatus.OPEN, OrderStatus.PARTLY_DELIVERED),
            stock_taken=status in (OrderStatus.DELIVERED, OrderStatus.INVOICED),
        )
        order.date_added = order.date_last_change = order.date
        lines = [
            order_line(rng, order, article, position)
            for position, article in enumerate(rng.sample(sellable, rng.randint(1, 3)), 1)
        ]
        set_amounts(order, [(line.amount_excl_vat, line.vat_amount) for line in lines])
        planned.append((order, lines))
    return planned


def order_line(
    rng: random.Random, order: SalesOrder, article: Article, position: int
) -> SalesOrderLine:
    quantity = Decimal(rng.randint(1, 3))
    if order.stock_reserved:
        article.reserved_stock += quantity
    vat = article.sales_type.vat_code
    amount = (quantity * article.sales_price).quantize(CENT, ROUND_HALF_UP)
    return SalesOrderLine(
        position=position,
        article=article,
        description=article.description,
        quantity=quantity,
        unit_price=article.sales_price,
        vat_code=vat.code,
        amount_excl_vat=amount,
        vat_amount=(amount * vat.percentage / 100).quantize(CENT, ROUND_HALF_UP),
    )


def set_amounts(row: SalesOrder | SalesInvoice, amounts: list[tuple[Decimal, Decimal]]) -> None:
    row.amount_excl_vat = sum((amount for amount, _vat in amounts), Decimal(0))
    row.vat_amount = sum((vat for _amount, vat in amounts), Decimal(0))
    row.amount_incl_vat = row.amount_excl_vat + row.vat_amount


def plan_invoices(
    rng: random.Random,
    articles: list[Article],
    debtors: list[Debtor],
    count: int,
    references: References,
    now: datetime,
) -> list[tuple[SalesInvoice, list[SalesInvoiceLine]]]:
    """Return paid, payable and concept invoices over the last 60 days."""
    planned = []
    year = now.astimezone(DUTCH).year
    for number in range(1, count + 1 if articles and debtors else 1):
        debtor = rng.choice(debtors)
        date = past_moment(rng, now, 60)
        status = rng.choices(
            [InvoiceStatus.PAID, InvoiceStatus.PAYABLE, InvoiceStatus.CONCEPT], weights=[55, 35, 10]
        )[0]
        days = debtor.payment_condition.days if debtor.payment_condition else 14
        invoice = SalesInvoice(
            administration=debtor.administration,
            invoice_number=f"{year}-{number:05d}",
            date=date,
            bookyear=date.astimezone(DUTCH).year,
            bookperiod=date.astimezone(DUTCH).month,
            journal=references.journal,
            debtor=debtor,
            description=f"Factuur {debtor.name}"[:200],
            status=status,
            payment_condition=debtor.payment_condition,
            payment_due_date=date + timedelta(days=days),
            date_added=date,
            date_last_change=date,
        )
        lines = [
            invoice_line(rng, article, position)
            for position, article in enumerate(rng.sample(articles, rng.randint(1, 3)), 1)
        ]
        set_amounts(invoice, [(line.amount, line.vat_amount) for line in lines])
        planned.append((invoice, lines))
    return planned


def invoice_line(rng: random.Random, article: Article, position: int) -> SalesInvoiceLine:
    vat = article.sales_type.vat_code
    amount = (rng.randint(1, 4) * article.sales_price).quantize(CENT, ROUND_HALF_UP)
    return SalesInvoiceLine(
        position=position,
        description=article.description,
        amount=amount,
        vat_code=vat.code,
        vat_amount=(amount * vat.percentage / 100).quantize(CENT, ROUND_HALF_UP),
        ledger_account_id=article.sales_type.ledger_account_id,
    )


# Putting it together


def clear_administration(administration: Administration) -> None:
    """Delete the administration's records (not its reference lists), children first.

    Children go first so that plain DELETEs suffice: Django's collector would otherwise load
    every article to check the order lines that PROTECT it (seconds for 10,000 articles).
    """
    querysets: list[Any] = [
        SalesInvoiceLine.objects.filter(invoice__administration=administration),
        SalesOrderLine.objects.filter(order__administration=administration),
        SalesInvoice.objects.filter(administration=administration),
        SalesOrder.objects.filter(administration=administration),
        ContactPerson.objects.filter(debtor__administration=administration),
        Debtor.objects.filter(administration=administration),
        Article.objects.filter(administration=administration),
    ]
    for queryset in querysets:
        queryset._raw_delete(queryset.db)


def save_orders(planned: list[tuple[SalesOrder, list[SalesOrderLine]]], year: int) -> None:
    for number, (order, _lines) in enumerate(planned, start=1):
        order.order_number = f"{year}-{number:05d}"
    SalesOrder.objects.bulk_create([order for order, _ in planned], batch_size=BATCH)
    lines = [line for order, order_lines in planned for line in order_lines]
    for order, order_lines in planned:
        for line in order_lines:
            line.order = order
    SalesOrderLine.objects.bulk_create(lines, batch_size=BATCH)


def save_invoices(planned: list[tuple[SalesInvoice, list[SalesInvoiceLine]]]) -> None:
    SalesInvoice.objects.bulk_create([invoice for invoice, _ in planned], batch_size=BATCH)
    for invoice, lines in planned:
        for line in lines:
            line.invoice = invoice
    SalesInvoiceLine.objects.bulk_create(
        [line for _, lines in planned for line in lines], batch_size=BATCH
    )


def save_debtors(factory: DebtorFactory, debtors: list[Debtor]) -> int:
    Debtor.objects.bulk_create(debtors, batch_size=BATCH)
    contacts = []
    for index, people in factory.contacts.items():
        for contact in people:
            contact.debtor = debtors[index]
            contacts.append(contact)
    ContactPerson.objects.bulk_create(contacts, batch_size=BATCH)
    return len(contacts)


SHIPPING_ARTICLE_CODE = "VERZEND"


def add_shipping_article(admin: Administration, now: datetime) -> Article:
    """The article a shop books shipping costs on (the orders flow's default code)."""
    shipping = SalesType.objects.get(administration=admin, description="Verzendkosten")
    return Article.objects.create(
        administration=admin,
        code=SHIPPING_ARTICLE_CODE,
        description="Verzendkosten",
        sales_type=shipping,
        sales_price=Decimal("4.09"),
        unit="stuks",
        current_stock=Decimal(0),
        date_added=now,
        date_last_change=now,
    )


@transaction.atomic
def seed_administration(
    admin: Administration,
    *,
    articles: int,
    debtors: int,
    seed: int,
    variant_share: float = 0.1,
    shipping_article: bool = True,
) -> dict[str, int]:
    """Replace the administration's records with generated ones; return what was made.

    `articles` counts the catalogue; the shipping-cost article comes on top of it."""
    rng = random.Random(f"{seed}:{admin.name}")  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    ensure_reference_lists(admin)
    clear_administration(admin)
    references = References.load(admin)
    article_factory = ArticleFactory(rng, references, admin, now, rng.randint(1000, 9999))
    article_rows = build_articles(article_factory, articles, variant_share)
    debtor_factory = DebtorFactory(rng, references, admin, now)
    debtor_rows = [debtor_factory.build(index) for index in range(debtors)]
    orders = plan_orders(rng, article_rows, debtor_rows, min(max(articles // 50, 5), 300), now)
    invoices = plan_invoices(
        rng, article_rows, debtor_rows, min(max(debtors // 5, 3), 300), references, now
    )
    Article.objects.bulk_create(article_rows, batch_size=BATCH)
    if shipping_article:
        add_shipping_article(admin, now)
    contacts = save_debtors(debtor_factory, debtor_rows)
    year = now.astimezone(DUTCH).year
    save_orders(orders, year)
    save_invoices(invoices)
    Administration.objects.filter(pk=admin.pk).update(
        next_order_number=len(orders) + 1, next_invoice_number=len(invoices) + 1
    )
    return {
        "articles": len(article_rows),
        "variant_articles": sum(a.is_variant for a in article_rows),
        "reserved_articles": sum(a.reserved_stock > 0 for a in article_rows),
        "debtors": len(debtor_rows),
        "companies": sum(d.debtor_kind.is_business for d in debtor_rows),
        "contact_persons": contacts,
        "sales_orders": len(orders),
        "sales_invoices": len(invoices),
        "paid_invoices": sum(i.status == InvoiceStatus.PAID for i, _ in invoices),
    }
