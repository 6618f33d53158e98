"""Contextual processing (Maheswaranathan & Sussillo, ICML 2020): which words act as modifiers,
the subspace they use, how long their effect lasts, start/end-of-review effects, an augmented
bag-of-words that uses the measured effects, and projections that remove them.

Modules, one job each: :mod:`.probe` (the shared measurement: valence effects of constructed
token sequences), :mod:`.modifiers`, :mod:`.subspace`, :mod:`.dynamics`, :mod:`.position`,
:mod:`.augmented_bow`, :mod:`.perturbation`, and :mod:`.stages` (one module and function per workflow rule).
"""

from .stages import (
    run_augmented_bow_stage,
    run_dynamics_stage,
    run_modifier_stage,
    run_perturbation_stage,
    run_position_stage,
    run_subspace_stage,
)

__all__ = [
    "run_augmented_bow_stage", "run_dynamics_stage",
    "run_modifier_stage", "run_perturbation_stage", "run_position_stage", "run_subspace_stage",
]
