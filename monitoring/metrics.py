"""The figures of /metrics, read when Prometheus scrapes, from what the platform stores.

Workers are separate processes, so nothing here counts in memory:
- Runs, records and API calls come from the rows each run saves with every page (FlowRun's
  record counts, ApiCallLog). `fold_runs` adds what runs did since the last scrape to
  MetricTotal, under a row lock, so two scrapes never count a page twice; and because runs
  are counted as they go rather than by counting rows, the purge never makes a counter shrink.
- Figures only the process that saw them knows (rate-limit waits, slice lengths, webhook
  answer times) are added to the shared store of connectors.counters as they happen.
- Gauges are read live: runs queued and running, incidents open, messages waiting per Celery
  queue, and the scheduler's heartbeats.
"""

from __future__ import annotations

import functools
import json
import logging
import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from connectors import counters
from connectors.counters import Key, bound_label, histogram_increments, key_of
from flows.models import ApiCallLog, FlowRun, RunStatus, Trigger
from flows.registry import FLOWS
from monitoring.models import (
    FoldedRun,
    Heartbeat,
    Incident,
    IncidentKind,
    IncidentStatus,
    MetricsFold,
    MetricTotal,
)

logger = logging.getLogger(__name__)

RUN_DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 3 * 3600, 12 * 3600)
SLICE_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300)
WEBHOOK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
# Names in connectors.counters of the figures that processes add as they happen.
SLICE_SECONDS = "slice_seconds"
WEBHOOK_DELIVERY_SECONDS = "webhook_delivery_seconds"

# A run in any other status is over and writes nothing more (whatever words the statuses
# that end a run use: succeeded, failed, skipped, cancelled, …).
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
ACTIONS = ("created", "updated", "skipped", "failed")
# A run created this recently may have neighbours with lower ids whose transaction has not
# committed yet: the fold does not move past it until then (see `passable_through`).
SETTLE = timedelta(seconds=60)
# ApiCallLog conditions per query (one per open run).
CALL_QUERY_RUNS = 200


# ---- counting runs into MetricTotal ------------------------------------------------------


@transaction.atomic
def fold_runs(*, now: datetime | None = None) -> int:
    """Add what runs did since the last fold to MetricTotal; return how many runs changed.

    The first fold only notes where counting starts: earlier runs are history, not news.
    """
    now = now or timezone.now()
    MetricsFold.objects.bulk_create([MetricsFold(pk=1)], ignore_conflicts=True)
    state = MetricsFold.objects.select_for_update().get(pk=1)
    if state.runs_through < 0:
        state.runs_through = FlowRun.objects.aggregate(top=Max("id"))["top"] or 0
        state.save(update_fields=["runs_through"])
        return 0
    runs = runs_to_fold(state.runs_through, now)
    snapshots = {f.run_id: f for f in FoldedRun.objects.filter(run_id__in=[r["id"] for r in runs])}
    open_runs = [r for r in runs if not (r["id"] in snapshots and snapshots[r["id"]].done)]
    calls = call_counts(open_runs, snapshots)
    totals: Counter[Key] = Counter()
    changed = []
    for run in open_runs:
        snapshot = snapshots.get(run["id"]) or FoldedRun(run_id=run["id"])
        if fold_run(run, snapshot=snapshot, calls=calls.get(run["id"]), totals=totals):
            changed.append(snapshot)
    add_totals(totals)
    FoldedRun.objects.bulk_create(
        changed,
        update_conflicts=True,
        unique_fields=["run_id"],
        update_fields=[*ACTIONS, "last_call_id", "done"],
    )
    advance(state, runs, now)
    return len(changed)


def runs_to_fold(after_id: int, now: datetime) -> list[dict[str, Any]]:
    """The runs above the mark, but those counted in full that are past settling."""
    done = FoldedRun.objects.filter(done=True, run_id__gt=after_id).values("run_id")
    rows = (
        FlowRun.objects.filter(id__gt=after_id)
        .exclude(Q(id__in=done) & Q(queued_at__lt=now - SETTLE))
        .order_by("id")
        .values(
            "id",
            "flow__kind",
            "trigger",
            "status",
            "queued_at",
            "started_at",
            "finished_at",
            *ACTIONS,
        )
    )
    return list(rows)


def call_counts(
    runs: Sequence[dict[str, Any]], snapshots: dict[int, FoldedRun]
) -> dict[int, tuple[Counter[Key], int]]:
    """Per run: its API calls not yet counted, by system and status class, and the last id."""
    found: dict[int, tuple[Counter[Key], int]] = {}
    for start in range(0, len(runs), CALL_QUERY_RUNS):
        since = [
            Q(run_id=r["id"], id__gt=snapshots[r["id"]].last_call_id if r["id"] in snapshots else 0)
            for r in runs[start : start + CALL_QUERY_RUNS]
        ]
        rows = (
            ApiCallLog.objects.filter(functools.reduce(operator.or_, since))
            .values("run_id", "system", "status")
            .annotate(calls=Count("id"), top=Max("id"))
        )
        for row in rows:
            tally, top = found.get(row["run_id"], (Counter(), 0))
            labels = {"system": row["system"], "status": status_class(row["status"])}
            tally[key_of("api_calls", labels)] += row["calls"]
            found[row["run_id"]] = (tally, max(top, row["top"]))
    return found


def status_class(status: int | None) -> str:
    """ "429" on its own (the rate limit), else "2xx", "4xx", …; "none" when nothing answered."""
    if status is None:
        return "none"
    return "429" if status == 429 else f"{status // 100}xx"


def fold_run(
    run: dict[str, Any],
    *,
    snapshot: FoldedRun,
    calls: tuple[Counter[Key], int] | None,
    totals: Counter[Key],
) -> bool:
    """Add what the run did since its snapshot to `totals`; return whether it changed."""
    kind = run["flow__kind"]
    changed = False
    for action in ACTIONS:
        new = run[action] - getattr(snapshot, action)
        if new > 0:
            changed = True
            setattr(snapshot, action, run[action])
            if run["trigger"] != Trigger.DRY_RUN:  # records a dry run only pretended to write
                totals[key_of("records", {"kind": kind, "action": action})] += new
    if calls is not None:
        changed = True
        totals.update(calls[0])
        snapshot.last_call_id = calls[1]
    if run["status"] not in ACTIVE:
        changed = snapshot.done = True
        labels = {"kind": kind, "status": run["status"], "trigger": run["trigger"]}
        totals[key_of("runs", labels)] += 1
        if run["started_at"] and run["finished_at"]:
            seconds = (run["finished_at"] - run["started_at"]).total_seconds()
            observed = histogram_increments(
                "run_duration_seconds",
                value=seconds,
                buckets=RUN_DURATION_BUCKETS,
                labels={"kind": kind},
            )
            totals.update(dict(observed))
    return changed


def add_totals(totals: Counter[Key]) -> None:
    if not totals:
        return
    names = {name for name, _ in totals}
    current = {(t.name, t.labels): t.value for t in MetricTotal.objects.filter(name__in=names)}
    MetricTotal.objects.bulk_create(
        [
            MetricTotal(name=name, labels=labels, value=current.get((name, labels), 0) + amount)
            for (name, labels), amount in totals.items()
        ],
        update_conflicts=True,
        unique_fields=["name", "labels"],
        update_fields=["value"],
    )


def advance(state: MetricsFold, runs: list[dict[str, Any]], now: datetime) -> None:
    through = passable_through(state.runs_through, runs, now)
    if through != state.runs_through:
        state.runs_through = through
        state.save(update_fields=["runs_through"])
        FoldedRun.objects.filter(run_id__lte=through).delete()


def passable_through(after_id: int, runs: list[dict[str, Any]], now: datetime) -> int:
    """The highest id below which every run is counted in full, for good.

    A run still going blocks; so does one created within SETTLE: a run with a lower id may
    still be in a transaction that commits later, and would be skipped if the mark passed it.
    """
    blockers = [r["id"] for r in runs if r["status"] in ACTIVE or r["queued_at"] >= now - SETTLE]
    first_blocker = min(blockers, default=None)
    done = FoldedRun.objects.filter(done=True, run_id__gt=after_id)
    if first_blocker is not None:
        done = done.filter(run_id__lt=first_blocker)
    candidates = [r["id"] for r in runs if first_blocker is None or r["id"] < first_blocker]
    candidates += list(done.values_list("run_id", flat=True))
    return max(candidates, default=after_id)


# ---- the collector -----------------------------------------------------------------------


class PlatformCollector(Collector):
    """Every figure of the platform, read at scrape time (one instance per scrape)."""

    def collect(self) -> Iterator[Metric]:
        fold_runs()
        figures = stored_totals()
        shared, shared_up = shared_figures()
        figures.update(shared)
        yield from counter_families(figures)
        yield from histogram_families(figures)
        yield from live_gauges()
        yield gauge(
            "shared_store_up",
            documentation="1 when the store of the figures that workers add answered.",
            samples={(): float(shared_up)},
        )


def stored_totals() -> dict[Key, float]:
    return {(t.name, t.labels): t.value for t in MetricTotal.objects.all()}


def shared_figures() -> tuple[dict[Key, float], bool]:
    try:
        return counters.read(), True
    except Exception as error:  # noqa: BLE001 - the other figures are still worth a scrape
        logger.warning("the shared metrics store did not answer: %s", error)
        return {}, False


COUNTERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("runs", "Finished runs by flow kind, status and trigger.", ("kind", "status", "trigger")),
    (
        "records",
        "Records handled by runs, by flow kind and action (dry runs left out).",
        ("kind", "action"),
    ),
    (
        "api_calls",
        "HTTP attempts of runs by system and answer (2xx, 4xx, 429, 5xx, none).",
        ("system", "status"),
    ),
    (
        "rate_limit_wait_seconds",
        "Seconds spent waiting for a system's rate limit: the shared limiter or after a 429.",
        ("system", "cause"),
    ),
)
HISTOGRAMS: tuple[tuple[str, str, tuple[str, ...], tuple[float, ...]], ...] = (
    (
        "run_duration_seconds",
        "Runs from start to finish, by flow kind.",
        ("kind",),
        RUN_DURATION_BUCKETS,
    ),
    (
        SLICE_SECONDS,
        "How long a slice of a run held its worker, by flow kind.",
        ("kind",),
        SLICE_BUCKETS,
    ),
    (
        WEBHOOK_DELIVERY_SECONDS,
        "Webhook deliveries by outcome, and how long the answer took (_count: deliveries).",
        ("outcome",),
        WEBHOOK_BUCKETS,
    ),
)


def metric_name(name: str) -> str:
    return f"apicenter_{name}"


def labelled(figures: dict[Key, float], name: str) -> Iterator[tuple[dict[str, str], float]]:
    for (figure, labels), value in sorted(figures.items()):
        if figure == name:
            yield json.loads(labels), value


def counter_families(figures: dict[Key, float]) -> Iterator[Metric]:
    for name, documentation, labels in COUNTERS:
        family = CounterMetricFamily(metric_name(name), documentation, labels=labels)
        for values, value in labelled(figures, name):
            family.add_metric([values.get(label, "") for label in labels], value)
        yield family


def histogram_families(figures: dict[Key, float]) -> Iterator[Metric]:
    for name, documentation, labels, bounds in HISTOGRAMS:
        family = HistogramMetricFamily(metric_name(name), documentation, labels=labels)
        buckets: dict[tuple[str, ...], dict[str, float]] = {}
        for values, value in labelled(figures, f"{name}_bucket"):
            group = tuple(values.get(label, "") for label in labels)
            buckets.setdefault(group, {})[values["le"]] = value
        sums = {
            tuple(values.get(label, "") for label in labels): value
            for values, value in labelled(figures, f"{name}_sum")
        }
        for group, counts in sorted(buckets.items()):
            family.add_metric(list(group), cumulative(counts, bounds), sum_value=sums.get(group, 0))
        yield family


def cumulative(counts: dict[str, float], bounds: Iterable[float]) -> list[tuple[str, float]]:
    """Prometheus buckets count everything up to their bound: add the ones below."""
    running, result = 0.0, []
    for le in [*(bound_label(b) for b in sorted(bounds)), counters.INF]:
        running += counts.get(le, 0.0)
        result.append((le, running))
    return result


def gauge(
    name: str,
    *,
    documentation: str,
    samples: dict[tuple[str, ...], float],
    labels: Sequence[str] = (),
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(metric_name(name), documentation, labels=labels)
    for values, value in sorted(samples.items()):
        family.add_metric(list(values), value)
    return family


def live_gauges() -> Iterator[Metric]:
    yield gauge(
        "runs_active",
        documentation="Runs queued or running now, by flow kind.",
        samples=active_runs(),
        labels=("kind", "status"),
    )
    yield gauge(
        "incidents_open",
        documentation="Incidents open now, by kind.",
        samples=open_incidents(),
        labels=("kind",),
    )
    depths = queue_depths()
    yield gauge(
        "broker_up",
        documentation="1 when the Celery broker answered.",
        samples={(): float(depths is not None)},
    )
    yield gauge(
        "queue_messages",
        documentation="Tasks waiting in each Celery queue.",
        samples={(queue,): float(n) for queue, n in (depths or {}).items()},
        labels=("queue",),
    )
    yield gauge(
        "heartbeat_timestamp_seconds",
        documentation=(
            "When the scheduler last published its tick (beat) and a worker ran it (tick)."
        ),
        samples=heartbeats(),
        labels=("name",),
    )


def active_runs() -> dict[tuple[str, ...], float]:
    samples: dict[tuple[str, ...], float] = {
        (kind, str(status)): 0.0 for kind in FLOWS for status in ACTIVE
    }
    rows = (
        FlowRun.objects.filter(status__in=ACTIVE)
        .values("flow__kind", "status")
        .annotate(runs=Count("id"))
    )
    for row in rows:
        samples[(row["flow__kind"], row["status"])] = float(row["runs"])
    return samples


def open_incidents() -> dict[tuple[str, ...], float]:
    samples: dict[tuple[str, ...], float] = {(kind,): 0.0 for kind in IncidentKind.values}
    rows = Incident.objects.filter(status=IncidentStatus.OPEN).values("kind")
    rows = rows.annotate(n=Count("id"))
    for row in rows:
        samples[(row["kind"],)] = float(row["n"])
    return samples


def heartbeats() -> dict[tuple[str, ...], float]:
    return {(beat.name,): beat.at.timestamp() for beat in Heartbeat.objects.all()}


def celery_queues() -> list[str]:
    return sorted({settings.CELERY_TASK_DEFAULT_QUEUE, *(f.queue for f in FLOWS.values())})


def queue_depths() -> dict[str, int] | None:
    """Messages waiting per queue; None when the broker does not answer."""
    from monitoring.health import broker_connection

    try:
        with broker_connection() as conn:
            conn.ensure_connection(max_retries=0)
            with conn.channel() as channel:
                return {queue: queue_size(channel, queue) for queue in celery_queues()}
    except Exception as error:  # noqa: BLE001 - a broker that is down is a figure too
        logger.warning("the broker did not answer for the queue depths: %s", error)
        return None


def queue_size(channel: Any, queue: str) -> int:
    from kombu.exceptions import ChannelError

    try:
        return int(channel.queue_declare(queue=queue, passive=True).message_count)
    except ChannelError:
        return 0  # Redis keeps no key for an empty queue
