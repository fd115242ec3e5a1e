"""Dependencies point one way (STYLE.md): no app imports, or links to, an app above it.

core ← accounts ← orgs ← members ← rosters and the campaign apps.  A lower
app that must react to a higher one offers a hook the higher app registers
with (orgs.hooks, core.access, core.demo); it never imports it.  Imports are
read with `ast` from every module of an app (function-level and relative
imports included; tests and migrations left out), and the templates' `{% url %}`,
`{% include %}` and `{% extends %}` are read for names of higher apps.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import vanguard

# Lowest first.  A new app goes after every app it builds on; the campaign apps after rosters.
LAYERS = [
    "core",
    "accounts",
    "orgs",
    "members",
    "rosters",
    "meetings",
    "campaigns",
    "opinions",
    "ballots",
    "appraisals",
    "rectification",
    "exemplars",
    "commitments",
    "study",
    "mobility",
    "assistance",
    "targets",
]

PACKAGE_ROOT = Path(vanguard.__file__).resolve().parent
SKIPPED_DIRS = {"tests", "migrations", "__pycache__"}
TEMPLATE_NAMES = re.compile(
    r"""{%\s*url\s+['"](?P<namespace>[\w-]+):"""
    r"""|{%\s*(?:include|extends)\s+['"](?P<directory>[\w-]+)/"""
)


@dataclass(frozen=True)
class Violation:
    where: str
    line: int
    target: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line} uses {self.target}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source: str, module: str, *, is_package: bool) -> list[tuple[int, str]]:
    """Every module name `source` imports, with its line, relative imports resolved against `module`."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.append((node.lineno, base))
            # `from vanguard import members` names the app in the alias, not in the module.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*"]
    return found


def app_of(name: str, root_name: str, layers: list[str]) -> str | None:
    parts = name.split(".")
    if len(parts) >= 2 and parts[0] == root_name and parts[1] in layers:
        return parts[1]
    return None


def app_files(root: Path, app: str, pattern: str):
    for path in sorted((root / app).rglob(pattern)):
        if not SKIPPED_DIRS & set(path.relative_to(root / app).parts[:-1]):
            yield path


def upward_imports(root: Path, layers: list[str]) -> list[Violation]:
    """Imports by a module of a lower app of any module of a higher one."""
    rank = {app: i for i, app in enumerate(layers)}
    found = []
    for app in layers:
        for path in app_files(root, app, "*.py"):
            module = module_name(path, root)
            source = path.read_text(encoding="utf-8")
            for line, name in imported_names(source, module, is_package=path.name == "__init__.py"):
                target = app_of(name, root.name, layers)
                if target is not None and rank[target] > rank[app]:
                    found.append(Violation(str(path.relative_to(root.parent)), line, name))
    return sorted(set(found), key=lambda v: (v.where, v.line, v.target))


def upward_template_names(root: Path, layers: list[str]) -> list[Violation]:
    """URL names and templates of a higher app named in a lower app's templates."""
    rank = {app: i for i, app in enumerate(layers)}
    found = []
    for app in layers:
        for path in app_files(root, app, "*.html"):
            for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                for match in TEMPLATE_NAMES.finditer(text):
                    target = match["namespace"] or match["directory"]
                    if target in rank and rank[target] > rank[app]:
                        found.append(Violation(str(path.relative_to(root.parent)), number, match.group(0)))
    return found


def test_no_app_imports_an_app_above_it():
    violations = upward_imports(PACKAGE_ROOT, LAYERS)
    assert not violations, "Lower apps import higher ones (register a hook instead):\n" + "\n".join(
        map(str, violations)
    )


def test_no_template_names_an_app_above_it():
    violations = upward_template_names(PACKAGE_ROOT, LAYERS)
    assert not violations, "Lower apps' templates name higher apps (add a page section):\n" + "\n".join(
        map(str, violations)
    )


def test_every_app_has_a_place_in_the_order():
    apps = sorted(path.parent.name for path in PACKAGE_ROOT.glob("*/apps.py"))
    assert sorted(LAYERS) == apps, "Put every app of vanguard/ into LAYERS, after the apps it builds on."


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project of three apps with one upward import of every form and some allowed ones."""
    root = tmp_path / "vanguard"
    files = {
        "core/__init__.py": "",
        "core/views.py": "from vanguard.core import tree\nfrom vanguard.accounts.scoping import restrict\n",
        "core/jobs.py": "def later():\n    import vanguard.orgs.models as models\n",
        "core/sub/__init__.py": "from ... import orgs\n",
        "core/sub/deep.py": "from ...accounts import scoping\nfrom ..tree import path\n",
        "core/tests/test_x.py": "from vanguard.orgs import models\n",
        "core/migrations/0001.py": "from vanguard.orgs import models\n",
        "core/templates/core/page.html": "{% extends 'base.html' %}{% url 'orgs:detail' 1 %}{% url 'core:job' 1 %}",
        "accounts/__init__.py": "",
        "accounts/scoping.py": "from vanguard.core import tree\nfrom vanguard import orgs\n",
        "orgs/__init__.py": "",
        "orgs/models.py": "from vanguard.accounts.scoping import restrict\nfrom vanguard.core import tree\n",
        "orgs/templates/orgs/detail.html": '{% include "accounts/_x.html" %}{% include "orgs/_y.html" %}',
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_check_finds_every_form_of_upward_import(project):
    found = {(v.where, v.line, v.target) for v in upward_imports(project, ["core", "accounts", "orgs"])}
    assert found == {
        ("vanguard/core/views.py", 2, "vanguard.accounts.scoping"),
        ("vanguard/core/views.py", 2, "vanguard.accounts.scoping.restrict"),
        ("vanguard/core/jobs.py", 2, "vanguard.orgs.models"),
        ("vanguard/core/sub/__init__.py", 1, "vanguard.orgs"),
        ("vanguard/core/sub/deep.py", 1, "vanguard.accounts"),
        ("vanguard/core/sub/deep.py", 1, "vanguard.accounts.scoping"),
        ("vanguard/accounts/scoping.py", 2, "vanguard.orgs"),
    }


def test_the_check_finds_higher_apps_named_in_templates(project):
    found = {(v.where, v.target) for v in upward_template_names(project, ["core", "accounts", "orgs"])}
    assert found == {("vanguard/core/templates/core/page.html", "{% url 'orgs:")}
