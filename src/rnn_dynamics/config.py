"""Configuration: presets, overrides and validation with messages a person can act on.

A run's config is ``defaults.yaml`` ⊕ the chosen preset ⊕ the user's keys (``config.yaml`` and
``--config``); dictionaries merge key by key, lists and scalars replace. The merged result is
validated against a JSON schema; the first problem is reported as one line naming the key, the
value and what is allowed.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import shutil
from pathlib import Path
from typing import Any, Mapping

import jsonschema
import yaml

from .data.prepare import SYNTHETIC_SIZES, categorical_config, synthetic_config
from .data.synthetic import SyntheticLanguage
from .errors import ConfigError

PRESETS = ("demo", "quick", "paper")
REAL_DATASETS = ("imdb", "yelp", "sst", "sst5", "imdb_ratings")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: nested dicts merge, everything else replaces."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _load_yaml(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def check_config_file(path: str | Path) -> None:
    """Parse a user's YAML config file; a syntax error becomes one line naming the file, the
    line and column, and what the parser expected (Snakemake says only 'not valid JSON or
    YAML'). A missing file is left to the caller."""
    path = Path(path)
    if not path.is_file():
        return
    try:
        loaded = _load_yaml(path)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{path}{where}: YAML syntax error: {problem}") from None
    if not isinstance(loaded, Mapping):
        raise ConfigError(f"{path}: must hold a mapping of config keys (e.g. 'preset: demo'), "
                          f"not a {type(loaded).__name__}")


def _key(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def describe_error(error: jsonschema.ValidationError) -> str:
    """Turn a schema violation into one sentence: the key, the value, what is allowed."""
    key = _key(error.absolute_path)
    value = error.instance
    schema = error.schema
    kind = error.validator
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        where = f" in '{key}'" if error.absolute_path else ""
        return (f"unknown config key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}"
                f"{where}; allowed keys: {', '.join(allowed)}")
    if kind == "propertyNames":
        names = error.schema.get("enum") or schema.get("propertyNames", {}).get("enum", [])
        return f"config key '{key}' has an entry {value!r}; allowed: {', '.join(names)}"
    if kind == "enum":
        return f"config key '{key}' = {value!r} is not allowed; allowed: {', '.join(map(str, schema['enum']))}"
    if kind == "type":
        return f"config key '{key}' = {value!r} has the wrong type; expected {schema['type']}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[kind]
        return f"config key '{key}' = {value!r} is out of range; it must be {sign} {schema[kind]}"
    if kind == "required":
        return f"config is missing a required key: {error.message}"
    if kind == "pattern":
        return f"config key '{key}' = {value!r} is not allowed; it must match {schema['pattern']}"
    return f"config key '{key}' = {value!r}: {error.message}"


def _strict_integer(checker: Any, instance: Any) -> bool:
    """JSON Schema counts 32.0 as an integer; a size or count written as a float is a typo
    that torch would refuse deep inside a job, so only real integers pass (bool does not)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer",
                                                                       _strict_integer))


def validate(config: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` describing the most relevant schema violation, if any."""
    validator = _Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        raise ConfigError(describe_error(error))


STRING_KEYS = ("preset", "data_dir", "device", "results_dir")


def coerce_scalars(value: Any) -> Any:
    """Turn numeric, boolean and null strings into their values, recursively.

    ``snakemake --config 'model={hidden_size: 64}'`` parses nested values as strings; without
    this, every nested override would fail validation as the wrong type.
    """
    if isinstance(value, Mapping):
        return {k: v if k in STRING_KEYS else coerce_scalars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [coerce_scalars(v) for v in value]
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.lower() in ("null", "none", "~"):
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    return value


def resolve(user: Mapping[str, Any], presets_dir: str | Path, schema_path: str | Path) -> dict[str, Any]:
    """Apply defaults and the preset under the user's keys, then validate the result."""
    presets_dir = Path(presets_dir)
    user = coerce_scalars(dict(user))
    preset = user.get("preset", "demo")
    if preset not in PRESETS:
        raise ConfigError(f"config key 'preset' = {preset!r} is not allowed; allowed: {', '.join(PRESETS)}")
    config = deep_merge(_load_yaml(presets_dir / "defaults.yaml"), _load_yaml(presets_dir / f"{preset}.yaml"))
    config = deep_merge(config, user)
    config["preset"] = preset
    validate(config, _load_yaml(Path(schema_path)))
    _check_consistency(config)
    return config


def _non_finite(value: Any, key: str = "") -> tuple[str, float] | None:
    """The first NaN or infinite number in ``value`` and its dotted key (JSON Schema's range
    checks let both through: NaN compares False with every bound)."""
    if isinstance(value, float) and not math.isfinite(value):
        return key, value
    items = (value.items() if isinstance(value, Mapping)
             else enumerate(value) if isinstance(value, (list, tuple)) else ())
    for sub, item in items:
        found = _non_finite(item, f"{key}[{sub}]" if isinstance(sub, int) else
                            f"{key}.{sub}" if key else str(sub))
        if found:
            return found
    return None


def _check_consistency(config: Mapping[str, Any]) -> None:
    """Rules that a schema cannot express."""
    bad = _non_finite(config)
    if bad:
        raise ConfigError(f"config key '{bad[0]}' = {bad[1]} is not allowed; it must be a finite number")
    syn = config.get("synthetic", {})
    allowed = sorted(set(SYNTHETIC_SIZES) | {f.name for f in dataclasses.fields(SyntheticLanguage)})
    for key in syn:
        if key not in allowed:
            raise ConfigError(f"config key 'synthetic.{key}' is not allowed; allowed: {', '.join(allowed)}")
    if syn.get("min_length", 1) > syn.get("max_length", 10**9):
        raise ConfigError(f"config keys 'synthetic.min_length' = {syn['min_length']} and "
                          f"'synthetic.max_length' = {syn['max_length']}: min_length must be <= max_length")
    for name, space in config["training"].get("search_space", {}).items():
        if space[0] > space[1]:
            raise ConfigError(f"config key 'training.search_space.{name}' = {space}: "
                              "the range must be [low, high] with low <= high")
    try:
        synthetic_config(syn)        # the language definition, checked before any job starts
    except ConfigError as err:
        raise ConfigError(f"config key 'synthetic': {err}") from None
    try:
        categorical_config(config.get("synthetic_categories", {}))
    except ConfigError as err:
        raise ConfigError(f"config key {err}") from None
    context = config["context"]
    if context["n_modifiers"] > context["top_k"]:
        raise ConfigError(f"config key 'context.n_modifiers' = {context['n_modifiers']} is not "
                          f"allowed; it must be <= context.top_k = {context['top_k']} (the "
                          "candidates it is chosen from)")
    _check_n_modes(config)


def state_dims(config: Mapping[str, Any]) -> dict[str, int]:
    """The flat state size N of every grid cell ('dataset/arch'), per-cell overrides applied."""
    dims = {}
    for dataset in all_datasets(config):
        for arch in config["archs"]:
            model = cell_config(config, dataset, arch)["model"]
            dims[f"{dataset}/{arch}"] = (model["hidden_size"] * (2 if arch == "lstm" else 1)
                                         * model.get("num_layers", 1))
    return dims


def _check_n_modes(config: Mapping[str, Any]) -> None:
    n_modes = config.get("figures", {}).get("fig3", {}).get("n_modes")
    if n_modes is None:
        return
    cell, dim = min(state_dims(config).items(), key=lambda item: item[1])
    if n_modes > dim:
        raise ConfigError(f"config key 'figures.fig3.n_modes' = {n_modes} is not allowed; it "
                          f"must be <= the state size, {dim} for cell {cell}")


def cuda_visible() -> bool:
    """Whether this host shows a CUDA GPU, decided without importing torch: nvidia-smi on
    PATH and CUDA_VISIBLE_DEVICES not hiding every device."""
    hidden = os.environ.get("CUDA_VISIBLE_DEVICES", "unset").strip() in ("", "-1")
    return not hidden and shutil.which("nvidia-smi") is not None


def check_device(config: Mapping[str, Any]) -> None:
    """``device: cuda`` on a host without a GPU fails every job; say so before any starts.
    Call it only where jobs run on this host (not when they are submitted to a cluster)."""
    device = str(config.get("device", "auto"))
    if device.startswith("cuda") and not cuda_visible():
        raise ConfigError(f"config key 'device' = {device!r} is not available: this host shows "
                          "no CUDA device (no nvidia-smi, or CUDA_VISIBLE_DEVICES hides it); "
                          "allowed here: auto, cpu")


def check_data_dir(config: Mapping[str, Any], default: str = "resources/data") -> None:
    """A data_dir the user named must exist; the default one is created for downloads."""
    if not any(d in REAL_DATASETS for d in all_datasets(config)):
        return
    data_dir = Path(config["data_dir"])
    if data_dir.is_dir():
        return
    if config["data_dir"] == default and config.get("download", True):
        return
    raise ConfigError(f"config key 'data_dir' = {config['data_dir']!r} does not exist; point it at the "
                      "folder that holds the dataset archives (or set download: true and use the default)")


def all_datasets(config: Mapping[str, Any]) -> list[str]:
    """The binary datasets, then the multi-class ones: every dataset the grid trains on."""
    return [*config["datasets"], *config.get("multiclass_datasets", [])]


def cell_config(config: Mapping[str, Any], dataset: str, arch: str | None = None) -> dict[str, Any]:
    """The data/model/training settings of one grid cell: global ⊕ per_dataset ⊕ per_arch."""
    cell = {section: copy.deepcopy(config.get(section, {})) for section in ("data", "model", "training")}
    layers = [config.get("per_dataset", {}).get(dataset, {})]
    if arch is not None:
        layers.append(config.get("per_arch", {}).get(arch, {}))
    for layer in layers:
        cell = deep_merge(cell, layer)
    return cell
