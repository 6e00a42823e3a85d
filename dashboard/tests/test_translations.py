"""Every text the dashboard shows exists in Dutch and Danish."""

from __future__ import annotations

import pytest
from django.utils import translation

from dashboard.i18n_labels import CHOICE_LABELS, SETTINGS_HELP_TEXTS


@pytest.mark.parametrize("language", ["nl", "da"])
def test_labels_and_help_texts_are_translated(language):
    with translation.override(language):
        untranslated = [
            text
            for text in CHOICE_LABELS + SETTINGS_HELP_TEXTS
            if translation.gettext(text) == text and text not in {"Webhook", "Status", "Mapping"}
        ]
    assert untranslated == []


@pytest.mark.parametrize("language", ["nl", "da"])
def test_the_catalogue_has_no_empty_translation(language):
    from pathlib import Path

    po = (Path(__file__).parents[2] / "locale" / language / "LC_MESSAGES" / "django.po").read_text()
    entries = po.split("\n\n")[1:]
    empty = [
        e for e in entries if e.rstrip().endswith('msgstr ""') and '\n"' not in e.split("msgstr")[1]
    ]
    assert empty == []
