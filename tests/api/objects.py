"""Plans, actions and tertial reports of V1 and V2 in the API world, made by HR."""

from dataclasses import dataclass

from hr.models import ImportJob
from plans import services
from plans.models import Action, ActionPlan, TertialReport
from tests.api.helpers import ApiWorld

YEAR = 2025


@dataclass
class PlanObjects:
    plans: dict[str, ActionPlan]
    actions: dict[str, Action]
    reports: dict[str, TertialReport]
    import_job: ImportJob


def build_plan_objects(world: ApiWorld) -> PlanObjects:
    hr = world.users["hr"]
    goal = world.world.goal(1)
    plan_of, action_of, report_of = {}, {}, {}
    for code in ("V1", "V2"):
        unit = world.units[code]
        plan_of[code] = services.plan_get_or_create(unit=unit, year=YEAR, by=hr)
        action_of[code] = services.action_create(
            plan=plan_of[code], by=hr, goal=goal, title=f"Tiltak {code}"
        )
        report_of[code] = services.report_get_or_create(unit=unit, year=YEAR, tertial=1, by=hr)
    job = ImportJob.objects.create(
        user=None, source=ImportJob.Source.COMMAND, status=ImportJob.Status.SUCCEEDED
    )
    return PlanObjects(plans=plan_of, actions=action_of, reports=report_of, import_job=job)
