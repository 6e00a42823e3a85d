"""The Feeddex connector: orders, products and customers; stock, transactions, webhooks.

Connection config (not secret):
    api_base_url    e.g. https://api.feeddex.nl, or <site>/sandbox/feeddex
    organization    the organization name issued by Feeddex
    optional: rate_limit_per_second, rate_limit_burst, read_timeout_seconds
Connection secrets:
    auth_code, password      issued by Feeddex with the organization
    token, token_expires_at  the bearer token and its expiry (ISO 8601), cached here so
                             that every worker uses one token until it expires
    webhook_secret           written by the API app when it subscribes to order events

Streams (keyset paging on updatedAt, see connectors.base.KeysetPaging): orders → Order,
products → Product, customers → Customer.

Writes (payloads in Feeddex's JSON shape, checked against schemas.py first):
    products, customers   create (POST) and update (PUT by id)
    stock                 write_batch only: 100 items per call; the payload is
                          {"sku", "quantity", "manageStock"?}; target_id is the sku
    transactions          create (a review invitation); target_id is the transaction id
    orders                update only: PATCH {"externalReference"?, "status"?}
    webhooks              create (subscribe); also webhook_subscribe / webhook_unsubscribe
Lookups (entity, key): products by sku, customers by email, orders by Feeddex id.
Reference data: units.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import ValidationError

from connectors.base import (
    CallWatch,
    HttpConnector,
    KeysetPaging,
    OnCall,
    Option,
    ShopConnector,
    Stream,
    WriteResult,
    describe_invalid,
    still_usable,
    usable_until,
)
from connectors.errors import ConnectorError, RecordRejected
from connectors.feeddex import client, webhooks
from connectors.feeddex.schemas import (
    Address as FeeddexAddress,
)
from connectors.feeddex.schemas import (
    Customer as FeeddexCustomer,
)
from connectors.feeddex.schemas import (
    CustomerIn,
    NewTransactionIn,
    OrderPatchIn,
    Payload,
    ProductIn,
    StockUpdateIn,
    Unit,
    WebhookSubscriptionIn,
    parse_json,
)
from connectors.feeddex.schemas import (
    Order as FeeddexOrder,
)
from connectors.feeddex.schemas import (
    Product as FeeddexProduct,
)
from connectors.models import Connection
from connectors.records import Customer, Order, OrderEvent, Product, Record
from connectors.services import connection_update_secrets

DEFAULT_API_BASE_URL = "https://api.feeddex.nl"
DEFAULT_TOKEN_SECONDS = 3600
CENT = Decimal("0.01")


def _stamp(raw: Any) -> str | None:
    value = raw.get("updatedAt") if isinstance(raw, dict) else None
    return str(value) if value else None


def _parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


KEYSET = KeysetPaging(changed_at=_stamp, item_id=lambda raw: str(raw.get("id")), parse=_parse_stamp)


class FeeddexConnector(HttpConnector, ShopConnector):
    system: ClassVar[str] = "feeddex"
    streams: ClassVar[dict[str, type[Record]]] = {
        "orders": Order,
        "products": Product,
        "customers": Customer,
    }

    def __init__(
        self,
        connection: Connection,
        *,
        on_call: OnCall | None = None,
        watch: CallWatch | None = None,
    ) -> None:
        super().__init__(connection, on_call=on_call, watch=watch)
        self._last_token: str | None = None
        self.api_base_url = str(connection.config.get("api_base_url") or DEFAULT_API_BASE_URL)
        self.api = self.http_client(self.api_base_url, auth=self._auth)

    # -- auth -----------------------------------------------------------------------------

    def _auth(self, force: bool) -> dict[str, str]:
        secrets = self.connection.secrets
        if force:
            secrets = self._stored_secrets()
            # Another worker may have signed in since our token was refused: use its token.
            if secrets.get("token") == self._last_token or not token_fresh(secrets):
                secrets = self._sign_in()
        elif not token_fresh(secrets):
            secrets = self._sign_in()
        self._last_token = str(secrets["token"])
        return {"Authorization": f"Bearer {self._last_token}"}

    def _stored_secrets(self) -> dict[str, Any]:
        self.connection.refresh_from_db(fields=["secrets_encrypted"])
        return self.connection.secrets

    def _sign_in(self) -> dict[str, Any]:
        """Authenticate (several workers may do so at once: each token stays valid)."""
        secrets = self.connection.secrets
        try:
            answer = client.authenticate(
                self.api,
                auth_code=str(secrets.get("auth_code", "")),
                organization=str(self.connection.config.get("organization", "")),
                password=str(secrets.get("password", "")),
            )
        except ConnectorError as error:
            if error.status in {400, 401}:
                raise ConnectorError(
                    "Feeddex refused the organization, auth code or password: "
                    + (error.api_message or error.message),
                    permanent=True,
                    status=error.status,
                    api_message=error.api_message,
                ) from None
            raise
        until = usable_until(answer.expiresIn or DEFAULT_TOKEN_SECONDS)
        changes = {"token": answer.token, "token_expires_at": until.isoformat()}
        connection_update_secrets(connection=self.connection, changes=changes)
        return self.connection.secrets

    def rate_limit_key(self) -> str:
        # Feeddex limits per organization.
        account = f"{self.api_base_url}|{self.connection.config.get('organization')}"
        return f"feeddex-{hashlib.sha256(account.encode()).hexdigest()[:20]}"

    # -- protocol -------------------------------------------------------------------------

    def check_connection(self) -> None:
        self._sign_in()  # the stored token proves nothing about the current password
        client.list_units(self.api)

    def stream(self, name: str) -> Stream:
        fetchers: dict[str, Callable[..., Any]] = {
            "orders": client.list_orders,
            "products": client.list_products,
            "customers": client.list_customers,
        }
        converters: dict[str, Callable[[Any], Record]] = {
            "orders": order_record,
            "products": product_record,
            "customers": customer_record,
        }
        keys: dict[str, Callable[[Any], str]] = {
            "orders": lambda raw: str(raw["id"]),
            "products": lambda raw: str(raw["sku"]),
            "customers": lambda raw: str(raw["email"]).lower(),
        }
        fetch = fetchers[name]
        return Stream(
            record_type=self.streams[name],
            fetch=lambda page, size, since: fetch(
                self.api, page=page, page_size=size, updated_since=since
            ),
            to_record=converters[name],
            key_of=keys[name],
            paging=KEYSET,
            page_size=client.MAX_PAGE_SIZE,
            fetch_keys=self._products_by_sku if name == "products" else None,
        )

    def lookup(self, entity: str, key: str) -> dict[str, Any] | None:
        if not key:
            return None
        if entity == "products":
            found = self._products_by_sku([key])
        elif entity == "customers":
            page = client.list_customers(self.api, email=key, page_size=10)
            found = [c for c in page.items if str(c.get("email", "")).lower() == key.lower()]
        elif entity == "orders":
            found = [self._order_by_id(key)] if key.isdigit() else []
        else:
            raise ValueError(f"Feeddex cannot look up {entity!r}")
        found = [item for item in found if item is not None]
        return self.redacted(found[0]) if found else None

    def create(self, entity: str, payload: dict[str, Any]) -> WriteResult:
        if entity == "products":
            return self._create_unique(
                entity,
                payload=payload,
                schema=ProductIn,
                create=client.create_product,
                key=payload.get("sku"),
            )
        if entity == "customers":
            return self._create_unique(
                entity,
                payload=payload,
                schema=CustomerIn,
                create=client.create_customer,
                key=payload.get("email"),
            )
        if entity == "transactions":
            answer = client.create_transaction(self.api, prepare(NewTransactionIn, payload, entity))
            transaction = answer["transaction"]
            return WriteResult(str(transaction["id"]), "created", self.redacted(answer))
        if entity == "webhooks":
            answer = client.create_webhook(
                self.api, prepare(WebhookSubscriptionIn, payload, entity)
            )
            return WriteResult(str(answer["id"]), "created", self.redacted(answer))
        if entity == "stock":
            result = self.write_batch("stock", [payload])[0]
            if isinstance(result, ConnectorError):
                raise result
            return result
        raise ValueError(f"Feeddex cannot create {entity!r}")

    def update(
        self,
        entity: str,
        target_id: str,
        payload: dict[str, Any],
        *,
        current: dict[str, Any] | None = None,
    ) -> WriteResult:
        writers: dict[str, tuple[type[Payload], Callable[..., dict[str, Any]]]] = {
            "products": (ProductIn, client.update_product),
            "customers": (CustomerIn, client.update_customer),
            "orders": (OrderPatchIn, client.patch_order),
        }
        if entity not in writers:
            raise ConnectorError(f"Feeddex's API cannot update {entity}", permanent=True)
        schema, write = writers[entity]
        if entity == "products" and any(
            name not in payload for name, info in schema.model_fields.items() if info.is_required()
        ):
            # A partial update (e.g. only "active"): the rest of the body from the product,
            # read afresh (no caller has it at hand, so `current` is not used), without what
            # the answer carries beyond the contract.
            product = client.get_product(self.api, target_id)
            kept = schema.contract_fields(product)
            payload = {**kept, **payload}
        answer = write(self.api, target_id, prepare(schema, payload, entity))
        return WriteResult(str(answer["id"]), "updated", self.redacted(answer))

    def write_batch(
        self, entity: str, payloads: list[dict[str, Any]]
    ) -> list[WriteResult | ConnectorError]:
        if entity != "stock":
            return super().write_batch(entity, payloads)
        results: list[WriteResult | ConnectorError | None] = [None] * len(payloads)
        valid: list[tuple[int, dict[str, Any]]] = []
        for index, payload in enumerate(payloads):
            try:
                valid.append((index, prepare(StockUpdateIn, payload, "stock")))
            except RecordRejected as error:
                results[index] = error
        for start in range(0, len(valid), client.MAX_STOCK_BATCH):
            chunk = valid[start : start + client.MAX_STOCK_BATCH]
            for (index, _payload), result in zip(chunk, self._stock_chunk(chunk), strict=True):
                results[index] = result
        return [r for r in results if r is not None]

    def reference_data(self, kind: str) -> list[Option]:
        if kind != "units":
            raise ValueError(f"Feeddex has no reference list {kind!r}")
        page = client.list_units(self.api)
        units = [parse_json(Unit, raw) for raw in page.items]
        return [Option(str(unit.id), unit.name) for unit in units]

    # -- webhooks -------------------------------------------------------------------------

    def webhook_subscribe(self, *, url: str, events: list[str], secret: str) -> str:
        """Subscribe `url` to order events signed with `secret`; return the subscription id."""
        return self.create("webhooks", {"url": url, "events": events, "secret": secret}).target_id

    def webhook_unsubscribe(self, subscription_id: str) -> None:
        """Remove a subscription; one that is gone already counts as removed."""
        try:
            client.delete_webhook(self.api, subscription_id)
        except RecordRejected as error:
            if error.status != 404:
                raise

    @classmethod
    def verify_webhook(cls, *, secret: str, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise SignatureInvalid unless X-Feeddex-Signature signs `body` recently."""
        webhooks.verify_signature(
            secret=secret, body=body, header=headers.get(webhooks.SIGNATURE_HEADER, "")
        )

    @classmethod
    def parse_webhook_event(cls, body: bytes) -> OrderEvent:
        event = webhooks.parse_event(body)
        return OrderEvent(id=event.id, type=event.type, order_id=event.data.orderId)

    # -- helpers --------------------------------------------------------------------------

    def _products_by_sku(self, skus: list[str]) -> list[Any]:
        wanted = set(skus)
        page = client.list_products(self.api, skus=skus, page_size=client.MAX_PAGE_SIZE)
        return [item for item in page.items if item.get("sku") in wanted]

    def _order_by_id(self, order_id: str) -> dict[str, Any] | None:
        try:
            return client.get_order(self.api, order_id)
        except RecordRejected as error:
            if error.status == 404:
                return None
            raise

    def _create_unique(
        self,
        entity: str,
        *,
        payload: dict[str, Any],
        schema: type[Payload],
        create: Callable[..., dict[str, Any]],
        key: Any,
    ) -> WriteResult:
        """Create a record with a unique key; a 409 after a retry is our own first attempt."""
        body = prepare(schema, payload, entity)
        try:
            answer = create(self.api, body)
        except RecordRejected as error:
            if error.status == 409 and error.attempts > 1 and key:
                existing = self.lookup(entity, str(key))
                if existing is not None:
                    return WriteResult(str(existing["id"]), "created", existing)
            raise
        return WriteResult(str(answer["id"]), "created", self.redacted(answer))

    def _stock_chunk(
        self, chunk: list[tuple[int, dict[str, Any]]]
    ) -> list[WriteResult | ConnectorError]:
        try:
            answer = client.set_stock(self.api, [payload for _index, payload in chunk])
        except ConnectorError as error:
            if error.permanent:
                raise
            if refused_as_a_whole(error) and len(chunk) > 1:
                # One bad item refuses the whole batch: halve it until the bad ones stand
                # alone, so the rest gets its stock (about 2·log2(n) calls, only then).
                middle = len(chunk) // 2
                return self._stock_chunk(chunk[:middle]) + self._stock_chunk(chunk[middle:])
            return [error for _ in chunk]
        failures = {failure.sku: failure.message for failure in answer.failed}
        results: list[WriteResult | ConnectorError] = []
        for _index, payload in chunk:
            sku = str(payload["sku"])
            if sku in failures:
                message = failures[sku] or "refused"
                results.append(
                    RecordRejected(
                        f"Feeddex refused stock for {sku}: {message}",
                        status=200,
                        api_message=message,
                    )
                )
            else:
                results.append(
                    WriteResult(sku, "updated", {"sku": sku, "quantity": payload["quantity"]})
                )
        return results


# ---- conversions ---------------------------------------------------------------------------


def refused_as_a_whole(error: ConnectorError) -> bool:
    """Whether Feeddex refused a batch for its content (some item in it), not for the call."""
    return isinstance(error, RecordRejected) and error.status in (400, 422)


def prepare(schema: type[Payload], payload: dict[str, Any], entity: str) -> dict[str, Any]:
    """Return the payload to send (read-only fields dropped), checked against the schema.

    A payload that does not fit raises RecordRejected before any call is made.
    """
    body = schema.writable(payload)
    try:
        parse_json(schema, body)
    except ValidationError as error:
        raise RecordRejected(
            f"the {entity} payload does not fit Feeddex's schema: {describe_invalid(error)}",
            field_errors={
                ".".join(str(p) for p in item["loc"]): [item["msg"]] for item in error.errors()
            },
        ) from None
    return body


def token_fresh(secrets: dict[str, Any], *, now: datetime | None = None) -> bool:
    return bool(secrets.get("token")) and still_usable(secrets.get("token_expires_at"), now=now)


def address_record(address: FeeddexAddress | None) -> dict[str, Any] | None:
    """Return a canonical Address as data (validated with its record, naming the field)."""
    if address is None:
        return None
    return {
        "street": address.street,
        "house_number": address.houseNumber,
        "addition": address.houseNumberAddition or None,
        "postcode": address.postalCode,
        "city": address.city,
        "country": address.countryCode,
    }


def product_record(raw: Any) -> Product:
    product = parse_json(FeeddexProduct, raw)
    factor = 1 + product.vatRate / 100
    if product.priceIncludesVat:
        incl, excl = product.price, (product.price / factor).quantize(CENT)
    else:
        excl, incl = product.price, (product.price * factor).quantize(CENT)
    record: Product = Product.parse(
        {
            "source_id": str(product.id),
            "sku": product.sku,
            "name": product.name,
            "short_description": product.shortDescription,
            "long_description": product.longDescription,
            "price_excl_vat": excl,
            "price_incl_vat": incl,
            "vat_rate": product.vatRate,
            "ean": product.ean,
            "current_stock": product.quantity,
            "active": product.active,
            "is_variant": product.type != "simple",
            "changed_at": product.updatedAt,
        }
    )
    return record


def customer_record(raw: Any) -> Customer:
    customer = parse_json(FeeddexCustomer, raw)
    record: Customer = Customer.parse(
        {
            "source_id": str(customer.id),
            "customer_number": customer.customerCode,
            "email": customer.email,
            "is_company": bool(customer.companyName),
            "company_name": customer.companyName,
            "first_name": customer.firstName,
            "last_name": customer.lastName,
            "phone": customer.phone,
            "vat_number": customer.vatNumber,
            "billing": address_record(customer.billingAddress),
            "shipping": address_record(customer.shippingAddress),
            "changed_at": customer.updatedAt,
        }
    )
    return record


def order_record(raw: Any) -> Order:
    order = parse_json(FeeddexOrder, raw)
    buyer = order.customer
    billing = address_record(order.billingAddress)
    record: Order = Order.parse(
        {
            "source_id": str(order.id),
            "number": order.number,
            "status": order.status,
            "payment_status": order.paymentStatus,
            "payment_method": order.paymentMethod,
            "payment_term_days": order.paymentTermDays,
            "currency": order.currency,
            "customer": {
                # A guest has no Feeddex customer id: the email is what identifies them.
                "source_id": str(buyer.id) if buyer.id is not None else f"guest:{buyer.email}",
                "email": buyer.email,
                "is_company": bool(buyer.companyName),
                "company_name": buyer.companyName,
                "first_name": buyer.firstName,
                "last_name": buyer.lastName,
                "phone": buyer.phone,
                "vat_number": buyer.vatNumber,
                "billing": billing,
                "shipping": address_record(order.shippingAddress),
            },
            "billing": billing,
            "shipping": address_record(order.shippingAddress),
            "lines": [
                {
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price": line.unitPrice,
                    "price_includes_vat": line.priceIncludesVat,
                    "vat_rate": line.vatRate,
                    "discount_amount": line.discountAmount,
                }
                for line in order.lines
            ],
            "shipping_cost": {
                "amount": order.shippingCost.amount,
                "price_includes_vat": order.shippingCost.priceIncludesVat,
                "vat_rate": order.shippingCost.vatRate,
            }
            if order.shippingCost
            else None,
            "totals": {
                "excl_vat": order.totals.exclVat,
                "vat": order.totals.vat,
                "incl_vat": order.totals.inclVat,
            }
            if order.totals
            else None,
            "note": order.note,
            "external_reference": order.externalReference,
            "created_at": order.createdAt,
            "changed_at": order.updatedAt,
        }
    )
    return record
