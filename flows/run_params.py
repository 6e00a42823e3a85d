"""What a run is asked to do beyond its flow's usual pass, and the counters that steer it.

Stored as JSON on FlowRun.params, read through RunParams: every row is validated when it is
loaded (a value of the wrong kind is a clear error, not a KeyError deep in a flow), keys that
older versions stored and this one no longer knows are ignored, and only the fields that are
set are written, so the stored JSON stays what it was (`{"skus": [...]}`) and queries on its
keys (`params__has_key="record_log_ids"`) keep working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute
from pydantic import BaseModel, ConfigDict


class RunParams(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # Stock for just these SKUs (queued by the orders flow for the SKUs it booked).
    skus: list[str] | None = None
    # A retry: only these failed records, rebuilt from what their logs kept as read.
    record_log_ids: list[int] | None = None
    # A webhook run: the order and the event that announced it.
    order_id: int | None = None
    event_id: str | None = None
    # How many automatic retries came before this one (flows/retries.py).
    auto_retry: int = 0
    # How often the run found its flow busy and was queued again (flows/services.py).
    busy_attempts: int = 0
    # The stalled run this one carries on.
    resumes_run: int | None = None
    # Whether the run reads every article (no cursor when it started), noted by its first
    # slice: after a full read, products whose article it did not see are gone.
    full_read: bool | None = None

    @classmethod
    def read(cls, value: Any) -> RunParams:
        if isinstance(value, RunParams):
            return value
        return cls.model_validate(value or {})

    def stored(self) -> dict[str, Any]:
        """The JSON form: only what is set."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)

    def but(self, **changes: Any) -> RunParams:
        """A copy with some fields changed (validated)."""
        return RunParams.model_validate({**self.model_dump(), **changes})


class RunParamsAttribute(DeferredAttribute):
    """Hands out RunParams whatever was assigned: a dict from a caller, or the JSON of a row
    being loaded (a model instance sets its fields through here). `values()` and
    `values_list()` give the JSON as it is stored."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = RunParams.read(value)


if TYPE_CHECKING:  # what the type checker sees of `run.params`: set a dict or one, get one
    _JsonField = models.JSONField[RunParams | dict[str, Any], RunParams]
else:
    _JsonField = models.JSONField


class RunParamsField(_JsonField):
    descriptor_class = RunParamsAttribute

    def value_from_object(self, obj: models.Model) -> Any:
        """The JSON form, for serializers, exports and forms."""
        return RunParams.read(super().value_from_object(obj)).stored()

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, RunParams):
            value = value.stored()
        return super().get_prep_value(value)
