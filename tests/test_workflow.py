"""The Snakemake workflow as a user runs it: dry runs of every preset, clear config errors,
one real end-to-end run of a reduced demo grid, and rerun semantics after it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import REPO

SNAKEMAKE = [sys.executable, "-m", "snakemake"]

TINY_DEMO = {
    "preset": "demo",
    "archs": ["gru", "vanilla"],
    "train_threads": 1,
    "synthetic": {"n_train": 1500, "n_valid": 200, "n_test": 200, "min_length": 10,
                  "max_length": 40},
    "model": {"embed_dim": 8, "hidden_size": 8},
    "training": {"epochs": 2, "search_trials": 2, "search_epochs": 1},
    "bow": {"C_grid": [0.1, 1.0]},
    "analysis": {"n_docs": 40, "n_words": 5, "linearised_docs": 20,
                 "fixed_points": {"n_starts": 16, "max_iter": 30}},
    "context": {"top_k": 30, "n_modifiers": 3, "n_states": 8, "max_gap": 3, "n_docs": 50},
    "synthetic_categories": {"n_classes": 3, "n_train": 1500, "n_valid": 200, "n_test": 200},
}


def snakemake(workdir: Path, *args: str, check: bool = True,
              cores: int = 2) -> subprocess.CompletedProcess:
    """Run the repository's workflow in ``workdir`` (its own config.yaml and results/)."""
    cmd = [*SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", str(cores),
           *args]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def planned_jobs(workdir: Path, *args: str) -> dict[str, int]:
    """Rule -> job count of a dry run (empty when there is nothing to do)."""
    proc = snakemake(workdir, "-n", "--quiet=rules", *args)
    text = proc.stdout + proc.stderr
    counts = dict(re.findall(r"^(\w+)\s+(\d+)\s*$", text, flags=re.M))
    return {rule: int(n) for rule, n in counts.items() if rule != "total"}


def _project(tmp_path: Path, config: dict) -> Path:
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    return tmp_path


@pytest.mark.parametrize("preset", ["demo", "quick", "paper"])
def test_dry_run_of_every_preset_plans_the_whole_grid(tmp_path, preset):
    data_dir = tmp_path / "archives"
    data_dir.mkdir()
    workdir = _project(tmp_path, {"preset": preset, "data_dir": str(data_dir)})
    start = time.perf_counter()
    jobs = planned_jobs(workdir)
    elapsed = time.perf_counter() - start
    presets = yaml.safe_load((REPO / "workflow" / "presets" / f"{preset}.yaml").read_text())
    n_binary, n_multi = len(presets["datasets"]), len(presets.get("multiclass_datasets", []))
    assert (n_binary, n_multi) == {"demo": (1, 1), "quick": (3, 2), "paper": (3, 0)}[preset]
    assert jobs["train"] == 4 * (n_binary + n_multi)
    assert jobs["fixed_points"] == 4 * n_binary
    assert jobs["perturbation"] == 4 * n_binary
    assert jobs["prepare_data"] == n_binary + n_multi
    assert jobs["bow"] == n_binary
    assert jobs.get("integration", 0) == jobs.get("integration_figure", 0) == 4 * n_multi
    assert jobs.get("integration_table", 0) == int(n_multi > 0)
    assert jobs["accuracy_table"] == jobs["line_attractor_table"] == jobs["context_table"] == 1
    print(f"dry run of {preset}: {elapsed:.1f} s")


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("archs=[lstm,transformer]", "config key 'archs[1]' = 'transformer' is not allowed"),
        ("preset=papr", "config key 'preset' = 'papr' is not allowed; allowed: demo, quick, paper"),
        ("model={hidden_size: -1}", "config key 'model.hidden_size' = -1 is out of range"),
    ],
)
def test_bad_config_stops_before_any_job_with_one_clear_line(tmp_path, override, fragment):
    workdir = _project(tmp_path, {"preset": "demo"})
    proc = snakemake(workdir, "-n", "--config", override, check=False)
    assert proc.returncode != 0
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (workdir / "results").exists()


def test_missing_data_dir_is_refused(tmp_path):
    workdir = _project(tmp_path, {"preset": "quick", "data_dir": str(tmp_path / "missing")})
    proc = snakemake(workdir, "-n", check=False)
    assert proc.returncode != 0
    assert "config key 'data_dir'" in proc.stderr and "does not exist" in proc.stderr


INTEGRATION_TABLE = "results/tables/integration_dimension.parquet"
DEMO_TARGETS = ("tables", INTEGRATION_TABLE)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    """One real run of a reduced demo grid (2 architectures, tiny sizes) through every stage."""
    workdir = _project(tmp_path_factory.mktemp("demo"), TINY_DEMO)
    snakemake(workdir, *DEMO_TARGETS)
    return workdir


@pytest.mark.slow
def test_demo_grid_runs_end_to_end(demo_run):
    import pandas as pd

    accuracy = pd.read_parquet(demo_run / "results/tables/accuracy.parquet")
    assert set(accuracy["model"]) == {"bow", "gru", "vanilla"}
    assert accuracy["test_acc"].between(0, 100).all()
    line = pd.read_parquet(demo_run / "results/tables/line_attractor.parquet")
    assert set(line["arch"]) == {"gru", "vanilla"}
    context = pd.read_parquet(demo_run / "results/tables/context.parquet")
    assert len(context) == 2
    for cell in ("gru", "vanilla"):
        assert (demo_run / f"results/models/synthetic/{cell}/model.pt").stat().st_size > 0
        assert (demo_run / f"logs/train/synthetic/{cell}.log").exists()
        assert (demo_run / f"benchmarks/train/synthetic/{cell}.tsv").exists()


@pytest.mark.slow
def test_integration_table_target_builds_the_table_and_every_cell_s_figure(demo_run):
    import pandas as pd

    table = pd.read_parquet(demo_run / INTEGRATION_TABLE)
    assert list(table["arch"]) == ["gru", "vanilla"]
    assert set(table["dataset"]) == {"synthetic_categories"}
    assert (table["k_minus_1"] == 2).all() and not table["ordered"].any()
    assert table["test_acc"].between(0, 1).all()
    assert "measured_dimension" in (demo_run / "results/tables/integration_dimension.md").read_text()
    for arch in ("gru", "vanilla"):
        png = demo_run / f"results/figures/synthetic_categories/{arch}/integration.png"
        assert png.stat().st_size > 10_000


@pytest.mark.slow
def test_search_table_and_readme_tables_come_from_the_run(demo_run):
    import pandas as pd

    from rnn_dynamics.tables.readme import readme_tables

    search = pd.read_parquet(demo_run / "results/tables/search.parquet")
    for arch in ("gru", "vanilla"):
        cell = search[search["arch"] == arch]
        assert list(cell["phase"]) == ["search", "search", "final"]   # TINY_DEMO's cheap search
        assert cell["chosen"].tolist() == [False, False, True]
        trial = pd.read_parquet(demo_run / f"results/models/synthetic/{arch}/search.parquet")
        assert len(trial) == 3
    text = readme_tables(demo_run / "results")
    accuracy = pd.read_parquet(demo_run / "results/tables/accuracy.parquet")
    gru = accuracy.loc[accuracy["model"] == "gru", "test_acc"].iloc[0]
    assert f"{gru:.2f}" in text.split("<!-- search")[0]
    blocks = ("accuracy", "search", "line_attractor", "context", "targets")
    for name in blocks:
        assert f"<!-- {name}:" in text
    rows = [line for line in text.splitlines() if line.startswith("| synthetic | ")]
    # one accuracy row for the dataset, then one row per cell in each of the other blocks
    assert len(rows) == 1 + (len(blocks) - 1) * 2


@pytest.mark.slow
def test_second_run_does_nothing(demo_run):
    assert planned_jobs(demo_run, "tables") == {}


@pytest.mark.slow
def test_changing_one_architecture_reruns_only_its_cell(demo_run):
    jobs = planned_jobs(demo_run, "tables", "--config", "per_arch={gru: {training: {lr: 0.005}}}")
    assert jobs["train"] == 1
    assert "prepare_data" not in jobs and "bow" not in jobs
    assert jobs["fixed_points"] == 1 and jobs["modifiers"] == 1
    proc = snakemake(demo_run, "-n", "tables", "--config", "per_arch={gru: {training: {lr: 0.005}}}")
    assert "results/models/synthetic/gru/model.pt" in proc.stdout
    assert "results/models/synthetic/vanilla/model.pt" not in proc.stdout.split("rule train")[-1] or \
        proc.stdout.count("rule train:") == 1


@pytest.mark.slow
def test_same_config_and_seed_give_identical_bytes_on_one_core_and_two(demo_run, tmp_path):
    """A second run of the same reduced demo grid, in another folder and with ``--cores 1``
    (so rules with ``threads: 2`` get one), writes byte-identical tables and checkpoints."""
    import hashlib

    again = _project(tmp_path, TINY_DEMO)
    snakemake(again, *DEMO_TARGETS, cores=1)
    files = sorted(p.relative_to(demo_run).as_posix() for p in (demo_run / "results").rglob("*")
                   if p.suffix in (".parquet", ".pt", ".md") and "checkpoints" not in p.parts)
    assert len(files) > 30 and any(f.endswith("fixed_points.parquet") for f in files)
    differ = [f for f in files if hashlib.sha256((demo_run / f).read_bytes()).digest()
              != hashlib.sha256((again / f).read_bytes()).digest()]
    assert differ == []


@pytest.mark.slow
def test_after_sigkill_the_readme_commands_resume_and_the_log_keeps_the_history(tmp_path):
    """SIGKILL the whole run mid-training, then follow the README: ``snakemake --unlock``, then
    the same command. Training resumes from its epoch checkpoint; the log keeps both attempts;
    no temporary is left behind."""
    import signal

    workdir = _project(tmp_path, TINY_DEMO)
    target = "results/models/synthetic/gru/model.pt"
    # search trials of 3 epochs: the kill after the first epoch lands inside trial 1
    longer = ["--config", "training={epochs: 6, patience: 6, search_epochs: 3}"]
    cmd = [*SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "1",
           target, *longer]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    resume = workdir / "results/checkpoints/synthetic/gru/resume.pt"
    deadline = time.monotonic() + 600
    while not resume.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, 9)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not (workdir / target).exists()

    snakemake(workdir, "--unlock", cores=1)
    snakemake(workdir, target, *longer, cores=1)
    log = (workdir / "logs/train/synthetic/gru.log").read_text()
    assert "earlier attempts of this job" in log
    assert "resuming after 0 finished trial(s)" in log.split("--- this attempt ---")[-1]
    assert (workdir / target).exists()
    assert not list((workdir / "results").rglob("*.tmp"))
