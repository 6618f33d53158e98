"""Rerun hashes derived from imports: a rule's code hash covers what its script reaches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rnn_dynamics.versioning import PACKAGE_ROOT, imported_modules, script_code_hash

from .conftest import REPO

SCRIPTS = REPO / "workflow" / "scripts"


@pytest.fixture()
def package(tmp_path) -> Path:
    """A private copy of the library, to edit."""
    root = tmp_path / "rnn_dynamics"
    shutil.copytree(PACKAGE_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _hashes(root: Path) -> dict[str, str]:
    return {s.name: script_code_hash.__wrapped__(s, root) for s in sorted(SCRIPTS.glob("*.py"))}


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    """A small ``rnn_dynamics`` tree under ``tmp_path``: relative path -> source."""
    root = tmp_path / "rnn_dynamics"
    for name, source in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    return root


def test_relative_absolute_and_function_level_imports_are_followed(tmp_path):
    root = _package(tmp_path, {
        "sub/__init__.py": "from .a import f\n",
        "sub/a.py": "def f():\n    from ..b import g\n    return g()\n",
        "b.py": "from rnn_dynamics import c\n",
        "c.py": "import numpy\n",
        "unused.py": "",
    })
    found = imported_modules("from rnn_dynamics.sub import f\n", root=root)
    assert set(found) == {"rnn_dynamics", "rnn_dynamics.sub", "rnn_dynamics.sub.a",
                          "rnn_dynamics.b", "rnn_dynamics.c"}


def test_an_identical_copy_hashes_the_same(package):
    assert _hashes(package) == _hashes(PACKAGE_ROOT)


def test_editing_a_module_imported_only_indirectly_changes_exactly_its_dependents(package):
    before = _hashes(package)
    # the modifier ranking (modifiers.py) reaches analysis/states.py only through
    # context.stages.modifiers -> context.probe; training, data preparation and the BoW never do
    states = package / "analysis" / "states.py"
    states.write_text(states.read_text() + "\n# edited\n")
    after = _hashes(package)
    changed = {name for name in before if before[name] != after[name]}
    assert {"modifiers.py", "states.py", "dimensionality.py"} <= changed
    assert not changed & {"train.py", "prepare_data.py", "bow.py", "accuracy_table.py",
                          "search_table.py", "fixed_points.py", "geometry.py", "spectra.py"}
    for name in changed:
        assert "rnn_dynamics.analysis.states" in imported_modules((SCRIPTS / name).read_text(),
                                                                  root=package)


def test_a_new_import_is_picked_up_without_any_list_to_update(package):
    before = _hashes(package)["train.py"]
    (package / "extra.py").write_text("X = 1\n")
    assert _hashes(package)["train.py"] == before          # not imported yet: no effect
    loop = package / "training" / "loop.py"
    loop.write_text(loop.read_text() + "\nfrom .. import extra  # noqa\n")
    changed = _hashes(package)["train.py"]
    assert changed != before
    (package / "extra.py").write_text("X = 2\n")
    assert _hashes(package)["train.py"] != changed


def test_a_parent_package_counts_as_its_file_not_as_its_re_exports(tmp_path):
    root = _package(tmp_path, {
        "sub/__init__.py": "from .a import f\nfrom .other import g\n",
        "sub/a.py": "def f():\n    return 1\n",
        "sub/other.py": "def g():\n    return 2\n",
    })
    direct = imported_modules("from rnn_dynamics.sub.a import f\n", root=root)
    assert set(direct) == {"rnn_dynamics", "rnn_dynamics.sub", "rnn_dynamics.sub.a"}
    via_package = imported_modules("from rnn_dynamics.sub import g\n", root=root)
    assert "rnn_dynamics.sub.other" in via_package          # the name may come from any of them
