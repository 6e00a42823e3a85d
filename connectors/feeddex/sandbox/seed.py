"""Data of a sandbox organization: a Dutch webshop's products, customers and orders.

Deterministic with a seed: the same seed on the same account gives the same records
(timestamps are relative to now). Seeding writes history, so it fires no webhooks; the shop
simulator (`manage.py sandbox_shop`) places new orders that do.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from connectors.feeddex.sandbox import services
from connectors.feeddex.sandbox.models import Account, Customer, Order, Product
from connectors.feeddex.sandbox.schemas import ean_check_digit_ok
from connectors.sandboxkit.knobs import Knobs

DEMO_ORGANIZATION = "demo"
DEMO_CUSTOMERS = 25
DEMO_ORDERS = 40
GENERATED_PRODUCTS = 30

FIRST_NAMES = [
    "Jan", "Sanne", "Pieter", "Emma", "Daan", "Julia", "Bram", "Lotte", "Sem", "Anouk",
    "Thijs", "Fleur", "Lucas", "Noor", "Ruben", "Eva", "Jesse", "Iris", "Milan", "Femke",
    "Koen", "Sophie", "Niels", "Lieke", "Tim", "Marloes", "Joost", "Annemiek", "Wouter", "Ilse",
]  # fmt: skip
LAST_NAMES = [
    ("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("", "Bakker"), ("van", "Dijk"),
    ("", "Visser"), ("", "Smit"), ("", "Meijer"), ("de", "Boer"), ("", "Mulder"),
    ("de", "Groot"), ("", "Bos"), ("", "Vos"), ("", "Peters"), ("", "Hendriks"),
    ("van", "Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"),
    ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"), ("van der", "Linden"), ("", "Kok"),
]  # fmt: skip
COMPANY_WORDS = [
    "Bloem", "Fiets", "Koffie", "Tuin", "Bouw", "Zeil", "Kaas", "Klok", "Molen", "Duin",
    "Polder", "Gracht", "Tulp", "Dijk", "Haven",
]  # fmt: skip
COMPANY_KINDS = ["B.V.", "V.O.F.", "Groep B.V.", "& Zn.", "Holding B.V."]
STREETS = [
    "Keizersgracht", "Dorpsstraat", "Kerkstraat", "Molenweg", "Stationsweg", "Schoolstraat",
    "Julianalaan", "Beatrixstraat", "Marktplein", "Hoofdstraat", "Wilhelminastraat",
    "Prinsengracht", "Nieuwe Binnenweg", "Oudegracht", "Lange Voorhout",
]  # fmt: skip
CITIES = [
    ("Amsterdam", "10"), ("Rotterdam", "30"), ("Utrecht", "35"), ("Den Haag", "25"),
    ("Eindhoven", "56"), ("Groningen", "97"), ("Tilburg", "50"), ("Almere", "13"),
    ("Breda", "48"), ("Nijmegen", "65"), ("Haarlem", "20"), ("Arnhem", "68"),
    ("Zwolle", "80"), ("Leiden", "23"), ("Maastricht", "62"),
]  # fmt: skip
ADDITIONS = ["A", "B", "bis", "1", "2-hoog", "huis"]
PRODUCTS = [
    ("Stadsfiets", "Omafiets 28 inch", 649.0, 21),
    ("Fietsbel", "Messing fietsbel", 12.95, 21),
    ("Koffiebonen", "Espresso bonen 1 kg", 18.5, 9),
    ("Theeglas", "Marokkaans theeglas", 4.25, 21),
    ("Stroopwafels", "Ambachtelijke stroopwafels 8 st.", 3.99, 9),
    ("Goudse kaas", "Belegen Goudse kaas 500 g", 8.75, 9),
    ("Regenjas", "Waterdichte regenjas", 89.0, 21),
    ("Tulpenbollen", "Tulpenbollen mix 25 st.", 9.95, 9),
    ("Klompen", "Houten klompen maat 42", 24.5, 21),
    ("Fietstas", "Dubbele fietstas 40 l", 59.95, 21),
    ("Kookboek", "Hollandse pot kookboek", 27.5, 9),
    ("Delfts blauw bord", "Wandbord Delfts blauw", 34.95, 21),
]  # fmt: skip
SHIPPING_COSTS = [0.0, 4.95, 6.95]
PAYMENT_METHODS = ["ideal", "ideal", "ideal", "creditcard", "paypal", "banktransfer"]


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - sample data, not security


def valid_ean(rng: random.Random) -> str:
    """Return a GTIN-13 with a Dutch prefix (87) and a correct check digit."""
    body = "87" + "".join(str(rng.randint(0, 9)) for _ in range(10))
    for check in "0123456789":
        if ean_check_digit_ok(body + check):
            return body + check
    raise AssertionError("one of ten digits is always the check digit")


def dutch_address(rng: random.Random) -> dict[str, Any]:
    city, prefix = rng.choice(CITIES)
    postal = f"{prefix}{rng.randint(10, 99)} {rng.choice('ABCDEGHJKLMNPRSTVWXZ')}"
    postal += rng.choice("ABCDEGHJKLMNPRSTVWXZ")
    return {
        "street": rng.choice(STREETS),
        "houseNumber": str(rng.randint(1, 250)),
        "houseNumberAddition": rng.choice(ADDITIONS) if rng.random() < 0.25 else None,
        "postalCode": postal,
        "city": city,
        "countryCode": "NL",
    }


def dutch_person(rng: random.Random, index: int) -> dict[str, Any]:
    """Return a customer's identity; about a third are companies (with a VAT number)."""
    first = rng.choice(FIRST_NAMES)
    infix, last = rng.choice(LAST_NAMES)
    last_name = f"{infix} {last}".strip()
    slug = f"{first}.{last_name}".lower().replace(" ", "")
    person: dict[str, Any] = {
        "email": f"{slug}.{index}@example.nl",
        "firstName": first,
        "lastName": last_name,
        "companyName": None,
        "vatNumber": None,
        "phone": f"06{rng.randint(10_000_000, 99_999_999)}",
    }
    if rng.random() < 0.35:
        word = rng.choice(COMPANY_WORDS)
        person["companyName"] = f"{word}{rng.choice(['hal', 'huis', 'winkel', 'land'])} " + (
            rng.choice(COMPANY_KINDS)
        )
        person["vatNumber"] = f"NL{rng.randint(100_000_000, 999_999_999)}B01"
    return person


def _product_rows(account: Account, rng: random.Random, now: datetime) -> list[Product]:
    taken = set(Product.objects.filter(account=account).values_list("sku", flat=True))
    rows = []
    for index in range(GENERATED_PRODUCTS):
        base, name, price, vat = PRODUCTS[index % len(PRODUCTS)]
        sku = f"FDX-{base[:4].upper()}-{index + 1:04d}"
        if sku in taken:
            continue
        rows.append(
            Product(
                account=account,
                sku=sku,
                name=name if index < len(PRODUCTS) else f"{name} ({index // len(PRODUCTS) + 1})",
                short_description=f"{base} uit ons eigen assortiment",
                price=Decimal(str(price)),
                vat_rate=vat,
                ean=valid_ean(rng),
                quantity=rng.randint(0, 120),
                attributes=[{"name": "Herkomst", "value": "Nederland"}],
                created_at=now,
                updated_at=now,
            )
        )
    return rows


def _customer_rows(
    account: Account, rng: random.Random, count: int, now: datetime
) -> list[Customer]:
    offset = Customer.objects.filter(account=account).count()
    rows = []
    for index in range(offset, offset + count):
        person = dutch_person(rng, index + 1)
        billing = dutch_address(rng)
        rows.append(
            Customer(
                account=account,
                email=person["email"],
                first_name=person["firstName"],
                last_name=person["lastName"],
                company_name=person["companyName"],
                vat_number=person["vatNumber"],
                phone=person["phone"],
                billing_address=billing,
                shipping_address=dutch_address(rng) if rng.random() < 0.2 else None,
                created_at=now - timedelta(days=rng.randint(30, 400)),
                updated_at=now - timedelta(days=rng.randint(0, 29)),
            )
        )
    return rows


def order_lines(
    rng: random.Random, catalogue: list[tuple[str, str, float, int]]
) -> list[dict[str, Any]]:
    """Return one to four lines of distinct products, prices incl. VAT as a shop shows them."""
    picked = rng.sample(catalogue, k=min(len(catalogue), rng.randint(1, 4)))
    return [
        {
            "sku": sku,
            "name": name,
            "quantity": rng.choice([1, 1, 1, 2, 3]),
            "unitPrice": price,
            "priceIncludesVat": True,
            "vatRate": vat,
            "discountAmount": round(price * 0.1, 2) if rng.random() < 0.1 else 0,
        }
        for sku, name, price, vat in picked
    ]


def new_order(
    rng: random.Random,
    *,
    catalogue: list[tuple[str, str, float, int]],
    customers: list[Customer],
    index: int,
    created_at: datetime | None = None,
) -> services.NewOrder:
    """Return an order a shop's customer could place: account or guest, person or company."""
    customer = rng.choice(customers) if customers and rng.random() < 0.6 else None
    if customer is not None:
        identity = {
            "email": customer.email,
            "firstName": customer.first_name,
            "lastName": customer.last_name,
            "companyName": customer.company_name,
            "vatNumber": customer.vat_number,
            "phone": customer.phone,
        }
        billing = customer.billing_address
        shipping = customer.shipping_address
    else:
        identity = dutch_person(rng, 100_000 + index)
        identity["email"] = str(identity["email"]).replace("@", "+gast@")
        billing = dutch_address(rng)
        shipping = dutch_address(rng) if rng.random() < 0.15 else None
    paid = rng.random() < 0.75
    on_invoice = identity.get("companyName") is not None and rng.random() < 0.5
    return services.NewOrder(
        customer=customer,
        customer_data=identity,
        billing_address=billing,
        shipping_address=shipping,
        lines=order_lines(rng, catalogue),
        shipping_cost={
            "amount": rng.choice(SHIPPING_COSTS),
            "priceIncludesVat": True,
            "vatRate": 21,
        },
        payment_status="paid" if paid else "pending",
        payment_method="invoice" if on_invoice else rng.choice(PAYMENT_METHODS),
        payment_term_days=rng.choice([14, 30]) if on_invoice else None,
        note="Graag bij de buren afgeven" if rng.random() < 0.05 else None,
        created_at=created_at,
    )


def catalogue_of(
    account: Account, skus: list[str] | None, rng: random.Random
) -> list[tuple[str, str, float, int]]:
    """Return (sku, name, price incl. VAT, vat rate) of what the shop sells."""
    if skus:
        return [
            (
                sku,
                PRODUCTS[i % len(PRODUCTS)][1],
                PRODUCTS[i % len(PRODUCTS)][2],
                PRODUCTS[i % len(PRODUCTS)][3],
            )
            for i, sku in enumerate(skus)
        ]
    rows = Product.objects.filter(account=account, active=True).order_by("id")
    return [(p.sku, p.name, float(p.price), int(p.vat_rate)) for p in rows]


def _history_status(rng: random.Random, draft: services.NewOrder, now: datetime) -> str:
    """Older paid orders have been shipped or completed; old unpaid ones were cancelled."""
    age = now - (draft.created_at or now)
    if draft.payment_status == "paid" and age > timedelta(days=2):
        return rng.choice(["shipped", "completed", "completed"])
    if draft.payment_status == "paid":
        return rng.choice(["new", "processing"])
    if age > timedelta(days=14) and draft.payment_method != "invoice":
        return "cancelled"
    return "new"


@transaction.atomic
def seed_account(
    account: Account, *, customers: int, orders: int, seed: int, skus: list[str] | None = None
) -> dict[str, int]:
    """Fill the account; return how many products, customers and orders were created.

    With `skus`, order lines use those (e.g. the Asperion sandbox's article codes, so the
    orders can be booked there) and no products are made; without, a catalogue of Dutch
    products with valid EANs is created first.
    """
    rng = _rng(seed)
    now = timezone.now()
    product_rows = [] if skus else _product_rows(account, rng, now)
    Product.objects.bulk_create(product_rows, batch_size=500)
    customer_rows = _customer_rows(account, rng, customers, now)
    Customer.objects.bulk_create(customer_rows, batch_size=500)
    catalogue = catalogue_of(account, skus, rng)
    known = list(Customer.objects.filter(account=account).order_by("id"))
    drafts = [
        new_order(
            rng,
            catalogue=catalogue,
            customers=known,
            index=i,
            created_at=now - timedelta(minutes=rng.randint(5, 60 * 24 * 30)),
        )
        for i in range(orders)
    ]
    drafts.sort(key=lambda draft: draft.created_at or now)
    for draft in drafts:
        draft.extra["status"] = _history_status(rng, draft, now)
    Order.objects.bulk_create(services.build_orders(account=account, new_orders=drafts, now=now))
    return {"products": len(product_rows), "customers": len(customer_rows), "orders": orders}


def ensure_own_account(*, tenant: Any, organization: str, seed: int, skus: list[str]) -> Account:
    """Return the organization of one platform company, creating and seeding it like the
    demo one the first time: the demo's knobs (a demo without rate limits gives its
    companies none), customers, and orders of the company's own Asperion articles."""
    account = Account.objects.filter(tenant=tenant).order_by("pk").first()
    if account is not None:
        return account
    demo = Account.objects.filter(organization=DEMO_ORGANIZATION).first()
    knobs = Knobs.load(demo.knobs) if demo is not None else None
    account = services.account_create(organization=organization, knobs=knobs, tenant=tenant)
    seed_account(account, customers=DEMO_CUSTOMERS, orders=DEMO_ORDERS, seed=seed, skus=skus)
    return account


def ensure_demo_account(*, skus: list[str] | None = None, tenant: Any = None) -> Account:
    """Return the well-known demo organization, creating and seeding it the first time;
    with `tenant` (the demo company), that company owns it when nobody does yet.

    The caller prints its credentials (`account.auth_code`, `account.password`).
    """
    account = Account.objects.filter(organization=DEMO_ORGANIZATION).first()
    if account is None:
        account = services.account_create(organization=DEMO_ORGANIZATION)
        seed_account(account, customers=DEMO_CUSTOMERS, orders=DEMO_ORDERS, seed=1, skus=skus)
    if tenant is not None and account.tenant_id is None:
        account.tenant = tenant
        account.save(update_fields=["tenant"])
    return account
