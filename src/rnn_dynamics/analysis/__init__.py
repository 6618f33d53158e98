"""Reverse-engineering analysis: visited states, fixed points, linearisations, line attractors.

Functions take a pure step ``F(h, x)`` (plus readout vectors etc.) where possible, so they work
on any model; :mod:`.stages` wraps them for the workflow (one Parquet table per rule).
"""

from .fixed_points import (
                           find_fixed_points,
                           find_fixed_points_adam,
                           polish_fixed_points,
                           sample_starts,
                           speed_q,
)
from .geometry import alignment, lle_coordinate, manifold_direction, overlap_with_null
from .jacobians import jacobians, recurrent_jacobians
from .kept_points import explain_no_fixed_points, has_fixed_points, kept_rows, points_from_table
from .linearised import (
                           linearised_accuracy,
                           one_step_errors,
                           run_linearised,
                           unroll,
)
from .spectra import (
                           eigendecompose,
                           integrating_mode,
                           slow_modes,
                           slowest_mode,
                           sorted_eigvals,
                           time_constants,
)
from .states import collect_states, pca_variance, pcs_for_variance, zero_input_speed
from .word_effects import effect_plane, projected_effects, select_words

__all__ = [
                           "alignment",
                           "collect_states",
                           "effect_plane",
                           "eigendecompose",
                           "explain_no_fixed_points",
                           "find_fixed_points",
                           "find_fixed_points_adam",
                           "has_fixed_points",
                           "integrating_mode",
                           "jacobians",
                           "kept_rows",
                           "linearised_accuracy",
                           "lle_coordinate",
                           "manifold_direction",
                           "one_step_errors",
                           "overlap_with_null",
                           "pca_variance",
                           "pcs_for_variance",
                           "points_from_table",
                           "polish_fixed_points",
                           "projected_effects",
                           "recurrent_jacobians",
                           "run_linearised",
                           "sample_starts",
                           "select_words",
                           "slow_modes",
                           "slowest_mode",
                           "sorted_eigvals",
                           "speed_q",
                           "time_constants",
                           "unroll",
                           "zero_input_speed",
]
