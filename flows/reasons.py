"""The reasons the flows give for a record they skipped or failed and for a run that stopped,
as codes with parameters.

The flows write their reasons in English (the log, the API and the emails read them so);
each known one has a code here, with the shape of its English text and its msgid with the
same named parameters. A record log or run stores the code and the parameters beside the
text, so that the dashboard renders it in the reader's language from the code; a row written
before the codes (or a reason not known here, such as an API's own words) has no code and
is shown from its text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# code: (shape of the English reason, its msgid with the same named parameters)
REASONS: dict[str, tuple[re.Pattern[str], str]] = {
    code: (re.compile(pattern), msgid)
    for code, pattern, msgid in [
        (
            "invoice_not_paid",
            r"^the invoice is not paid yet$",
            gettext_noop("the invoice is not paid yet"),
        ),
        (
            "debtor_without_email",
            r"^the debtor has no email address$",
            gettext_noop("the debtor has no email address"),
        ),
        (
            "debtor_without_email_feeddex",
            r"^the debtor has no email address, which Feeddex needs$",
            gettext_noop("the debtor has no email address, which Feeddex needs"),
        ),
        (
            "inactive_article",
            r"^inactive article \(setting: active articles only\)$",
            gettext_noop("inactive article (setting: active articles only)"),
        ),
        ("invited_already", r"^invited already$", gettext_noop("invited already")),
        ("default_mapping", r"^default mapping$", gettext_noop("default mapping")),
        (
            "rollback_note",
            r"^rollback to version (?P<number>\d+)$",
            gettext_noop("rollback to version %(number)s"),
        ),
        (
            "shipping_article",
            r"^the orders flow books shipping costs on this article: not a product$",
            gettext_noop("the orders flow books shipping costs on this article: not a product"),
        ),
        (
            "variant_article",
            r"^variant article: Feeddex takes simple products only$",
            gettext_noop("variant article: Feeddex takes simple products only"),
        ),
        (
            "target_has_values",
            r"^the target holds these values already$",
            gettext_noop("the target holds these values already"),
        ),
        (
            "unchanged_since_last_run",
            r"^unchanged since the last run: nothing to write$",
            gettext_noop("unchanged since the last run: nothing to write"),
        ),
        (
            "payment_status",
            r"^payment status is (?P<status>.+) \(booked when: (?P<wanted>.*)\)$",
            gettext_noop("payment status is %(status)s (booked when: %(wanted)s)"),
        ),
        (
            "order_status",
            r"^order status is (?P<status>.+) \(not among the statuses to book\)$",
            gettext_noop("order status is %(status)s (not among the statuses to book)"),
        ),
        (
            "booked_elsewhere",
            r"^booked already elsewhere \((?P<reference>.*)\)$",
            gettext_noop("booked already elsewhere (%(reference)s)"),
        ),
        (
            "in_asperion_already",
            r"^in Asperion already \((?P<number>.*)\)$",
            gettext_noop("in Asperion already (%(number)s)"),
        ),
        (
            "booked_by_interrupted_run",
            r"^found booked by an interrupted run \((?P<number>.*)\)$",
            gettext_noop("found booked by an interrupted run (%(number)s)"),
        ),
        (
            "skus_not_found",
            r"^SKUs not found in Asperion: (?P<skus>.*)$",
            gettext_noop("SKUs not found in Asperion: %(skus)s"),
        ),
        (
            "mapping_failed",
            r"^mapping failed: (?P<errors>.*)$",
            gettext_noop("mapping failed: %(errors)s"),
        ),
        (
            "source_invalid",
            r"^the source record is invalid: (?P<error>.*)$",
            gettext_noop("the source record is invalid: %(error)s"),
        ),
        (
            "temporary_failure",
            r"^(?:temporary failure, tried again later|the API did not answer in time): "
            r"(?P<detail>.*)$",
            gettext_noop("temporary failure, tried again later: %(detail)s"),
        ),
        (
            "record_not_kept",
            r"^the record as read is no longer kept \(purged or masked\): run the flow$",
            gettext_noop("the record as read is no longer kept (purged or masked): run the flow"),
        ),
        (
            "same_feeddex_record",
            r"^(?P<label>.+) goes to the same Feeddex record already: this one is not written "
            r"over it; make the two differ in the source \(spaces and case do not count\)$",
            gettext_noop(
                "%(label)s goes to the same Feeddex record already: this one is not written "
                "over it; make the two differ in the source (spaces and case do not count)"
            ),
        ),
    ]
}
# Our own check of a flow's settings, whose problem is itself one of SETTINGS_PROBLEMS.
OWN_CHECK_CODE = "own_check"
OWN_CHECK = re.compile(r"^our check of the settings: (?P<problem>.*)$")
# What our own checks of the settings say (flows/definitions.py, settings_problem).
SETTINGS_PROBLEMS = [gettext_noop("choose the Feeddex unit in this flow's settings")]


def reason_code(text: str) -> tuple[str, dict[str, Any]]:
    """The code and parameters of a reason in English, or ("", {}) for one not known here."""
    if not text:
        return "", {}
    own = OWN_CHECK.match(text)
    if own:
        return OWN_CHECK_CODE, own.groupdict()
    for code, (shape, _msgid) in REASONS.items():
        match = shape.match(text)
        if match:
            return code, match.groupdict()
    return "", {}


# ---- in the reader's language (the dashboard, the emails) ------------------------------------


def reason_text(reason: str) -> str:
    """The reason in the active language when it is one we know, else as it is."""
    if not reason:
        return ""
    own = OWN_CHECK.match(reason)
    if own:
        return _("Our check of the settings: %(problem)s") % {"problem": _(own.group("problem"))}
    return translate_known(reason, lambda msgid, values: _(msgid) % values)


def coded_text(code: str, params: dict[str, Any] | None, text: str) -> str:
    """A stored reason in the active language: from its code when it has a known one, else
    from its text (rows from before the codes, reasons not known here)."""
    values = {k: str(v) for k, v in (params or {}).items()}
    if code == OWN_CHECK_CODE and "problem" in values:
        return _("Our check of the settings: %(problem)s") % {"problem": _(values["problem"])}
    known = REASONS.get(code)
    if known is not None:
        try:
            return _(known[1]) % values
        except (KeyError, TypeError, ValueError):  # parameters that do not fit its words
            pass
    return reason_text(text)


def translate_known(reason: str, render: Callable[[str, dict[str, str]], str]) -> str:
    for shape, msgid in REASONS.values():
        match = shape.match(reason)
        if match:
            return render(msgid, match.groupdict())
    return reason
