"""The faster import lanes and the benchmark reach the member import only through its declared interface.

columnar.RowWiseImport and parallel.ForkedWork name what they use; these
tests read the modules' source, so a new `importer._something` or
`services._Something` fails here instead of quietly coupling the lanes to
the importer's insides.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from vanguard.rosters import columnar, parallel
from vanguard.rosters.services import MemberImport, RosterImport

BENCH = Path(__file__).resolve().parents[3] / "bench" / "import_roster.py"


def declared(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")} | set(protocol.__annotations__)


def attributes_used_on(source: str, holders: set[str]) -> set[str]:
    """Attribute names read or written on a name in `holders`, or on `self.<holder>`."""
    used = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        value = node.value
        if (isinstance(value, ast.Name) and value.id in holders) or (
            isinstance(value, ast.Attribute) and value.attr in holders
        ):
            used.add(node.attr)
    return used


def assigned_on_self(*classes: type) -> set[str]:
    names = set()
    for cls in classes:
        for node in ast.walk(ast.parse(inspect.getsource(cls))):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets:
                for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name) and item.value.id == "self":
                        names.add(item.attr)
    return names


def test_the_column_wise_lane_uses_only_what_row_wise_import_declares():
    used = attributes_used_on(inspect.getsource(columnar), {"importer"})
    assert used, "the lane reads the importer somewhere"
    assert used <= declared(columnar.RowWiseImport), used - declared(columnar.RowWiseImport)


def test_the_member_import_provides_every_declared_method_and_attribute():
    protocol = columnar.RowWiseImport
    methods = {name for name in declared(protocol) if callable(getattr(protocol, name, None))}
    for name in methods | declared(parallel.ForkedWork):
        assert callable(getattr(MemberImport, name, None)), name
    missing = set(protocol.__annotations__) - assigned_on_self(MemberImport, RosterImport)
    assert not missing, missing


def test_the_hashing_helper_is_forked_work_too():
    for name in declared(parallel.ForkedWork):
        assert callable(getattr(columnar._Protector, name, None)), name


@pytest.mark.parametrize("source", [inspect.getsource(columnar), inspect.getsource(parallel), BENCH.read_text()])
def test_no_private_name_of_the_import_is_reached_from_outside(source):
    private = {name for name in attributes_used_on(source, {"services", "importer"}) if name.startswith("_")}
    assert not private
