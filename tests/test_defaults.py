"""One value per default: every default in ``workflow/presets/defaults.yaml`` equals the
default of the library parameter it feeds, so a researcher calling a stage function directly
gets what the workflow runs.

Which parameter a key feeds is not listed by hand: each key of defaults.yaml is replaced, one
at a time, by a marker, and the marker is looked for in the arguments every rule passes
(``rnn_dynamics.stage_args``, called with the rule's own ``params:`` expression in the .smk
files); the rule's function is the one the README's function-per-rule table names (checked
against the scripts by ``test_readme``).
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
import yaml

from rnn_dynamics import stage_args
from rnn_dynamics.config import resolve
from rnn_dynamics.context.probe import build_probe
from rnn_dynamics.data.prepare import prepare_dataset
from rnn_dynamics.training.config import TrainConfig

from .conftest import REPO

WORKFLOW = REPO / "workflow"
DEFAULTS = yaml.safe_load((WORKFLOW / "presets" / "defaults.yaml").read_text())
# where a function hands its keyword arguments (or one dict argument) on to another
FORWARDED = {"run_integration": "rnn_dynamics.analysis.integration.analyse_integration"}
NESTED = {"probe_cfg": build_probe}


class Marker:
    """Stands for one defaults.yaml key while the rules' arguments are built."""

    def __init__(self, key: tuple[str, ...]) -> None:
        self.key = key


def _leaves(tree: Mapping[str, Any], key: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, value in tree.items():
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, (*key, name))
        else:
            yield (*key, name)


def _get(tree: Mapping[str, Any], key: tuple[str, ...]) -> Any:
    for part in key:
        tree = tree[part]
    return tree


def _rule_params() -> dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]]:
    """Per rule, the stage_args call its ``params:`` make, as a function of the config."""
    calls = {
        r'analysis_args\("(\w+)"\)': lambda name: lambda c: stage_args.analysis_args(c)[name],
        r'context_args\("(\w+)"\)': lambda name: lambda c: stage_args.context_args(c)[name],
        r'integration_args\(()\)': lambda _: stage_args.integration_args,
        r'plot_params\("(\w+)"\)': lambda name: lambda c: stage_args.plot_args(c, name),
    }
    found = {}
    for smk in sorted((WORKFLOW / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=rule \w+:)", smk.read_text()):
            rule = re.match(r"rule (\w+):", block)
            for pattern, make in calls.items():
                match = re.search(pattern, block)
                if rule and match:
                    found[rule.group(1)] = make(match.group(1))
    return found


def _rule_functions() -> dict[str, Callable[..., Any]]:
    section = (REPO / "README.md").read_text().split("## What the workflow computes", 1)[1]
    rows = re.findall(r"^\| `(\w+)` \| `(rnn_dynamics[\w.]+)` \|", section, flags=re.M)
    return {rule: _function(qualified) for rule, qualified in rows}


def _function(qualified: str) -> Callable[..., Any]:
    module, _, name = qualified.rpartition(".")
    function = getattr(importlib.import_module(module), name)
    return _function(FORWARDED[name]) if name in FORWARDED else function


def _fed(value: Any, marker: Marker, function: Callable[..., Any],
         parameter: str | None = None) -> Iterator[tuple[Callable[..., Any], str]]:
    """The (function, parameter) pairs that receive ``marker`` inside argument ``value``."""
    if value is marker:
        yield function, parameter
    elif isinstance(value, Mapping):
        inner = NESTED.get(parameter, function) if parameter else function
        for name, item in value.items():
            yield from _fed(item, marker, inner, name)


def _pairs() -> list[tuple[tuple[str, ...], Callable[..., Any], str]]:
    base = resolve({"preset": "demo"}, WORKFLOW / "presets", WORKFLOW / "schemas" / "config.schema.yaml")
    params, functions = _rule_params(), _rule_functions()
    pairs = []
    for key in _leaves(DEFAULTS):
        config = copy.deepcopy(base)
        marker = Marker(key)
        _get(config, key[:-1])[key[-1]] = marker
        for rule, build in params.items():
            pairs += [(key, f, p) for f, p in _fed(build(config), marker, functions[rule])]
    return list(dict.fromkeys(pairs))


PAIRS = _pairs()


def _default(function: Callable[..., Any], parameter: str) -> Any:
    value = inspect.signature(function).parameters[parameter].default
    assert value is not inspect.Parameter.empty, f"{function.__name__}({parameter}) has no default"
    return value


def test_the_rules_pass_on_the_defaults_of_every_section():
    """The search finds the pairs it exists for (a broken search would pass vacuously)."""
    sections = {key[0] for key, _, _ in PAIRS}
    assert {"analysis", "context", "integration", "figures"} <= sections
    assert (("analysis", "fixed_points", "max_iter"), _function(
        "rnn_dynamics.analysis.stages.fixed_points.run_fixed_point_stage"), "max_iters") in PAIRS


@pytest.mark.parametrize(("key", "function", "parameter"),
                         PAIRS,
                         ids=lambda x: ".".join(x) if isinstance(x, tuple) else
                         getattr(x, "__name__", str(x)))
def test_workflow_default_is_the_library_default(key, function, parameter):
    assert _default(function, parameter) == _get(DEFAULTS, key)


@pytest.mark.parametrize("key", [k for k in _leaves(DEFAULTS) if k[0] == "training"],
                         ids=lambda k: ".".join(k))
def test_training_default_is_the_dataclass_default(key):
    fields = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    assert fields[key[-1]] == _get(DEFAULTS, key)


@pytest.mark.parametrize("key", [k for k in _leaves(DEFAULTS) if k[0] == "data"],
                         ids=lambda k: ".".join(k))
def test_data_default_is_the_reader_default(key):
    assert _default(prepare_dataset, key[-1]) == _get(DEFAULTS, key)
