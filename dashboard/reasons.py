"""Why a record was skipped or failed, and why a run stopped, in the reader's language.

The flows store their reasons in English (the log, the API and the emails read them so) and,
for the known ones (flows/reasons.py), a code with parameters beside the text: those are shown
from the code, translated, with their parameters (statuses, SKUs, numbers) kept. A row written
before the codes is recognised by the shape of its text; a reason not known at all, such as
an API's own words, is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from flows.reasons import OWN_CHECK, OWN_CHECK_CODE, REASONS, SETTINGS_PROBLEMS

# The known reasons live with the flows that give them; the names stay importable here.
__all__ = ["OWN_CHECK", "REASONS", "SETTINGS_PROBLEMS", "coded_text", "reason_text"]


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
