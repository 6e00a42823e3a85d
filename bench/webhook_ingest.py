"""Webhooks: order latency (webhook received → sales order in Asperion) and ingest rate.

    .venv/bin/python bench/webhook_ingest.py [--orders 20] [--rate 220] [--seconds 20]

Setup, all through the real path: a tenant on both sandboxes, the orders flow switched on
(the worker subscribes it to the Feeddex sandbox's order events) and the integration live;
gunicorn (3 workers × 2 threads) serves the site, a Celery worker (concurrency 2, as in the
Procfile) runs the tasks.

1. Order latency, idle worker: `--orders` times, one paid order is placed in the Feeddex
   sandbox; the sandbox delivers order.created and order.paid to our receiver (a Celery
   task), the receiver queues an orders run, the worker books the order. Latency = the
   booked sales order's creation time in the Asperion sandbox − the first delivery's
   received_at (both database clocks of this machine). Target: p95 ≤ 2 s.
2. Ingest, closed loop: 8 connections post signed events as fast as the receiver answers,
   for `--seconds`: the most it takes.
3. Ingest, open loop: events due at `--rate` per second for `--seconds`, each sent at its
   moment on the next free one of 32 connections, latency counted from that moment (so a
   receiver that falls behind shows it). Target: 220 events/s with p95 ≤ 100 ms.
The events are signed before the clock starts and sent as raw HTTP/1.1 over keep-alive
connections (asyncio streams): the sender shares the two cores with the receiver, and an
HTTP client's own work per request would be counted against the receiver.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

SENDERS = 8
OPEN_SENDERS = 32
MAX_CLOSED_RATE = 1000  # events signed per second of a closed-loop test: more than it takes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20, help="orders for the latency figure")
    parser.add_argument("--rate", type=float, default=220, help="open-loop events per second")
    parser.add_argument("--seconds", type=float, default=20, help="length of each ingest test")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also receive N events in this process (Django's test client) under cProfile",
    )
    options = parser.parse_args()
    env = harness.environment("webhooks")
    harness.django_ready()
    ok = False
    try:
        with harness.web_server(env), harness.celery_worker(env, concurrency=2):
            result = bench(options)
            if options.profile:
                profile_receiver(options.profile)
        print(f"result: {harness.write_result('webhook_ingest', env, result)}")
        ok = True
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0


def bench(options: argparse.Namespace) -> dict[str, Any]:
    shop = harness.make_shop(articles=200)
    endpoint = subscribe(shop)
    print(f"webhooks: receiver {endpoint['url']}")
    latency = order_latency(shop, options.orders)
    closed, opened = [], []
    for index in range(options.repeat):
        closed.append(asyncio.run(closed_loop(endpoint, options.seconds)))
        opened.append(asyncio.run(open_loop(endpoint, options.rate, options.seconds)))
        print(
            f"  #{index + 1}: closed loop {closed[-1]['events_per_second']:.0f} events/s "
            f"(p95 {closed[-1]['p95_ms']:.0f} ms); open loop at {options.rate:.0f}/s: "
            f"{opened[-1]['events_per_second']:.0f} events/s, p95 {opened[-1]['p95_ms']:.0f} ms, "
            f"{opened[-1]['errors']} errors"
        )
    print("summary:")
    harness.print_spread("order latency p95 (target ≤ 2 s)", [latency["p95_s"]])
    harness.print_spread(
        "ingest, closed loop", [r["events_per_second"] for r in closed], " events/s", 0
    )
    harness.print_spread(
        f"ingest p95 at {options.rate:.0f}/s (target ≤ 100 ms)",
        [r["p95_ms"] for r in opened],
        " ms",
        0,
    )
    return {
        "order_latency": latency,
        "closed_loop": closed,
        "open_loop": opened,
        "closed_events_per_second": harness.spread([r["events_per_second"] for r in closed]),
        "open_p95_ms": harness.spread([r["p95_ms"] for r in opened]),
        "open_events_per_second": harness.spread([r["events_per_second"] for r in opened]),
    }


def subscribe(shop: harness.Shop) -> dict[str, str]:
    """Switch the orders flow on (the worker subscribes it) and put the integration live."""
    from flows.models import WebhookEndpoint
    from flows.services import flow_set_enabled, integration_go_live

    flow_set_enabled(flow=shop.flow("orders"), enabled=True)
    integration_go_live(integration=shop.integration)
    connection = shop.integration.shop
    registered = WebhookEndpoint.objects.filter(connection=connection, registered_at__isnull=False)
    if not harness.wait_until(registered.exists, 60):
        raise RuntimeError("the orders flow's webhook was not registered")
    endpoint = registered.get()
    connection.refresh_from_db()
    from flows.webhook_registration import webhook_url

    return {"url": webhook_url(endpoint), "secret": str(connection.secrets["webhook_secret"])}


# ---- order latency -------------------------------------------------------------------------


def order_latency(shop: harness.Shop, orders: int) -> dict[str, Any]:
    from connectors.asperion.sandbox.models import SalesOrder
    from connectors.feeddex.sandbox.models import Order

    Order.objects.filter(account=shop.account).delete()
    SalesOrder.objects.filter(administration=shop.administration).delete()
    skus = sku_pool(shop)
    seconds = []
    for n in range(orders):
        seconds.append(one_order(shop, skus[n % len(skus)], n))
        time.sleep(1.0)  # an idle worker for the next one
    result = {
        "orders": orders,
        "p50_s": harness.percentile(seconds, 0.5),
        "p95_s": harness.percentile(seconds, 0.95),
        "max_s": max(seconds),
        "seconds": seconds,
    }
    print(
        f"  order latency (received → booked): p50 {result['p50_s']:.2f} s, p95 "
        f"{result['p95_s']:.2f} s, max {result['max_s']:.2f} s over {orders} orders"
    )
    return result


def sku_pool(shop: harness.Shop) -> list[str]:
    from connectors.asperion.sandbox.models import Article
    from connectors.asperion.sandbox.seed import SHIPPING_ARTICLE_CODE

    articles = Article.objects.filter(
        administration=shop.administration, is_variant=False, active=True
    ).exclude(code=SHIPPING_ARTICLE_CODE)
    return list(articles.order_by("id").values_list("code", flat=True)[:50])


def one_order(shop: harness.Shop, sku: str, n: int) -> float:
    from django.utils import timezone

    from connectors.asperion.sandbox.models import SalesOrder
    from connectors.feeddex.sandbox import services
    from flows.models import WebhookDelivery

    new_order = services.NewOrder(
        customer_data={
            "email": f"latency{n}@example.nl",
            "firstName": "Eva",
            "lastName": "de Vries",
            "phone": "0612345678",
        },
        billing_address={
            "street": "Keizersgracht",
            "houseNumber": "123",
            "postalCode": "1015 CJ",
            "city": "Amsterdam",
            "countryCode": "NL",
        },
        lines=[
            {
                "sku": sku,
                "name": sku,
                "quantity": 1,
                "unitPrice": 12.10,
                "priceIncludesVat": True,
                "vatRate": 21,
            }
        ],
        shipping_cost={"amount": 4.95, "priceIncludesVat": True, "vatRate": 21},
        payment_status="paid",
    )
    order = services.order_place(account=shop.account, new_order=new_order, now=timezone.now())
    booked = SalesOrder.objects.filter(administration=shop.administration, reference=order.number)
    if not harness.wait_until(booked.exists, 60, step=0.02):
        raise RuntimeError(f"order {order.number} was not booked within 60 s")
    received = WebhookDelivery.objects.filter(order_id=str(order.pk)).order_by("received_at")
    first = received.first()
    if first is None:
        raise RuntimeError(f"no webhook delivery was received for order {order.number}")
    return float((booked.get().date_added - first.received_at).total_seconds())


# ---- ingest ----------------------------------------------------------------------------------


def signed_event(endpoint: dict[str, str], order_id: int) -> tuple[bytes, dict[str, str]]:
    from connectors.feeddex.sandbox.webhooks import SIGNATURE_HEADER, sign

    body = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": "order.paid",
            "createdAt": "2025-01-01T12:00:00Z",
            "data": {
                "orderId": order_id,
                "number": str(order_id),
                "status": "new",
                "paymentStatus": "paid",
            },
        },
        separators=(",", ":"),
    ).encode()
    signature = sign(secret=endpoint["secret"], body=body, timestamp=int(time.time()))
    return body, {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}


def signed_events(endpoint: dict[str, str], count: int) -> list[bytes]:
    """`count` signed deliveries as raw HTTP/1.1 requests, built before the clock starts
    (signing is Feeddex's work, not the receiver's). Event ids are unique; the order ids
    repeat over 1,000 orders."""
    url = urlsplit(endpoint["url"])
    head = f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
    requests = []
    for n in range(count):
        body, headers = signed_event(endpoint, 1 + n % 1000)
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        requests.append(f"{head}{lines}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return requests


class RawConnection:
    """One keep-alive HTTP/1.1 connection that writes prepared requests and reads the status.

    The receiver shares this machine's two cores with the sender, and Feeddex sends from
    machines of its own: a bare asyncio stream costs a fraction of an HTTP client's CPU
    per request, so that the figure is the receiver's, not the sender's."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> int:
        """Send one request; return the status (0 when the connection failed)."""
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            self.writer.write(request)
            return await self._response(self.reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await self.close()
            return 0

    async def _response(self, reader: asyncio.StreamReader) -> int:
        status = int((await reader.readline()).split()[1])
        length, close = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        await reader.readexactly(length)
        if close:  # a server without keep-alive (gunicorn's sync workers): dial again
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def closed_loop(endpoint: dict[str, str], seconds: float) -> dict[str, Any]:
    """SENDERS connections, each sending its next event as soon as the last one is answered."""
    requests = iter(signed_events(endpoint, int(seconds * MAX_CLOSED_RATE)))
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def sender() -> None:
        nonlocal errors
        connection = RawConnection(endpoint["url"])
        while time.monotonic() < deadline and (request := next(requests, None)) is not None:
            started = time.monotonic()
            status = await connection.send(request)
            latencies.append((time.monotonic() - started) * 1000)
            errors += not 200 <= status < 300
        await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(SENDERS)))
    took = time.monotonic() - started
    return ingest_figures(latencies, errors, took)


async def open_loop(endpoint: dict[str, str], rate: float, seconds: float) -> dict[str, Any]:
    """Events due at a fixed rate; each of OPEN_SENDERS connections takes the next due event.

    No sender waits in a shared pool's queue: when the receiver keeps up, every event leaves
    at its moment; when it does not, events wait for a free connection and that wait counts
    in their latency (measured from the due moment), as it would for Feeddex."""
    requests = signed_events(endpoint, int(rate * seconds))
    latencies: list[float] = []
    errors = 0
    due: asyncio.Queue[tuple[bytes, float]] = asyncio.Queue()

    async def sender() -> None:
        nonlocal errors
        connection = RawConnection(endpoint["url"])
        while (item := await due.get())[0]:
            request, moment = item
            status = await connection.send(request)
            latencies.append((time.monotonic() - moment) * 1000)
            errors += not 200 <= status < 300
        await connection.close()

    async def schedule(started: float) -> None:
        for n, request in enumerate(requests):
            moment = started + n / rate
            await asyncio.sleep(max(0.0, moment - time.monotonic()))
            due.put_nowait((request, moment))
        for _ in range(OPEN_SENDERS):
            due.put_nowait((b"", 0.0))  # the end

    started = time.monotonic()
    senders = [asyncio.create_task(sender()) for _ in range(OPEN_SENDERS)]
    await schedule(started)
    await asyncio.gather(*senders)
    took = time.monotonic() - started
    return ingest_figures(latencies, errors, took)


def profile_receiver(events: int) -> None:
    """Where a delivery's server time goes: the receiver view in this process."""
    from django.test import Client

    from flows.models import WebhookEndpoint
    from flows.webhook_registration import webhook_url

    endpoint_row = WebhookEndpoint.objects.get()
    connection = endpoint_row.connection
    endpoint = {"url": webhook_url(endpoint_row), "secret": connection.secrets["webhook_secret"]}
    path = urlsplit(endpoint["url"]).path
    client = Client()
    deliveries = [signed_event(endpoint, 1 + n % 1000) for n in range(events)]

    def receive_all() -> None:
        for body, headers in deliveries:
            answer = client.post(
                path,
                data=body,
                content_type="application/json",
                headers={k: v for k, v in headers.items() if k != "Content-Type"},
            )
            if answer.status_code >= 300:
                raise RuntimeError(f"the receiver answered {answer.status_code}")

    show_queries(client, path, endpoint)
    harness.profile("webhook_ingest", receive_all, top=25)


def show_queries(client: Any, path: str, endpoint: dict[str, str]) -> None:
    """The SQL statements of one delivery (round trips are most of the receiver's time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body, headers = signed_event(endpoint, 1)
    with CaptureQueriesContext(connection) as queries:
        client.post(
            path,
            data=body,
            content_type="application/json",
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
        )
    print(f"one delivery: {len(queries.captured_queries)} SQL statements")
    for query in queries.captured_queries:
        print(f"  {query['sql'][:160]}")


def ingest_figures(latencies: list[float], errors: int, took: float) -> dict[str, Any]:
    return {
        "events": len(latencies),
        "seconds": took,
        "events_per_second": len(latencies) / took,
        "p50_ms": harness.percentile(latencies, 0.5),
        "p95_ms": harness.percentile(latencies, 0.95),
        "p99_ms": harness.percentile(latencies, 0.99),
        "errors": errors,
    }


if __name__ == "__main__":
    sys.exit(main())
