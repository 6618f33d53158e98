"""Config resolution: presets, overrides, and one clear message per mistake."""

from __future__ import annotations

import pytest

from rnn_dynamics.config import cell_config, check_data_dir, deep_merge, resolve
from rnn_dynamics.errors import ConfigError

from .conftest import REPO

PRESETS = REPO / "workflow" / "presets"
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def _resolve(user):
    return resolve(user, PRESETS, SCHEMA)


@pytest.mark.parametrize("preset", ["demo", "quick", "paper"])
def test_every_preset_is_valid(preset):
    config = _resolve({"preset": preset})
    assert config["preset"] == preset
    assert set(config["archs"]) <= {"lstm", "gru", "ugrnn", "vanilla"}


def test_paper_preset_has_paper_scale_models():
    config = _resolve({"preset": "paper"})
    assert config["model"]["hidden_size"] == 256
    assert config["model"]["embed_dim"] == 128
    assert config["data"]["vocab_size"] >= 30000


def test_user_keys_override_preset_and_lists_replace():
    config = _resolve({"preset": "quick", "archs": ["gru"], "model": {"hidden_size": 8}})
    assert config["archs"] == ["gru"]
    assert config["model"]["hidden_size"] == 8
    assert config["model"]["embed_dim"] == _resolve({"preset": "quick"})["model"]["embed_dim"]


def test_deep_merge_does_not_mutate_inputs():
    base = {"a": {"b": 1, "c": [1, 2]}}
    merged = deep_merge(base, {"a": {"c": [3]}})
    assert merged == {"a": {"b": 1, "c": [3]}}
    assert base == {"a": {"b": 1, "c": [1, 2]}}


def test_cell_config_layers_dataset_then_arch():
    config = _resolve({
        "preset": "quick",
        "per_dataset": {"sst": {"training": {"lr": 0.5, "epochs": 3}}},
        "per_arch": {"gru": {"training": {"lr": 0.25}}},
    })
    assert cell_config(config, "sst", "gru")["training"]["lr"] == 0.25
    assert cell_config(config, "sst", "gru")["training"]["epochs"] == 3
    assert cell_config(config, "sst", "lstm")["training"]["lr"] == 0.5
    assert cell_config(config, "imdb", "lstm")["training"]["lr"] == config["training"]["lr"]


@pytest.mark.parametrize(
    "user, fragments",
    [
        ({"preset": "dmeo"}, ["'preset'", "'dmeo'", "demo, quick, paper"]),
        ({"archs": ["lstm", "transformer"]}, ["archs[1]", "'transformer'", "lstm, gru, ugrnn, vanilla"]),
        ({"datasets": ["imdb", "mnist"]}, ["datasets[1]", "'mnist'", "imdb, yelp, sst, synthetic"]),
        ({"datasets": "imdb"}, ["'datasets'", "wrong type", "array"]),
        ({"model": {"hidden_size": -4}}, ["model.hidden_size", "-4", ">= 1"]),
        ({"model": {"hidden_size": "big"}}, ["model.hidden_size", "'big'", "integer"]),
        ({"model": {"hidden": 3}}, ["unknown config key", "'hidden'", "hidden_size"]),
        ({"training": {"lr": 0}}, ["training.lr", "> 0"]),
        ({"analysis": {"fixed_points": {"method": "lbfgs"}}},
         ["analysis.fixed_points.method", "'lbfgs'", "newton, adam"]),
        ({"colour": "red"}, ["unknown config key", "'colour'"]),
        ({"per_arch": {"grux": {}}}, ["per_arch", "'grux'", "gru"]),
        ({"device": "tpu"}, ["'device'", "'tpu'"]),
        ({"synthetic": {"min_length": 50, "max_length": 10}}, ["synthetic.min_length", "max_length"]),
    ],
)
def test_bad_config_names_key_value_and_what_is_allowed(user, fragments):
    with pytest.raises(ConfigError) as info:
        _resolve(user)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_missing_data_dir_is_refused_for_real_datasets(tmp_path):
    config = _resolve({"preset": "quick", "data_dir": str(tmp_path / "nowhere")})
    with pytest.raises(ConfigError, match="data_dir.*does not exist"):
        check_data_dir(config)
    check_data_dir(_resolve({"preset": "demo", "data_dir": str(tmp_path / "nowhere")}))
    check_data_dir(_resolve({"preset": "quick", "data_dir": str(tmp_path)}))


def test_nested_overrides_given_as_strings_are_coerced():
    """``snakemake --config`` hands nested values over as strings."""
    config = _resolve({"model": {"hidden_size": "7"}, "per_arch": {"gru": {"training": {"lr": "0.005"}}},
                       "data": {"max_length": "null"}, "download": "false", "data_dir": "2024"})
    assert config["model"]["hidden_size"] == 7
    assert config["per_arch"]["gru"]["training"]["lr"] == 0.005
    assert config["data"]["max_length"] is None
    assert config["download"] is False
    assert config["data_dir"] == "2024"
