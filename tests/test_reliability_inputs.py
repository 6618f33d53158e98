"""Inputs that used to get through: each is refused with one clear line, or made harmless.

Archives (links in unpacked folders, encrypted or oddly compressed zip members, one-label
splits, doubled trees), checkpoints (bad meta, NaN weights), config values a JSON schema lets
through, diverging training, unwritable outputs, and what a killed job leaves behind.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tarfile

import numpy as np
import pandas as pd
import pytest
import torch

from rnn_dynamics import io as rio
from rnn_dynamics.config import check_config_file, resolve
from rnn_dynamics.data import synthetic
from rnn_dynamics.data import vocab as vocab_mod
from rnn_dynamics.data.readers import read_imdb, read_sst, read_yelp
from rnn_dynamics.errors import CheckpointError, ConfigError, DataError, NumericalError, OutputError
from rnn_dynamics.models import build_model, load_model, save_model
from rnn_dynamics.training import train_cell
from rnn_dynamics.workflow_glue import history_path, logged

from .conftest import REPO
from .test_reliability_data import (
    GOOD_IMDB,
    GOOD_SST,
    GOOD_YELP,
    imdb_members,
    tar_bytes,
    yelp_csv,
    zip_bytes,
)

PRESETS = REPO / "workflow" / "presets"
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def _one_line(error: pytest.ExceptionInfo, *fragments: str) -> str:
    message = str(error.value)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- archives --------------------------------------------------------------------------------


def test_symlinks_in_an_unpacked_imdb_folder_are_not_followed(tmp_path):
    root = tmp_path / "aclImdb"
    for name, data in GOOD_IMDB.items():
        file = tmp_path / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash")
    os.symlink(secret, root / "train" / "pos" / "9001_9.txt")
    outside = tmp_path / "elsewhere" / "pos"
    outside.mkdir(parents=True)
    (outside / "9002_9.txt").write_text("root:x:0:0 from a linked folder")
    os.symlink(outside.parent, root / "test" / "linked")
    for path in (root, tmp_path):
        train = read_imdb(path)["train"]
        assert len(train) == 600 and not train["text"].str.contains("root:").any()


def _patched_zip(flag_bits: int = 0, method: int | None = None) -> bytes:
    """The good SST zip with its first member's header fields rewritten (local + central)."""
    data = bytearray(zip_bytes(GOOD_SST))
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    for offset, flags_at, method_at in ((local, 6, 8), (central, 8, 10)):
        flags = int.from_bytes(data[offset + flags_at:offset + flags_at + 2], "little")
        data[offset + flags_at:offset + flags_at + 2] = (flags | flag_bits).to_bytes(2, "little")
        if method is not None:
            data[offset + method_at:offset + method_at + 2] = method.to_bytes(2, "little")
    return bytes(data)


@pytest.mark.parametrize("patch, fragment", [({"flag_bits": 1}, "is encrypted"),
                                             ({"method": 9}, "compression method")])
def test_unreadable_zip_members_are_one_data_error(tmp_path, patch, fragment):
    path = tmp_path / "trainDevTestTrees_PTB.zip"
    path.write_bytes(_patched_zip(**patch))
    with pytest.raises(DataError) as error:
        read_sst(path)
    _one_line(error, str(path), fragment)


def test_yelp_split_with_one_label_is_refused(tmp_path):
    path = tmp_path / "yelp_review_polarity_csv.tgz"
    path.write_bytes(tar_bytes({**GOOD_YELP, "yelp_review_polarity_csv/train.csv":
                                yelp_csv([("nice place", 1)] * 50)}))
    with pytest.raises(DataError) as error:
        read_yelp(path)
    _one_line(error, "train.csv", "label(s) 1 only")


def test_sst_split_with_one_label_is_refused(tmp_path):
    path = tmp_path / "trainDevTestTrees_PTB.zip"
    path.write_bytes(zip_bytes({**GOOD_SST, "trees/dev.txt": b"(4 (2 a) (4 good))\n" * 9}))
    with pytest.raises(DataError) as error:
        read_sst(path)
    _one_line(error, "dev.txt", "label(s) 1 only")


def test_tar_with_two_imdb_trees_is_refused(tmp_path):
    doubled = {**GOOD_IMDB, **{f"copy/{name}": data for name, data in GOOD_IMDB.items()}}
    path = tmp_path / "aclImdb_v1.tar.gz"
    path.write_bytes(tar_bytes(doubled))
    with pytest.raises(DataError) as error:
        read_imdb(path)
    _one_line(error, str(path), "appears twice", "more than one aclImdb tree")


def test_one_imdb_tree_beside_tar_links_still_reads(tmp_path):
    links = {"aclImdb/train/pos/9001_9.txt": (tarfile.SYMTYPE, "/etc/passwd")}
    path = tmp_path / "aclImdb_v1.tar.gz"
    path.write_bytes(tar_bytes(imdb_members({"train": [(b"good", 1), (b"bad", 0)],
                                             "test": [(b"fine", 1), (b"poor", 0)]}), links))
    assert len(read_imdb(path)["train"]) == 2


# --- checkpoints -----------------------------------------------------------------------------


@pytest.fixture
def checkpoint(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "model.pt"
    save_model(build_model("gru", 30, 4, 6), path)
    return path


def _rewrite(path, edit) -> None:
    blob = torch.load(path, weights_only=True)
    edit(blob)
    torch.save(blob, path)


@pytest.mark.parametrize("key, value", [("hidden_size", -1), ("hidden_size", "16"),
                                        ("num_layers", 0), ("embed_dim", 4.0),
                                        ("vocab_size", True)])
def test_bad_checkpoint_meta_is_a_checkpoint_error(checkpoint, key, value):
    _rewrite(checkpoint, lambda blob: blob["meta"].__setitem__(key, value))
    with pytest.raises(CheckpointError) as error:
        load_model(checkpoint)
    _one_line(error, str(checkpoint), f"'{key}' = {value!r}", "positive integer")


def _poison_first_weight(blob: dict) -> None:
    next(v for v in blob["state_dict"].values() if v.is_floating_point()).fill_(np.nan)


def test_checkpoint_with_nan_weights_is_refused(checkpoint):
    _rewrite(checkpoint, _poison_first_weight)
    with pytest.raises(CheckpointError) as error:
        load_model(checkpoint)
    _one_line(error, "NaN or infinite", "diverged")


def test_identical_checkpoints_have_identical_bytes(tmp_path):
    import hashlib

    digests = set()
    for name in ("a.pt", "b.pt"):
        torch.manual_seed(0)
        save_model(build_model("lstm", 30, 4, 6), tmp_path / name, {"vocab_hash": "x"})
        digests.add(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert len(digests) == 1


# --- config ----------------------------------------------------------------------------------


def _refused(user: dict, *fragments: str) -> str:
    with pytest.raises(ConfigError) as error:
        resolve(user, PRESETS, SCHEMA)
    return _one_line(error, *fragments)


@pytest.mark.parametrize("user, fragments", [
    ({"model": {"hidden_size": 32.0}}, ["model.hidden_size", "32.0", "integer"]),
    ({"training": {"epochs": 2.0}}, ["training.epochs", "integer"]),
    ({"seed": 2**64}, ["seed", str(2**64), "<= 4294967295"]),
    ({"context": {"top_k": 5, "n_modifiers": 8}}, ["context.n_modifiers", "8", "top_k = 5"]),
    ({"figures": {"fig3": {"n_modes": 33}}, "archs": ["gru"]},
     ["figures.fig3.n_modes", "33", "<= the state size, 32"]),
])
def test_values_a_schema_lets_through_are_refused(user, fragments):
    _refused(user, *fragments)


def test_n_modes_up_to_the_smallest_state_is_allowed():
    config = resolve({"figures": {"fig3": {"n_modes": 32}}, "archs": ["gru", "lstm"]},
                     PRESETS, SCHEMA)
    assert config["figures"]["fig3"]["n_modes"] == 32


def test_cuda_on_a_host_without_cuda_is_refused(monkeypatch):
    from rnn_dynamics import config as cfg

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with pytest.raises(ConfigError) as error:
        cfg.check_device({"device": "cuda"})
    _one_line(error, "'device' = 'cuda'", "no CUDA device", "auto, cpu")
    cfg.check_device({"device": "cpu"})          # cpu and auto are always fine
    cfg.check_device({"device": "auto"})


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("preset: demo\narchs: [gru, lstm\nseed: 1\n")
    with pytest.raises(ConfigError) as error:
        check_config_file(path)
    _one_line(error, str(path), "line 3", "YAML syntax error")


def test_yaml_syntax_error_stops_the_workflow_with_one_line(tmp_path):
    (tmp_path / "config.yaml").write_text("preset: demo\n  archs: [gru\n")
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"),
                           "-d", str(tmp_path), "-n", "--cores", "1"], capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode != 0
    assert "config.yaml, line 2" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


# --- training --------------------------------------------------------------------------------


def _tiny_splits():
    lang = synthetic.SyntheticLanguage()
    raw = [synthetic.generate(lang, n, seed) for n, seed in ((300, 0), (100, 1), (100, 2))]
    vocab = vocab_mod.build_vocab(raw[0]["tokens"], 100)
    mapping = vocab_mod.vocab_map(vocab)
    frames = []
    for df in raw:
        ids = [vocab_mod.encode(t, mapping) for t in df["tokens"]]
        frames.append(pd.DataFrame({"ids": ids, "label": df["label"].astype(int),
                                    "length": [len(x) for x in ids]}))
    return frames, len(vocab)


def test_a_huge_learning_rate_is_divergence_not_a_saved_chance_model(tmp_path, caplog):
    (train, valid, test), vocab_size = _tiny_splits()
    with pytest.raises(NumericalError) as error:
        train_cell(train, valid, test, arch="gru", vocab_size=vocab_size,
                   model_cfg={"embed_dim": 8, "hidden_size": 8},
                   train_cfg={"epochs": 2, "batch_size": 32, "lr": 1e6, "patience": 2},
                   seed=0, device="cpu", work_dir=tmp_path, progress=False)
    _one_line(error, "diverged", "lower training.lr")
    assert "far above a constant predictor" in caplog.text


# --- outputs ---------------------------------------------------------------------------------


def test_outputs_get_the_umask_mode_and_stale_temporaries_go(tmp_path):
    target = tmp_path / "t.parquet"
    stale = tmp_path / ".t.parquet.k1ll3d.tmp"
    stale.write_bytes(b"half a table")
    old = os.umask(0o022)
    try:
        rio.write_parquet(pd.DataFrame({"a": [1]}), target)
        rio.write_torch({"w": torch.ones(2)}, tmp_path / "m.pt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "m.pt").stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt", "t.parquet"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_read_only_results_folder_is_one_output_error(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    results.chmod(0o555)
    try:
        for write in (lambda: rio.write_parquet(pd.DataFrame({"a": [1]}), results / "t.parquet"),
                      lambda: rio.write_parquet(pd.DataFrame({"a": [1]}),
                                                results / "sub" / "t.parquet")):
            with pytest.raises(OutputError) as error:
                write()
            _one_line(error, str(results), "writable")
    finally:
        results.chmod(0o755)


def test_log_of_a_failed_attempt_survives_the_rerun(tmp_path, capsys):
    log = tmp_path / "job.log"
    with pytest.raises(SystemExit), logged(str(log)) as logger:
        logger.info("attempt one reached epoch 3")
        raise DataError("interrupted")
    log.unlink()                          # what Snakemake does before it reruns the job
    with logged(str(log)) as logger:
        logger.info("attempt two finished")
    text = log.read_text()
    assert text.index("attempt one reached epoch 3") < text.index("attempt two finished")
    assert "earlier attempts" in text
    assert not history_path(log).exists()  # success: the log now holds the whole history


@pytest.mark.parametrize("failing", ["mkstemp", "replace"])
def test_permission_denied_while_writing_is_one_output_error(tmp_path, monkeypatch, failing):
    """The same refusal where a read-only folder cannot be made (running as root)."""
    import errno

    def deny(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(rio.tempfile if failing == "mkstemp" else rio.os, failing, deny)
    with pytest.raises(OutputError) as error:
        rio.write_parquet(pd.DataFrame({"a": [1]}), tmp_path / "results" / "t.parquet")
    _one_line(error, "t.parquet", "Permission denied", "writable")
    assert not list(tmp_path.rglob("*.tmp"))


def test_permission_denied_inside_a_job_is_one_line_without_traceback(tmp_path, capsys):
    log = tmp_path / "job.log"
    with pytest.raises(SystemExit) as exit_info, logged(str(log)):
        raise PermissionError(13, "Permission denied", "/results/x.parquet")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("rnn-dynamics: cannot write '/results/x.parquet'") and "\n" not in err
    assert "Traceback" not in log.read_text()
