"""What a rerun redoes, after one real run of a tiny demo grid through every stage (target `all`).

Plans come from dry runs through Snakemake's Python API (`snakemake.api.SnakemakeApi`,
`DAGApi.execute_workflow(executor="dryrun")`), read from the structured log records it emits:
`RUN_INFO` (jobs per rule) and `JOB_INFO` (one per planned job: rule, wildcards, reason), the
records a logger plugin receives. Each dry run is a fresh Python process (`_PLAN_DRIVER`), because
the Snakefile computes the stages' code hashes at import time from whichever `rnn_dynamics` is
imported: that is how the code-change tests point it at an edited copy of the package (first on
PYTHONPATH) without touching src/.

`full_demo_run` is shared with tests/test_report_html.py (one run per session).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import REPO
from .test_workflow import TINY_DEMO

SRC = REPO / "src" / "rnn_dynamics"
TARGET_RULES = {"all", "tables", "figures"}
ARCHS = TINY_DEMO["archs"]
_DEMO_PRESET = yaml.safe_load((REPO / "workflow" / "presets" / "demo.yaml").read_text())
# every dataset the demo trains on: the binary language and the K-class one
N_DATASETS = len(_DEMO_PRESET["datasets"]) + len(_DEMO_PRESET["multiclass_datasets"])
# test_workflow.py's tiny grid, trained a little longer: its 2-epoch, 8-unit models all settle on
# a single fixed point, a degenerate line attractor whose geometry row is empty, which fig6 does
# not draw (it only runs target `tables`); 6 epochs of 16 units give several (about 45 s more).
FULL_DEMO = {**TINY_DEMO, "model": {"embed_dim": 8, "hidden_size": 16},
             "training": {"epochs": 6, "search_trials": 1}}

_PLAN_DRIVER = r'''
import json, logging, sys
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings
from snakemake_interface_logger_plugins.common import LogEvent

snakefile, workdir, request = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
plan = {"stats": {}, "jobs": []}


class Capture(logging.Handler):
    def emit(self, record):
        event = getattr(record, "event", None)
        if event == LogEvent.RUN_INFO:
            plan["stats"] = {k: int(v) for k, v in record.stats.items() if k != "total"}
        elif event == LogEvent.JOB_INFO:
            plan["jobs"].append({"rule": record.rule_name,
                                 "wildcards": dict(record.wildcards or {}),
                                 "output": [str(f) for f in record.output or []],
                                 "reason": str(record.reason)})


with SnakemakeApi(OutputSettings(dryrun=True)) as api:
    logging.getLogger("snakemake").addHandler(Capture())
    workflow = api.workflow(ResourceSettings(cores=2),
                            ConfigSettings(config=request.get("config", {})),
                            snakefile=Path(snakefile), workdir=Path(workdir))
    dag = workflow.dag(DAGSettings(targets=frozenset(request.get("targets", []))))
    dag.execute_workflow(executor="dryrun")
print("PLAN=" + json.dumps(plan))
'''


def plan(workdir: Path, *targets: str, config: dict | None = None,
         pythonpath: Path | None = None) -> dict:
    """What Snakemake would run: ``{"stats": {rule: n}, "jobs": [{rule, wildcards, ...}]}``."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath),
                                                          env.get("PYTHONPATH")]))
    request = json.dumps({"targets": list(targets), "config": config or {}})
    proc = subprocess.run([sys.executable, "-c", _PLAN_DRIVER, str(REPO / "Snakefile"),
                           str(workdir), request],
                          check=False, capture_output=True, text=True, env=env, timeout=300)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("PLAN=")]
    if proc.returncode != 0 or not lines:
        raise AssertionError(f"dry run failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    result = json.loads(lines[-1][len("PLAN="):])
    assert sum(result["stats"].values()) == len(result["jobs"])
    # the target rules (all, tables, figures) only collect files: not work, left out
    result["stats"] = {r: n for r, n in result["stats"].items() if r not in TARGET_RULES}
    result["jobs"] = [job for job in result["jobs"] if job["rule"] not in TARGET_RULES]
    return result


# ---------------------------------------------------------------------------------------------
# one real run of the tiny demo grid, shared by this module and test_report_html.py

_SHARED: dict = {}


def full_demo_run(tmp_path_factory) -> Path:
    """Run a tiny demo grid to the end (target `all`: tables and figures) once per session."""
    if "error" in _SHARED:
        pytest.fail(f"the shared demo run failed earlier:\n{_SHARED['error']}")
    if "workdir" not in _SHARED:
        workdir = tmp_path_factory.mktemp("demo_all")
        (workdir / "config.yaml").write_text(yaml.safe_dump(FULL_DEMO))
        cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d",
               str(workdir), "--cores", "2", "--workflow-profile", "none", "all"]
        start = time.perf_counter()
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=workdir,
                              timeout=1800, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        if proc.returncode != 0:
            _SHARED["error"] = f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
            pytest.fail(f"demo run failed:\n{_SHARED['error']}")
        print(f"shared demo run (all): {time.perf_counter() - start:.0f} s")
        _SHARED["workdir"] = workdir
    return _SHARED["workdir"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return full_demo_run(tmp_path_factory)


def _cells(result: dict, rule: str) -> set[str]:
    return {job["wildcards"].get("arch", "") for job in result["jobs"] if job["rule"] == rule}


# ---------------------------------------------------------------------------------------------
# (a) nothing changed: nothing to do

@pytest.mark.slow
def test_second_run_does_nothing(demo):
    result = plan(demo)
    assert result == {"stats": {}, "jobs": []}


# ---------------------------------------------------------------------------------------------
# (b) a figure's parameter changed: only that figure is redrawn

def _figure_parameter_in_schema() -> bool:
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    figures = schema.get("properties", {}).get("figures", {})
    return "n_modes" in figures.get("properties", {}).get("fig3", {}).get("properties", {})


@pytest.mark.slow
def test_figure_parameter_change_redraws_only_that_figure(demo):
    if not _figure_parameter_in_schema():
        pytest.skip("the figure rules take no parameters yet (proposed: config key "
                    "figures.fig3.n_modes passed to rule fig3 through params)")
    result = plan(demo, config={"figures": {"fig3": {"n_modes": 2}}})
    assert result["stats"] == {"fig3": len(ARCHS)}
    assert _cells(result, "fig3") == set(ARCHS)
    assert all("Params have changed" in job["reason"] for job in result["jobs"])


# ---------------------------------------------------------------------------------------------
# (c) a stage's library code changed: that stage and what depends on it rerun, nothing upstream

UPSTREAM = {"prepare_data", "bow", "train"}
ANALYSIS_RULES = {"dimensionality", "states", "fixed_points", "exact_fixed_points", "spectra",
                  "geometry", "word_effects", "linearised"}
CELL_FIGURES = {"fig2", "fig3", "fig4", "fig5", "context_figure"}


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    """A byte-identical copy of src/rnn_dynamics, to edit instead of the real source."""
    root = tmp_path_factory.mktemp("pkg")
    shutil.copytree(SRC, root / "rnn_dynamics", ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def edit_copy(package_copy):
    """Append a comment to one module of the copy; restore it afterwards."""
    edited: dict[Path, bytes] = {}

    def edit(module: str) -> Path:
        path = package_copy / "rnn_dynamics" / module
        edited.setdefault(path, path.read_bytes())
        path.write_bytes(edited[path] + b"\n# edited by tests/test_rerun_semantics.py\n")
        return package_copy

    yield edit
    for path, original in edited.items():
        path.write_bytes(original)


@pytest.mark.slow
def test_unedited_package_copy_changes_nothing(demo, package_copy):
    """The mechanism the code-change tests rely on: a copy first on PYTHONPATH is the package
    the Snakefile hashes, and an identical copy hashes identically."""
    probe = subprocess.run(
        [sys.executable, "-c", "import rnn_dynamics; print(rnn_dynamics.__file__)"],
        check=True, capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=str(package_copy)))
    assert probe.stdout.strip().startswith(str(package_copy))
    assert plan(demo, pythonpath=package_copy)["stats"] == {}


@pytest.mark.slow
def test_editing_figure_code_redraws_figures_only(demo, edit_copy):
    """Each figure rule has its own script: editing Fig. 3's module redraws Fig. 3 (every
    cell) and Fig. 6, which borrows its tau cap, and no other figure."""
    result = plan(demo, pythonpath=edit_copy("figures/fig3.py"))
    assert set(result["stats"]) == {"fig3", "fig6"}
    assert _cells(result, "fig3") == set(ARCHS)
    assert all("Params have changed" in job["reason"] for job in result["jobs"])


@pytest.mark.slow
def test_editing_analysis_code_reruns_analysis_and_downstream_only(demo, edit_copy):
    result = plan(demo, pythonpath=edit_copy("analysis/spectra.py"))
    planned = set(result["stats"])
    assert not planned & UPSTREAM, "upstream of the analysis stage must not rerun"
    # the fixed-point solver uses spectra.py (its stability labels), so it and every stage
    # reading its table rerun; the visited states and their PCA use neither and stay
    after_solver = ANALYSIS_RULES - {"dimensionality", "states"}
    assert after_solver <= planned and not planned & {"dimensionality", "states"}
    for rule in after_solver:
        assert _cells(result, rule) == set(ARCHS)
    # Snakemake gives one reason per job: the code hash for the solver, updated inputs for
    # what follows it (whose own hash may have changed as well)
    for job in result["jobs"]:
        if job["rule"] == "fixed_points":
            assert "Params have changed" in job["reason"], job
    # the modifier subspace reads the fixed points (and reaches spectra.py itself), so it and
    # the stages reading its table rerun; the modifier ranking and the modifier dynamics reach
    # neither and stay, as do the training-side tables
    assert {"subspace", "position", "augmented_bow", "perturbation",
            "line_attractor_table", "context_table", "fig6"} | CELL_FIGURES <= planned
    assert not planned & {"modifiers", "modifier_dynamics", "accuracy_table", "search_table"}
    for job in result["jobs"]:
        if job["rule"] in CELL_FIGURES:
            assert "Input files updated by another job" in job["reason"], job


@pytest.mark.slow
def test_editing_one_stage_s_module_reruns_that_stage_not_the_fixed_point_search(demo, edit_copy):
    """Granularity is the rule: ``analysis/geometry.py`` is used by the geometry stage (and the
    context stages); the states, the solver and the stages beside geometry stay."""
    result = plan(demo, pythonpath=edit_copy("analysis/geometry.py"))
    planned = set(result["stats"])
    assert _cells(result, "geometry") == set(ARCHS)
    assert not planned & (UPSTREAM | {"dimensionality", "states", "fixed_points",
                                      "exact_fixed_points", "spectra", "word_effects",
                                      "linearised", "integration"})
    assert {"fig3", "line_attractor_table"} <= planned
    for job in result["jobs"]:
        if job["rule"] == "geometry":
            assert "Params have changed" in job["reason"], job


@pytest.mark.slow
def test_editing_a_module_imported_only_indirectly_reruns_its_dependents(demo, edit_copy):
    """``analysis/states.py`` reaches the modifier ranking only through
    ``context.stages.modifiers`` -> ``context.probe``: the analysis and context stages rerun,
    data, training and BoW do not."""
    result = plan(demo, pythonpath=edit_copy("analysis/states.py"))
    planned = set(result["stats"])
    assert _cells(result, "modifiers") == _cells(result, "states") == set(ARCHS)
    assert "context_table" in planned
    assert not planned & (UPSTREAM | {"accuracy_table", "search_table"})


@pytest.mark.slow
def test_editing_a_module_no_script_reaches_reruns_nothing(demo, edit_copy):
    """``analysis/unit_modes.py`` is imported by no workflow script: nothing reruns, although
    it sits in the package every analysis stage imports from."""
    assert plan(demo, pythonpath=edit_copy("analysis/unit_modes.py"))["stats"] == {}


@pytest.mark.slow
def test_editing_training_code_keeps_data_and_baseline(demo, edit_copy):
    result = plan(demo, pythonpath=edit_copy("training/__init__.py"))
    planned = set(result["stats"])
    assert result["stats"]["train"] == len(ARCHS) * N_DATASETS
    assert not planned & {"prepare_data", "bow"}
    assert ANALYSIS_RULES | CELL_FIGURES | {"accuracy_table"} <= planned


# ---------------------------------------------------------------------------------------------
# (d) one figure as the target: only what it needs

FIG3_GRU = "results/figures/synthetic/gru/fig3.pdf"


def test_one_figure_target_plans_only_what_it_needs(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(FULL_DEMO))
    result = plan(tmp_path, FIG3_GRU)
    jobs = sorted((job["rule"], job["wildcards"].get("arch", "")) for job in result["jobs"])
    # the spectra read the bag-of-words valences (to name the integrating mode)
    assert jobs == sorted([("prepare_data", ""), ("bow", ""), ("train", "gru"), ("states", "gru"),
                           ("fixed_points", "gru"), ("spectra", "gru"), ("geometry", "gru"),
                           ("fig3", "gru")])


@pytest.mark.slow
def test_one_figure_target_after_a_run_is_up_to_date(demo):
    assert plan(demo, FIG3_GRU)["stats"] == {}
