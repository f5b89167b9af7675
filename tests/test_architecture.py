"""The apps import one way (ARCHITECTURE.md): accountability ← deadlines ← outages ←
intake ← sanctions ← oversight. An app may import any app to its left, never one to its
right; only the root URLconf (accountability/urls.py) names every app.

The test reads every module's import statements (the code is not run), so an import
hidden inside a function is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

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
