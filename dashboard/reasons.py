"""Why a record was skipped or failed, and why a run stopped, in the reader's language.

The flows store their reasons in English (the log, the API and the emails read them so) and,
for the known ones (flows/reasons.py), a code with parameters beside the text: those are shown
from the code, translated, with their parameters (statuses, SKUs, numbers) kept. A row written
before the codes is recognised by the shape of its text; a reason not known at all, such as
an API's own words, is shown as it is.
"""

from __future__ import annotations

from flows.reasons import (
    OWN_CHECK,
    REASONS,
    SETTINGS_PROBLEMS,
    coded_text,
    reason_text,
    translate_known,
)

# The known reasons and their words live with the flows that give them (the emails say them
# too); the names stay importable here.
__all__ = [
    "OWN_CHECK",
    "REASONS",
    "SETTINGS_PROBLEMS",
    "coded_text",
    "reason_text",
    "translate_known",
]
