"""What an incident email says, in plain words, in the language active when it is built.

The reasons it quotes are ours when they are known ones (flows/reasons.py), said in that
language too; an API's own words are quoted as they are.

Call these inside `translation.override(user.language)`: every text comes from gettext, so
the same incident reads in English, Dutch or Danish depending on who receives it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from connectors.registry import display_name
from flows.reasons import reason_text
from flows.registry import FLOWS
from monitoring.models import Incident, IncidentKind


@dataclass
class Item:
    """One affected flow or connection: what went wrong, and the words of whoever said so
    (an API, or our own check)."""

    name: str
    problem: str
    api_messages: list[str] = field(default_factory=list)
    link: str = ""


@dataclass
class Message:
    subject: str
    headline: str
    items: list[Item]
    what_to_do: str
    link: str


def site_link(name: str, *args: Any) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=args)}"


def run_link(run_id: int | None) -> str:
    return site_link("dashboard:run_detail", run_id) if run_id else site_link("dashboard:flows")


def flow_name(kind: str) -> str:
    """The flow's name in the emails (FlowDefinition.name)."""
    definition = FLOWS.get(kind)
    return str(definition.name) if definition else kind


# ---- one builder per kind -----------------------------------------------------------------


def failing_item(detail: dict[str, Any]) -> Item:
    name = flow_name(detail["kind"])
    if detail["problem"] == "records_failing":
        # The run's own status words, as on its page: "succeeded with failures", or "all
        # records failed" when nothing went through (never "succeeded" for that).
        problem = ngettext(
            "The last run failed its only record.",
            "The last run failed all %(failed)s records it read.",
            detail["failed"],
        ) % {"failed": detail["failed"]}
        if detail["failed"] < detail["read"]:
            problem = ngettext(
                "The last run succeeded with failures: %(failed)s of %(read)s record failed.",
                "The last run succeeded with failures: %(failed)s of %(read)s records failed.",
                detail["read"],
            ) % {"failed": detail["failed"], "read": detail["read"]}
        quoted = [f"{r['key']}: {reason_text(r['reason'])}" for r in detail.get("reasons", [])]
        return Item(name, problem, quoted, run_link(detail["run_id"]))
    if detail.get("read") == 0:
        problem = _("The last run failed before reading any record.")
    else:
        problem = _(
            "The last run failed: it stopped before it was done, because a system could not "
            "be reached or answered with an error."
        )
    return Item(
        name,
        problem,
        [reason_text(detail["error"])] if detail["error"] else [],
        run_link(detail["run_id"]),
    )


def flows_failing(incident: Incident) -> Message:
    items = [failing_item(d) for d in incident.details.get("flows", [])]
    if len(items) == 1:
        headline = _("The %(flow)s flow is failing.") % {"flow": items[0].name}
    else:
        headline = _("%(count)s flows are failing.") % {"count": len(items)}
    steps = []
    problems = {d["problem"] for d in incident.details.get("flows", [])}
    if "run_failed" in problems:
        steps.append(
            _(
                "Usually nothing: the next run tries again by itself. If this goes on, check "
                "whether Asperion and Feeddex are available, and open the run for the details."
            )
        )
    if "records_failing" in problems:
        steps.append(
            _(
                "Open the run to see why each record failed, correct the data in the source or "
                "the flow's mapping, then retry the failed records."
            )
        )
    return Message(headline, headline, items, " ".join(steps), run_link(incident.run_id))


def needs_attention(incident: Incident) -> Message:
    flows = incident.details.get("flows", [])
    items = [
        Item(
            flow_name(d["kind"]),
            _("The flow stopped and does not run again until this is fixed."),
            [reason_text(d["error"])] if d["error"] else [],
            run_link(d["run_id"]),
        )
        for d in flows
    ]
    headline = ngettext(
        "A flow stopped and needs your attention.",
        "%(count)s flows stopped and need your attention.",
        len(items),
    ) % {"count": len(items)}
    what = _(
        "Check the connections on the settings page (reconnect Asperion, or enter the "
        "Feeddex credentials again) and the flow's settings, then start the flow again."
    )
    return Message(headline, headline, items, what, site_link("dashboard:settings"))


def connection_lost(incident: Incident) -> Message:
    details = incident.details
    system = display_name(details.get("system", ""))
    headline = _("%(system)s no longer accepts the credentials of the connection “%(name)s”.") % {
        "system": system,
        "name": details.get("name", ""),
    }
    error = details.get("error", "")
    problem = _("Every flow that uses this connection stops until it is reconnected.")
    link = (
        site_link("dashboard:connection_reconnect", incident.connection_id)
        if incident.connection_id
        else site_link("dashboard:settings")
    )
    what = _(
        "Open the connection and reconnect it: sign in to Asperion again, or enter the "
        "current Feeddex credentials. The flows continue by themselves afterwards."
    )
    items = [Item(f"{system}: {details.get('name', '')}", problem, [error] if error else [], link)]
    return Message(headline, headline, items, what, link)


def no_success(incident: Incident) -> Message:
    d = incident.details
    headline = _(
        "The %(flow)s flow has not completed a run for %(hours)s hours, although it runs "
        "every %(minutes)s minutes."
    ) % {"flow": flow_name(d["kind"]), "hours": d["hours"], "minutes": d["interval_minutes"]}
    what = _(
        "Open the flow and start a run. If it does not finish, contact support: runs may "
        "not be processed at the moment."
    )
    link = site_link("dashboard:flow_detail", d["flow_id"])
    return Message(headline, headline, [Item(flow_name(d["kind"]), headline, [], link)], what, link)


def stuck_run(incident: Incident) -> Message:
    d = incident.details
    headline = _("A run of the %(flow)s flow has shown no progress for %(minutes)s minutes.") % {
        "flow": flow_name(d["kind"]),
        "minutes": d["minutes"],
    }
    what = _(
        "Nothing for now: a new run takes over the flow by itself and continues where this "
        "one stopped. If it happens again, contact support."
    )
    link = run_link(d["run_id"])
    return Message(headline, headline, [Item(flow_name(d["kind"]), headline, [], link)], what, link)


def no_orders(incident: Incident) -> Message:
    d = incident.details
    headline = _("The orders flow has seen no new orders for %(hours)s hours.") % {
        "hours": d["hours"]
    }
    what = _(
        "Check that your shop receives orders, and that the order statuses chosen in the "
        "flow's settings are the ones your orders have."
    )
    link = site_link("dashboard:flow_detail", d["flow_id"])
    return Message(headline, headline, [Item(flow_name(d["kind"]), headline, [], link)], what, link)


def accounting_action(incident: Incident) -> Message:
    d = incident.details
    headline = ngettext(
        "%(count)s booked order was cancelled or refunded in the shop and needs action in "
        "the accounting system.",
        "%(count)s booked orders were cancelled or refunded in the shop and need action in "
        "the accounting system.",
        d["count"],
    ) % {"count": d["count"]}
    what = _(
        "Cancel or credit each sales order in the accounting system by hand (its API cannot "
        "cancel a sales order). The mark clears once the sales order is cancelled there."
    )
    link = site_link("dashboard:flow_detail", d["flow_id"])
    items = [Item(str(o["order"]), str(o["reason"]), [], link) for o in d["orders"]]
    return Message(headline, headline, items, what, link)


BUILDERS: dict[str, Callable[[Incident], Message]] = {
    IncidentKind.FLOWS_FAILING: flows_failing,
    IncidentKind.NEEDS_ATTENTION: needs_attention,
    IncidentKind.CONNECTION: connection_lost,
    IncidentKind.NO_SUCCESS: no_success,
    IncidentKind.STUCK_RUN: stuck_run,
    IncidentKind.NO_ORDERS: no_orders,
    IncidentKind.ACCOUNTING_ACTION: accounting_action,
}


def incident_message(incident: Incident, *, recovery: bool) -> Message:
    """Return what to say about an incident; the recovery message reuses its headline."""
    message = BUILDERS[incident.kind](incident)
    if recovery:
        message.subject = _("Resolved: %(problem)s") % {"problem": message.headline}
        message.what_to_do = _("Nothing: it works again.")
    return message
