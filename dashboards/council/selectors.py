"""The council report (rapport til kommunestyret) of a tertial or a year, as plain data.

One structure, ``CouncilReport``, that the HTML page, the PDF and the DOCX render. It
holds text and numbers only, never a stored value: every figure passes through
``_figure``, which keeps the number of a value that is shown and drops it for a
suppressed one (``measures.formatting.value_text`` says «Skjult (…)» instead), so no
renderer can print a withheld figure.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from goals.models import Goal
from goals.selectors import strategy_get_active
from measures import periods as P
from measures.formatting import (
    change_kind,
    decimals,
    format_target,
    status_label,
    value_text,
)
from measures.models import Indicator, IndicatorValue, Target
from measures.selectors import DASHBOARD_INDICATORS
from measures.status import Status, TargetResolver, evaluate_stored
from org.models import OrgUnit, OrgUnitClosure, RoleAssignment
from plans.models import Action, AreaSummary, IndicatorComment, TertialReport
from plans.selectors import (
    UnitParticipation,
    representative_participation,
    representative_participation_share,
)

from ..selectors import REPORT_CHART_INDICATOR, strategy_indicators, values_or_latest_survey

# --- The structure ------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A stored value as the report shows it.

    ``number`` is None when the value is withheld or missing, so a renderer that draws
    or compares numbers can only use figures that are published.
    """

    text: str  # «7,8 %», «Skjult (under 5 personer)», «Ingen verdi»
    number: float | None
    suppressed: bool = False


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator of a unit against its target, with last year's value and the trend."""

    slug: str
    name: str
    value: Figure
    target: str  # «< 6 %»; empty without a target
    status: str  # measures.status.Status
    status_icon: str  # ✓ ● ✗ –
    status_text: str  # «Nådd», «Nær», «Ikke nådd», «Ingen status», «Ingen mål»
    last_year: Figure
    trend_icon: str  # ↑ ↓ → or empty
    trend_text: str  # «Bedre enn i fjor», …; empty when either year has no figure shown


@dataclass(frozen=True)
class ChartBar:
    label: str
    value: Figure
    target: float | None  # the bar's own target (targets differ per area)
    status_icon: str
    status_text: str


@dataclass(frozen=True)
class Chart:
    """A bar chart of one indicator over some units; its data table has the same rows."""

    anchor: str
    title: str
    indicator: str
    unit_of_measure: str
    bars: list[ChartBar]


@dataclass(frozen=True)
class ActionCounts:
    """Actions of the year's plans under one goal, by status."""

    planned: int = 0
    in_progress: int = 0
    done: int = 0
    postponed: int = 0

    @property
    def total(self) -> int:
        return self.planned + self.in_progress + self.done + self.postponed


@dataclass(frozen=True)
class GoalPlan:
    year: int
    number: int
    title: str
    actions: ActionCounts
    units_with_actions: int  # reporting units with at least one action under the goal

    @property
    def text(self) -> str:
        return _(
            "Actions in the plans for %(year)s: %(planned)s planned, %(in_progress)s in "
            "progress, %(done)s done, %(postponed)s postponed; %(units)s units have actions "
            "under this goal."
        ) % {
            "year": self.year,
            "planned": self.actions.planned,
            "in_progress": self.actions.in_progress,
            "done": self.actions.done,
            "postponed": self.actions.postponed,
            "units": self.units_with_actions,
        }


@dataclass(frozen=True)
class PlanStatus:
    """The action plans of the year among the reporting units (those with a leader)."""

    year: int
    goals: list[GoalPlan]
    units: int
    units_with_plan: int  # with at least one action in the year's plan
    # The share (0–100) of the units with a plan for the year whose plan the employee
    # representatives took part in (a confirmed action or a remark on the plan:
    # ``plans.selectors.representative_participation``); None when no unit has a plan,
    # and renderers leave it out.
    representatives_confirmed_share: float | None = None

    @property
    def share_text(self) -> str:
        """«7 av 9 (78 %)»; «–» without reporting units."""
        if not self.units:
            return "–"
        share = 100 * self.units_with_plan / self.units
        return _("%(n)s of %(total)s (%(share)s %%)") % {
            "n": self.units_with_plan,
            "total": self.units,
            "share": number_format(round(share), decimal_pos=0),
        }

    @property
    def representatives_text(self) -> str:
        share = self.representatives_confirmed_share
        if share is None:
            return "–"
        return f"{number_format(round(share), decimal_pos=0)}\N{NO-BREAK SPACE}%"

    @property
    def text(self) -> str:
        """«Enheter med handlingsplan for 2026: 7 av 9 (78 %).», and the representatives'
        share once there is one."""
        text = _("Units with an action plan for %(year)s: %(share)s.") % {
            "year": self.year,
            "share": self.share_text,
        }
        if self.representatives_confirmed_share is not None:
            text += " " + _(
                "Units whose plan the employee representatives confirmed: %(share)s."
            ) % {"share": self.representatives_text}
        return text


@dataclass(frozen=True)
class GoalStatus:
    """A goal of the strategy for the municipality: its indicators and its actions."""

    number: int
    title: str
    lines: list[IndicatorLine]
    plan: GoalPlan | None

    @property
    def counts(self) -> dict[str, int]:
        """How many of its indicators have each status (keys: ``Status`` values)."""
        counts = Counter(line.status for line in self.lines)
        return {status: counts[status] for status in Status.values}

    @property
    def status_summary(self) -> str:
        """«2 nådd, 1 nær, 1 ikke nådd, 3 uten status» (the indicators with a line)."""
        counts = self.counts
        return _("%(met)s met, %(near)s near, %(missed)s not met, %(none)s without status") % {
            "met": counts[Status.MET],
            "near": counts[Status.NEAR],
            "missed": counts[Status.MISSED],
            "none": counts[Status.NONE],
        }


@dataclass(frozen=True)
class Summary:
    """The area's text for a round: its leader's summary, or its units' compiled."""

    round: str  # «2. tertial 2026»
    text: str  # the area leader's summary (AreaSummary); empty when there is none
    compiled: list[tuple[str, str]]  # (unit, the summary of its delivered report)


@dataclass(frozen=True)
class Comment:
    """A leader's comment on one indicator of their unit, and what they do about it."""

    indicator: str
    value: Figure
    target: str
    status_text: str
    text: str
    actions: list[str]
    no_action_reason: str


@dataclass(frozen=True)
class UnitReport:
    """A delivered (submitted or approved) tertial report of a unit in the area."""

    round: str
    unit: str
    state: str  # «Sendt inn», «Godkjent»
    comments: list[Comment]
    prioritised: list[str]


@dataclass(frozen=True)
class AreaSection:
    """A service area (tjenesteområde): a unit directly below the top of the tree."""

    name: str
    anchor: str
    lines: list[IndicatorLine]
    without: list[str]  # strategy indicators with neither a value nor a target here
    chart: Chart | None
    summaries: list[Summary]
    reports: list[UnitReport]
    plan: PlanStatus


@dataclass(frozen=True)
class MethodNote:
    name: str
    unit_of_measure: str
    kind: str
    description: str


@dataclass(frozen=True)
class CouncilReport:
    title: str  # «Tertialrapport: 2. tertial 2026», «Årsrapport 2026»
    kind: str  # "tertial" or "year"
    year: int
    tertial: int | None
    period: str  # «2. tertial 2026», «2026»
    last_year: str
    strategy: str  # the active strategy's name; empty without one
    municipality: str  # the name(s) of the top of the tree
    has_values: bool
    goals: list[GoalStatus]
    overview_chart: Chart | None
    areas: list[AreaSection]
    plan: PlanStatus  # the whole municipality
    methods: list[MethodNote]
    suppression_min: int
    created: str  # the date it was made, «15. september 2026»
    rounds: list[str] = field(default_factory=list)  # the rounds whose texts it holds

    @property
    def intro_text(self) -> str:
        return _(
            "Status against the targets of the organisation strategy in %(period)s. Each "
            "figure covers the unit and every unit below it; the trend compares with "
            "%(last_year)s."
        ) % {"period": self.period, "last_year": self.last_year}

    @property
    def method_text(self) -> str:
        return _(
            "The figures are computed from the municipality's HR data (pseudonymous "
            "employments and absences) or reported (such as the employee survey), and "
            "stored for every unit and period. A unit's figure covers the unit and every "
            "unit below it. A target applies to the unit it is set for and the units below, "
            "unless a unit lower down has its own. Status: met; near (misses by at most the "
            "target's margin); not met; no status (no target, no value, or the value is "
            "hidden)."
        )

    @property
    def suppression_text(self) -> str:
        """The suppression rule: the primary rule and the complementary one."""
        return _(
            "A figure built from fewer than %(n)s persons is never shown: it reads «Hidden "
            "(fewer than %(n)s persons)» and has no status (primary suppression). So that "
            "such a figure cannot be worked out by subtracting published figures from each "
            "other (along the unit tree or over time), further figures are hidden too: "
            "«Hidden (protects a small group)» (complementary suppression). Head counts are "
            "never hidden. The same rule holds on every page, export and in the API."
        ) % {"n": self.suppression_min}


# --- Formatting of the parts ------------------------------------------------------------


def period_name(period: P.Period) -> str:
    """«2. tertial 2026», «2026» (as the ``period_name`` template filter)."""
    if period.granularity == P.TERTIAL:
        return _("Tertial %(number)s, %(year)s") % {
            "number": P.tertial_number(period.start),
            "year": period.start.year,
        }
    if period.granularity == P.MONTH:
        return capfirst(date_format(period.start, "YEAR_MONTH_FORMAT"))
    return str(period.start.year)


def _figure(value: IndicatorValue | None, indicator: Indicator) -> Figure:
    """The one way a stored value enters the report: a withheld one has no number."""
    if value is None or value.suppressed or value.value is None:
        return Figure(
            text=value_text(value, indicator),
            number=None,
            suppressed=bool(value and value.suppressed),
        )
    return Figure(text=value_text(value, indicator), number=value.value)


def _trend(now: Figure, before: Figure, indicator: Indicator) -> tuple[str, str]:
    """(icon, text) of the change since last year at the precision shown; empty when
    either figure is not shown."""
    if now.number is None or before.number is None:
        return "", ""
    places = decimals(indicator.unit_of_measure)
    change = round(now.number, places) - round(before.number, places)
    kind = change_kind(change, indicator)
    texts = {
        "same": _("Same as last year"),
        "higher": _("Higher than last year"),
        "lower": _("Lower than last year"),
        "better": _("Better than last year"),
        "worse": _("Worse than last year"),
    }
    icon = "→" if kind == "same" else ("↑" if change > 0 else "↓")
    return icon, texts[kind]


def _line(
    indicator: Indicator,
    value: IndicatorValue | None,
    last_year: IndicatorValue | None,
    target: Target | None,
) -> IndicatorLine:
    status = evaluate_stored(value, target)
    icon, text = status_label(status, target)
    now, before = _figure(value, indicator), _figure(last_year, indicator)
    trend_icon, trend_text = _trend(now, before, indicator)
    return IndicatorLine(
        slug=indicator.slug,
        name=indicator.name,
        value=now,
        target=format_target(target, indicator.unit_of_measure),
        status=status,
        status_icon=icon,
        status_text=text,
        last_year=before,
        trend_icon=trend_icon,
        trend_text=trend_text,
    )


# --- The selector ---------------------------------------------------------------------------


@dataclass
class _Values:
    """Stored values of two periods and the targets, for the units of the report."""

    period: P.Period
    last_year: P.Period
    current: dict[tuple[int, int], IndicatorValue]
    previous: dict[tuple[int, int], IndicatorValue]
    resolver: TargetResolver

    def line(self, indicator: Indicator, unit_id: int) -> IndicatorLine:
        key = (unit_id, indicator.pk)
        target = self.resolver.resolve(
            indicator_id=indicator.pk, unit_id=unit_id, on=self.period.end
        )
        current, previous = self.current.get(key), self.previous.get(key)
        line = _line(indicator, current, previous, target)
        # A survey of an earlier year is shown with its year.
        if current is not None and current.period != self.period.label:
            line = replace(line, value=_with_year(line.value, current.period))
        if previous is not None and previous.period != self.last_year.label:
            line = replace(line, last_year=_with_year(line.last_year, previous.period))
        return line


def _with_year(figure: Figure, year: str) -> Figure:
    """The figure with the year it is from (the dashboard's wording)."""
    return replace(figure, text=f"{figure.text} " + _("(figure for %(period)s)") % {"period": year})


def _chart(
    *, anchor: str, title: str, indicator: Indicator, units: Sequence[OrgUnit], values: _Values
) -> Chart:
    bars = []
    for unit in units:
        line = values.line(indicator, unit.pk)
        target = values.resolver.resolve(
            indicator_id=indicator.pk, unit_id=unit.pk, on=values.period.end
        )
        bars.append(
            ChartBar(
                label=unit.name,
                value=line.value,
                target=target.value if target is not None else None,
                status_icon=line.status_icon,
                status_text=line.status_text,
            )
        )
    return Chart(
        anchor=anchor,
        title=title,
        indicator=indicator.name,
        unit_of_measure=indicator.unit_of_measure,
        bars=bars,
    )


def _action_counts(statuses: Iterable[str]) -> ActionCounts:
    counts = Counter(statuses)
    return ActionCounts(
        planned=counts[Action.Status.PLANNED],
        in_progress=counts[Action.Status.IN_PROGRESS],
        done=counts[Action.Status.DONE],
        postponed=counts[Action.Status.POSTPONED],
    )


def _plan_status(
    *,
    year: int,
    goals: Sequence[Goal],
    reporting: set[int],
    actions: Sequence[tuple[int, int, str]],
    participation: Mapping[int, UnitParticipation],
) -> PlanStatus:
    """The plans of ``reporting`` units: ``actions`` are (unit id, goal id, status);
    ``participation`` whether the representatives took part in each unit's plan."""
    mine = [a for a in actions if a[0] in reporting]
    share = representative_participation_share(
        {u: participation[u] for u in reporting if u in participation}
    ).share
    return PlanStatus(
        year=year,
        goals=[
            GoalPlan(
                year=year,
                number=goal.number,
                title=goal.title,
                actions=_action_counts(s for _u, g, s in mine if g == goal.pk),
                units_with_actions=len({u for u, g, _s in mine if g == goal.pk}),
            )
            for goal in goals
        ],
        units=len(reporting),
        units_with_plan=len({u for u, _g, _s in mine}),
        representatives_confirmed_share=None if share is None else 100 * share,
    )


def council_report(
    *, units: QuerySet[OrgUnit], year: int, tertial: int | None, today: dt.date
) -> CouncilReport:
    """The council report of tertial ``tertial`` of ``year``, or of the year (None).

    ``units``: those the reader may see (``access.indicator_units``). The service areas
    are the units directly below the top of that tree, as on the dashboard. The texts
    are those of delivered reports (submitted or approved) in the tertial, or in every
    tertial of the year. About twenty queries whatever the size of the organisation.
    """
    period = P.tertial(year, tertial) if tertial else P.year(year)
    last_year = P.same_period_last_year(period)
    rounds = [tertial] if tertial else [1, 2, 3]
    round_names = {n: period_name(P.tertial(year, n)) for n in rounds}

    strategy = strategy_get_active()
    goals: list[Goal] = []
    links: set[tuple[int, int]] = set()
    if strategy is not None:
        goals, links, indicators = strategy_indicators(strategy=strategy)
    else:
        indicators = list(
            Indicator.objects.filter(slug__in=DASHBOARD_INDICATORS).order_by("order", "slug")
        )
    every_indicator = {i.pk: i for i in Indicator.objects.order_by("order", "slug")}
    chart_indicator = next(
        (i for i in every_indicator.values() if i.slug == REPORT_CHART_INDICATOR), None
    )

    # The tree the reader may see: its tops, the areas below them, the units below those.
    unit_list = list(units.order_by("code"))
    by_id = {u.pk: u for u in unit_list}
    roots = [u for u in unit_list if u.parent_id not in by_id]
    root_ids = {u.pk for u in roots}
    areas = [u for u in unit_list if u.parent_id in root_ids]
    area_ids = {u.pk for u in areas}
    area_children: dict[int, list[OrgUnit]] = defaultdict(list)
    for unit in sorted(unit_list, key=lambda u: (u.name, u.code)):
        if unit.parent_id in area_ids:
            area_children[unit.parent_id].append(unit)
    shown_ids = root_ids | area_ids | {u.pk for kids in area_children.values() for u in kids}
    area_of = {
        descendant: ancestor
        for descendant, ancestor in OrgUnitClosure.objects.filter(
            ancestor_id__in=area_ids
        ).values_list("descendant_id", "ancestor_id")
        if descendant in by_id
    }
    reporting = set(
        RoleAssignment.objects.filter(
            role=RoleAssignment.Role.LEADER, unit_id__in=list(by_id)
        ).values_list("unit_id", flat=True)
    )

    # Delivered reports of the units in the areas, with their texts and actions.
    reports = list(
        TertialReport.objects.filter(
            year=year,
            tertial__in=rounds,
            state__in=TertialReport.DELIVERED,
            unit_id__in=list(area_of),
        )
        .order_by("tertial", "unit__name", "unit__code")
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=IndicatorComment.objects.prefetch_related(
                    Prefetch("actions", queryset=Action.objects.order_by("pk"))
                ),
            ),
            Prefetch("prioritised_actions", queryset=Action.objects.order_by("pk")),
        )
    )
    commenting = {r.unit_id for r in reports}
    resolver = TargetResolver(unit_ids=shown_ids | commenting)

    wanted = {i.pk for i in indicators} | ({chart_indicator.pk} if chart_indicator else set())

    def stored(of: P.Period) -> dict[tuple[int, int], IndicatorValue]:
        return values_or_latest_survey(
            IndicatorValue.objects.filter(
                unit_id__in=list(shown_ids), indicator_id__in=list(wanted)
            ),
            period=of,
        )

    values = _Values(
        period=period,
        last_year=last_year,
        current=stored(period),
        previous=stored(last_year),
        resolver=resolver,
    )
    # The units' own values in each round, for the comments.
    round_values = {
        (v.unit_id, v.indicator_id, v.period): v
        for v in IndicatorValue.objects.filter(
            granularity=P.TERTIAL,
            period__in=[P.tertial(year, n).label for n in rounds],
            unit_id__in=list(commenting),
        )
    }
    summaries = {
        (s.unit_id, s.tertial): s.text
        for s in AreaSummary.objects.filter(unit_id__in=area_ids, year=year, tertial__in=rounds)
    }
    actions = list(
        Action.objects.filter(plan__year=year, plan__unit_id__in=list(by_id)).values_list(
            "plan__unit_id", "goal_id", "status"
        )
    )

    participation = representative_participation(units=reporting, year=year)

    # The front page: the municipality's indicators per goal, and its plans.
    total_plan = _plan_status(
        year=year,
        goals=goals,
        reporting=reporting,
        actions=actions,
        participation=participation,
    )
    plan_by_goal = {g.number: g for g in total_plan.goals}
    goal_status = [
        GoalStatus(
            number=goal.number,
            title=goal.title,
            lines=[
                values.line(indicator, root.pk)
                for root in roots
                for indicator in indicators
                if (goal.pk, indicator.pk) in links
            ],
            plan=plan_by_goal.get(goal.number),
        )
        for goal in goals
    ]
    overview_chart = None
    if chart_indicator is not None and areas:
        overview_chart = _chart(
            anchor="chart-areas",
            title=_("%(indicator)s per service area") % {"indicator": chart_indicator.name},
            indicator=chart_indicator,
            units=sorted(areas, key=lambda u: (u.name, u.code)),
            values=values,
        )

    sections = []
    for area in sorted(areas, key=lambda u: (u.name, u.code)):
        lines, without = [], []
        for indicator in indicators:
            line = values.line(indicator, area.pk)
            has_value = (area.pk, indicator.pk) in values.current
            if has_value or line.target:
                lines.append(line)
            else:
                without.append(indicator.name)
        chart = None
        if chart_indicator is not None and area_children.get(area.pk):
            chart = _chart(
                anchor=f"chart-{area.pk}",
                title=_("%(indicator)s per unit in %(area)s")
                % {"indicator": chart_indicator.name, "area": area.name},
                indicator=chart_indicator,
                units=area_children[area.pk],
                values=values,
            )
        mine = [r for r in reports if area_of.get(r.unit_id) == area.pk]
        area_summaries = []
        for number in rounds:
            compiled = [
                (by_id[r.unit_id].name, r.summary.strip())
                for r in mine
                if r.tertial == number and r.summary.strip()
            ]
            text = summaries.get((area.pk, number), "").strip()
            area_summaries.append(
                Summary(round=round_names[number], text=text, compiled=[] if text else compiled)
            )
        members = {u for u, a in area_of.items() if a == area.pk} & reporting
        sections.append(
            AreaSection(
                name=area.name,
                anchor=f"area-{area.pk}",
                lines=lines,
                without=without,
                chart=chart,
                summaries=area_summaries,
                reports=[
                    _unit_report(
                        report,
                        unit=by_id[report.unit_id],
                        round_name=round_names[report.tertial],
                        indicators=every_indicator,
                        values=round_values,
                        resolver=resolver,
                    )
                    for report in mine
                ],
                plan=_plan_status(
                    year=year,
                    goals=goals,
                    reporting=members,
                    actions=actions,
                    participation=participation,
                ),
            )
        )

    kind = "tertial" if tertial else "year"
    name = period_name(period)
    return CouncilReport(
        title=(
            _("Tertial report: %(period)s") % {"period": name}
            if tertial
            else _("Annual report %(year)s") % {"year": year}
        ),
        kind=kind,
        year=year,
        tertial=tertial,
        period=name,
        last_year=period_name(last_year),
        strategy=strategy.name if strategy else "",
        municipality=", ".join(r.name for r in roots),
        has_values=bool(values.current),
        goals=goal_status,
        overview_chart=overview_chart,
        areas=sections,
        plan=total_plan,
        methods=[
            MethodNote(
                name=i.name,
                unit_of_measure=i.unit_of_measure,
                kind=str(i.get_kind_display()),
                description=i.description,
            )
            for i in indicators
        ],
        suppression_min=settings.SUPPRESSION_MIN_PERSONS,
        created=date_format(today, "DATE_FORMAT"),
        rounds=list(round_names.values()),
    )


def _unit_report(
    report: TertialReport,
    *,
    unit: OrgUnit,
    round_name: str,
    indicators: dict[int, Indicator],
    values: dict[tuple[int, int, str], IndicatorValue],
    resolver: TargetResolver,
) -> UnitReport:
    period = P.tertial(report.year, report.tertial)
    comments = []
    for comment in sorted(
        report.comments.all(), key=lambda c: list(indicators).index(c.indicator_id)
    ):
        chosen = [a.title for a in comment.actions.all()]
        if not (comment.text.strip() or chosen or comment.no_action_reason.strip()):
            continue
        indicator = indicators[comment.indicator_id]
        value = values.get((unit.pk, indicator.pk, period.label))
        target = resolver.resolve(indicator_id=indicator.pk, unit_id=unit.pk, on=period.end)
        _icon, status_text = status_label(evaluate_stored(value, target), target)
        comments.append(
            Comment(
                indicator=indicator.name,
                value=_figure(value, indicator),
                target=format_target(target, indicator.unit_of_measure),
                status_text=status_text,
                text=comment.text.strip(),
                actions=chosen,
                no_action_reason=comment.no_action_reason.strip(),
            )
        )
    return UnitReport(
        round=round_name,
        unit=unit.name,
        state=str(report.get_state_display()),
        comments=comments,
        prioritised=[a.title for a in report.prioritised_actions.all()],
    )
