"""Every text the dashboard shows exists in Dutch and Danish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import override, trans_real

from connectors.models import ConnectionStatus
from dashboard.i18n_labels import CHOICE_VALUES, SETTINGS_HELP_TEXTS, SETTINGS_LABELS
from flows.models import Action, RunStatus, Trigger
from flows.registry import BUILT_IN
from tenants.models import PlanStatus, Role

# The choices a page shows: their labels are translated where they are defined.
SHOWN_CHOICES: list[type[models.TextChoices]] = [
    Trigger,
    RunStatus,
    Action,
    ConnectionStatus,
    Role,
    PlanStatus,
]


def choice_labels() -> list[Any]:
    labels = [label for choices in SHOWN_CHOICES for label in choices.labels]
    return labels + [definition.label for definition in BUILT_IN]


LOCALE = Path(__file__).parents[2] / "locale"


@pytest.mark.parametrize("language", ["nl", "da"])
def test_labels_and_help_texts_are_in_the_catalogue(language):
    catalogue = trans_real.translation(language)._catalog
    texts = CHOICE_VALUES + SETTINGS_HELP_TEXTS + SETTINGS_LABELS
    missing = [text for text in texts if text not in catalogue]
    assert missing == []


@pytest.mark.parametrize("language", ["nl", "da"])
def test_the_catalogue_has_no_empty_translation(language):
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    empty = [entry for entry in po.split("\n\n")[1:] if entry.rstrip().endswith('msgstr ""')]
    assert empty == []


@pytest.mark.parametrize("language", ["nl", "da"])
def test_choice_labels_are_lazy_and_translated_where_they_are_defined(language):
    catalogue = trans_real.translation(language)._catalog
    for label in choice_labels():
        assert isinstance(label, Promise), label
        with override("en"):
            english = str(label)
        assert english in catalogue, english
        with override(language):
            assert str(label) == catalogue[english]


def test_a_page_in_dutch_shows_the_dutch_choice_labels(world, scene):
    world.owner.language = "nl"
    world.owner.save()
    page = world.client_for(world.owner).get(f"/runs/{scene.run.pk}/").content.decode()
    with override("nl"):
        assert str(Trigger.MANUAL.label) in page
        assert str(scene.products.get_kind_display()) in page
    assert "Run now" not in page
