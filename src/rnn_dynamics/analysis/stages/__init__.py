"""One function per Snakemake rule: take a model plus tables, write one Parquet table, return it.

Each function documents the schema it writes, and lives in a module of its own named after its
rule: the workflow reruns a stage when code its script imports changes
(:mod:`rnn_dynamics.versioning`), so a stage depends on the modules it uses and no others.

Inputs shared by the stages:

* ``model`` follows the model contract (``step``, ``state_dim``, ``input_dim``,
  ``initial_state()``, ``readout_vector()``, ``readout_logit(h)``, ``embedding``,
  ``hidden_states(ids, lengths)``).
* ``test``: columns ``ids`` (list<int32>), ``label`` (0/1), ``length``.
* Fixed-point tables are those of :mod:`rnn_dynamics.analysis.fixed_points` (column ``kept``
  selects the points used downstream). When nothing was kept, downstream stages write an empty
  table with their schema instead of failing;
  :func:`rnn_dynamics.analysis.kept_points.explain_no_fixed_points` says why.
"""

from __future__ import annotations

from .exact_fixed_points import EXACT_COLUMNS, run_exact_fixed_points_stage
from .fixed_points import run_fixed_point_stage
from .geometry import GEOMETRY_COLUMNS, run_geometry_stage
from .linearised import LINEARISED_COLUMNS, run_linearised_stage
from .spectra import SPECTRA_COLUMNS, run_spectra_stage, word_valences
from .states import STATES_COLUMNS, run_states_stage
from .word_effects import WORD_COLUMNS, run_word_effects_stage

__all__ = [
    "EXACT_COLUMNS",
    "GEOMETRY_COLUMNS",
    "LINEARISED_COLUMNS",
    "SPECTRA_COLUMNS",
    "STATES_COLUMNS",
    "WORD_COLUMNS",
    "run_exact_fixed_points_stage",
    "run_fixed_point_stage",
    "run_geometry_stage",
    "run_linearised_stage",
    "run_spectra_stage",
    "run_states_stage",
    "run_word_effects_stage",
    "word_valences",
]
