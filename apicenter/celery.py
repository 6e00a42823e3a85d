"""The Celery application; configuration comes from Django settings (CELERY_* names)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apicenter.settings")

app = Celery("apicenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def use_django_logging(**_: Any) -> None:
    """Workers and beat log as the web does (settings.LOGGING: JSON lines or text, with the
    ids of the work), instead of Celery replacing the root logger's handlers with its own."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
