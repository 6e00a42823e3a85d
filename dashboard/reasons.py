"""Why a record was skipped or failed, and why a run stopped, in the reader's language.

The flows store their reasons in English (the log, the API and the emails read them so); the
dashboard recognises the known ones by their shape and shows them translated, with their
parameters (statuses, SKUs, numbers) kept. A reason it does not know, such as an API's own
words or a row written before a reason was known here, is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# (shape of the English reason, its msgid with the same named parameters)
REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), msgid)
    for p, msgid in [
        (r"^the invoice is not paid yet$", gettext_noop("the invoice is not paid yet")),
        (r"^the debtor has no email address$", gettext_noop("the debtor has no email address")),
        (
            r"^the debtor has no email address, which Feeddex needs$",
            gettext_noop("the debtor has no email address, which Feeddex needs"),
        ),
        (
            r"^inactive article \(setting: active articles only\)$",
            gettext_noop("inactive article (setting: active articles only)"),
        ),
        (r"^invited already$", gettext_noop("invited already")),
        # The notes of mapping versions the platform writes itself.
        (r"^default mapping$", gettext_noop("default mapping")),
        (
            r"^rollback to version (?P<number>\d+)$",
            gettext_noop("rollback to version %(number)s"),
        ),
        (
            r"^the orders flow books shipping costs on this article: not a product$",
            gettext_noop("the orders flow books shipping costs on this article: not a product"),
        ),
        (
            r"^variant article: Feeddex takes simple products only$",
            gettext_noop("variant article: Feeddex takes simple products only"),
        ),
        (
            r"^the target holds these values already$",
            gettext_noop("the target holds these values already"),
        ),
        (
            r"^unchanged since the last run: nothing to write$",
            gettext_noop("unchanged since the last run: nothing to write"),
        ),
        (
            r"^payment status is (?P<status>.+) \(booked when: (?P<wanted>.*)\)$",
            gettext_noop("payment status is %(status)s (booked when: %(wanted)s)"),
        ),
        (
            r"^order status is (?P<status>.+) \(not among the statuses to book\)$",
            gettext_noop("order status is %(status)s (not among the statuses to book)"),
        ),
        (
            r"^booked already elsewhere \((?P<reference>.*)\)$",
            gettext_noop("booked already elsewhere (%(reference)s)"),
        ),
        (
            r"^in Asperion already \((?P<number>.*)\)$",
            gettext_noop("in Asperion already (%(number)s)"),
        ),
        (
            r"^found booked by an interrupted run \((?P<number>.*)\)$",
            gettext_noop("found booked by an interrupted run (%(number)s)"),
        ),
        (
            r"^SKUs not found in Asperion: (?P<skus>.*)$",
            gettext_noop("SKUs not found in Asperion: %(skus)s"),
        ),
        (r"^mapping failed: (?P<errors>.*)$", gettext_noop("mapping failed: %(errors)s")),
        (
            r"^the source record is invalid: (?P<error>.*)$",
            gettext_noop("the source record is invalid: %(error)s"),
        ),
        (
            r"^(?:temporary failure, tried again later|the API did not answer in time): "
            r"(?P<detail>.*)$",
            gettext_noop("temporary failure, tried again later: %(detail)s"),
        ),
        (
            r"^the record as read is no longer kept \(purged or masked\): run the flow$",
            gettext_noop("the record as read is no longer kept (purged or masked): run the flow"),
        ),
        (
            r"^(?P<label>.+) goes to the same Feeddex record already: this one is not written "
            r"over it; make the two differ in the source \(spaces and case do not count\)$",
            gettext_noop(
                "%(label)s goes to the same Feeddex record already: this one is not written "
                "over it; make the two differ in the source (spaces and case do not count)"
            ),
        ),
    ]
]
OWN_CHECK = re.compile(r"^our check of the settings: (?P<problem>.*)$")
# What our own checks of the settings say (flows/definitions.py, settings_problem).
SETTINGS_PROBLEMS = [gettext_noop("choose the Feeddex unit in this flow's settings")]


def reason_text(reason: str) -> str:
    """The reason in the active language when it is one we know, else as it is."""
    if not reason:
        return ""
    own = OWN_CHECK.match(reason)
    if own:
        return _("Our check of the settings: %(problem)s") % {"problem": _(own.group("problem"))}
    return translate_known(reason, lambda msgid, values: _(msgid) % values)


def translate_known(reason: str, render: Callable[[str, dict[str, str]], str]) -> str:
    for shape, msgid in REASONS:
        match = shape.match(reason)
        if match:
            return render(msgid, match.groupdict())
    return reason
