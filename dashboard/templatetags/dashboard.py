"""Small template helpers: status badges in the user's language, durations, percentages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATE_LABELS: dict[str, Any] = {
    "needs_attention": _("needs attention"),
    "running": _("running"),
    "queued": _("queued"),
    "off": _("off"),
    "new": _("not run yet"),
    "succeeded": _("succeeded"),
    "succeeded_with_failures": _("succeeded with failures"),
    "failed": _("failed"),
    "cancelled": _("cancelled"),
    "skipped": _("skipped"),
    "created": _("created"),
    "updated": _("updated"),
    "ok": _("working"),
    "error": _("failing"),
    "live": _("live"),
    "all_failed": _("all records failed"),
}

# A dry run writes nothing: its records and counts say what a real run would do.
DRY_RUN_LABELS: dict[str, Any] = {
    "created": _("would create"),
    "updated": _("would update"),
    "skipped": _("would skip"),
    "failed": _("would fail"),
}


@register.simple_tag
def state_badge(state: str) -> SafeString:
    label = STATE_LABELS.get(state, state)
    return format_html('<span class="badge {}">{}</span>', state, label)


@register.simple_tag
def record_badge(record: Any, *, dry_run: bool | None = None) -> SafeString:
    """A record's outcome; "would create" when its run was a dry run (pass dry_run when the
    page knows it, so that a list does not load each record's run)."""
    if dry_run is None:
        dry_run = record.run.dry_run
    if dry_run:
        label = DRY_RUN_LABELS.get(record.action, record.action)
        return format_html('<span class="badge dry {}">{}</span>', record.action, label)
    return state_badge(record.action)


@register.simple_tag
def run_badge(run: Any) -> SafeString:
    """A run's outcome, and a second badge "dry run" when it wrote nothing."""
    badge = state_badge(run.outcome)
    if run.dry_run:
        return format_html('{} <span class="badge dry">{}</span>', badge, _("dry run"))
    return badge


@register.filter
def duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


@register.filter
def percent(value: float | None) -> str:
    """A share as a percentage with the reader's decimal separator ("12,5 %" in Dutch)."""
    if value is None:
        return "—"
    return f"{formats.number_format(round(value * 100, 1), 1, use_l10n=True)} %"


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.filter
def label(value: Any) -> str:
    """Translate a label defined in English elsewhere (choice labels, schema help texts)."""
    return gettext(str(value)) if value else ""


@register.filter
def any_at_work(runs: Any) -> bool:
    """Whether any of the runs is queued or running (its page shows it live)."""
    return any(not run.finished for run in runs or [])


@register.filter
def startswith(value: str, prefix: str) -> bool:
    return str(value).startswith(str(prefix))


@register.filter
def reason(text: str | None) -> str:
    """A stored English reason in the reader's language (dashboard/reasons.py)."""
    from dashboard.reasons import reason_text

    return reason_text(text or "")


@register.filter
def record_reason(record: Any) -> str:
    """A record's reason in the reader's language, from its code when it has one."""
    from dashboard.reasons import coded_text

    return coded_text(record.reason_code, record.reason_params, record.reason)


@register.filter
def run_error(run: Any) -> str:
    """Why a run stopped, in the reader's language, from its code when it has one."""
    from dashboard.reasons import coded_text

    return coded_text(run.error_code, run.error_params, run.error)


@register.filter
def entity_word(entity: str) -> str:
    """What a record is, in the reader's language, small: "order", "klant", "kunde"."""
    from dashboard.record_view import ENTITY_WORDS

    word = ENTITY_WORDS.get(entity)
    return str(word).lower() if word is not None else entity


@register.filter
def ago(moment: datetime | None) -> str:
    """'just now' within the first minute (never '0 minutes ago'), else '12 minutes ago'."""
    if moment is None:
        return "—"
    if timezone.now() - moment < timedelta(minutes=1):
        return str(_("just now"))
    return str(_("%(time)s ago") % {"time": timesince(moment)})


@register.filter
def next_run(moment: datetime | None) -> str:
    """'due now' for a moment that has come, else the time until it ('in 14 minutes')."""
    if moment is None:
        return "—"
    if moment <= timezone.now():
        return str(_("due now"))
    return str(_("in %(time)s") % {"time": timeuntil(moment)})


@register.filter
def function_options(selected: str) -> SafeString:
    """The mapping functions as the options of a select, the given one selected."""
    from dashboard.function_chain import function_options as options

    return options(selected or "")
