"""Writes for indicators and targets, and the values of reported indicators.

Seeded definitions and their links to the strategy, targets, and reported values
(entered in a form, imported from a file, or generated for the demo).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals.models import Goal, SubMeasure
from hr.services.reading import ImportIssue, ImportSource, RawRow, Table, read_one_table
from hr.services.validation import listed, parse_decimal
from org import access
from org.models import OrgUnit, OrgUnitClosure
from strategi.db import history_user_set, upsert_changed

from . import periods as P
from .definitions import computed_definitions, computed_slugs, shipped_indicators
from .models import HealthDataAccess, Indicator, IndicatorValue, SurveyResult, Target
from .signals import figures_changed


@dataclass
class IndicatorLoadResult:
    created: int = 0
    updated: int = 0
    links: int = 0


def indicator_definitions_seeded() -> list[dict[str, Any]]:
    """Every shipped definition: the engine's computed ones, then the reported ones.

    ``kind`` defaults to computed; ``suppressible`` is true for the computed ones that
    are not counts (spec: Privacy), and false for reported values, which come without a
    count of persons.
    """
    data = shipped_indicators()
    return [
        {
            "kind": Indicator.Kind.COMPUTED,
            **spec,
            "suppressible": spec.get("kind", Indicator.Kind.COMPUTED) == Indicator.Kind.COMPUTED
            and not spec["count"],
        }
        for spec in data["indicators"] + data.get("reported_indicators", [])
    ]


def indicators_ensure() -> dict[str, Indicator]:
    """Create the spec's computed indicators if missing; returns them by slug."""
    existing = {i.slug: i for i in Indicator.objects.filter(kind=Indicator.Kind.COMPUTED)}
    for order, spec in enumerate(computed_definitions()):
        if spec["slug"] not in existing:
            existing[spec["slug"]] = Indicator.objects.create(
                slug=spec["slug"],
                name=spec["name"],
                description=spec["description"],
                unit_of_measure=spec["unit_of_measure"],
                direction=spec["direction"],
                kind=Indicator.Kind.COMPUTED,
                suppressible=not spec["count"],
                order=order,
            )
    return existing


@transaction.atomic
def indicators_load_seeded() -> IndicatorLoadResult:
    """Create or update the shipped indicators and link them to what they follow.

    Computed indicators belong to the spec: they are updated to match it. Reported ones
    (10-faktor, apprentices …) belong to HR once created: an existing one is left as
    HR edited it, and is linked only while it has no links at all. Links are made
    only to strategies that are loaded; running it again changes nothing.
    """
    result = IndicatorLoadResult()
    for order, spec in enumerate(indicator_definitions_seeded()):
        values = {
            "name": spec["name"],
            "description": spec["description"],
            "unit_of_measure": spec["unit_of_measure"],
            "direction": spec["direction"],
            "kind": spec["kind"],
            "suppressible": spec["suppressible"],
            "scale_min": spec.get("scale_min"),
            "scale_max": spec.get("scale_max"),
            "order": order,
        }
        if spec["kind"] == Indicator.Kind.COMPUTED:
            indicator, outcome = upsert_changed(
                Indicator, lookup={"slug": spec["slug"]}, values=values
            )
            link = True
        else:
            found = Indicator.objects.filter(slug=spec["slug"]).first()
            outcome = "unchanged"
            if found is None:
                found, outcome = Indicator.objects.create(slug=spec["slug"], **values), "created"
            indicator = found
            link = not (indicator.goals.exists() or indicator.sub_measures.exists())
        result.created += outcome == "created"
        result.updated += outcome == "updated"
        if link:
            result.links += _indicator_link(indicator, spec["follows"])
    # Names and goal links leave no trace in the pages' data version.
    transaction.on_commit(lambda: figures_changed.send(sender=Indicator))
    return result


def _indicator_link(indicator: Indicator, follows: list[dict[str, Any]]) -> int:
    """Add the links of a definition's ``follows`` that are missing; returns how many."""
    added = 0
    for link in follows:
        if "sub_measure" in link:
            sub_measures = SubMeasure.objects.filter(
                goal__strategy__slug=link["strategy"],
                goal__number=link["goal"],
                title=link["sub_measure"],
            ).exclude(pk__in=indicator.sub_measures.values("pk"))
            added += sub_measures.count()
            indicator.sub_measures.add(*sub_measures)
        else:
            goals = Goal.objects.filter(
                strategy__slug=link["strategy"], number=link["goal"]
            ).exclude(pk__in=indicator.goals.values("pk"))
            added += goals.count()
            indicator.goals.add(*goals)
    return added


def _overlaps(
    a_from: dt.date | None, a_to: dt.date | None, b_from: dt.date | None, b_to: dt.date | None
) -> bool:
    starts_before_other_ends = b_to is None or a_from is None or a_from <= b_to
    ends_after_other_starts = a_to is None or b_from is None or a_to >= b_from
    return starts_before_other_ends and ends_after_other_starts


def target_validate(
    *,
    indicator: Indicator,
    unit: OrgUnit,
    margin: float = 0.0,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    target: Target | None = None,
) -> None:
    """Raise ``ValidationError`` unless the target may be saved: the rules of targets.

    Two targets for the same indicator and unit must not apply on the same day, so the
    nearest-ancestor rule always finds exactly one (PostgreSQL also says so with an
    exclusion constraint). Inside a transaction the other targets are locked, so a
    concurrent save waits.
    """
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end must not be before the start.")})
    if margin < 0:
        raise ValidationError({"margin": _("The margin cannot be negative.")})
    others = Target.objects.filter(indicator=indicator, unit=unit)
    if transaction.get_connection().in_atomic_block:
        others = others.select_for_update()
    if target is not None and target.pk is not None:
        others = others.exclude(pk=target.pk)
    for other in others:
        if _overlaps(valid_from, valid_to, other.valid_from, other.valid_to):
            raise ValidationError(
                _("This unit already has a target for this indicator in that period: %(t)s")
                % {"t": other}
            )


@transaction.atomic
def target_save(
    *,
    indicator: Indicator,
    unit: OrgUnit,
    comparator: str,
    value: float,
    margin: float = 0.0,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    target: Target | None = None,
    by: User | None = None,
) -> Target:
    """Create (or, given ``target``, change) a target; refuses overlapping validity.

    ``by`` must be HR (None: the system, e.g. the seeded targets); it is recorded as the
    history user.
    """
    if by is not None:
        access.ensure_hr(by)
    target_validate(
        indicator=indicator,
        unit=unit,
        margin=margin,
        valid_from=valid_from,
        valid_to=valid_to,
        target=target,
    )
    target = target or Target(indicator=indicator, unit=unit)
    target.indicator, target.unit = indicator, unit
    target.comparator, target.value, target.margin = comparator, value, margin
    target.valid_from, target.valid_to = valid_from, valid_to
    target.full_clean()
    history_user_set(target, by)
    target.save()
    return target


@transaction.atomic
def target_delete(*, target: Target, by: User | None) -> None:
    """Delete a target (HR only); its history keeps it."""
    if by is not None:
        access.ensure_hr(by)
    history_user_set(target, by)
    target.delete()


# The strategy's own targets (Stavanger, goal 3), set at the municipality (root unit).
STRATEGY_TARGETS = (
    ("full_time_share_shift", ">=", 50.0, 5.0),
    ("sick_leave_pct", "<", 6.0, 0.5),
)


@transaction.atomic
def targets_seed_strategy(*, root: OrgUnit | None = None) -> int:
    """Add the strategy's targets at the root unit where that unit has none; returns count."""
    root = root or OrgUnit.objects.filter(parent=None).first()
    if root is None:
        return 0
    created = 0
    indicators = indicators_ensure()
    for slug, comparator, value, margin in STRATEGY_TARGETS:
        if not Target.objects.filter(indicator=indicators[slug], unit=root).exists():
            target_save(
                indicator=indicators[slug],
                unit=root,
                comparator=comparator,
                value=value,
                margin=margin,
            )
            created += 1
    return created


# --- Reported indicators ----------------------------------------------------------------

# Columns of a file of reported values; the parsing rules are the HR import's.
REPORTED_IMPORT_COLUMNS = ("indicator", "unit", "period", "value")


def _number(value: float) -> str:
    """A number as people read it in the active language: «4,5», «5», «100»."""
    return number_format(int(value) if float(value).is_integer() else value)


def _scale_problem(indicator: Indicator, value: float, *, shown: str = "") -> str | None:
    """Why ``value`` lies outside the indicator's scale; None when it is inside."""
    low, high = indicator.scale_min, indicator.scale_max
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    params = {
        "min": "" if low is None else _number(low),
        "max": "" if high is None else _number(high),
        "value": shown or _number(value),
    }
    if low is not None and high is not None:
        return _("must be between %(min)s and %(max)s (is %(value)s).") % params
    if low is not None:
        return _("must be at least %(min)s (is %(value)s).") % params
    return _("must be at most %(max)s (is %(value)s).") % params


def _period_parse(label: str) -> P.Period:
    """The period of a label; ValueError with a message for people otherwise."""
    try:
        return P.parse(label)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a period: use 2025 (year), 2025-T1 (tertial) or 2025-03 (month).")
            % {"value": label}
        ) from None


def _not_reported(label: str) -> str:
    return _(
        "%(indicator)s is computed from HR data: only reported indicators take entered or "
        "imported values."
    ) % {"indicator": label}


def reported_indicator_validate(
    *,
    slug: str,
    scale_min: float | None = None,
    scale_max: float | None = None,
    indicator: Indicator | None = None,
) -> None:
    """Raise ``ValidationError`` unless a reported indicator may be saved so.

    Computed indicators belong to the spec: changing one, or taking one of their short
    names, is refused. So is a scale that would leave stored values outside it.
    """
    if indicator is not None and indicator.pk and indicator.kind != Indicator.Kind.REPORTED:
        raise ValidationError(
            _("Computed indicators are defined by the specification and cannot be changed here.")
        )
    errors: dict[str, str] = {}
    if slug in computed_slugs():
        errors["slug"] = _("This short name belongs to an indicator computed from HR data.")
    elif (
        Indicator.objects.filter(slug=slug)
        .exclude(pk__in=[indicator.pk] if indicator else [])
        .exists()
    ):
        errors["slug"] = _("Another indicator already has this short name.")
    if scale_min is not None and scale_max is not None and scale_max <= scale_min:
        errors["scale_max"] = _("The highest value must be above the lowest value.")
    elif indicator is not None and indicator.pk:
        stored = IndicatorValue.objects.filter(indicator=indicator, value__isnull=False)
        for column, outside in (
            ("scale_min", None if scale_min is None else stored.filter(value__lt=scale_min)),
            ("scale_max", None if scale_max is None else stored.filter(value__gt=scale_max)),
        ):
            if outside is not None and (count := outside.count()):
                errors[column] = ngettext(
                    "%(count)d stored value lies outside this scale.",
                    "%(count)d stored values lie outside this scale.",
                    count,
                ) % {"count": count}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def reported_indicator_save(
    *,
    slug: str,
    name: str,
    unit_of_measure: str,
    direction: str,
    description: str = "",
    scale_min: float | None = None,
    scale_max: float | None = None,
    goals: Iterable[Goal] = (),
    sub_measures: Iterable[SubMeasure] = (),
    indicator: Indicator | None = None,
    order: int | None = None,
    by: User | None = None,
) -> Indicator:
    """Create (or, given ``indicator``, change) a reported indicator and what it follows.

    The rules are ``reported_indicator_validate``'s. ``order`` places it among the
    indicators (a new one goes last by default). ``by`` must be HR (None: the system).
    """
    if by is not None:
        access.ensure_hr(by)
    reported_indicator_validate(
        slug=slug, scale_min=scale_min, scale_max=scale_max, indicator=indicator
    )
    if indicator is None:
        last = Indicator.objects.aggregate(last=Max("order"))["last"]
        indicator = Indicator(
            kind=Indicator.Kind.REPORTED,
            # Reported values come without a count of persons, so nothing to suppress.
            suppressible=False,
            order=0 if last is None else last + 1,
        )
    if order is not None:
        indicator.order = order
    indicator.slug, indicator.name, indicator.description = slug, name, description
    indicator.unit_of_measure, indicator.direction = unit_of_measure, direction
    indicator.scale_min, indicator.scale_max = scale_min, scale_max
    indicator.full_clean()
    indicator.save()
    indicator.goals.set(goals)
    indicator.sub_measures.set(sub_measures)
    transaction.on_commit(lambda: figures_changed.send(sender=Indicator))
    return indicator


@transaction.atomic
def reported_indicator_delete(*, indicator: Indicator, by: User | None) -> None:
    """Delete a reported indicator with its values (HR only); computed ones are refused."""
    if by is not None:
        access.ensure_hr(by)
    if indicator.kind != Indicator.Kind.REPORTED:
        raise ValidationError(
            _("Computed indicators are defined by the specification and cannot be changed here.")
        )
    indicator.delete()
    transaction.on_commit(lambda: figures_changed.send(sender=Indicator))


@dataclass(frozen=True)
class ReportedEntry:
    """One reported value to store: indicator, unit, period and the value."""

    indicator: Indicator
    unit_id: int
    period: P.Period
    value: float


@dataclass
class ReportedStoreCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def reported_values_store(
    entries: Sequence[ReportedEntry], *, by: User | None
) -> ReportedStoreCounts:
    """Store checked reported values: upsert by (indicator, unit, granularity, period).

    An unchanged value keeps its author.

    Only reported indicators get here, and the engine replaces computed values only,
    so a recompute never touches these rows.
    """
    counts = ReportedStoreCounts()
    if not entries:
        return counts
    now = timezone.now()
    stored = {
        (v.indicator_id, v.unit_id, v.granularity, v.period): v
        for v in IndicatorValue.objects.filter(
            indicator_id__in={e.indicator.pk for e in entries},
            unit_id__in={e.unit_id for e in entries},
            period__in={e.period.label for e in entries},
        )
    }
    new, changed = [], []
    for entry in entries:
        key = (entry.indicator.pk, entry.unit_id, entry.period.granularity, entry.period.label)
        value = stored.get(key)
        if value is None:
            new.append(
                IndicatorValue(
                    indicator=entry.indicator,
                    unit_id=entry.unit_id,
                    granularity=entry.period.granularity,
                    period=entry.period.label,
                    period_start=entry.period.start,
                    period_end=entry.period.end,
                    value=entry.value,
                    n_persons=None,
                    suppressed=False,
                    computed_at=now,
                    entered_by=by,
                )
            )
        elif value.value == entry.value:
            counts.unchanged += 1
        else:
            value.value, value.computed_at, value.entered_by = entry.value, now, by
            changed.append(value)
    IndicatorValue.objects.bulk_create(new, batch_size=1000)
    IndicatorValue.objects.bulk_update(
        changed, ["value", "computed_at", "entered_by"], batch_size=1000
    )
    counts.created, counts.updated = len(new), len(changed)
    return counts


def _survey_owned(entries: Iterable[ReportedEntry]) -> set[tuple[int, int, str]]:
    """The (indicator, unit, year label) of ``entries`` whose value the survey import owns.

    Such a value is derived from a ``SurveyResult`` with its respondents (and may be
    withheld); a value entered over it would publish a score without them.
    """
    years = [e for e in entries if e.period.granularity == P.YEAR]
    if not years:
        return set()
    owned = SurveyResult.objects.filter(
        indicator_id__in={e.indicator.pk for e in years},
        unit_id__in={e.unit_id for e in years},
        year__in={e.period.start.year for e in years},
    ).values_list("indicator_id", "unit_id", "year")
    return {(indicator_id, unit_id, str(year)) for indicator_id, unit_id, year in owned}


def _survey_owned_problem() -> str:
    return _(
        "this value comes from the 10-FAKTOR import with its number of respondents: "
        "import a corrected 10-FAKTOR file instead."
    )


@transaction.atomic
def reported_value_save(
    *,
    indicator: Indicator,
    unit: OrgUnit,
    period: str,
    value: float,
    by: User | None,
) -> IndicatorValue:
    """Store a reported value for one unit and period (``2025``, ``2025-T1``, ``2025-03``).

    A value already stored for that indicator, unit and period is replaced, and
    ``entered_by`` becomes ``by``. Errors are keyed by field (indicator, period, value).
    """
    errors: dict[str, str] = {}
    if indicator.kind != Indicator.Kind.REPORTED:
        errors["indicator"] = _not_reported(indicator.name)
    parsed: P.Period | None = None
    try:
        parsed = _period_parse(period)
    except ValueError as exc:
        errors["period"] = str(exc)
    if (problem := _scale_problem(indicator, value)) is not None:
        errors["value"] = capfirst(problem)
    if errors or parsed is None:
        raise ValidationError(errors)
    entry = ReportedEntry(indicator=indicator, unit_id=unit.pk, period=parsed, value=value)
    if _survey_owned([entry]):
        raise ValidationError({"value": capfirst(_survey_owned_problem())})
    reported_values_store([entry], by=by)
    return IndicatorValue.objects.get(
        indicator=indicator, unit=unit, granularity=parsed.granularity, period=parsed.label
    )


@dataclass
class ReportedImportResult:
    """What an import of reported values found and, when the file was valid, wrote."""

    file: str
    # File-level problems first, then every bad row in line order.
    errors: list[ImportIssue] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def succeeded(self) -> bool:
        return not self.errors


def reported_values_import(*, source: ImportSource, by: User | None) -> ReportedImportResult:
    """Import reported values from one CSV or XLSX file: indicator, unit, period, value.

    The file is read by the HR import's reader (spec/hr-import.md, "Parsing rules") and
    validated as a whole first: every bad row is reported as ``file:line: column:
    reason``, and with any problem nothing is written. Valid rows are upserted like
    ``reported_value_save``.
    """
    result = ReportedImportResult(file=source.name)
    table, problems = read_one_table(source, kind="values")
    result.errors += problems
    if table is None:
        return result
    result.rows = len(table.rows)
    missing = [column for column in REPORTED_IMPORT_COLUMNS if column not in table.columns]
    if missing:
        result.errors += [
            ImportIssue(table.name, table.header_line, column, _("the required column is missing."))
            for column in missing
        ]
        return result
    entries = _reported_rows_check(table, result.errors)
    if result.errors:
        return result
    with transaction.atomic():
        counts = reported_values_store(entries, by=by)
    result.created, result.updated, result.unchanged = (
        counts.created,
        counts.updated,
        counts.unchanged,
    )
    return result


def _reported_rows_check(table: Table, errors: list[ImportIssue]) -> list[ReportedEntry]:
    """Typed entries of the rows; every problem of every row is added to ``errors``."""
    indicators = {
        i.slug: i
        for i in Indicator.objects.filter(
            slug__in={row.values.get("indicator", "") for row in table.rows}
        )
    }
    units = dict(
        OrgUnit.objects.filter(
            code__in={row.values.get("unit", "") for row in table.rows}
        ).values_list("code", "pk")
    )
    problems: dict[int, list[ImportIssue]] = defaultdict(list)
    entries: dict[int, ReportedEntry] = {}
    lines_of: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for row in table.rows:
        rejected = problems[row.line]
        entry = _reported_row_check(table.name, row, indicators, units, rejected)
        if entry is not None:
            lines_of[(entry.indicator.slug, row.values["unit"], entry.period.label)].append(
                row.line
            )
            if not rejected:
                entries[row.line] = entry
    owned = _survey_owned(entries.values())
    for line, entry in list(entries.items()):
        if (entry.indicator.pk, entry.unit_id, entry.period.label) in owned:
            problems[line].append(ImportIssue(table.name, line, "value", _survey_owned_problem()))
            del entries[line]
    for (slug, code, label), lines in lines_of.items():
        if len(lines) > 1:
            reason = _(
                "%(indicator)s for unit %(unit)s in %(period)s appears more than once in "
                "this file (lines %(lines)s)."
            ) % {
                "indicator": slug,
                "unit": code,
                "period": label,
                # Capped: every duplicate row names the lines (linear, not quadratic).
                "lines": listed(lines),
            }
            for line in lines:
                problems[line].append(ImportIssue(table.name, line, "period", reason))
    for line in sorted(problems):
        errors += problems[line]
    return [entries[line] for line in sorted(entries)]


def _reported_row_check(
    file: str,
    row: RawRow,
    indicators: dict[str, Indicator],
    units: dict[str, int],
    rejected: list[ImportIssue],
) -> ReportedEntry | None:
    """One row: its problems go to ``rejected``; the entry when its key columns are good.

    An entry is returned even when only the value is bad, so that duplicates are found.
    """

    def reject(column: str, reason: str) -> None:
        rejected.append(ImportIssue(file, row.line, column, reason))

    for column, reason in row.problems:
        reject(column, reason)
    text = {column: row.values.get(column, "") for column in REPORTED_IMPORT_COLUMNS}
    for column in REPORTED_IMPORT_COLUMNS:
        if not text[column]:
            reject(column, _("a value is required."))
    indicator = indicators.get(text["indicator"])
    if text["indicator"] and indicator is None:
        reject(
            "indicator",
            _("unknown indicator “%(value)s”: it is not in the list of indicators.")
            % {"value": text["indicator"]},
        )
    elif indicator is not None and indicator.kind != Indicator.Kind.REPORTED:
        reject("indicator", _not_reported(indicator.slug))
        indicator = None
    unit_id = units.get(text["unit"])
    if text["unit"] and unit_id is None:
        reject(
            "unit",
            _("unknown unit “%(value)s”: it is not in the database.") % {"value": text["unit"]},
        )
    period = None
    if text["period"]:
        try:
            period = _period_parse(text["period"])
        except ValueError as exc:
            reject("period", str(exc))
    number = parse_decimal(text["value"]) if text["value"] else float("nan")
    if number is None:
        number = float("nan")
        reject("value", _("“%(value)s” is not a number.") % {"value": text["value"]})
    elif text["value"]:
        problem = indicator and _scale_problem(indicator, number, shown=text["value"])
        if problem:
            reject("value", problem)
    if indicator is None or unit_id is None or period is None:
        return None
    return ReportedEntry(indicator=indicator, unit_id=unit_id, period=period, value=number)


# --- 10-FAKTOR survey results ---------------------------------------------------------

# Columns of a file of survey results (one survey year, chosen on import).
SURVEY_IMPORT_COLUMNS = ("unit", "factor", "score", "respondents")
# The 10-FAKTOR factors are the reported indicators whose short name starts so.
SURVEY_FACTOR_PREFIX = "tifaktor_"
# More respondents than any municipality has employees: a typo, not a survey.
SURVEY_MAX_RESPONDENTS = 200_000
# Survey years an import takes.
SURVEY_FIRST_YEAR = 2000


def _factor_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def survey_factors() -> dict[str, Indicator]:
    """The 10-FAKTOR factors by short name and by name (case and spacing ignored)."""
    factors = Indicator.objects.filter(
        kind=Indicator.Kind.REPORTED, slug__startswith=SURVEY_FACTOR_PREFIX
    )
    by_key: dict[str, Indicator] = {}
    for factor in factors:
        by_key[_factor_key(factor.name)] = factor
        by_key[_factor_key(factor.slug.removeprefix(SURVEY_FACTOR_PREFIX).replace("_", " "))] = (
            factor
        )
        by_key[factor.slug.casefold()] = factor
    return by_key


@dataclass(frozen=True)
class SurveyEntry:
    """One row of a survey file, checked."""

    indicator: Indicator
    unit_id: int
    score: float
    respondents: int
    line: int


@dataclass
class SurveyImportResult:
    """What a survey import found and, when the file was valid, wrote."""

    file: str
    year: int
    errors: list[ImportIssue] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Stored values of the year withheld after the import (fewer than the threshold of
    # respondents, or to protect such a group).
    withheld: int = 0

    @property
    def succeeded(self) -> bool:
        return not self.errors


def survey_year_problem(year: int, *, today: dt.date | None = None) -> str | None:
    """Why ``year`` cannot be a survey year; None when it can."""
    last = (today or timezone.localdate()).year
    if SURVEY_FIRST_YEAR <= year <= last:
        return None
    return _("The survey year must be between %(first)s and %(last)s (is %(year)s).") % {
        "first": SURVEY_FIRST_YEAR,
        "last": last,
        "year": year,
    }


def survey_results_import(
    *, source: ImportSource, year: int, by: User | None
) -> SurveyImportResult:
    """Import one year's 10-FAKTOR results from a CSV or XLSX file: unit, factor, score,
    respondents (docs/import-10-faktor.md).

    Read like the HR import (spec/hr-import.md, "Parsing rules", with its caps), checked
    as a whole first — every problem as ``file:line: column: reason`` — and with any
    problem nothing is written. A row is the unit's result over its whole subtree. The
    results are kept (``SurveyResult``) and every stored value of the year's imported
    factors is derived again, withholding what ``survey_values_derive`` withholds.
    """
    result = SurveyImportResult(file=source.name, year=year)
    if (problem := survey_year_problem(year)) is not None:
        result.errors.append(ImportIssue(source.name, None, "", problem))
        return result
    table, problems = read_one_table(source, kind="10-faktor")
    result.errors += problems
    if table is None:
        return result
    result.rows = len(table.rows)
    missing = [column for column in SURVEY_IMPORT_COLUMNS if column not in table.columns]
    if missing:
        result.errors += [
            ImportIssue(table.name, table.header_line, column, _("the required column is missing."))
            for column in missing
        ]
        return result
    if not table.rows:
        result.errors.append(
            ImportIssue(table.name, table.header_line, "", _("the file has no data rows."))
        )
        return result
    entries = _survey_rows_check(table, result.errors)
    if result.errors:
        return result
    with transaction.atomic():
        factors = {entry.indicator.pk: entry.indicator for entry in entries}
        # Lock the year's results of these factors: a concurrent import waits.
        stored = {
            (r.indicator_id, r.unit_id): r
            for r in SurveyResult.objects.select_for_update().filter(
                indicator_id__in=factors, year=year
            )
        }
        _survey_totals_check(table.name, entries, stored, result.errors)
        if result.errors:
            return result
        now = timezone.now()
        new, changed = [], []
        for entry in entries:
            found = stored.get((entry.indicator.pk, entry.unit_id))
            if found is None:
                new.append(
                    SurveyResult(
                        indicator=entry.indicator,
                        unit_id=entry.unit_id,
                        year=year,
                        score=entry.score,
                        respondents=entry.respondents,
                        imported_at=now,
                        imported_by=by,
                    )
                )
            elif (found.score, found.respondents) == (entry.score, entry.respondents):
                result.unchanged += 1
            else:
                found.score, found.respondents = entry.score, entry.respondents
                found.imported_at, found.imported_by = now, by
                changed.append(found)
        SurveyResult.objects.bulk_create(new, batch_size=1000)
        SurveyResult.objects.bulk_update(
            changed, ["score", "respondents", "imported_at", "imported_by"], batch_size=1000
        )
        result.created, result.updated = len(new), len(changed)
        for indicator in factors.values():
            result.withheld += survey_values_derive(indicator=indicator, year=year)
    return result


def _survey_rows_check(table: Table, errors: list[ImportIssue]) -> list[SurveyEntry]:
    """Typed entries of the rows; every problem of every row is added to ``errors``."""
    factors = survey_factors()
    units = dict(
        OrgUnit.objects.filter(
            code__in={row.values.get("unit", "") for row in table.rows}
        ).values_list("code", "pk")
    )
    problems: dict[int, list[ImportIssue]] = defaultdict(list)
    entries: dict[int, SurveyEntry] = {}
    lines_of: dict[tuple[int, int], list[int]] = defaultdict(list)
    for row in table.rows:
        rejected = problems[row.line]

        def reject(column: str, reason: str, line: int = row.line) -> None:
            problems[line].append(ImportIssue(table.name, line, column, reason))

        for column, reason in row.problems:
            reject(column, reason)
        text = {column: row.values.get(column, "") for column in SURVEY_IMPORT_COLUMNS}
        for column in SURVEY_IMPORT_COLUMNS:
            if not text[column]:
                reject(column, _("a value is required."))
        factor = factors.get(_factor_key(text["factor"])) if text["factor"] else None
        if text["factor"] and factor is None:
            reject(
                "factor",
                _(
                    "unknown factor “%(value)s”: use a 10-FAKTOR factor's name (e.g. "
                    "Mestringsklima) or short name (e.g. tifaktor_mestringsklima)."
                )
                % {"value": text["factor"]},
            )
        unit_id = units.get(text["unit"])
        if text["unit"] and unit_id is None:
            reject(
                "unit",
                _("unknown unit “%(value)s”: it is not in the database.") % {"value": text["unit"]},
            )
        score = parse_decimal(text["score"]) if text["score"] else None
        if text["score"] and score is None:
            reject("score", _("“%(value)s” is not a number.") % {"value": text["score"]})
        elif (
            score is not None
            and factor is not None
            and (problem := _scale_problem(factor, score, shown=text["score"]))
        ):
            reject("score", problem)
        respondents = None
        if text["respondents"]:
            if text["respondents"].isdigit() and text["respondents"].isascii():
                respondents = int(text["respondents"])
            if respondents is None or not 1 <= respondents <= SURVEY_MAX_RESPONDENTS:
                reject(
                    "respondents",
                    _("“%(value)s” is not a whole number of respondents from 1 to %(max)s.")
                    % {
                        "value": text["respondents"],
                        "max": number_format(SURVEY_MAX_RESPONDENTS, force_grouping=True),
                    },
                )
                respondents = None
        if factor is None or unit_id is None:
            continue
        lines_of[(factor.pk, unit_id)].append(row.line)
        if not rejected and score is not None and respondents is not None:
            entries[row.line] = SurveyEntry(factor, unit_id, score, respondents, row.line)
    codes = {pk: code for code, pk in units.items()}
    names = {factor.pk: factor.name for factor in factors.values()}
    for (factor_id, unit_id), lines in lines_of.items():
        if len(lines) > 1:
            reason = _(
                "%(factor)s for unit %(unit)s appears more than once in this file "
                "(lines %(lines)s)."
            ) % {"factor": names[factor_id], "unit": codes[unit_id], "lines": listed(lines)}
            for line in lines:
                problems[line].append(ImportIssue(table.name, line, "factor", reason))
                entries.pop(line, None)
    for line in sorted(problems):
        errors += problems[line]
    return [entries[line] for line in sorted(entries)]


def _nearest_with_result(unit_ids: Collection[int]) -> dict[int, int | None]:
    """Each unit → the nearest unit above it among ``unit_ids`` (None: none above)."""
    nearest: dict[int, tuple[int, int]] = {}
    pairs = OrgUnitClosure.objects.filter(
        descendant_id__in=list(unit_ids), ancestor_id__in=list(unit_ids), depth__gt=0
    ).values_list("descendant_id", "ancestor_id", "depth")
    for descendant, ancestor, depth in pairs:
        if descendant not in nearest or depth < nearest[descendant][1]:
            nearest[descendant] = (ancestor, depth)
    return {unit_id: nearest[unit_id][0] if unit_id in nearest else None for unit_id in unit_ids}


def _survey_totals_check(
    file: str,
    entries: Sequence[SurveyEntry],
    stored: dict[tuple[int, int], SurveyResult],
    errors: list[ImportIssue],
) -> None:
    """A unit's respondents cover those of the units below it: a row is a subtree's result.

    Checked against the year's results after the import (the file's and those stored).
    A problem goes on the file's row of the unit above, or else on a row below it.
    """
    by_factor: dict[int, dict[int, int]] = defaultdict(dict)
    line_of: dict[tuple[int, int], int] = {}
    for (factor_id, unit_id), found in stored.items():
        by_factor[factor_id][unit_id] = found.respondents
    for entry in entries:
        by_factor[entry.indicator.pk][entry.unit_id] = entry.respondents
        line_of[(entry.indicator.pk, entry.unit_id)] = entry.line
    codes = dict(
        OrgUnit.objects.filter(
            pk__in={u for counts in by_factor.values() for u in counts}
        ).values_list("pk", "code")
    )
    found_problems: list[ImportIssue] = []
    for factor_id, counts in by_factor.items():
        below: dict[int, list[int]] = defaultdict(list)
        for unit_id, parent_id in _nearest_with_result(counts).items():
            if parent_id is not None:
                below[parent_id].append(unit_id)
        for unit_id, kids in below.items():
            total = sum(counts[kid] for kid in kids)
            if counts[unit_id] >= total:
                continue
            line = line_of.get((factor_id, unit_id)) or min(
                line_of[(factor_id, kid)] for kid in kids if (factor_id, kid) in line_of
            )
            found_problems.append(
                ImportIssue(
                    file,
                    line,
                    "respondents",
                    _(
                        "unit %(unit)s has %(count)s respondents, fewer than the %(total)s of "
                        "the units below it together: each row must be the result of the "
                        "unit with everything below it."
                    )
                    % {"unit": codes[unit_id], "count": counts[unit_id], "total": total},
                )
            )
    errors += sorted(found_problems, key=lambda issue: issue.line or 0)


def survey_values_derive(*, indicator: Indicator, year: int) -> int:
    """Store the factor's values of ``year`` from its survey results; returns how many
    are withheld.

    ``n_persons`` is the number of respondents. A value of fewer than
    ``SUPPRESSION_MIN_PERSONS`` respondents is withheld, and so are the values the
    complementary rule chooses (``measures.engine.protection``), because a unit's score
    times its respondents is the sum of its parts': without it, the score of a small
    group would follow from a parent's and its siblings' by subtraction.
    """
    # Here, not at the top: the engine's package imports this module.
    from .engine.protection import COMPLEMENTARY, Pattern, protect

    # Survey averages: a unit's respondents are those of the units below it and its own
    # (they add up), one survey a year (no law along time).
    pattern = Pattern(name="survey", slugs=(), time="sum", persons="union", own="difference")
    period = P.year(year)
    results = list(SurveyResult.objects.filter(indicator=indicator, year=year))
    unit_ids = [r.unit_id for r in results]
    children: dict[int, list[int]] = {unit_id: [] for unit_id in unit_ids}
    for unit_id, parent_id in _nearest_with_result(unit_ids).items():
        if parent_id is not None:
            children[parent_id].append(unit_id)
    withheld = protect(
        {(r.unit_id, period.label): r.respondents for r in results},
        pattern,
        [period],
        children,
        unit_ids,
        None,
        settings.SUPPRESSION_MIN_PERSONS,
    )
    stored = {
        v.unit_id: v
        for v in IndicatorValue.objects.filter(
            indicator=indicator, granularity=P.YEAR, period=period.label, unit_id__in=unit_ids
        )
    }
    now = timezone.now()
    new, changed = [], []
    for survey in results:
        how = withheld.get((survey.unit_id, period.label))
        fields = {
            "value": None if how else survey.score,
            "n_persons": survey.respondents,
            "suppressed": how is not None,
            "complementary": how == COMPLEMENTARY,
            "entered_by_id": survey.imported_by_id,
        }
        value = stored.get(survey.unit_id)
        if value is None:
            new.append(
                IndicatorValue(
                    indicator=indicator,
                    unit_id=survey.unit_id,
                    granularity=P.YEAR,
                    period=period.label,
                    period_start=period.start,
                    period_end=period.end,
                    computed_at=now,
                    numerator=None,
                    denominator=None,
                    **fields,
                )
            )
        elif any(getattr(value, name) != wanted for name, wanted in fields.items()):
            for name, wanted in fields.items():
                setattr(value, name, wanted)
            value.computed_at = now
            changed.append(value)
    IndicatorValue.objects.bulk_create(new, batch_size=1000)
    IndicatorValue.objects.bulk_update(
        changed,
        ["value", "n_persons", "suppressed", "complementary", "entered_by", "computed_at"],
        batch_size=1000,
    )
    return len(withheld)


# --- Who looked at health data ----------------------------------------------------------


def health_data_access_record(
    *,
    user: User | None,
    route: str,
    path: str,
    scope: str = "",
    token: str = "",
) -> HealthDataAccess:
    """Record one view of indicator values (a page, an export, an API call, a command)."""
    return HealthDataAccess.objects.create(
        at=timezone.now(),
        user=user if user is not None and user.pk else None,
        username=user.get_username() if user is not None else "",
        route=route,
        path=path,
        scope=scope,
        token=token,
    )


def health_data_access_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the records older than ``HEALTH_DATA_ACCESS_LOG_DAYS``; returns how many."""
    before = (now or timezone.now()) - dt.timedelta(days=settings.HEALTH_DATA_ACCESS_LOG_DAYS)
    deleted, _ = HealthDataAccess.objects.filter(at__lt=before).delete()
    return deleted
