"""The apps import one way (ARCHITECTURE.md): accountability ← deadlines ← outages ←
intake ← sanctions ← oversight. An app may import any app to its left, never one to its
right; only the root URLconf (accountability/urls.py) names every app. Only oversight
reads sanctions, and only through sanctions/selectors.py. An app reads another app's
rows through its selectors, never its tables in raw SQL (the organisation's tables,
accountability's, excepted: every app hangs on them).

The tests read every module's source (the code is not run), so an import hidden inside
a function is caught too, and a table named in SQL by ``Model._meta.db_table`` or by
its name in a string. And no module of the apps is over 600 lines (ARCHITECTURE.md asks
for ~500).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path

from django.apps import apps
from django.conf import settings

ORDER = ("accountability", "deadlines", "outages", "intake", "sanctions", "oversight")
# The one module allowed to name every app: the root URLconf.
EXEMPT = {Path("accountability/urls.py")}


def _imported_apps(source: str) -> set[str]:
    """The first-party apps a module's import statements name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(ORDER)


def _imports_against_the_direction(root: Path) -> list[str]:
    wrong: list[str] = []
    for rank, app in enumerate(ORDER):
        right_of_it = set(ORDER[rank + 1 :])
        for module in sorted((root / app).rglob("*.py")):
            relative = module.relative_to(root)
            if relative in EXEMPT:
                continue
            for imported in sorted(_imported_apps(module.read_text()) & right_of_it):
                wrong.append(f"{relative} imports {imported}")
    return wrong


def test_no_app_imports_an_app_to_its_right() -> None:
    assert _imports_against_the_direction(Path(settings.BASE_DIR)) == []


def test_the_check_finds_an_import_against_the_direction(tmp_path: Path) -> None:
    """The walker itself: a deadlines module importing intake, even inside a function,
    is reported; one importing accountability is not."""
    (tmp_path / "deadlines").mkdir()
    (tmp_path / "deadlines" / "wrong.py").write_text(
        "import accountability.models\n\ndef f():\n    from intake.models import Pledge\n"
    )
    for app in ORDER:
        (tmp_path / app).mkdir(exist_ok=True)
    assert _imports_against_the_direction(tmp_path) == ["deadlines/wrong.py imports intake"]


# -- oversight reads sanctions through sanctions.selectors only -------------------------

SANCTIONS_FOR_OVERSIGHT = "sanctions.selectors"


def _sanctions_imports(source: str) -> list[str]:
    """The sanctions modules a module's import statements name, other than
    sanctions.selectors (``from sanctions import selectors`` included)."""
    wrong: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "sanctions":
                modules = [f"sanctions.{alias.name}" for alias in node.names]
            else:
                modules = [node.module]
        else:
            continue
        wrong += [
            module
            for module in modules
            if module.split(".")[0] == "sanctions" and module != SANCTIONS_FOR_OVERSIGHT
        ]
    return wrong


def _oversight_reads_sanctions_around_its_selectors(root: Path) -> list[str]:
    return [
        f"{module.relative_to(root)} imports {imported}"
        for module in sorted((root / "oversight").rglob("*.py"))
        for imported in sorted(_sanctions_imports(module.read_text()))
    ]


def test_oversight_reads_sanctions_only_through_its_selectors() -> None:
    assert _oversight_reads_sanctions_around_its_selectors(Path(settings.BASE_DIR)) == []


def test_the_check_finds_oversight_importing_sanctions_models(tmp_path: Path) -> None:
    (tmp_path / "oversight").mkdir()
    (tmp_path / "oversight" / "wrong.py").write_text(
        "from sanctions.selectors import violations_export\n"
        "from sanctions import selectors\n"
        "def f():\n    from sanctions.models import Violation\n"
        "import sanctions.services\n"
        "from sanctions import models\n"
    )
    assert _oversight_reads_sanctions_around_its_selectors(tmp_path) == [
        "oversight/wrong.py imports sanctions.models",  # inside a function too
        "oversight/wrong.py imports sanctions.models",
        "oversight/wrong.py imports sanctions.services",
    ]


# -- no app reads another's tables in raw SQL -------------------------------------------

# The organisation's tables (departments, staff): every app hangs on them.
SHARED_TABLES_APP = "accountability"


def _tables_by_app() -> dict[str, dict[str, str]]:
    """Each app's tables: table name → its model's label."""
    return {
        app: {
            model._meta.db_table: model._meta.label
            for model in apps.get_app_config(app).get_models()
        }
        for app in ORDER
    }


def _imported_models(tree: ast.AST) -> dict[str, str]:
    """The names a module imports from a first-party app: name → app."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            app = node.module.split(".")[0]
            if app in ORDER:
                names.update({alias.asname or alias.name: app for alias in node.names})
    return names


def _raw_reads(source: str, app: str, tables: Mapping[str, Mapping[str, str]]) -> set[str]:
    """The other apps' tables (but the shared ones) a module of ``app`` names in SQL:
    ``Model._meta.db_table`` of a model imported from another app, or a table's name in a
    string."""
    tree = ast.parse(source)
    imported = _imported_models(tree)
    others = {
        table: label
        for other, owned in tables.items()
        if other not in (app, SHARED_TABLES_APP)
        for table, label in owned.items()
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "db_table"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "_meta"
            and isinstance(node.value.value, ast.Name)
        ):
            owner = imported.get(node.value.value.id)
            if owner is not None and owner not in (app, SHARED_TABLES_APP):
                found.add(f"{owner}.{node.value.value.id}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.update(
                label
                for table, label in others.items()
                if re.search(rf"\b{re.escape(table)}\b", node.value)
            )
    return found


def _raw_reads_of_other_apps(root: Path, tables: Mapping[str, Mapping[str, str]]) -> list[str]:
    wrong: list[str] = []
    for app in ORDER:
        for module in sorted((root / app).rglob("*.py")):
            relative = module.relative_to(root)
            if "migrations" in relative.parts:
                continue  # migrations run as the owner, once
            wrong += [
                f"{relative} reads the table of {label}"
                for label in sorted(_raw_reads(module.read_text(), app, tables))
            ]
    return wrong


def test_no_app_reads_another_apps_tables_in_raw_sql() -> None:
    assert _raw_reads_of_other_apps(Path(settings.BASE_DIR), _tables_by_app()) == []


def test_the_check_finds_a_raw_read_of_another_apps_table(tmp_path: Path) -> None:
    """Sanctions naming deadlines' breach table, by its model or by its name, is
    reported; its own violation table and the organisation's department table are not."""
    for app in ORDER:
        (tmp_path / app).mkdir()
    (tmp_path / "sanctions" / "wrong.py").write_text(
        "from accountability.models import Department\n"
        "from deadlines.models import Breach\n"
        "from sanctions.models import Violation\n"
        "A = f'SELECT 1 FROM {Breach._meta.db_table} JOIN {Department._meta.db_table}'\n"
        "B = f'SELECT 1 FROM {Violation._meta.db_table}'\n"
        "C = 'SELECT 1 FROM outages_outagebreach'\n"
        "D = 'SELECT 1 FROM outages_outagebreach_extra'\n"
    )
    tables = {
        "accountability": {"accountability_department": "accountability.Department"},
        "deadlines": {"deadlines_breach": "deadlines.Breach"},
        "outages": {"outages_outagebreach": "outages.OutageBreach"},
        "sanctions": {"sanctions_violation": "sanctions.Violation"},
    }
    assert _raw_reads_of_other_apps(tmp_path, tables) == [
        "sanctions/wrong.py reads the table of deadlines.Breach",
        "sanctions/wrong.py reads the table of outages.OutageBreach",
    ]


# -- no module over 600 lines -----------------------------------------------------------

# ARCHITECTURE.md asks for no module over ~500 lines: a module that grows past that splits
# into a package by topic (deadlines/services/cases/ is the model). The test allows some
# slack and fails past this.
MAX_MODULE_LINES = 600


def _modules_over(root: Path, limit: int = MAX_MODULE_LINES) -> list[str]:
    """The apps' modules (migrations aside) longer than `limit` lines, with their length."""
    long: list[str] = []
    for app in ORDER:
        for module in sorted((root / app).rglob("*.py")):
            relative = module.relative_to(root)
            if "migrations" in relative.parts:
                continue  # generated, and never edited by hand
            lines = len(module.read_text().splitlines())
            if lines > limit:
                long.append(f"{relative}: {lines} lines")
    return long


def test_no_module_is_over_600_lines() -> None:
    assert _modules_over(Path(settings.BASE_DIR)) == []


def test_the_check_finds_a_long_module(tmp_path: Path) -> None:
    """A module of 601 lines is reported; one of 600, and a long migration, are not."""
    for app in ORDER:
        (tmp_path / app).mkdir()
    (tmp_path / "deadlines" / "migrations").mkdir()
    (tmp_path / "deadlines" / "long.py").write_text("x = 1\n" * 601)
    (tmp_path / "deadlines" / "short.py").write_text("x = 1\n" * 600)
    (tmp_path / "deadlines" / "migrations" / "0001_initial.py").write_text("x = 1\n" * 900)
    assert _modules_over(tmp_path) == ["deadlines/long.py: 601 lines"]
