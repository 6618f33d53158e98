"""Each preset writes into its own results folder, and a run says up front when a dataset
archive is missing (and how to point the workflow at a copy)."""

from __future__ import annotations

import pytest

from rnn_dynamics.data.archives import locate_archive
from rnn_dynamics.errors import DataError
from rnn_dynamics.preflight import archive_warnings

from .test_workflow import _project, snakemake


def _planned_outputs(workdir, *args) -> str:
    proc = snakemake(workdir, "-n", *args)
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("preset, folder", [("demo", "results"), ("quick", "results-quick"),
                                            ("paper", "results-paper")])
def test_presets_write_into_separate_folders(tmp_path, preset, folder):
    archives = tmp_path / "archives"
    archives.mkdir()
    text = _planned_outputs(_project(tmp_path, {"preset": preset, "data_dir": str(archives)}))
    assert f"{folder}/tables/accuracy.parquet" in text
    assert f"{folder}/figures/fig6_summary.png" in text
    others = {"results", "results-quick", "results-paper"} - {folder}
    for other in others:
        assert f" {other}/tables/" not in text and f", {other}/tables/" not in text


def test_results_dir_key_overrides_the_presets_folder(tmp_path):
    text = _planned_outputs(_project(tmp_path, {"preset": "demo", "results_dir": "runs/mine"}))
    assert "runs/mine/models/synthetic/gru/model.pt" in text
    assert "results/models/" not in text


def test_dry_run_warns_about_missing_archives_and_names_data_dir(tmp_path):
    # SST-5 is read from SST's archive: one missing archive, one warning
    text = _planned_outputs(_project(tmp_path, {"preset": "quick", "datasets": ["sst"],
                                                "multiclass_datasets": ["sst5"]}))
    warnings = [line for line in text.splitlines() if "warning:" in line]
    assert len(warnings) == 1
    assert "trainDevTestTrees_PTB.zip (sst) is not in resources/data" in warnings[0]
    assert "--config data_dir=/path/to/archives" in warnings[0]


def test_no_warning_when_the_archive_is_there_or_the_data_is_prepared(tmp_path):
    config = {"datasets": ["sst", "imdb", "synthetic"], "data_dir": str(tmp_path),
              "download": False}
    (tmp_path / "sst").mkdir()
    (tmp_path / "sst" / "trainDevTestTrees_PTB.zip").write_bytes(b"x")
    prepared = tmp_path / "out" / "data" / "imdb"
    prepared.mkdir(parents=True)
    (prepared / "source.parquet").write_bytes(b"")
    assert archive_warnings(config, tmp_path / "out") == []
    lines = archive_warnings(config, tmp_path / "elsewhere")
    assert len(lines) == 1 and "aclImdb_v1.tar.gz (imdb)" in lines[0]
    assert "download is off, so prepare_data will fail" in lines[0]


def test_missing_archive_error_suggests_data_dir(tmp_path):
    with pytest.raises(DataError) as info:
        locate_archive("sst", tmp_path, download=False)
    assert "snakemake --config data_dir=/path/to/archives" in str(info.value)
