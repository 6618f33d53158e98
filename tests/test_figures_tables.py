"""Real analysis and context tables for the figure tests, from the shared synthetic GRU.

``figure_tables()`` runs every analysis stage once per process (1 torch thread) on the GRU of
:mod:`.test_context_fixture` (trained once, shared with the context tests) and writes the tables
the figures read into a temporary directory; the context tables are the ones
:mod:`.test_context_synthetic` already computes (shared, not recomputed). Also writes the
PCA table (trained vs a freshly initialised network of the same shape) and empty tables with
the stages' schemas, for the "no fixed points" cases.
"""

from __future__ import annotations

from rnn_dynamics.io import read_parquet

CONTEXT_NAMES = ("modifiers", "subspace", "dynamics", "position", "augmented", "perturbation")




def test_the_figure_tables_have_fixed_points_and_rows(figure_tables):
    paths = figure_tables
    fps = read_parquet(paths["fixed_points"])
    assert fps["kept"].sum() >= 3
    for name in ("states", "spectra", "geometry", "word_effects", "linearised", "pca",
                 *CONTEXT_NAMES):
        assert len(read_parquet(paths[name])) > 0, name
    for name in ("spectra", "geometry", "word_effects", "linearised"):
        assert len(read_parquet(paths[f"empty_{name}"])) == 0, name
