"""What the wizard checks before a company goes live: every enabled flow's settings (our own
check) and the outcome of its dry run. A flow with a concern goes live only by an explicit
choice of the person ("go live anyway"); otherwise it stays off."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from flows.engine import OWN_CHECK
from flows.models import Flow, FlowRun, Integration, RecordLog
from flows.selectors import flow_settings_problem

# The choices offered per flow with a concern (no default: the person decides).
KEEP_OFF = "off"
GO_ANYWAY = "anyway"


@dataclass
class FlowConcern:
    flow: Flow
    # Our own check of the settings (translated when known).
    settings_problem: str = ""
    # The dry run of this flow, when it stopped or failed records.
    run: FlowRun | None = None
    failures: list[RecordLog] = field(default_factory=list)

    @property
    def field_name(self) -> str:
        return f"flow-{self.flow.pk}"


def settings_problem_text(problem: str) -> str:
    return _("Our check of the settings: %(problem)s") % {"problem": _(problem)}


def concerns_for(*, integration: Integration, dry_run_ids: list[int]) -> list[FlowConcern]:
    """The enabled flows that would not run cleanly, with what is wrong with each."""
    flows = list(integration.flows.filter(enabled=True).order_by("id"))
    runs = {
        run.flow_id: run
        for run in FlowRun.objects.filter(tenant=integration.tenant, pk__in=dry_run_ids)
    }
    concerns = []
    for flow in flows:
        problem = flow_settings_problem(flow=flow)
        run = runs.get(flow.pk)
        failed_run = run is not None and run.finished and (run.status == "failed" or run.failed)
        if problem and run is not None and run.error.startswith(OWN_CHECK):
            failed_run = False  # it stopped at the same check: said once is enough
        if not problem and not failed_run:
            continue
        concern = FlowConcern(flow=flow)
        if problem:
            concern.settings_problem = settings_problem_text(problem)
        if failed_run and run is not None:
            concern.run = run
            concern.failures = list(run.records.filter(action="failed").order_by("id")[:5])
        concerns.append(concern)
    return concerns


def unanswered(concerns: list[FlowConcern], answers: dict[str, str]) -> list[FlowConcern]:
    return [c for c in concerns if answers.get(c.field_name) not in (KEEP_OFF, GO_ANYWAY)]


def kept_off(concerns: list[FlowConcern], answers: dict[str, str]) -> list[Flow]:
    return [c.flow for c in concerns if answers.get(c.field_name) == KEEP_OFF]
