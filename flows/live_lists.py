"""Settings that name something in the connected systems, proposed from and checked against
those systems' own lists.

At connection time (`integration_propose_defaults`) every such setting whose value the live
lists do not know is replaced by the item that means the same: VAT codes by percentage,
debtor kinds by meaning (business or private, at home), payment conditions by days, payment
methods by name, the shipping-cost article by its description, the review unit when there
is only one. What cannot be matched is left for the wizard to ask. A value the lists know
(chosen by hand, or the right one already) is never replaced.

Before going live (`unresolved_settings`) every enabled flow's settings are checked against
the same lists: a setting that does not resolve is named with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from connectors.base import ConnectorError, Option
from connectors.registry import connector_class
from flows.models import Integration

logger = logging.getLogger(__name__)

ACCOUNTING_LISTS = ("vatcodes", "debtorkinds", "paymentconditions", "paymentmethods", "journals")
# Words that mark a list item as the special case, not the ordinary one (a 0 % code for
# exports, a debtor kind for abroad).
SPECIAL_WORDS = ("eu", "icp")
SPECIAL_PARTS = ("verlegd", "intracommunautair", "export", "buiten", "foreign", "abroad")
METHOD_WORDS = {
    "ideal": ("ideal",),
    "creditcard": ("credit",),
    "paypal": ("paypal",),
    "banktransfer": ("overschrijving", "overboeking", "bank", "transfer"),
    "invoice": ("overschrijving", "overboeking", "bank", "transfer"),
    "other": ("overschrijving", "overboeking", "bank", "transfer"),
}


@dataclass
class LiveLists:
    """The lists of both systems, read once."""

    accounting: dict[str, list[Option]] = field(default_factory=dict)
    units: list[Option] = field(default_factory=list)
    shipping_articles: list[Option] = field(default_factory=list)
    rounding_articles: list[Option] = field(default_factory=list)
    articles: dict[str, bool] = field(default_factory=dict)  # code → exists and active

    def ids(self, kind: str) -> set[str]:
        return {option.id for option in self.accounting.get(kind, [])}

    def article_exists(self, connector: Any, code: str) -> bool:
        if code not in self.articles:
            found = connector.lookup("articles", code)
            self.articles[code] = bool(found and found.get("active", True) is not False)
        return self.articles[code]


def read_lists(integration: Integration) -> tuple[LiveLists, Any]:
    """Read the lists; return them with the accounting connector (the caller closes it)."""
    accounting = connector_class(integration.accounting.system)(integration.accounting)
    shop = connector_class(integration.shop.system)(integration.shop)
    lists = LiveLists()
    try:
        for kind in ACCOUNTING_LISTS:
            lists.accounting[kind] = accounting.reference_data(kind)
        lists.shipping_articles = accounting.reference_data("shipping_articles")
        lists.rounding_articles = accounting.reference_data("rounding_articles")
        lists.units = shop.reference_data("units")
    finally:
        shop.close()
    return lists, accounting


# ---- matching ------------------------------------------------------------------------------


def ordinary_first(options: Iterable[Option]) -> list[Option]:
    """The plain item before the special ones (then the shortest name)."""

    def special(option: Option) -> bool:
        label = option.label.casefold()
        words = label.replace("(", " ").replace(")", " ").split()
        return any(word in words for word in SPECIAL_WORDS) or any(
            part in label for part in SPECIAL_PARTS
        )

    return sorted(options, key=lambda o: (special(o), len(o.label)))


def vat_code_for(rate: str, options: list[Option]) -> str | None:
    try:
        wanted = Decimal(rate)
    except InvalidOperation:
        return None
    matching = [
        o
        for o in options
        if o.facts.get("salesCode") is not False
        and o.facts.get("percentage") is not None
        and Decimal(str(o.facts["percentage"])) == wanted
    ]
    best = ordinary_first(matching)
    return best[0].id if best else None


def debtor_kind_for(business: bool, options: list[Option]) -> str | None:
    matching = [o for o in options if bool(o.facts.get("isBusiness")) == business]
    best = ordinary_first(matching)
    return best[0].id if best else None


def payment_method_for(method: str, options: list[Option]) -> str | None:
    for word in METHOD_WORDS.get(method, ()):
        for option in options:
            if word in option.label.casefold() or word == option.id.casefold():
                return option.id
    return None


def sales_journal(options: list[Option]) -> str | None:
    sales = [o for o in options if str(o.facts.get("type") or "").casefold() == "sales"]
    best = ordinary_first(sales)
    return best[0].id if best else None


# ---- proposing -----------------------------------------------------------------------------


def propose_customer_defaults(current: dict[str, Any], lists: LiveLists) -> dict[str, Any]:
    kinds = lists.accounting["debtorkinds"]
    known = lists.ids("debtorkinds")
    proposed = dict(current)
    for name, business in (("debtor_kind_company", True), ("debtor_kind_person", False)):
        if str(current.get(name) or "") not in known:
            proposed[name] = debtor_kind_for(business, kinds) or current.get(name)
    condition = current.get("payment_condition_id")
    if condition is not None and str(condition) not in lists.ids("paymentconditions"):
        proposed["payment_condition_id"] = None
    return proposed


def propose_order_settings(
    current: dict[str, Any], lists: LiveLists, accounting: Any
) -> dict[str, Any]:
    proposed = dict(current)
    vat_ids = lists.ids("vatcodes")
    proposed["vat_code_map"] = {
        rate: code
        if code in vat_ids
        else (vat_code_for(rate, lists.accounting["vatcodes"]) or code)
        for rate, code in (current.get("vat_code_map") or {}).items()
    }
    method_ids = lists.ids("paymentmethods")
    proposed["payment_method_map"] = {
        method: value
        if value in method_ids
        else (payment_method_for(method, lists.accounting["paymentmethods"]) or value)
        for method, value in (current.get("payment_method_map") or {}).items()
    }
    conditions = lists.accounting["paymentconditions"]
    by_days = {str(o.facts.get("days")): int(o.id) for o in conditions if o.id.isdigit()}
    proposed["payment_term_map"] = {
        days: value if str(value) in lists.ids("paymentconditions") else by_days.get(days, value)
        for days, value in (current.get("payment_term_map") or {}).items()
    }
    code = str(current.get("shipping_article_code") or "")
    if code and not lists.article_exists(accounting, code):
        found = lists.shipping_articles
        proposed["shipping_article_code"] = found[0].id if found else ""
    rounding = str(current.get("rounding_article_code") or "")
    if not rounding or not lists.article_exists(accounting, rounding):
        # None to find: empty, and the wizard offers to create one.
        found = lists.rounding_articles
        proposed["rounding_article_code"] = found[0].id if found else ""
    journal = current.get("invoice_journal_id")
    if journal and journal not in lists.ids("journals"):
        proposed["invoice_journal_id"] = sales_journal(lists.accounting["journals"]) or journal
    return proposed


def propose_invitation_settings(current: dict[str, Any], lists: LiveLists) -> dict[str, Any]:
    proposed = dict(current)
    units = {o.id for o in lists.units}
    if str(current.get("unit_id") or "") not in units:
        proposed["unit_id"] = int(lists.units[0].id) if len(lists.units) == 1 else None
    return proposed


def integration_propose_defaults(*, integration: Integration) -> bool:
    """Replace every setting that names something the connected systems do not know by the
    item of their lists that means the same. False when the lists cannot be read now (the
    wizard then asks for every such setting)."""
    from flows.services import flow_update_settings, integration_update_customer_defaults

    try:
        lists, accounting = read_lists(integration)
    except ConnectorError:
        return False
    try:
        integration_update_customer_defaults(
            integration=integration,
            data=propose_customer_defaults(integration.customer_defaults or {}, lists),
        )
        for flow in integration.flows.filter(kind__in=["orders", "review_invitations"]):
            current = flow.settings or {}
            if flow.kind == "orders":
                data = propose_order_settings(with_defaults("orders", current), lists, accounting)
            else:
                data = propose_invitation_settings(current, lists)
            flow_update_settings(flow=flow, data=data)
    finally:
        accounting.close()
    return True


def with_defaults(kind: str, current: dict[str, Any]) -> dict[str, Any]:
    """The settings with every default filled in (a value never saved is the schema's)."""
    from flows.settings_schemas import parse_settings

    typed = parse_settings(kind, current)
    return dict(typed.model_dump(mode="json"))


# ---- checking ------------------------------------------------------------------------------


def unresolved_settings(*, integration: Integration) -> dict[str, dict[str, str]]:
    """{flow kind or "customer_defaults": {setting: why it does not resolve}} for the enabled
    flows; an empty dict when all resolve. Lists that cannot be read now hold nothing up
    (the connection's own test and the first run say what is wrong)."""
    enabled = {f.kind: f for f in integration.flows.filter(enabled=True)}
    if not enabled.keys() & {"orders", "customers", "review_invitations"}:
        return {}
    try:
        lists, accounting = read_lists(integration)
    except ConnectorError as error:
        logger.warning(
            "integration %s: lists not read before going live: %s", integration.pk, error
        )
        return {}
    problems: dict[str, dict[str, str]] = {}
    try:
        if enabled.keys() & {"orders", "customers"}:
            problems["customer_defaults"] = customer_problems(integration, lists)
        if "orders" in enabled:
            settings = with_defaults("orders", enabled["orders"].settings or {})
            problems["orders"] = order_problems(settings, lists, accounting)
        if "review_invitations" in enabled:
            problems["review_invitations"] = invitation_problems(
                enabled["review_invitations"].settings or {}, lists
            )
    finally:
        accounting.close()
    return {kind: found for kind, found in problems.items() if found}


def not_in(value: Any, kind: str, lists: LiveLists) -> str:
    options = lists.accounting.get(kind, [])
    known = ", ".join(o.id for o in options[:12])
    return _("“%(value)s” is not in Asperion's list (%(known)s)") % {
        "value": value,
        "known": known,
    }


def customer_problems(integration: Integration, lists: LiveLists) -> dict[str, str]:
    from flows.settings_schemas import parse_customer_defaults

    defaults = parse_customer_defaults(integration.customer_defaults)
    problems = {}
    for name in ("debtor_kind_company", "debtor_kind_person"):
        value = getattr(defaults, name)
        if value not in lists.ids("debtorkinds"):
            problems[name] = not_in(value, "debtorkinds", lists)
    condition = defaults.payment_condition_id
    if condition is not None and str(condition) not in lists.ids("paymentconditions"):
        problems["payment_condition_id"] = not_in(condition, "paymentconditions", lists)
    return problems


def order_problems(settings: dict[str, Any], lists: LiveLists, accounting: Any) -> dict[str, str]:
    problems = {}
    bad_vat = {r: c for r, c in settings["vat_code_map"].items() if c not in lists.ids("vatcodes")}
    if bad_vat:
        problems["vat_code_map"] = "; ".join(
            f"{rate}%: {not_in(code, 'vatcodes', lists)}" for rate, code in bad_vat.items()
        )
    methods = settings["payment_method_map"]
    bad_methods = {m: v for m, v in methods.items() if v not in lists.ids("paymentmethods")}
    if bad_methods:
        problems["payment_method_map"] = "; ".join(
            f"{m}: {not_in(v, 'paymentmethods', lists)}" for m, v in bad_methods.items()
        )
    terms = settings["payment_term_map"]
    bad_terms = {d: v for d, v in terms.items() if str(v) not in lists.ids("paymentconditions")}
    if bad_terms:
        problems["payment_term_map"] = "; ".join(
            f"{d}: {not_in(v, 'paymentconditions', lists)}" for d, v in bad_terms.items()
        )
    code = settings["shipping_article_code"]
    if code and not lists.article_exists(accounting, code):
        problems["shipping_article_code"] = _(
            "Asperion has no active article “%(code)s”: choose one, or create it"
        ) % {"code": code}
    rounding = settings["rounding_article_code"]
    if rounding and not lists.article_exists(accounting, rounding):
        problems["rounding_article_code"] = _(
            "Asperion has no active article “%(code)s”: choose one, or create it"
        ) % {"code": rounding}
    journal = settings.get("invoice_journal_id")
    if settings["book_as"] == "salesinvoice" and journal not in lists.ids("journals"):
        problems["invoice_journal_id"] = not_in(journal, "journals", lists)
    return problems


def invitation_problems(settings: dict[str, Any], lists: LiveLists) -> dict[str, str]:
    units = {o.id: o.label for o in lists.units}
    unit = settings.get("unit_id")
    if unit is None:
        return {"unit_id": _("choose the Feeddex unit the feedback belongs to")}
    if str(unit) not in units:
        known = ", ".join(f"{i} ({label})" for i, label in units.items())
        return {
            "unit_id": _("“%(value)s” is not a Feeddex unit (%(known)s)")
            % {
                "value": unit,
                "known": known,
            }
        }
    return {}


# ---- the shipping-cost and rounding articles ---------------------------------------------------

SHIPPING_CODE = "VERZENDKOSTEN"
ROUNDING_CODE = "AFRONDING"


def shipping_article_create(*, integration: Integration) -> str:
    """Create the shipping-cost article in the accounting system (on the sales type for
    shipping, else the one with the high VAT rate) and choose it in the orders settings;
    return its code. An article of that code that exists already is chosen as it is."""
    return article_create(
        integration=integration,
        setting="shipping_article_code",
        code=SHIPPING_CODE,
        description="Verzendkosten",
        sales_type=shipping_sales_type,
    )


def rounding_article_create(*, integration: Integration) -> str:
    """Create the article of the rounding line (on the sales type of 0 % VAT: the line is
    booked at 0 %) and choose it in the orders settings; return its code."""
    return article_create(
        integration=integration,
        setting="rounding_article_code",
        code=ROUNDING_CODE,
        description="Afrondingsverschillen",
        sales_type=zero_sales_type,
    )


def article_create(
    *,
    integration: Integration,
    setting: str,
    code: str,
    description: str,
    sales_type: Any,
) -> str:
    from flows.services import flow_update_settings

    orders = integration.flows.get(kind="orders")
    accounting = connector_class(integration.accounting.system)(integration.accounting)
    try:
        if accounting.lookup("articles", code) is None:
            accounting.create(
                "articles",
                {
                    "code": code,
                    "description": description,
                    "salesTypeId": int(sales_type(accounting)),
                    "salesPrice": 0.0,
                },
            )
    finally:
        accounting.close()
    flow_update_settings(flow=orders, data={**(orders.settings or {}), setting: code})
    return code


def zero_sales_type(accounting: Any) -> str:
    types = accounting.reference_data("salestypes")
    zero = vat_code_for("0", accounting.reference_data("vatcodes"))
    for option in types:
        if zero and option.facts.get("vatCode") == zero:
            return str(option.id)
    if not types:
        raise ValueError("Asperion has no sales types to put the article on")
    return str(types[0].id)


def shipping_sales_type(accounting: Any) -> str:
    types = accounting.reference_data("salestypes")
    for option in types:
        if any(word in option.label.casefold() for word in ("verzend", "shipping")):
            return str(option.id)
    vat_codes = accounting.reference_data("vatcodes")
    high = vat_code_for("21", vat_codes)
    for option in types:
        if high and option.facts.get("vatCode") == high:
            return str(option.id)
    if not types:
        raise ValueError("Asperion has no sales types to put the article on")
    return str(types[0].id)
