"""The default rules of each mapping: what every flow does right after the wizard.

The flows name these rules on their definitions (flows/definitions.py), which register them
with mapping.kinds. Each default is an ordinary mapping (the same JSON a user edits), so the
editor shows exactly what runs. Values that differ per tenant come from the flow's settings
through the context: `$settings.…` (the flow's settings) and `$customer_defaults.…` (the
integration's settings for new debtors), as the flows engine passes them.
"""

from __future__ import annotations

from typing import Any

# ---- small builders, so the defaults read like the table in the docs --------------------------


def src(path: str) -> dict[str, Any]:
    return {"source": path}


def const(value: Any) -> dict[str, Any]:
    return {"const": value}


def step(fn: str, *args: dict[str, Any]) -> dict[str, Any]:
    return {"fn": fn, "args": list(args)} if args else {"fn": fn}


def when(path: str, op: str = "truthy", value: Any = None) -> dict[str, Any]:
    condition: dict[str, Any] = {"source": path, "op": op}
    if value is not None:
        condition["value"] = value
    return condition


def rule(
    target: str, source: str | None = None, *steps: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {"target": target}
    if source is not None:
        spec["source"] = source
    if steps:
        spec["steps"] = list(steps)
    spec.update(extra)
    return spec


# ---- products: the accounting system's article → the shop's product ---------------------------

PRODUCTS = [
    rule("sku", "sku"),
    rule("type", const="simple"),
    rule("name", "name", step("truncate", const(255))),
    # Descriptions are often enriched in the shop: written when the product is created only.
    rule(
        "shortDescription",
        "short_description",
        step("truncate", const(1000)),
        create_only=True,
    ),
    rule("longDescription", "long_description", create_only=True),
    # Incl. VAT: the article's own incl. price when it has one, else computed from the rate.
    rule(
        "price",
        "price_excl_vat",
        step("price_incl_vat", src("vat_rate")),
        step("coalesce", src("price_incl_vat"), {"previous": True}),
        when=when("$settings.price_includes_vat", "truthy"),
    ),
    rule(
        "price",
        "price_excl_vat",
        step("round", const(2)),
        when=when("$settings.price_includes_vat", "falsy"),
    ),
    rule("priceIncludesVat", "$settings.price_includes_vat", default=True),
    rule("vatRate", "vat_rate"),
    rule("currency", "$settings.currency", default="EUR"),
    rule("ean", "ean", step("ean")),
    # The stock flow's calculation is the one truth for the quantity (the same figure it
    # sends); while the stock flow is on, only a create sends it (flows/definitions.py).
    rule(
        "quantity",
        "current_stock",
        step("subtract", src("reserved_stock")),
        step("clamp", const(0)),
        step("integer"),
        when=when("$stock.stock_calculation", "not_equals", "current"),
    ),
    rule(
        "quantity",
        "current_stock",
        step("clamp", const(0)),
        step("integer"),
        when=when("$stock.stock_calculation", "equals", "current"),
    ),
    rule("active", "active"),
    rule(
        "attributes",
        None,
        step(
            "name_value_list",
            src("$settings.attribute_names"),
            *(src(f"characteristic_{n}") for n in range(1, 6)),
        ),
    ),
]

# ---- stock: the accounting system's stock level → the shop's stock update ---------------------


def _stock_quantity(op: str, *steps: dict[str, Any]) -> list[dict[str, Any]]:
    """The quantity rules of one stock calculation: below zero sent as 0 (the default) or as
    the negative figure (the setting negative_stock)."""
    chosen = when("$settings.stock_calculation", op, "current")
    return [
        rule(
            "quantity",
            "current_stock",
            *steps,
            step("clamp", const(0)),
            step("integer"),
            when=[chosen, when("$settings.negative_stock", "not_equals", "send_negative")],
        ),
        rule(
            "quantity",
            "current_stock",
            *steps,
            step("integer"),
            when=[chosen, when("$settings.negative_stock", "equals", "send_negative")],
        ),
    ]


STOCK = [
    rule("sku", "sku"),
    # available (the default) = current stock − sales reservations; current = current stock.
    *_stock_quantity("not_equals", step("subtract", src("reserved_stock"))),
    *_stock_quantity("equals"),
    rule("manageStock", "$settings.feeddex_manages_stock", default=True),
]

# ---- customers: the accounting system's debtor → the shop's customer --------------------------


def _address_from_line(target: str, source: str) -> list[dict[str, Any]]:
    """The shop wants street / number / addition; the accounting system keeps one line. Use
    the parts when the source has them, else split the line."""
    has_parts = when(f"{source}.street", "not_empty")
    no_parts = when(f"{source}.street", "empty")
    has_city = when(f"{source}.city", "not_empty")
    return [
        rule(f"{target}.street", f"{source}.street", when=has_parts),
        rule(
            f"{target}.street",
            f"{source}.line",
            step("split_address", const("street")),
            when=no_parts,
        ),
        rule(f"{target}.houseNumber", f"{source}.house_number", when=has_parts),
        rule(
            f"{target}.houseNumber",
            f"{source}.line",
            step("split_address", const("number")),
            when=no_parts,
        ),
        rule(f"{target}.houseNumberAddition", f"{source}.addition", when=has_parts),
        rule(
            f"{target}.houseNumberAddition",
            f"{source}.line",
            step("split_address", const("addition")),
            when=no_parts,
        ),
        rule(f"{target}.postalCode", f"{source}.postcode", step("trim"), step("upper")),
        rule(f"{target}.city", f"{source}.city", step("trim")),
        rule(f"{target}.countryCode", f"{source}.country", default="NL", when=has_city),
    ]


CUSTOMERS = [
    rule("email", "email", step("trim"), step("lower")),
    rule("firstName", "first_name"),
    rule("lastName", None, step("coalesce", src("last_name"), src("company_name"))),
    rule("companyName", "company_name"),
    rule("vatNumber", "vat_number"),
    rule("phone", "phone"),
    rule("customerCode", "customer_number"),
    *_address_from_line("billingAddress", "billing"),
    *_address_from_line("shippingAddress", "shipping"),
]

# ---- orders: the shop's order → the accounting system's sales order ---------------------------


def _one_line(source: str) -> dict[str, Any]:
    """A step that joins an address's parts into the accounting system's one line, or keeps
    its line."""
    return step(
        "join_address",
        src(f"{source}.street"),
        src(f"{source}.house_number"),
        src(f"{source}.addition"),
    )


_PERSON_OR_COMPANY = [
    step("join_name", src("customer.first_name"), src("customer.last_name")),
    step("coalesce", src("customer.company_name"), {"previous": True}),
    step("truncate", const(100)),
]

ORDER_LINES = [
    rule("articleCode", "sku"),
    rule("description", "name"),
    rule("quantity", "quantity"),
    # Cent-exact: the discount folded into the price as an amount, four decimals; the orders
    # flow then settles the order's total (flows/order_amounts.py).
    rule(
        "unitPrice",
        "unit_price",
        step(
            "line_price_excl_vat",
            src("quantity"),
            src("discount_amount"),
            src("vat_rate"),
            src("price_includes_vat"),
        ),
    ),
    rule("vatCode", "vat_rate", step("lookup", src("$settings.vat_code_map"))),
]

has_shipping = when("shipping", "not_empty")

ORDERS = [
    rule(
        "date",
        "created_at",
        step("coalesce", src("changed_at")),
        step("format_datetime", const("iso"), const("Europe/Amsterdam")),
    ),
    rule("reference", "number", step("truncate", const(50))),
    # What a bookkeeper looks for: the order number, and the customer's note when there is one.
    rule(
        "description",
        None,
        step("join", const(" "), const("Feeddex order"), src("number")),
        step("join", const(": "), {"previous": True}, src("note")),
        step("truncate", const(4000)),  # the accounting system's limit for a description
    ),
    rule(
        "paymentMethodId",
        "payment_method",
        step("lookup", src("$settings.payment_method_map"), const(None)),
    ),
    rule(
        "paymentConditionId",
        "payment_term_days",
        step("lookup", src("$settings.payment_term_map"), const(None)),
    ),
    rule("deliveryName", None, *_PERSON_OR_COMPANY, when=has_shipping),
    rule(
        "deliveryAddress",
        None,
        _one_line("shipping"),
        step("coalesce", src("shipping.line"), {"previous": True}),
        when=has_shipping,
    ),
    rule("deliveryPostCode", "shipping.postcode", when=has_shipping),
    rule("deliveryCity", "shipping.city", when=has_shipping),
    rule("deliveryCountryCode", "shipping.country", when=has_shipping),
    rule("lines._data", "lines", items=ORDER_LINES),
]

# ---- order_customer: the order's customer and billing address → a debtor ----------------------

is_company = when("customer.company_name", "not_empty")

ORDER_CUSTOMER = [
    rule("name", None, *_PERSON_OR_COMPANY),
    rule(
        "address",
        None,
        _one_line("billing"),
        step("coalesce", src("billing.line"), {"previous": True}),
    ),
    rule("postCode", "billing.postcode"),
    rule("city", "billing.city"),
    rule("countryCode", "billing.country", default="NL"),
    rule(
        "deliveryAddress",
        None,
        _one_line("shipping"),
        step("coalesce", src("shipping.line"), {"previous": True}),
        when=has_shipping,
    ),
    rule("deliveryPostCode", "shipping.postcode", when=has_shipping),
    rule("deliveryCity", "shipping.city", when=has_shipping),
    rule("deliveryCountryCode", "shipping.country", when=has_shipping),
    rule(
        "attentionTo",
        None,
        step("join_name", src("customer.first_name"), src("customer.last_name")),
        when=is_company,
    ),
    rule("emailAddress", "customer.email", step("trim"), step("lower")),
    rule("phoneNumber", "customer.phone"),
    rule("vatNumber", "customer.vat_number"),
    rule("cocNumber", "customer.coc_number"),
    rule("debtorKindId", "$customer_defaults.debtor_kind_company", when=is_company),
    rule(
        "debtorKindId",
        "$customer_defaults.debtor_kind_person",
        when=when("customer.company_name", "empty"),
    ),
    # The order's payment term when it maps to a payment condition, else the integration's.
    rule(
        "paymentConditionId",
        "payment_term_days",
        step("lookup", src("$settings.payment_term_map"), const(None)),
        step("coalesce", src("$customer_defaults.payment_condition_id")),
    ),
    rule(
        "paymentMethodId",
        "payment_method",
        step("lookup", src("$settings.payment_method_map"), const(None)),
    ),
]

# ---- the contact person of a company debtor made from an order -------------------------------

ORDER_CONTACT = [
    rule("firstName", "customer.first_name"),
    rule("lastName", "customer.last_name"),
    rule("emailAddress", "customer.email"),
    rule("phoneNumber", "customer.phone"),
    rule("isPrimary", const=True),
]

# ---- review invitations: a sales invoice → the shop's transaction -----------------------------

no_name_parts = [
    when("first_name", "empty"),
    when("last_name", "empty"),
    when("company_name", "empty"),
]

REVIEW_INVITATIONS = [
    rule("customerCode", "customer_number"),
    rule("orderReference", "invoice_number"),
    rule("email", "customer_email", step("trim"), step("lower")),
    rule("firstName", "first_name"),
    rule("lastName", "last_name"),
    # A private debtor with only a full name: split it (Dutch prefixes go with the last name).
    rule("firstName", "customer_name", step("split_name", const("first")), when=no_name_parts),
    rule("lastName", "customer_name", step("split_name", const("last")), when=no_name_parts),
    rule("companyName", "company_name"),
    rule("unitId", "$settings.unit_id"),
    rule("delayDays", "$settings.delay_days", default=7),
    rule("date", "date", step("format_date")),
    rule(
        "products",
        "lines",
        items=[
            rule("code", "sku"),
            rule("name", "name"),
            rule("ean", "ean", step("ean", const("empty"))),
        ],
    ),
]
