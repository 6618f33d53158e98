"""One value per default: the workflow's shared defaults equal the library's own, so a
researcher calling a stage function directly gets what the workflow runs."""

from __future__ import annotations

import inspect

import pytest
import yaml

from rnn_dynamics.analysis import fixed_points, integration, stages
from rnn_dynamics.context import stages as context_stages

from .conftest import REPO

DEFAULTS = yaml.safe_load((REPO / "workflow" / "presets" / "defaults.yaml").read_text())

# config key path -> (library function, its parameter); the same pairs common.smk passes on
PAIRS = [
    (("analysis", "fixed_points", "tol"), fixed_points.find_fixed_points, "tol"),
    (("analysis", "fixed_points", "tol"), stages.run_fixed_point_stage, "tol"),
    (("analysis", "fixed_points", "max_iter"), fixed_points.find_fixed_points, "max_iters"),
    (("analysis", "fixed_points", "max_iter"), stages.run_fixed_point_stage, "max_iters"),
    (("analysis", "n_words"), stages.run_word_effects_stage, "n_words"),
    (("analysis", "linearised_docs"), stages.run_linearised_stage, "n_docs"),
    (("context", "top_k"), context_stages.run_modifier_stage, "top_k"),
    (("context", "n_modifiers"), context_stages.run_subspace_stage, "n_modifiers"),
    (("context", "n_modifiers"), context_stages.run_dynamics_stage, "n_modifiers"),
    (("context", "n_modifiers"), context_stages.run_perturbation_stage, "n_modifiers"),
    (("context", "max_gap"), context_stages.run_dynamics_stage, "max_gap"),
    (("context", "n_docs"), context_stages.run_perturbation_stage, "n_docs"),
    (("integration", "variance"), integration.analyse_integration, "variance"),
    (("integration", "n_words"), integration.analyse_integration, "n_words"),
    (("analysis", "fixed_points", "tol"), integration.analyse_integration, "tol"),
    (("analysis", "fixed_points", "max_iter"), integration.analyse_integration, "max_iters"),
]


@pytest.mark.parametrize(("key", "function", "parameter"), PAIRS,
                         ids=[f"{'.'.join(k)}->{f.__name__}" for k, f, _ in PAIRS])
def test_workflow_default_is_the_library_default(key, function, parameter):
    value = DEFAULTS
    for part in key:
        value = value[part]
    assert inspect.signature(function).parameters[parameter].default == value
