import copy
import json

import pytest

from goals.models import Goal, GoalItem, Strategy, SubMeasure, Value
from goals.services import STRATEGIES_FILE, strategies_load, strategies_load_seeded

pytestmark = pytest.mark.django_db

STAVANGER = "stavanger-organisasjonsstrategi"
STANGE = "stange-arbeidsgiverpolitisk-plattform"
KS = "ks-arbeidsgiverpolitikk"


def seed_data() -> dict:
    return json.loads(STRATEGIES_FILE.read_text(encoding="utf-8"))


def sub_measures(slug: str, number: int) -> list[str]:
    return list(
        SubMeasure.objects.filter(goal__strategy__slug=slug, goal__number=number)
        .order_by("order")
        .values_list("title", flat=True)
    )


def items(slug: str, number: int, kind: str) -> list[str]:
    return list(
        GoalItem.objects.filter(goal__strategy__slug=slug, goal__number=number, kind=kind)
        .order_by("order")
        .values_list("text", flat=True)
    )


def test_loads_three_strategies_with_stavanger_active(seeded_strategies):
    assert sorted(Strategy.objects.values_list("slug", flat=True)) == sorted(
        [STAVANGER, STANGE, KS]
    )
    assert list(Strategy.objects.filter(is_active=True).values_list("slug", flat=True)) == [
        STAVANGER
    ]


def test_stavanger_has_its_vision_values_and_validity(seeded_strategies):
    stavanger = Strategy.objects.get(slug=STAVANGER)

    assert stavanger.owner == "Stavanger kommune"
    assert stavanger.name == "Organisasjonsstrategi"
    assert stavanger.vision == "Vi bygger fellesskap"
    assert stavanger.valid_to.isoformat() == "2034-12-31"
    assert stavanger.revision_interval_years == 4
    assert list(stavanger.values.values_list("name", flat=True)) == ["Nær", "Åpen", "Nyskapende"]


def test_stavanger_has_the_five_goals_in_order(seeded_strategies):
    titles = list(
        Goal.objects.filter(strategy__slug=STAVANGER)
        .order_by("number")
        .values_list("number", "title")
    )

    assert titles == [
        (1, "Ta i bruk, videreutvikle og beholde kompetanse"),
        (2, "Rekruttere kompetente arbeidstakere"),
        (3, "Øke arbeidsdeltakelsen"),
        (4, "Utvikle bedre måter å jobbe på"),
        (5, "Bygge gode arbeidsfellesskap"),
    ]


def test_stavanger_goal_3_has_exactly_its_three_sub_measures(seeded_strategies):
    assert sub_measures(STAVANGER, 3) == [
        "øke andelen heltidsansatte",
        "få ned sykefraværet",
        "heve avgangsalderen",
    ]


def test_every_stavanger_goal_has_three_sub_measures_and_an_organisation_list(
    seeded_strategies,
):
    for number in range(1, 6):
        assert len(sub_measures(STAVANGER, number)) == 3
        assert len(items(STAVANGER, number, GoalItem.Kind.ORGANISATION_SHALL)) >= 4


def test_stavanger_goal_3_lists_leaders_duties_and_targets_as_text(seeded_strategies):
    leaders = items(STAVANGER, 3, GoalItem.Kind.LEADERS_SHALL)
    targets = items(STAVANGER, 3, GoalItem.Kind.TARGET)

    assert "legge til rette for så store stillinger som mulig" in leaders
    assert len(leaders) == 4
    assert targets == [
        "Minimum 50 prosent av medarbeiderne som arbeider i turnusbaserte virksomheter, "
        "skal jobbe i 100 prosent stilling.",
        "Samlet sykefravær skal være lavere enn 6 prosent, med differensierte mål for "
        "tjenesteområdene.",
        "Flere skal stå lenger i jobb før de går av med pensjon",
    ]


def test_stange_has_four_strategy_elements_with_possible_means(seeded_strategies):
    stange = Strategy.objects.get(slug=STANGE)

    assert stange.owner == "Stange kommune"
    assert list(stange.values.values_list("name", flat=True)) == [
        "Åpenhet",
        "Trygghet",
        "Mangfold",
    ]
    assert list(stange.goals.order_by("number").values_list("title", flat=True)) == [
        "Ledelse og medarbeiderskap",
        "Innovasjon og utvikling",
        "Rekruttering",
        "Kompetanse",
    ]
    for number in range(1, 5):
        assert items(STANGE, number, GoalItem.Kind.POSSIBLE_MEANS)
        assert items(STANGE, number, GoalItem.Kind.DESIRED_EXPERIENCE)


def test_ks_has_five_actions_with_reflection_questions(seeded_strategies):
    ks = Strategy.objects.get(slug=KS)
    counts = {
        goal.title: goal.items.filter(kind=GoalItem.Kind.REFLECTION_QUESTION).count()
        for goal in ks.goals.order_by("number")
    }

    assert counts == {"Å våge": 6, "Å lede": 12, "Å lære": 5, "Å mobilisere": 8, "Å samhandle": 4}
    assert all(text.endswith("?") for text in items(KS, 1, GoalItem.Kind.REFLECTION_QUESTION))


def test_loading_twice_changes_nothing(seeded_strategies):
    before = {
        model: (model.objects.count(), model.history.count())
        for model in (Strategy, Value, Goal, SubMeasure, GoalItem)
    }
    ids = list(SubMeasure.objects.order_by("pk").values_list("pk", flat=True))

    result = strategies_load_seeded()

    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    after = {
        model: (model.objects.count(), model.history.count())
        for model in (Strategy, Value, Goal, SubMeasure, GoalItem)
    }
    assert after == before
    assert list(SubMeasure.objects.order_by("pk").values_list("pk", flat=True)) == ids


def test_reloading_restores_edited_text_and_keeps_ids(seeded_strategies):
    sub = SubMeasure.objects.get(goal__strategy__slug=STAVANGER, goal__number=3, order=1)
    sub.title = "edited by hand"
    sub.save()

    result = strategies_load_seeded()

    sub.refresh_from_db()
    assert sub.title == "få ned sykefraværet"
    assert (result.created, result.updated, result.deleted) == (0, 1, 0)


def test_a_shorter_list_in_the_data_deletes_the_surplus_rows(seeded_strategies):
    data = seed_data()
    stavanger = copy.deepcopy(data["strategies"][0])
    stavanger["goals"][2]["sub_measures"] = stavanger["goals"][2]["sub_measures"][:2]
    stavanger["goals"][2]["items"]["targets"] = []

    result = strategies_load(data={"strategies": [stavanger]})

    assert sub_measures(STAVANGER, 3) == ["øke andelen heltidsansatte", "få ned sykefraværet"]
    assert items(STAVANGER, 3, GoalItem.Kind.TARGET) == []
    assert result.deleted == 4


def test_loading_does_not_take_the_active_flag_from_another_strategy(db):
    other = Strategy.objects.create(slug="egen", name="Egen strategi", owner="X", is_active=True)

    strategies_load_seeded()

    other.refresh_from_db()
    assert other.is_active is True
    assert not Strategy.objects.get(slug=STAVANGER).is_active


def test_the_model_accepts_exactly_the_listed_item_kinds():
    constraint = next(c for c in GoalItem._meta.constraints if c.name == "goals_item_kind_valid")
    kinds = dict(constraint.condition.children)["kind__in"]

    assert sorted(kinds) == sorted(GoalItem.Kind.values)
