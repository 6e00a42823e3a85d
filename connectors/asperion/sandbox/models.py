"""Tables of the Asperion sandbox: its own users, OAuth grants, administrations and records.

A sandbox user is a simulated Asperion login, and every business row hangs off one
administration of one sandbox user. The only tie to the platform is `tenant` on a user and a
client: the company whose sandbox identity they are (None for the public demo and for users
made by hand), which decides whose sandbox admin page shows them.

Integer ids in the API (articles, debtors, orders, invoices, payment conditions, sales types)
are the primary keys; string ids (VAT codes, payment methods, debtor kinds, journals) are the
`code` columns, unique per administration.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils import timezone


def new_rate_key() -> str:
    return uuid.uuid4().hex


class SandboxUser(models.Model):
    """A simulated Asperion login: signs in on the consent page, owns administrations."""

    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="asperion_sandbox_users",
    )
    username = models.CharField(max_length=150, unique=True)
    password = models.CharField(max_length=256)
    display_name = models.CharField(max_length=150, blank=True)
    knobs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.username


class OAuthClient(models.Model):
    """A registered application; only the SHA-256 of its secret is stored."""

    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="asperion_sandbox_clients",
    )
    client_id = models.CharField(max_length=100, unique=True)
    secret_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=150)
    # Exact URI prefixes, or "http://host:*" to allow any port and path on that host.
    redirect_uris = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.client_id


class Grant(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE)
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE)
    scope = models.CharField(max_length=200, default="*")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        abstract = True


class AuthorizationCode(Grant):
    redirect_uri = models.CharField(max_length=2000)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"authorization code of {self.user_id}"


class AccessToken(Grant):
    def __str__(self) -> str:
        return f"access token of {self.user_id}"


class RefreshToken(Grant):
    # Set once by a conditional UPDATE: the token is one-time-use.
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"refresh token of {self.user_id}"


class Administration(models.Model):
    owner = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="administrations")
    name = models.CharField(max_length=150)
    profile_name = models.CharField(max_length=50, default="inTrade")
    is_default = models.BooleanField(default=False)
    knobs = models.JSONField(default=dict, blank=True)
    # Part of the rate-limit scope, so that a recreated administration with a reused id
    # never inherits the counters of its predecessor.
    rate_key = models.CharField(max_length=32, default=new_rate_key)
    next_order_number = models.PositiveIntegerField(default=1)
    next_invoice_number = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def fault_scope(self) -> str:
        return f"asperion:{self.pk}:{self.rate_key}"


class AdministrationRow(models.Model):
    administration = models.ForeignKey(Administration, on_delete=models.CASCADE)

    class Meta:
        abstract = True


class VatCode(AdministrationRow):
    code = models.CharField(max_length=10)
    description = models.CharField(max_length=100)
    sales_code = models.BooleanField(default=True)
    percentage = models.DecimalField(max_digits=5, decimal_places=2)
    is_default = models.BooleanField(default=False)
    country_code = models.CharField(max_length=2, null=True, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "code"], name="aspsb_vat_code")
        ]

    def __str__(self) -> str:
        return self.code


class PaymentCondition(AdministrationRow):
    description = models.CharField(max_length=100)
    days = models.PositiveIntegerField(default=14)

    def __str__(self) -> str:
        return self.description


class PaymentMethod(AdministrationRow):
    code = models.CharField(max_length=20)
    description = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "code"], name="aspsb_paymethod")
        ]

    def __str__(self) -> str:
        return self.code


class SalesType(AdministrationRow):
    description = models.CharField(max_length=100)
    ledger_account_id = models.PositiveIntegerField()
    vat_code = models.ForeignKey(VatCode, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return self.description


class DebtorKind(AdministrationRow):
    code = models.CharField(max_length=20)
    description = models.CharField(max_length=100)
    is_business = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "code"], name="aspsb_debtorkind")
        ]

    def __str__(self) -> str:
        return self.code


class Journal(AdministrationRow):
    code = models.CharField(max_length=20)
    description = models.CharField(max_length=100)
    type = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "code"], name="aspsb_journal")
        ]

    def __str__(self) -> str:
        return self.code


class Record(AdministrationRow):
    date_added = models.DateTimeField(default=timezone.now)
    date_last_change = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def touch(self) -> None:
        self.date_last_change = timezone.now()


class Article(Record):
    code = models.CharField(max_length=30)
    description = models.CharField(max_length=100)
    extended_description = models.TextField(null=True, blank=True)
    unit = models.CharField(max_length=50, null=True, blank=True)
    sales_type = models.ForeignKey(SalesType, on_delete=models.PROTECT)
    sales_price = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    ean_code = models.CharField(max_length=14, null=True, blank=True)
    current_stock = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal(0))
    reserved_stock = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal(0))
    active = models.BooleanField(default=True)
    characteristic1 = models.CharField(max_length=50, null=True, blank=True)
    characteristic2 = models.CharField(max_length=50, null=True, blank=True)
    characteristic3 = models.CharField(max_length=50, null=True, blank=True)
    characteristic4 = models.CharField(max_length=50, null=True, blank=True)
    characteristic5 = models.CharField(max_length=50, null=True, blank=True)
    is_variant = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "code"], name="aspsb_article_code")
        ]
        indexes = [models.Index(fields=["administration", "date_last_change"])]

    def __str__(self) -> str:
        return self.code


class Debtor(Record):
    customer_number = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    address = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, null=True, blank=True)
    address_line3 = models.CharField(max_length=200, null=True, blank=True)
    post_code = models.CharField(max_length=20, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    country_code = models.CharField(max_length=2, default="NL")
    delivery_address = models.CharField(max_length=200, null=True, blank=True)
    delivery_post_code = models.CharField(max_length=20, null=True, blank=True)
    delivery_city = models.CharField(max_length=100, null=True, blank=True)
    delivery_country_code = models.CharField(max_length=2, null=True, blank=True)
    attention_to = models.CharField(max_length=200, null=True, blank=True)
    phone_number = models.CharField(max_length=50, null=True, blank=True)
    fax_number = models.CharField(max_length=50, null=True, blank=True)
    mobile_number = models.CharField(max_length=50, null=True, blank=True)
    email_address = models.CharField(max_length=254, null=True, blank=True)
    coc_number = models.CharField(max_length=20, null=True, blank=True)
    vat_number = models.CharField(max_length=20, null=True, blank=True)
    iban = models.CharField(max_length=34, null=True, blank=True)
    bic = models.CharField(max_length=11, null=True, blank=True)
    bban = models.CharField(max_length=30, null=True, blank=True)
    direct_debit = models.BooleanField(default=False)
    debtor_kind = models.ForeignKey(DebtorKind, on_delete=models.PROTECT)
    payment_condition = models.ForeignKey(
        PaymentCondition, on_delete=models.PROTECT, null=True, blank=True
    )
    payment_method = models.ForeignKey(
        PaymentMethod, on_delete=models.PROTECT, null=True, blank=True
    )
    comments = models.TextField(null=True, blank=True)
    characteristic4 = models.CharField(max_length=200, null=True, blank=True)
    characteristic5 = models.CharField(max_length=200, null=True, blank=True)
    blocked = models.BooleanField(default=False)
    no_reminder = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "customer_number"], name="aspsb_debtor_number"
            )
        ]
        indexes = [models.Index(fields=["administration", "date_last_change"])]

    def __str__(self) -> str:
        return self.customer_number


# The API's name of each plain field of a debtor → its column: what a debtor's JSON shows and
# what a create or update writes (the references, debtorKindId and the like, are their own).
DEBTOR_FIELDS = {
    "customerNumber": "customer_number",
    "name": "name",
    "address": "address",
    "addressLine2": "address_line2",
    "addressLine3": "address_line3",
    "postCode": "post_code",
    "city": "city",
    "countryCode": "country_code",
    "deliveryAddress": "delivery_address",
    "deliveryPostCode": "delivery_post_code",
    "deliveryCity": "delivery_city",
    "deliveryCountryCode": "delivery_country_code",
    "attentionTo": "attention_to",
    "phoneNumber": "phone_number",
    "faxNumber": "fax_number",
    "mobileNumber": "mobile_number",
    "emailAddress": "email_address",
    "cocNumber": "coc_number",
    "vatNumber": "vat_number",
    "iban": "iban",
    "bic": "bic",
    "bban": "bban",
    "directDebit": "direct_debit",
    "comments": "comments",
    "characteristic4": "characteristic4",
    "characteristic5": "characteristic5",
    "blocked": "blocked",
    "noReminder": "no_reminder",
}


class ContactPerson(models.Model):
    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100, null=True, blank=True)
    last_name = models.CharField(max_length=100)
    email_address = models.CharField(max_length=254, null=True, blank=True)
    phone_number = models.CharField(max_length=50, null=True, blank=True)
    function = models.CharField(max_length=100, null=True, blank=True)
    is_primary = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.first_name or ''} {self.last_name}".strip()


class OrderStatus(models.IntegerChoices):
    OPEN = 1, "Open"
    PARTLY_DELIVERED = 2, "PartlyDelivered"
    DELIVERED = 3, "Delivered"
    INVOICED = 4, "Invoiced"
    CANCELLED = 9, "Cancelled"


class InvoiceStatus(models.IntegerChoices):
    CONCEPT = 1, "Concept"
    IN_JOURNAL_ENTRY = 2, "InJournalentry"
    IN_LEDGER = 3, "InLedger"
    PAYABLE = 6, "Payable"
    PAID = 7, "Paid"
    HOLD = 8, "Hold"


class Amounts(Record):
    amount_excl_vat = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    vat_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    amount_incl_vat = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))

    class Meta:
        abstract = True


class SalesOrder(Amounts):
    order_number = models.CharField(max_length=20)
    date = models.DateTimeField()
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT)
    reference = models.CharField(max_length=50, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    payment_condition = models.ForeignKey(
        PaymentCondition, on_delete=models.PROTECT, null=True, blank=True
    )
    payment_method = models.ForeignKey(
        PaymentMethod, on_delete=models.PROTECT, null=True, blank=True
    )
    delivery_name = models.CharField(max_length=200, null=True, blank=True)
    delivery_address = models.CharField(max_length=200, null=True, blank=True)
    delivery_post_code = models.CharField(max_length=20, null=True, blank=True)
    delivery_city = models.CharField(max_length=100, null=True, blank=True)
    delivery_country_code = models.CharField(max_length=2, null=True, blank=True)
    status = models.PositiveSmallIntegerField(choices=OrderStatus.choices, default=OrderStatus.OPEN)
    # Where the order stands with the stock of its articles (see services.order_set_status).
    stock_reserved = models.BooleanField(default=True)
    stock_taken = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["administration", "date_last_change"])]

    def __str__(self) -> str:
        return self.order_number


class SalesOrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    article = models.ForeignKey(Article, on_delete=models.PROTECT)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    discount_percentage = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    vat_code = models.CharField(max_length=10)
    amount_excl_vat = models.DecimalField(max_digits=14, decimal_places=2)
    vat_amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.position}"


class SalesInvoice(Amounts):
    invoice_number = models.CharField(max_length=30)
    date = models.DateTimeField()
    bookyear = models.PositiveIntegerField()
    bookperiod = models.PositiveSmallIntegerField()
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT)
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT)
    description = models.TextField(null=True, blank=True)
    status = models.PositiveSmallIntegerField(
        choices=InvoiceStatus.choices, default=InvoiceStatus.CONCEPT
    )
    payment_condition = models.ForeignKey(
        PaymentCondition, on_delete=models.PROTECT, null=True, blank=True
    )
    payment_due_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "invoice_number"], name="aspsb_invoice_number"
            )
        ]
        indexes = [models.Index(fields=["administration", "date_last_change"])]

    def __str__(self) -> str:
        return self.invoice_number


class SalesInvoiceLine(models.Model):
    invoice = models.ForeignKey(SalesInvoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    vat_code = models.CharField(max_length=10)
    vat_amount = models.DecimalField(max_digits=14, decimal_places=2)
    ledger_account_id = models.PositiveIntegerField()
    cost_center_id = models.PositiveIntegerField(null=True, blank=True)
    cost_unit_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.position}"
