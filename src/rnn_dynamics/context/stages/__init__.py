"""One function per contextual-processing rule: take a model plus tables, write one Parquet
table, return it.

Each function documents the schema it writes and lives in a module named after its rule, so
a rule's code hash covers the modules that stage uses and no others
(:mod:`rnn_dynamics.versioning`).

Inputs shared by the stages: ``model`` follows the model contract (``step``, ``embedding``,
``readout_logit``, ``readout_vector``, ``initial_state``, ``hidden_states``, ``state_dim``,
``input_dim``); splits have columns ``ids`` (list<int32>), ``label``, ``length``;
``bow_coefficients`` is the table of :func:`rnn_dynamics.baselines.bow.fit_bow` (``token, id,
coef, count``). ``probe_cfg`` holds the keyword arguments of
:func:`rnn_dynamics.context.probe.build_probe` (``n_states, n_valence, n_neutral, settle, far,
seed``); give every stage of one cell the same, so they measure from the same states. Stages
are deterministic for a given config.
"""

from __future__ import annotations

from .augmented_bow import run_augmented_bow_stage
from .modifier_dynamics import run_dynamics_stage
from .modifiers import run_modifier_stage
from .perturbation import run_perturbation_stage
from .position import run_position_stage
from .subspace import run_subspace_stage

__all__ = [
    "run_augmented_bow_stage",
    "run_dynamics_stage",
    "run_modifier_stage",
    "run_perturbation_stage",
    "run_position_stage",
    "run_subspace_stage",
]
