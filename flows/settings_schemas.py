"""Typed settings of each flow and of an integration, with defaults and help texts.

Settings are stored as JSON and read only through these models, so a bad value is a clear
form or API error when it is saved, never a crash in a worker.
"""

from __future__ import annotations

from string import Formatter
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerDefaults(Settings):
    """What Asperion requires when a debtor is created; shared by the customers and orders flows."""

    debtor_kind_company: str = Field(
        "ZAK", description="Debtor kind (business booking group) for companies."
    )
    debtor_kind_person: str = Field(
        "PART", description="Debtor kind (booking group) for private persons."
    )
    payment_condition_id: int | None = Field(
        None, description="Payment condition given to new debtors (Asperion's list)."
    )
    customer_number_start: int = Field(
        10000, ge=1, description="New debtors get the next free customer number from this range."
    )
    customer_number_end: int = Field(19999, ge=1, description="Last number of that range.")

    @model_validator(mode="after")
    def _range_is_ordered(self) -> CustomerDefaults:
        if self.customer_number_end < self.customer_number_start:
            raise ValueError("customer_number_end must not be below customer_number_start")
        return self


DEFAULT_ATTRIBUTE_NAMES = ["Kenmerk 1", "Kenmerk 2", "Kenmerk 3", "Kenmerk 4", "Kenmerk 5"]
LOG_UNCHANGED_HELP = (
    "Keep a log row for every record that is unchanged since the last run. Off: the run only "
    "counts them, which keeps the activity log short and the runs fast."
)


class RecordsSettings(Settings):
    """Settings of a flow that passes over records that did not change."""

    log_unchanged: bool = Field(False, description=LOG_UNCHANGED_HELP)


class ProductSettings(RecordsSettings):
    update_existing: bool = Field(
        True,
        description="Update products that exist in Feeddex already. Per field: mapping rules "
        "marked 'only when creating' (by default the descriptions) are never overwritten, so "
        "prices update while texts enriched in Feeddex stay. Off: only create new products.",
    )
    active_only: bool = Field(True, description="Send only active articles.")
    deactivate_inactive: bool = Field(
        True,
        description="When an article is made inactive in Asperion, set its product inactive "
        "in Feeddex (so it can no longer be sold).",
    )
    price_includes_vat: bool = Field(
        True, description="Send the price including VAT (on) or excluding VAT (off)."
    )
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$", description="Currency of the prices.")
    attribute_names: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ATTRIBUTE_NAMES),
        max_length=5,
        description="Feeddex attribute name for each of Asperion's five characteristics; "
        "leave one empty to not send that characteristic.",
    )


class StockSettings(RecordsSettings):
    stock_calculation: Literal["available", "current"] = Field(
        "available",
        description="available = current stock minus sales reservations; current = current "
        "stock only.",
    )
    negative_stock: Literal["send_zero", "send_negative"] = Field(
        "send_zero",
        description="When more is reserved than in stock, the figure is below zero: send 0 "
        "(the default: Feeddex shows the product as sold out), or send the negative figure "
        "(Feeddex accepts it, e.g. for a shop that takes backorders).",
    )
    feeddex_manages_stock: bool = Field(
        True, description="Let Feeddex manage stock (it refuses orders when stock runs out)."
    )
    batch_size: int = Field(100, ge=1, le=100, description="Stock updates per API call.")


class CustomerSettings(RecordsSettings):
    match_by: Literal["email", "customer_number"] = Field(
        "email", description="How a debtor is matched with a Feeddex customer."
    )


class OrderSettings(Settings):
    payment_statuses: list[str] = Field(
        default_factory=lambda: ["paid"],
        description="Only orders with one of these payment statuses are booked.",
    )
    order_statuses: list[str] = Field(
        default_factory=lambda: ["new", "processing", "shipped", "completed"],
        description="Only orders with one of these order statuses are booked.",
    )
    accounting_package: Literal["unknown", "inTrade", "inBalance"] = Field(
        "unknown",
        description="Asperion package of the administration. inBalance has no sales orders: "
        "its orders are booked as sales invoices. (Asperion's API does not tell; the wizard "
        "asks.)",
    )
    reference_format: str = Field(
        "{number}",
        max_length=100,
        description="Reference of the sales order in Asperion, from {shop} (the shop "
        "connection's name), {number} (the order number) and {id} (the shop's order id), "
        "e.g. {shop}-{number}; at most 50 characters are kept.",
    )
    book_as: Literal["salesorder", "salesinvoice"] = Field(
        "salesorder",
        description="Book each order as a sales order (Asperion invoices it later) or "
        "directly as a sales invoice in the sales journal.",
    )
    invoice_journal_id: str | None = Field(
        None, description="Sales journal the invoices are booked in (when booking invoices)."
    )
    revenue_ledger_account_id: int | None = Field(
        None,
        ge=1,
        description="Revenue ledger account of the invoice lines (when booking invoices).",
    )
    revenue_ledger_by_country: dict[str, int] = Field(
        default_factory=dict,
        description="Country code of the billing address → revenue ledger account, for "
        "countries booked apart (e.g. BE: 8110); other countries use the account above.",
    )
    use_collective_debtor: bool = Field(
        False, description="Book every order on one collective debtor instead of per customer."
    )
    collective_debtor_number: str = Field(
        "", description="Customer number of the collective debtor (when that is on)."
    )
    debtor_update: Literal["contact_details", "everything", "never"] = Field(
        "contact_details",
        description="What an order changes of a debtor that exists already: contact_details = "
        "email, phone and addresses only (kind, name, booking group, payment method and "
        "customer number stay as the bookkeeper keeps them); everything = all that the "
        "mapping sends; never = nothing.",
    )
    debtor_match_by: Literal["email", "customer_number", "vat_number"] = Field(
        "email",
        description="How an order's customer is found among the debtors: by email, by the "
        "customer number Feeddex keeps for the customer, or by VAT number (business orders; "
        "others by email).",
    )
    payment_method_map: dict[str, str] = Field(
        default_factory=lambda: {
            "ideal": "IDEAL",
            "creditcard": "CC",
            "banktransfer": "BANK",
            "paypal": "PAYPAL",
            "invoice": "BANK",
            "other": "BANK",
        },
        description="Feeddex payment method → Asperion payment method id.",
    )
    payment_term_map: dict[str, int] = Field(
        default_factory=dict,
        description="Payment term in days → Asperion payment condition id.",
    )
    vat_code_map: dict[str, str] = Field(
        default_factory=lambda: {"21": "VH", "9": "VL", "0": "V0"},
        description="VAT rate → Asperion VAT code.",
    )
    vat_code_intra_eu: str = Field(
        "",
        description="VAT code for intra-community supplies: EU businesses (outside the "
        "Netherlands) with a valid-looking VAT number, at 0 % (reverse charge, ICP listing).",
    )
    vat_code_export: str = Field(
        "", description="VAT code for exports: deliveries outside the EU at 0 %."
    )
    oss_registered: bool = Field(
        False,
        description="Registered for the OSS scheme: sales to consumers in other EU countries "
        "are booked on the OSS VAT codes per country and rate below. Off: on the Dutch codes.",
    )
    vat_oss_map: dict[str, str] = Field(
        default_factory=dict,
        description="Country and rate → Asperion VAT code for OSS sales, e.g. BE:21 = a code "
        "for Belgian VAT at 21 %.",
    )
    vat_invalid_number: Literal["consumer", "fail"] = Field(
        "consumer",
        description="An EU business order whose VAT number does not look valid for its "
        "country: book it as a consumer sale (consumer) or fail it (fail).",
    )
    shipping_article_code: str = Field(
        "VERZEND", description="Article code of the shipping-cost line (empty: no line)."
    )
    rounding_line: bool = Field(
        True,
        description="Book a difference of a cent or two between Asperion's total (it rounds "
        "VAT per line) and the shop's on a rounding line at 0 % VAT. Off: such an order fails "
        "with the difference named.",
    )
    rounding_article_code: str = Field(
        "",
        description="Article of the rounding line on sales orders (empty: the order fails "
        "naming the difference).",
    )
    rounding_ledger_account_id: int | None = Field(
        None,
        ge=1,
        description="Ledger account of the rounding line on sales invoices (empty: the order "
        "fails naming the difference).",
    )
    rounding_vat_code: str = Field(
        "",
        description="VAT code of the rounding line (empty: the VAT code for 0 % above).",
    )
    write_back_number: bool = Field(
        True, description="Write the Asperion order number back to the Feeddex order."
    )
    follow_status: bool = Field(
        True,
        description="When Asperion delivers, invoices or cancels the order, set the Feeddex "
        "order's status to shipped, completed or cancelled.",
    )

    @model_validator(mode="before")
    @classmethod
    def _inbalance_books_invoices(cls, data: Any) -> Any:
        """inBalance has no sales orders: choosing it chooses booking as invoices."""
        if isinstance(data, dict) and data.get("accounting_package") == "inBalance":
            return {**data, "book_as": "salesinvoice"}
        return data

    @field_validator("reference_format")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        if not value.strip():
            return "{number}"  # an empty form field: the default
        try:
            names = {name for _text, name, _spec, _conv in Formatter().parse(value) if name}
        except ValueError as error:
            raise ValueError(f"not a valid format: {error}") from None
        unknown = names - {"shop", "number", "id"}
        if unknown:
            raise ValueError(f"unknown placeholder: {', '.join(sorted(unknown))}")
        if "number" not in names and "id" not in names:
            raise ValueError("the reference needs {number} or {id} to find the order again")
        return value

    @model_validator(mode="after")
    def _collective_needs_a_number(self) -> OrderSettings:
        if self.use_collective_debtor and not self.collective_debtor_number:
            raise ValueError("collective_debtor_number is required for the collective debtor")
        return self

    @model_validator(mode="after")
    def _invoices_need_a_journal_and_ledger(self) -> OrderSettings:
        if self.book_as != "salesinvoice":
            return self
        if not self.invoice_journal_id:
            raise ValueError("invoice_journal_id is required to book sales invoices")
        if self.revenue_ledger_account_id is None:
            raise ValueError("revenue_ledger_account_id is required to book sales invoices")
        return self

    @field_validator("revenue_ledger_by_country")
    @classmethod
    def _country_codes_are_iso(cls, value: dict[str, int]) -> dict[str, int]:
        bad = [code for code in value if len(code.strip()) != 2 or not code.strip().isalpha()]
        if bad:
            raise ValueError(f"not a two-letter country code: {', '.join(bad)}")
        if any(account < 1 for account in value.values()):
            raise ValueError("a ledger account number must be positive")
        return {code.strip().upper(): account for code, account in value.items()}


class ReviewInvitationSettings(RecordsSettings):
    paid_only: bool = Field(True, description="Invite only for invoices that are paid.")
    delay_days: int = Field(
        7, ge=0, le=60, description="Days after the invoice before Feeddex sends the invitation."
    )
    unit_id: int | None = Field(
        None, description="The Feeddex unit (location or brand) the feedback belongs to."
    )


class SettingsInvalid(ValueError):
    def __init__(self, error: ValidationError) -> None:
        self.field_errors: dict[str, list[str]] = {}
        for item in error.errors():
            field = ".".join(str(p) for p in item["loc"]) or "__all__"
            self.field_errors.setdefault(field, []).append(item["msg"])
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in self.field_errors.items()))


def parse_settings(kind: str, data: dict[str, Any] | None) -> Any:
    """Return the typed settings of a flow kind, or raise SettingsInvalid naming the fields."""
    from flows.registry import flow_definition

    try:
        return flow_definition(kind).settings_schema.model_validate(data or {})
    except ValidationError as error:
        raise SettingsInvalid(error) from None


def parse_customer_defaults(data: dict[str, Any] | None) -> CustomerDefaults:
    try:
        return CustomerDefaults.model_validate(data or {})
    except ValidationError as error:
        raise SettingsInvalid(error) from None
