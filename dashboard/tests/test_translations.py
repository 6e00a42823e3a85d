"""Every text the dashboard shows exists in Dutch and Danish."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils.translation import trans_real

from dashboard.i18n_labels import CHOICE_LABELS, CHOICE_VALUES, SETTINGS_HELP_TEXTS

LOCALE = Path(__file__).parents[2] / "locale"


@pytest.mark.parametrize("language", ["nl", "da"])
def test_labels_and_help_texts_are_in_the_catalogue(language):
    catalogue = trans_real.translation(language)._catalog
    missing = [
        text
        for text in CHOICE_LABELS + CHOICE_VALUES + SETTINGS_HELP_TEXTS
        if text not in catalogue
    ]
    assert missing == []


@pytest.mark.parametrize("language", ["nl", "da"])
def test_the_catalogue_has_no_empty_translation(language):
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    empty = [entry for entry in po.split("\n\n")[1:] if entry.rstrip().endswith('msgstr ""')]
    assert empty == []
