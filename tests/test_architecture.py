"""The apps import one way (DESIGN.md): goals, org ← hr ← measures ← plans ← dashboards, api.

Every import counts, at module level or inside a function; migrations do not (they
name the former ``workplaces`` app by design). ``strategi/`` imports no app but in its
URL configuration, no runtime app imports ``demo``, and model relations run the same
way as imports.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps

from .conftest import ROOT

# An app may import the apps of a lower rank; goals and org, both at the bottom, know
# nothing of each other.
RANK = {"goals": 0, "org": 0, "hr": 1, "measures": 2, "plans": 3, "dashboards": 4, "api": 4}
DEMO_RANK = 5  # the demo may use every app; no app may use it
APPS = {**RANK, "demo": DEMO_RANK}
# strategi/ may import the apps only where Django needs them: the root URL configuration.
STRATEGI_MAY_IMPORT_APPS = {"urls.py"}


def imported_modules(source: str, *, package: str) -> list[tuple[int, str]]:
    """Every module ``source`` imports (line, dotted name), relative imports resolved."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def wrong_way(app: str, source: str, *, package: str) -> list[str]:
    """The imports in ``source`` (a module of ``app``) that go against the direction."""
    problems = []
    for line, module in imported_modules(source, package=package):
        target = module.split(".")[0]
        if target not in APPS or target == app:
            continue
        if app == "strategi":
            problems.append(f"line {line}: strategi imports {module}")
        elif app == "demo":
            continue
        elif target == "demo" or RANK[target] > RANK[app]:
            problems.append(f"line {line}: {app} imports {module}")
        elif RANK[target] == RANK[app]:
            problems.append(f"line {line}: {app} imports {module} (same rank)")
    return problems


def app_modules(app: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    ]


@pytest.mark.parametrize("app", sorted(APPS))
def test_no_app_imports_an_app_to_its_right(app):
    problems = []
    for path in app_modules(app):
        package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        if path.name == "__init__.py":
            package = ".".join(path.relative_to(ROOT).parts[:-1])
        for problem in wrong_way(app, path.read_text(encoding="utf-8"), package=package):
            problems.append(f"{path.relative_to(ROOT)} {problem}")
    assert problems == []


def test_strategi_imports_no_app_but_in_its_urls():
    problems = []
    for path in sorted((ROOT / "strategi").glob("*.py")):
        if path.name in STRATEGI_MAY_IMPORT_APPS:
            continue
        problems += [
            f"{path.name} {p}"
            for p in wrong_way("strategi", path.read_text(encoding="utf-8"), package="strategi")
        ]
    assert problems == []


def test_the_former_workplaces_app_holds_only_its_migrations():
    files = {
        str(path.relative_to(ROOT / "workplaces"))
        for path in (ROOT / "workplaces").rglob("*.py")
        if "migrations" not in path.parts
    }
    assert files == {"__init__.py", "apps.py"}


def test_model_relations_run_the_same_way_as_imports():
    """A foreign key or many-to-many field points only to the app's own or lower apps."""
    problems = []
    for model in apps.get_models():
        app = model._meta.app_label
        if app not in RANK:
            continue
        for field in model._meta.get_fields():
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            target = field.related_model._meta.app_label
            if target in RANK and target != app and RANK[target] >= RANK[app]:
                problems.append(f"{model.__name__}.{field.name} → {target}")
    assert problems == []


# --- The checks themselves catch what they should ---------------------------------------


def test_the_check_finds_reverse_imports_at_module_level_and_inside_functions():
    source = (
        "from measures.models import Indicator\n"
        "def f():\n"
        "    from dashboards import cache\n"
        "    import plans.services\n"
        "from org.models import OrgUnit\n"
        "from .models import ImportJob\n"
    )

    problems = wrong_way("hr", source, package="hr.services")

    assert problems == [
        "line 1: hr imports measures.models",
        "line 3: hr imports dashboards",
        "line 4: hr imports plans.services",
    ]


def test_the_check_finds_same_rank_imports_demo_imports_and_strategi_imports():
    assert wrong_way("org", "from goals.models import Goal\n", package="org") == [
        "line 1: org imports goals.models (same rank)"
    ]
    assert wrong_way("plans", "from demo import services\n", package="plans") == [
        "line 1: plans imports demo"
    ]
    assert wrong_way("strategi", "from org import access\n", package="strategi") == [
        "line 1: strategi imports org"
    ]
    assert wrong_way("demo", "from plans import services\n", package="demo") == []


def test_relative_imports_are_resolved_to_their_app():
    found = imported_modules("from ..models import X\nfrom . import y\n", package="api.views")

    assert found == [(1, "api.models"), (2, "api.views")]
