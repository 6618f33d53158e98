"""The keyword arguments each workflow rule passes to its library function, from the config.

These are the only place a config key is mapped onto a function parameter (the rules'
``params:`` call them), so the mapping can be tested: every default in
``workflow/presets/defaults.yaml`` must equal the default of the parameter it feeds, and a
researcher calling a stage function directly gets what the workflow runs
(``tests/test_defaults.py`` finds the pairs by changing one key at a time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Config = Mapping[str, Any]


def analysis_args(config: Config) -> dict[str, dict[str, Any]]:
    """Per line-attractor rule, the arguments from the config's ``analysis`` section."""
    analysis = config["analysis"]
    fixed = analysis["fixed_points"]
    seed, device = config["seed"], {"device": config["device"]}
    return {
        "states": dict(n_docs=analysis["n_docs"], seed=seed, **device),
        "fixed_points": dict(n_starts=fixed["n_starts"], noise_std=fixed["noise"], seed=seed,
                             tol=fixed["tol"], max_iters=fixed["max_iter"], method=fixed["method"],
                             adam_steps=fixed["adam_steps"], adam_lr=fixed["adam_lr"],
                             adam_max_steps=fixed["adam_max_steps"], **device),
        "exact_fixed_points": dict(tol=analysis["exact_fixed_points"]["tol"], **device),
        "spectra": device,
        "geometry": dict(seed=seed),
        "word_effects": dict(n_words=analysis["n_words"], **device),
        "linearised": dict(n_docs=analysis["linearised_docs"], seed=seed, **device),
    }


def context_args(config: Config) -> dict[str, dict[str, Any]]:
    """Per contextual-processing rule, the arguments from the config's ``context`` section."""
    context = config["context"]
    seed, common = config["seed"], {"device": config["device"]}
    probe = {"probe_cfg": {"seed": seed, "n_states": context["n_states"]}}
    return {
        "modifiers": dict(top_k=context["top_k"], **probe, **common),
        "subspace": dict(n_modifiers=context["n_modifiers"], **probe, **common),
        "modifier_dynamics": dict(n_modifiers=context["n_modifiers"], max_gap=context["max_gap"],
                                  **probe, **common),
        "position": dict(**probe, **common),
        "augmented_bow": dict(C_grid=config["bow"]["C_grid"], seed=seed, **common),
        "perturbation": dict(n_modifiers=context["n_modifiers"], n_docs=context["n_docs"],
                             seed=seed, **probe, **common),
    }


def integration_args(config: Config) -> dict[str, Any]:
    """The integration analysis: the line-attractor stages' state and fixed-point settings and
    the config's ``integration`` section."""
    analysis, fixed = config["analysis"], config["analysis"]["fixed_points"]
    return dict(n_docs=analysis["n_docs"], n_starts=fixed["n_starts"], noise_std=fixed["noise"],
                tol=fixed["tol"], max_iters=fixed["max_iter"], seed=config["seed"],
                device=config["device"], **config["integration"])


def plot_args(config: Config, name: str) -> dict[str, Any]:
    """A figure's drawing parameters from config key ``figures.<name>`` (empty when it has
    none)."""
    return dict(config.get("figures", {}).get(name, {}))
