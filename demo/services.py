"""The demo installation: a synthetic municipality with HR data, and one user per role.

Used by ``make run`` (``manage.py load_demo``) in demo mode only. Everything goes
through the apps' own services: the HR import, targets, plans, reported values, the
recomputes. Each part is written in one transaction and skipped when it is there, so a
load that was interrupted (or ran twice at once) is completed by the next.
"""

import datetime as dt
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from random import Random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from goals.models import SubMeasure
from goals.selectors import strategy_get_active
from hr.models import Employment
from hr.services import ImportResult, ImportSource, hr_import
from measures import periods as P
from measures import recomputes
from measures.models import Indicator, IndicatorValue, Recompute, Target
from measures.services import (
    indicators_ensure,
    indicators_load_seeded,
    survey_results_import,
    target_save,
    targets_seed_strategy,
)
from org import roles
from org.access import can_review
from org.models import OrgUnit, OrgUnitClosure, RoleAssignment
from org.services import role_assignment_create
from plans import selectors as plan_selectors
from plans.models import (
    Action,
    ParticipationConfirmation,
    RepresentativeRemark,
    TertialReport,
)
from plans.services import (
    action_create,
    participation_confirm,
    plan_get_or_create,
    report_approve,
    report_get_or_create,
    report_return,
    report_save,
    report_submit,
    representative_remark_add,
    round_open,
)
from strategi.db import process_lock

from .generator import default_end_date, generate_municipality

DEMO_PASSWORD = "demo"  # noqa: S105 - demo mode only, printed on start
DEMO_USERS = (
    # username, role, is_staff (HR maintains strategies and targets in the admin)
    ("hr", roles.HR, True),
    ("leder", roles.LEADER, False),
    ("tillitsvalgt", roles.REPRESENTATIVE, False),
    # Leads Helse og velferd: reviews the reports of the virksomheter below it.
    ("omradeleder", roles.LEADER, False),
)
DEMO_PERSONS = 3000
DEMO_SEED = 2026
# Differentiated sick-leave targets per tjenesteområde (the strategy's "differensierte
# mål for tjenesteområdene"): code → (target %, margin for «near»).
DEMO_SICK_LEAVE_TARGETS = {
    "HV": (8.5, 0.5),
    "OU": (6.5, 0.5),
    "BM": (6.0, 0.5),
    "IS": (5.5, 0.5),
    "OS": (4.5, 0.5),
}


@dataclass
class DemoResult:
    users_created: list[str]
    municipality: ImportResult | None
    # The recomputes run (embedded mode) or queued for a worker, and their failures.
    figures: recomputes.OwedResult
    queued: bool = False


def _require_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("The demo data is loaded only in demo mode (DEMO_MODE).")


@transaction.atomic
def demo_users_ensure() -> list[str]:
    """Create the demo users (password «demo») that are missing; returns their names."""
    _require_demo_mode()
    user_model = get_user_model()
    created = []
    for username, role, is_staff in DEMO_USERS:
        user, was_created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": is_staff}
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created.append(username)
        user.groups.add(Group.objects.get(name=role))
    return created


def demo_municipality_load(
    *, persons: int = DEMO_PERSONS, seed: int = DEMO_SEED, today: dt.date | None = None
) -> ImportResult | None:
    """Import a synthetic municipality once: skipped when HR data is already there.

    The files go through the real import, which queues the indicator recompute.
    """
    _require_demo_mode()
    if Employment.objects.exists():
        return None
    end_date = default_end_date(today or timezone.localdate())
    with tempfile.TemporaryDirectory(prefix="strategi-demo-") as folder:
        generate_municipality(persons=persons, seed=seed, out_dir=Path(folder), end_date=end_date)
        return hr_import(
            sources=[ImportSource.from_path(Path(folder))], user=None, source="command"
        )


@transaction.atomic
def demo_targets_and_roles_ensure() -> None:
    """The strategy's targets, differentiated sick-leave targets, and the leader's unit.

    The demo ``leder`` leads the largest shift-based virksomhet in Helse og velferd.
    """
    _require_demo_mode()
    targets_seed_strategy()
    sick_leave = indicators_ensure()["sick_leave_pct"]
    for code, (value, margin) in DEMO_SICK_LEAVE_TARGETS.items():
        unit = OrgUnit.objects.filter(code=code).first()
        if unit and not Target.objects.filter(indicator=sick_leave, unit=unit).exists():
            target_save(indicator=sick_leave, unit=unit, comparator="<", value=value, margin=margin)
    leader = get_user_model().objects.filter(username="leder").first()
    if leader and not RoleAssignment.objects.filter(user=leader).exists():
        unit = (
            OrgUnit.objects.filter(
                level=OrgUnit.Level.ENTERPRISE, shift_based=True, parent__code="HV"
            )
            .annotate(staff=Count("employments"))
            .order_by("-staff", "code")
            .first()
        )
        hr = get_user_model().objects.get(username="hr")
        if unit:
            role_assignment_create(user=leader, unit=unit, role=RoleAssignment.Role.LEADER, by=hr)
    # The demo «tillitsvalgt» represents the employees of the demo leader's unit.
    representative = get_user_model().objects.filter(username="tillitsvalgt").first()
    led = RoleAssignment.objects.filter(user=leader).first() if leader else None
    if representative and led and not RoleAssignment.objects.filter(user=representative).exists():
        hr = get_user_model().objects.get(username="hr")
        role_assignment_create(
            user=representative,
            unit=led.unit,
            role=RoleAssignment.Role.REPRESENTATIVE,
            by=hr,
        )
    area_leader = get_user_model().objects.filter(username="omradeleder").first()
    area = OrgUnit.objects.filter(code="HV").first()
    if area_leader and area and not RoleAssignment.objects.filter(user=area_leader).exists():
        hr = get_user_model().objects.get(username="hr")
        role_assignment_create(user=area_leader, unit=area, role=RoleAssignment.Role.LEADER, by=hr)
    demo_unit_leaders_ensure()


# The states of the open round's reports of a few other virksomheter (Helse og velferd's
# first; None: not started), in that order; the demo «leder»'s own report is not started.
DEMO_ROUND_STATES = (
    TertialReport.State.RETURNED,
    TertialReport.State.APPROVED,
    TertialReport.State.SUBMITTED,
    TertialReport.State.DRAFT,
    TertialReport.State.SUBMITTED,
    TertialReport.State.DRAFT,
    None,
)
DEMO_RETURN_COMMENT = (
    "Sykefraværet er over målet: beskriv hvilke tiltak dere prioriterer, og når de følges opp."
)


def _demo_round_units() -> list[OrgUnit]:
    """The other virksomheter that report in the demo's round (Helse og velferd's first)."""
    leader_units = RoleAssignment.objects.filter(user__username="leder").values("unit_id")
    units = OrgUnit.objects.filter(level=OrgUnit.Level.ENTERPRISE).exclude(pk__in=leader_units)
    # Those of Helse og velferd first (its leader reviews them), then others (HR reviews).
    ordered = sorted(units, key=lambda unit: (unit.parent_id != _area_id("HV"), unit.code))
    return ordered[: len(DEMO_ROUND_STATES)]


def _area_id(code: str) -> int | None:
    return OrgUnit.objects.filter(code=code).values_list("pk", flat=True).first()


def demo_unit_leaders_ensure() -> list[str]:
    """A leader (password «demo») for each of a few other virksomheter.

    They make the round's progress and the review worth looking at.
    """
    _require_demo_mode()
    user_model = get_user_model()
    hr = user_model.objects.filter(username="hr").first()
    created = []
    for unit in _demo_round_units():
        username = f"leder-{unit.code.lower()}"
        user, was_created = user_model.objects.get_or_create(username=username)
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=roles.LEADER))
            created.append(username)
        if hr and not RoleAssignment.objects.filter(user=user).exists():
            role_assignment_create(user=user, unit=unit, role=RoleAssignment.Role.LEADER, by=hr)
    return created


# The demo leader's plan for this year, partly filled: (goal number, sub-measure or
# None, title, status, representatives took part, the indicators it should move, its
# baseline period and deadline relative to the plan's year).
DEMO_ACTIONS: tuple[tuple[int, str | None, str, str, bool, tuple[str, ...], str, str], ...] = (
    (
        3,
        "øke andelen heltidsansatte",
        "Kartlegge ønsker om større stillinger",
        "pagar",
        True,
        ("full_time_share_shift", "full_time_share"),
        "{previous}-12",
        "{year}-10-31",
    ),
    (
        3,
        "få ned sykefraværet",
        "Nærværssamtaler i alle team etter egenmelding",
        "planlagt",
        True,
        ("sick_leave_pct",),
        "{year}-T1",
        "{year}-09-30",
    ),
    (1, None, "Kompetanseplan for helsefagarbeidere", "fullfort", False, (), "", ""),
)


@transaction.atomic
def demo_plan_ensure(*, today: dt.date | None = None) -> int:
    """The demo leader's action plan for this year, with a few actions (once).

    Two of them name the indicators they should move, with a baseline period, so the
    unit page marks them on those indicators' charts and compares before and after.
    """
    _require_demo_mode()
    leader = get_user_model().objects.filter(username="leder").first()
    assignment = RoleAssignment.objects.filter(user=leader).select_related("unit").first()
    strategy = strategy_get_active()
    if leader is None or assignment is None or strategy is None:
        return 0
    year = (today or timezone.localdate()).year
    plan = plan_get_or_create(unit=assignment.unit, year=year, by=leader)
    if plan.actions.exists():
        return 0
    goals = {goal.number: goal for goal in strategy.goals.all()}
    followed = {i.slug: i for i in plan_selectors.strategy_indicators(strategy_id=strategy.pk)}
    names = {"year": year, "previous": year - 1}
    for number, sub_title, title, status, took_part, slugs, baseline, due in DEMO_ACTIONS:
        sub = SubMeasure.objects.filter(goal=goals[number], title=sub_title).first()
        indicators = [followed[slug] for slug in slugs if slug in followed]
        action_create(
            plan=plan,
            by=leader,
            goal=goals[number],
            title=title,
            sub_measure=sub,
            status=status,
            responsible="Virksomhetsleder",
            representatives_took_part=took_part,
            indicators=indicators,
            baseline_period=baseline.format(**names) if indicators else "",
            deadline=dt.date.fromisoformat(due.format(**names)) if due else None,
        )
    return len(DEMO_ACTIONS)


# The demo representative's own voice: the actions they confirm (by title), and remarks.
DEMO_CONFIRMED = ("Kartlegge ønsker om større stillinger",)
DEMO_PLAN_REMARK = (
    "Vi var med og kartla ønskene om større stillinger. Nærværssamtalene bør planlegges "
    "sammen med verneombudet før sommeren."
)
DEMO_REPORT_REMARK = "Tillitsvalgte har gått gjennom tallene med lederen og støtter tiltakene."


@transaction.atomic
def demo_representative_voice_ensure(*, today: dt.date | None = None) -> int:
    """The demo «tillitsvalgt» confirms an action and remarks on the plan and the
    last ended tertial's report of their unit (once); returns what was written."""
    _require_demo_mode()
    representative = get_user_model().objects.filter(username="tillitsvalgt").first()
    assignment = (
        RoleAssignment.objects.filter(user=representative, role=RoleAssignment.Role.REPRESENTATIVE)
        .select_related("unit")
        .first()
    )
    if representative is None or assignment is None:
        return 0
    if (
        ParticipationConfirmation.objects.filter(user=representative).exists()
        or RepresentativeRemark.objects.filter(author=representative).exists()
    ):
        return 0
    today = today or timezone.localdate()
    unit, written = assignment.unit, 0
    for action in Action.objects.filter(
        plan__unit=unit, plan__year=today.year, title__in=DEMO_CONFIRMED
    ).select_related("plan__unit"):
        participation_confirm(action=action, by=representative)
        written += 1
    if not written:
        return 0
    representative_remark_add(unit=unit, year=today.year, by=representative, text=DEMO_PLAN_REMARK)
    written += 1
    year, tertial = P.last_ended_tertial(today)
    round_ = plan_selectors.round_find(year=year, tertial=tertial)
    if round_ is None or round_.state == round_.State.OPEN:
        representative_remark_add(
            unit=unit, year=year, tertial=tertial, by=representative, text=DEMO_REPORT_REMARK
        )
        written += 1
    return written


def demo_figures_ensure() -> tuple[recomputes.OwedResult, bool]:
    """The figures of the demo's HR data: every recompute that is owed, now.

    Embedded mode runs them here (after a recompute that another process is running);
    with a worker they are queued. HR data without figures and without a recorded
    recompute (a demo interrupted before recomputes were recorded) gets one. Returns
    what ran, and whether it was queued instead.
    """
    from measures.tasks import recompute_owed_queue, recompute_queue

    _require_demo_mode()
    computed = IndicatorValue.objects.filter(indicator__kind=Indicator.Kind.COMPUTED)
    owed = Recompute.objects.exclude(status=Recompute.Status.DONE)
    missing = None
    if Employment.objects.exists() and not computed.exists() and not owed.exists():
        missing = recomputes.recompute_request(reason=Recompute.Reason.REQUESTED, start=None)
    if recomputes.embedded():
        return recomputes.recompute_owed_run(force=True, blocking=True), False
    if missing is not None:
        recompute_queue(run=missing.pk, ids=[missing.pk])
    recompute_owed_queue(force=True)
    return recomputes.OwedResult(), True


def _demo_explained_report(report: TertialReport, by: object) -> TertialReport:
    """Save the report with a comment and a reason for every indicator that needs one."""
    rows = plan_selectors.report_indicators(
        unit=report.unit, year=report.year, tertial=report.tertial, report=report
    )
    needed = [row for row in rows if row.explanation_required]
    return report_save(
        report=report,
        by=by,
        version=report.version,
        summary="Stabil drift i tertialet. Vi følger opp sykefraværet med verneombudet.",
        comments={
            row.indicator.pk: "Høyere enn målet, mest langtidsfravær. Vi følger opp hver enkelt."
            for row in needed
        },
        prioritised_action_ids=[],
        no_action_reasons={
            row.indicator.pk: "Tiltakene følges opp i handlingsplanen for neste år."
            for row in needed
        },
    )


@transaction.atomic
def demo_round_ensure(*, today: dt.date | None = None) -> int:
    """The open round of the last complete tertial, with reports in every state (once).

    The recompute that stored the tertial's figures opened the round already (by
    ``figures_stored``); it is opened here when it was not. Skipped until the tertial's
    figures exist (a worker computes them) and once the round has any report. Returns
    the number of reports written.
    """
    _require_demo_mode()
    year, tertial = P.last_ended_tertial(today or timezone.localdate())
    if not IndicatorValue.objects.filter(
        indicator__kind=Indicator.Kind.COMPUTED,
        granularity=P.TERTIAL,
        period=P.tertial(year, tertial).label,
    ).exists():
        return 0
    if plan_selectors.round_find(year=year, tertial=tertial) is None:
        round_open(year=year, tertial=tertial, by=None)
    if TertialReport.objects.filter(year=year, tertial=tertial).exists():
        return 0
    area_leader = get_user_model().objects.filter(username="omradeleder").first()
    hr = get_user_model().objects.filter(username="hr").first()
    written = 0
    leaders = {
        a.unit_id: a.user
        for a in RoleAssignment.objects.filter(
            role=RoleAssignment.Role.LEADER, user__username__startswith="leder-"
        ).select_related("user")
    }
    for unit, state in zip(_demo_round_units(), DEMO_ROUND_STATES, strict=False):
        leader = leaders.get(unit.pk)
        if state is None or leader is None:
            continue
        report = report_get_or_create(unit=unit, year=year, tertial=tertial, by=leader)
        report = _demo_explained_report(report, leader)
        written += 1
        if state == TertialReport.State.DRAFT:
            continue
        report = report_submit(report=report, by=leader, version=report.version)
        reviewer = area_leader if area_leader and can_review(area_leader, unit) else hr
        if reviewer is None:
            continue
        if state == TertialReport.State.APPROVED:
            report_approve(report=report, by=reviewer, version=report.version)
        elif state == TertialReport.State.RETURNED:
            report_return(
                report=report, by=reviewer, version=report.version, comment=DEMO_RETURN_COMMENT
            )
    return written


# The process lock of a demo load: a second load waits for the first, then finds it done.
DEMO_LOCK = "demo"


def demo_load(*, persons: int = DEMO_PERSONS) -> DemoResult:
    """Whatever of the demo is missing: users, municipality, targets, plan, figures, and
    the open round of the last complete tertial with its reports.

    Safe to run again, and twice at once (one waits for the other). A load interrupted
    anywhere is completed by the next: each part is one transaction, and the figures
    are whatever recomputes are owed.
    """
    _require_demo_mode()
    with process_lock(DEMO_LOCK, blocking=True):
        users = demo_users_ensure()
        municipality = demo_municipality_load(persons=persons)
        demo_targets_and_roles_ensure()
        if OrgUnit.objects.exists():
            reported_demo_values(seed=DEMO_SEED)
            demo_plan_ensure()
            demo_representative_voice_ensure()
        figures, queued = demo_figures_ensure()
        if OrgUnit.objects.exists():
            demo_round_ensure()
    return DemoResult(
        users_created=users, municipality=municipality, figures=figures, queued=queued
    )


# --- 10-faktor scores (reported values) -----------------------------------------------

# Typical 10-faktor scores (1–5) of Norwegian municipalities; the demo varies around them.
TIFAKTOR_DEMO_LEVELS = {
    "tifaktor_indre_motivasjon": 4.2,
    "tifaktor_mestringstro": 4.1,
    "tifaktor_autonomi": 4.0,
    "tifaktor_bruk_av_kompetanse": 4.2,
    "tifaktor_mestringsorientert_ledelse": 3.95,
    "tifaktor_rolleklarhet": 4.15,
    "tifaktor_relevant_kompetanseutvikling": 3.9,
    "tifaktor_fleksibilitetsvilje": 4.15,
    "tifaktor_mestringsklima": 4.05,
    "tifaktor_prososial_motivasjon": 4.3,
}
TIFAKTOR_DEMO_RANGE = (3.8, 4.4)


def tifaktor_survey_year(today: dt.date) -> int:
    """The year of the last 10-faktor survey: it runs in January and February."""
    return today.year if today.month >= 3 else today.year - 1


# Respondents of a virksomhet's survey: some have fewer than 5 (their results are hidden).
TIFAKTOR_DEMO_RESPONDENTS = (3, 45)


def tifaktor_demo_file(*, seed: int, year: int) -> ImportSource:
    """A 10-FAKTOR results file as HR exports it from the survey tool (docs/import-10-faktor.md).

    Every virksomhet with its own respondents, and every unit above one with the
    respondent-weighted mean of the virksomheter below it: each row is the result of
    the unit with everything below it. Scores lie in 3.8–4.4 and vary by unit and
    factor; the same for the same seed and units.
    """
    names = {i.slug: i.name for i in Indicator.objects.filter(slug__in=TIFAKTOR_DEMO_LEVELS)}
    low, high = TIFAKTOR_DEMO_RANGE
    rng = Random(seed)  # noqa: S311 - synthetic demo data, not security
    enterprises = list(OrgUnit.objects.filter(level=OrgUnit.Level.ENTERPRISE).order_by("code"))
    above: dict[int, list[int]] = defaultdict(list)
    for descendant, ancestor in OrgUnitClosure.objects.filter(
        descendant__in=enterprises, depth__gt=0
    ).values_list("descendant_id", "ancestor_id"):
        above[descendant].append(ancestor)
    codes = dict(OrgUnit.objects.values_list("pk", "code"))
    # (slug, unit id) → [Σ score × respondents, Σ respondents]
    totals: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0])
    rows = ["unit;factor;score;respondents"]
    for unit in enterprises:
        unit_offset = rng.uniform(-0.15, 0.15)
        respondents = rng.randint(*TIFAKTOR_DEMO_RESPONDENTS)
        for slug, level in TIFAKTOR_DEMO_LEVELS.items():
            score = round(min(high, max(low, level + unit_offset + rng.uniform(-0.12, 0.12))), 1)
            rows.append(f"{unit.code};{names[slug]};{score};{respondents}")
            for ancestor in above[unit.pk]:
                totals[(slug, ancestor)][0] += score * respondents
                totals[(slug, ancestor)][1] += respondents
    for (slug, unit_id), (weighted, respondents) in sorted(totals.items()):
        score = round(weighted / respondents, 1)
        rows.append(f"{codes[unit_id]};{names[slug]};{score};{int(respondents)}")
    return ImportSource(name=f"10-faktor-{year}.csv", content=("\n".join(rows) + "\n").encode())


def reported_demo_values(
    *, seed: int, year: int | None = None, today: dt.date | None = None
) -> int:
    """Import the demo's 10-FAKTOR results for one survey year from a file.

    The year is ``year`` or the last survey year; the file is ``tifaktor_demo_file``'s,
    imported through the survey import (as HR would). Returns the number of rows.
    """
    if Indicator.objects.filter(slug__in=TIFAKTOR_DEMO_LEVELS).count() < len(TIFAKTOR_DEMO_LEVELS):
        indicators_load_seeded()
    survey_year = year or tifaktor_survey_year(today or timezone.localdate())
    result = survey_results_import(
        source=tifaktor_demo_file(seed=seed, year=survey_year), year=survey_year, by=None
    )
    if result.errors:
        raise ImproperlyConfigured(
            "The demo's 10-FAKTOR file was refused: " + "; ".join(map(str, result.errors[:5]))
        )
    return result.rows
