"""A round of the council report: a small municipality with delivered reports in 2024-T2.

K Kommunen
├── HV Helse og velferd (area; sick-leave target < 11, margin 0.5)
│   └── SH Sykehjemmet (6 persons, turnus)
│       └── SH1 Avdeling 1 (3 persons)
└── OU Oppvekst (area)
    ├── SB Barnehagen (3 persons: every figure of its own is suppressed)
    └── SK Skolen (6 persons)

In 2024-T2 one person of SH is sick the whole tertial, and one of SB: SB's sick leave
is 1/3 = 33,3 %, a figure that must never be printed (``SUPPRESSED_FIGURE``). In
2023-T2 one person of SK was. The municipality's target: sick leave < 6 (margin 0.5).

Reports of 2024-T2: SH submitted (a comment with ``MARKER``), SK approved, SB submitted
(a comment on its suppressed sick leave), and a draft of SH1 (``DRAFT_MARKER``, which
the report must not show). HV has an area summary; OU has none, so its units' report
summaries stand in for it.
"""

import datetime as dt

from measures.engine import recompute_range
from measures.models import Indicator
from measures.services import indicators_load_seeded, target_save
from org import roles
from org.models import OrgUnit
from plans import services as plans
from tests import factories
from tests.measures.builders import build_absences, build_employments, build_units

D = dt.date
TODAY = D(2024, 9, 15)
MARKER = "MARKØR-7Q3 sykefraværet følges opp"
DRAFT_MARKER = "UTKAST-9Z1 ikke levert"
AREA_SUMMARY = "Områdeleders oppsummering HV-55K"
UNIT_SUMMARY = "Skolens oppsummering OU-44P"
ACTION = "Tiltak TIL-21 heltidskultur"
SUPPRESSED_FIGURE = "33,3"

UNITS = [
    {"code": "K", "name": "Kommunen", "level": "kommune"},
    {"code": "HV", "name": "Helse og velferd", "parent_code": "K", "level": "tjenesteomrade"},
    {"code": "OU", "name": "Oppvekst", "parent_code": "K", "level": "tjenesteomrade"},
    {"code": "SH", "name": "Sykehjemmet", "parent_code": "HV", "shift_based": True},
    {"code": "SH1", "name": "Avdeling 1", "parent_code": "SH", "level": "avdeling"},
    {"code": "SB", "name": "Barnehagen", "parent_code": "OU"},
    {"code": "SK", "name": "Skolen", "parent_code": "OU"},
]
SIZES = {"SH": 6, "SH1": 3, "SB": 3, "SK": 6}


def _employment(eid: str, unit: str) -> dict:
    return {
        "employment_id": eid,
        "person_id": f"P-{eid}",
        "birth_date": D(1980, 1, 1),
        "unit_code": unit,
        "position_pct": 100,
        "start_date": D(2020, 1, 1),
        "end_date": None,
    }


def _sick(aid: str, eid: str, year: int) -> dict:
    return {
        "absence_id": aid,
        "employment_id": eid,
        "start_date": D(year, 5, 1),
        "end_date": D(year, 8, 31),
        "grade_pct": 100,
        "kind": "legemeldt",
    }


def build_council_round() -> dict[str, OrgUnit]:
    """The municipality above with its figures, targets, plans and reports."""
    units = build_units(UNITS)
    employments = build_employments(
        [_employment(f"{code}-{i}", code) for code, size in SIZES.items() for i in range(size)],
        units,
    )
    build_absences(
        [
            _sick("A1", "SH-0", 2024),
            _sick("A2", "SB-0", 2024),
            _sick("A3", "SK-0", 2023),
        ],
        employments,
    )
    factories.active_strategy_ensure()
    indicators_load_seeded()
    recompute_range(start="2023-01", end="2024-08", today=TODAY)
    sick_leave = Indicator.objects.get(slug="sick_leave_pct")
    target_save(indicator=sick_leave, unit=units["K"], comparator="<", value=6, margin=0.5)
    target_save(indicator=sick_leave, unit=units["HV"], comparator="<", value=11, margin=0.5)

    hr = factories.system_hr()
    factories.round_opened(2024, 2)
    for code in ("SH", "SH1", "SB", "SK"):
        factories.user_with_role(f"leder-{code.lower()}", roles.LEADER, units[code])
    plan = factories.ActionPlanFactory(unit=units["SH"], year=2024)
    goal3 = plan.strategy.goals.get(number=3)
    action = factories.ActionFactory(plan=plan, title=ACTION, goal=goal3, status="pagar")
    factories.ActionFactory(
        plan=factories.ActionPlanFactory(unit=units["SK"], year=2024), goal=goal3
    )

    def report(code: str, summary: str, comment: str, submit: bool = True, **more):
        made = plans.report_get_or_create(unit=units[code], year=2024, tertial=2, by=hr)
        made = plans.report_save(
            report=made,
            by=hr,
            version=made.version,
            summary=summary,
            comments={sick_leave.pk: comment},
            **more,
        )
        if submit:
            made = plans.report_submit(report=made, by=hr, version=made.version)
        return made

    report(
        "SH",
        "Sykehjemmets oppsummering",
        MARKER,
        prioritised_action_ids=[action.pk],
        indicator_action_ids={sick_leave.pk: [action.pk]},
    )
    approved = report("SK", UNIT_SUMMARY, "Skolen er under målet.", prioritised_action_ids=[])
    # Approved by another member of HR: no one approves a report they submitted.
    reviewer = factories.user_with_role("hr-reviewer", roles.HR)
    plans.report_approve(report=approved, by=reviewer, version=approved.version)
    report(
        "SB",
        "",
        "Barnehagens kommentar BH-12",
        prioritised_action_ids=[],
        no_action_reasons={sick_leave.pk: "Enkeltstående langtidsfravær"},
    )
    report("SH1", "", DRAFT_MARKER, submit=False, prioritised_action_ids=[])
    plans.area_summary_save(
        unit=units["HV"], year=2024, tertial=2, by=hr, version=0, text=AREA_SUMMARY
    )
    return units
