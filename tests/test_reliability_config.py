"""Bad configuration is refused before any job, with one line naming the key, the value and what
is allowed (cases beyond tests/test_config.py)."""

from __future__ import annotations

import pytest

from rnn_dynamics.config import check_data_dir, resolve
from rnn_dynamics.errors import ConfigError

from .conftest import REPO

PRESETS = REPO / "workflow" / "presets"
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def _refused(user) -> str:
    with pytest.raises(ConfigError) as info:
        resolve(user, PRESETS, SCHEMA)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize(
    "user, fragments",
    [
        # unknown datasets, architectures and preset typos
        ({"datasets": ["imbd"]}, ["datasets[0]", "'imbd'", "imdb, yelp, sst, synthetic"]),
        ({"datasets": ["synthetic", "IMDB"]}, ["datasets[1]", "'IMDB'"]),
        ({"per_dataset": {"mnist": {}}}, ["per_dataset", "'mnist'", "imdb, yelp, sst, synthetic"]),
        ({"preset": "Demo"}, ["'preset'", "'Demo'", "demo, quick, paper"]),
        ({"preset": "quik"}, ["'preset'", "'quik'", "demo, quick, paper"]),
        ({"preset": " demo"}, ["'preset'", "' demo'"]),
        # wrong types
        ({"archs": "gru"}, ["'archs'", "'gru'", "wrong type", "array"]),
        ({"model": {"hidden_size": True}}, ["model.hidden_size", "True", "integer"]),
        ({"model": {"embed_dim": 1.5}}, ["model.embed_dim", "1.5", "integer"]),
        ({"training": {"lr": "fast"}}, ["training.lr", "'fast'", "number"]),
        ({"training": {"epochs": "ten"}}, ["training.epochs", "'ten'", "integer"]),
        ({"training": 5}, ["'training'", "5", "object"]),
        ({"training": {"search_space": [0.1, 1.0]}}, ["training.search_space", "object"]),
        ({"seed": "abc"}, ["'seed'", "'abc'", "integer"]),
        ({"download": "maybe"}, ["'download'", "'maybe'", "boolean"]),
        ({"data_dir": 3}, ["'data_dir'", "3", "string"]),
        ({"synthetic": {"n_train": "many"}}, ["synthetic.n_train", "'many'", "integer"]),
        ({"bow": {"C_grid": 1.0}}, ["bow.C_grid", "array"]),
        # impossible sizes and ranges
        ({"training": {"batch_size": 0}}, ["training.batch_size", "0", ">= 1"]),
        ({"training": {"max_tokens_per_batch": 0}}, ["training.max_tokens_per_batch", ">= 1"]),
        ({"training": {"weight_decay": -1e-4}}, ["training.weight_decay", ">= 0"]),
        ({"training": {"clip_norm": 0}}, ["training.clip_norm", "> 0"]),
        ({"training": {"search_space": {"lr": [0.1, 0.01]}}}, ["training.search_space.lr",
                                                               "low <= high"]),
        ({"training": {"search_space": {"lr": [0, 0.1]}}}, ["training.search_space.lr[0]", "> 0"]),
        ({"training": {"search_space": {"momentum": [0, 1]}}}, ["'momentum'", "lr, weight_decay"]),
        ({"data": {"vocab_size": 2}}, ["data.vocab_size", ">= 3"]),
        ({"data": {"valid_fraction": 0}}, ["data.valid_fraction", "> 0"]),
        ({"data": {"valid_fraction": 0.7}}, ["data.valid_fraction", "< 0.5"]),
        ({"data": {"max_train": 5}}, ["data.max_train", ">= 10"]),
        ({"data": {"max_length": 0}}, ["data.max_length", ">= 1"]),
        ({"synthetic": {"n_test": 0}}, ["synthetic.n_test", ">= 1"]),
        ({"archs": []}, ["'archs'", "non-empty"]),
        ({"archs": ["gru", "gru"]}, ["'archs'", "non-unique"]),
        ({"datasets": []}, ["'datasets'", "non-empty"]),
        ({"analysis": {"fixed_points": {"tol": -1e-8}}}, ["analysis.fixed_points.tol", "> 0"]),
        ({"analysis": {"fixed_points": {"n_starts": 0}}}, ["analysis.fixed_points.n_starts"]),
        ({"analysis": {"n_docs": 0}}, ["analysis.n_docs", ">= 1"]),
        ({"train_threads": 0}, ["train_threads", ">= 1"]),
        ({"seed": -1}, ["'seed'", ">= 0"]),
        ({"device": "gpu"}, ["'device'", "'gpu'", "auto|cpu|cuda"]),
        # overrides are checked like the global keys
        ({"per_arch": {"gru": {"model": {"hidden_size": 0}}}}, ["per_arch.gru.model.hidden_size"]),
        ({"per_dataset": {"sst": {"training": {"lrr": 0.1}}}},
         ["'lrr'", "per_dataset.sst.training"]),
        # data is prepared once per dataset: an architecture cannot change it
        ({"per_arch": {"gru": {"data": {"max_length": 10}}}},
         ["'data'", "per_arch.gru", "model, training"]),
    ],
)
def test_bad_value_is_one_line_naming_key_and_value(user, fragments):
    message = _refused(user)
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("value", ["nan", "inf", float("nan"), float("inf")])
def test_non_finite_numbers_are_refused(value):
    message = _refused({"training": {"lr": value}})
    assert "training.lr" in message and "finite" in message


def test_unknown_synthetic_key_is_refused_at_config_time():
    message = _refused({"synthetic": {"n_trian": 100}})
    assert "'synthetic.n_trian'" in message and "n_train" in message


def test_data_dir_must_exist_and_be_a_folder(tmp_path):
    as_file = tmp_path / "archives.tar"
    as_file.write_bytes(b"")
    for data_dir, download in [(tmp_path / "missing", True), (tmp_path / "missing", False),
                               (as_file, True)]:
        config = resolve({"preset": "quick", "data_dir": str(data_dir), "download": download},
                         PRESETS, SCHEMA)
        with pytest.raises(ConfigError) as info:
            check_data_dir(config)
        assert f"'data_dir' = {str(data_dir)!r} does not exist" in str(info.value)
    # the default folder is created for downloads, unless downloading is off
    check_data_dir(resolve({"preset": "quick"}, PRESETS, SCHEMA))
    with pytest.raises(ConfigError, match="data_dir"):
        check_data_dir(resolve({"preset": "quick", "download": False,
                                "data_dir": "resources/data-that-is-not-there"}, PRESETS, SCHEMA))
    # only the synthetic languages: no archives needed, so no folder either
    check_data_dir(resolve({"preset": "quick", "datasets": ["synthetic"],
                            "multiclass_datasets": ["synthetic_categories"],
                            "data_dir": str(tmp_path / "missing")}, PRESETS, SCHEMA))
    # a multi-class dataset read from a release archive needs it as much as a binary one
    with pytest.raises(ConfigError, match="data_dir"):
        check_data_dir(resolve({"preset": "quick", "datasets": ["synthetic"],
                                "multiclass_datasets": ["sst5"],
                                "data_dir": str(tmp_path / "missing")}, PRESETS, SCHEMA))
