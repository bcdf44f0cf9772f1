"""An installation of the layout before the app split keeps every row when migrated.

The database is taken back to the migrations of that layout (``workplaces`` 0007,
``measures`` 0004, ``api`` 0001), filled through that state's own models with a row in
every table the split touches (history and many-to-many tables included), and
migrated forward again. Every table keeps its rows, the new apps' models read them
with their relations, and the content types (so the permissions and the admin log)
move with the models.
"""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from api.models import ApiToken
from hr.models import AbsenceSpell, Employment, ImportJob, ImportJobFile
from measures.models import Indicator, IndicatorValue, Target
from org.models import OrgUnit, OrgUnitClosure, RoleAssignment
from plans.models import Action, ActionPlan, IndicatorComment, TertialReport

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_THE_SPLIT = [
    ("workplaces", "0007_import_queue"),
    ("measures", "0004_recompute_indexes"),
    ("api", "0001_api_tokens"),
    ("org", None),
    ("hr", None),
    ("plans", None),
]
MOVED = {
    "org": ["orgunit", "orgunitclosure", "roleassignment", "historicalorgunit"],
    "hr": ["employment", "absencespell", "importjob", "importjobfile"],
    "plans": ["actionplan", "action", "tertialreport", "indicatorcomment", "historicalaction"],
}


def migrate(targets: list[tuple[str, str | None]]) -> object:
    """Migrate to ``targets`` (the other apps at their latest); returns that state's apps."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    named = {app for app, _name in targets}
    nodes = [node for node in targets if node[1] is not None]
    nodes += [node for node in executor.loader.graph.leaf_nodes() if node[0] not in named]
    return executor.loader.project_state(nodes, at_end=True).apps


def latest() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_apps() -> Iterator[object]:
    """The database at the layout before the split; migrated to the latest afterwards."""
    try:
        yield migrate(BEFORE_THE_SPLIT)
    finally:
        migrate(latest())


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    counts.pop("django_migrations")
    return counts


def fill(apps: object) -> dict[str, int]:
    """A small installation written through the old state's models; returns some ids."""
    get = apps.get_model  # type: ignore[attr-defined]
    now = timezone.now()
    user = get("auth", "User").objects.create(username="hr-user", password="!")
    # HR's rights on the moved models, as the former migrations granted them.
    group, _created = get("auth", "Group").objects.get_or_create(name="HR")
    group.permissions.add(
        *get("auth", "Permission").objects.filter(
            content_type__app_label="workplaces",
            content_type__model__in=["orgunit", "roleassignment"],
        )
    )
    user.groups.add(group)

    unit_model = get("workplaces", "OrgUnit")
    root = unit_model.objects.create(code="K", name="Kommune", level="kommune")
    home = unit_model.objects.create(
        code="SH", name="Sykehjem", level="virksomhet", parent=root, shift_based=True
    )
    for unit in (root, home):
        get("workplaces", "HistoricalOrgUnit").objects.create(
            id=unit.pk,
            code=unit.code,
            name=unit.name,
            level=unit.level,
            parent_id=unit.parent_id,
            shift_based=unit.shift_based,
            history_date=now,
            history_type="+",
            history_user=user,
        )
    closure = get("workplaces", "OrgUnitClosure")
    closure.objects.create(ancestor=root, descendant=root, depth=0)
    closure.objects.create(ancestor=home, descendant=home, depth=0)
    closure.objects.create(ancestor=root, descendant=home, depth=1)

    employment = get("workplaces", "Employment").objects.create(
        employment_id="E1",
        person_id="P1",
        birth_date=dt.date(1970, 5, 1),
        gender="K",
        unit=home,
        position_pct=80,
        start_date=dt.date(2020, 1, 1),
    )
    get("workplaces", "AbsenceSpell").objects.create(
        absence_id="S1",
        employment=employment,
        start_date=dt.date(2024, 3, 4),
        end_date=dt.date(2024, 3, 8),
        grade_pct=100,
        kind="egenmeldt",
    )
    job = get("workplaces", "ImportJob").objects.create(
        user=user, source="api", status="queued", files=["orgunits.csv"]
    )
    get("workplaces", "ImportJobFile").objects.create(job=job, name="orgunits.csv", content=b"x")

    role = get("workplaces", "RoleAssignment").objects.create(user=user, unit=home, role="leader")
    get("workplaces", "HistoricalRoleAssignment").objects.create(
        id=role.pk,
        user=user,
        unit=home,
        role="leader",
        history_date=now,
        history_type="+",
        history_user=user,
    )

    strategy = get("goals", "Strategy").objects.create(slug="s", name="Strategi", owner="K")
    goal = get("goals", "Goal").objects.create(strategy=strategy, number=1, title="Mål", order=1)
    plan = get("workplaces", "ActionPlan").objects.create(unit=home, strategy=strategy, year=2024)
    get("workplaces", "HistoricalActionPlan").objects.create(
        id=plan.pk,
        unit=home,
        strategy=strategy,
        year=2024,
        version=1,
        created_at=now,
        updated_at=now,
        history_date=now,
        history_type="+",
    )
    action = get("workplaces", "Action").objects.create(plan=plan, goal=goal, title="Heltid")
    get("workplaces", "HistoricalAction").objects.create(
        id=action.pk,
        plan=plan,
        goal=goal,
        title="Heltid",
        status="planlagt",
        version=1,
        history_date=now,
        history_type="+",
    )
    report = get("workplaces", "TertialReport").objects.create(
        unit=home, year=2024, tertial=1, summary="Bra"
    )
    report.prioritised_actions.add(action)
    history = get("workplaces", "HistoricalTertialReport").objects.create(
        id=report.pk,
        unit=home,
        year=2024,
        tertial=1,
        state="draft",
        summary="Bra",
        version=1,
        history_date=now,
        history_type="+",
    )
    get("workplaces", "HistoricalTertialReport_prioritised_actions").objects.create(
        id=1, history=history, tertialreport=report, action=action
    )

    indicator = get("measures", "Indicator").objects.create(
        slug="sick_leave_pct",
        name="Sykefravær",
        unit_of_measure="%",
        direction="lower",
        kind="computed",
    )
    comment = get("workplaces", "IndicatorComment").objects.create(
        report=report, indicator=indicator, text="Ned"
    )
    get("workplaces", "HistoricalIndicatorComment").objects.create(
        id=comment.pk,
        report=report,
        indicator=indicator,
        text="Ned",
        history_date=now,
        history_type="+",
    )
    target = get("measures", "Target").objects.create(
        indicator=indicator, unit=root, comparator="<", value=6
    )
    get("measures", "HistoricalTarget").objects.create(
        id=target.pk,
        indicator=indicator,
        unit=root,
        comparator="<",
        value=6,
        margin=0,
        history_date=now,
        history_type="+",
    )
    get("measures", "IndicatorValue").objects.create(
        indicator=indicator,
        unit=home,
        granularity="month",
        period="2024-03",
        period_start=dt.date(2024, 3, 1),
        period_end=dt.date(2024, 3, 31),
        value=6.5,
        numerator=1.3,
        denominator=20,
        n_persons=7,
        computed_at=now,
    )
    token = get("api", "ApiToken").objects.create(
        name="Datasjø", user=user, key_hash="0" * 64, key_start="stg_x"
    )
    token.units.add(home)
    content_type = get("contenttypes", "ContentType").objects.get(
        app_label="workplaces", model="orgunit"
    )
    get("admin", "LogEntry").objects.create(
        user=user,
        content_type=content_type,
        object_id=str(home.pk),
        object_repr="Sykehjem",
        action_flag=2,
        action_time=now,
    )
    return {"home": home.pk, "report": report.pk, "orgunit_type": content_type.pk}


def test_an_installation_of_the_former_layout_keeps_every_row(old_apps):
    # Given an installation of the former layout, with a row in every table the split moves
    ids = fill(old_apps)
    before = table_counts()
    old_types = dict(ContentType.objects.filter(app_label="workplaces").values_list("model", "pk"))

    # When it is migrated to the new layout
    migrate(latest())

    # Then every table keeps its rows, and none is empty that was filled
    after = table_counts()
    # Tables of later features (such as the health-data access log) start empty.
    created = {table: after.pop(table) for table in set(after) - set(before)}
    assert not any(created.values()), created
    # Later migrations grant HR more permissions (unlocking logins, viewing HR records).
    granted = after.pop("auth_group_permissions") - before.pop("auth_group_permissions")
    assert granted >= 0
    assert after == before
    for table in (
        "workplaces_orgunit",
        "workplaces_historicalorgunit",
        "workplaces_tertialreport_prioritised_actions",
        "workplaces_historicaltertialreport_prioritised_actions",
        "api_apitoken_units",
    ):
        assert after[table] > 0, table

    # And the new apps' models read them, with their relations and history
    home = OrgUnit.objects.get(pk=ids["home"])
    assert (home.code, home.parent.code, home.shift_based) == ("SH", "K", True)
    assert OrgUnitClosure.objects.filter(descendant=home).count() == 2
    assert home.history.count() == 1
    assert RoleAssignment.objects.get().history.get().history_user.username == "hr-user"
    assert Employment.objects.get().unit == home
    assert AbsenceSpell.objects.get().employment.employment_id == "E1"
    assert ImportJobFile.objects.get().job == ImportJob.objects.get()
    report = TertialReport.objects.get(pk=ids["report"])
    assert [a.title for a in report.prioritised_actions.all()] == ["Heltid"]
    assert report.history.get().prioritised_actions.count() == 1
    assert IndicatorComment.objects.get().report == report
    assert Action.objects.get().plan == ActionPlan.objects.get()
    assert Action.history.count() == 1
    assert Target.objects.get().unit.code == "K"
    assert IndicatorValue.objects.get().unit == home
    assert list(ApiToken.objects.get().units.all()) == [home]
    assert Indicator.objects.count() == 1

    # And the moved models keep their content types (permissions, admin log)
    for app, models in MOVED.items():
        for model in models:
            assert ContentType.objects.get(app_label=app, model=model).pk == old_types[model]
    assert not ContentType.objects.filter(app_label="workplaces").exists()
    hr_user = home.assignments.get().user
    assert hr_user.has_perm("org.view_orgunit")
    assert hr_user.has_perm("org.add_roleassignment")
    log = hr_user.logentry_set.get()
    assert log.content_type.pk == ids["orgunit_type"]
    assert log.get_edited_object() == home
