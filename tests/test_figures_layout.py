"""Every figure, drawn from the synthetic GRU's real tables, is readable: no text over another
text and no plotted point outside its axes (tests/figure_layout.py)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from rnn_dynamics import figures
from rnn_dynamics.figures.fig3 import tau_cap
from rnn_dynamics.figures.style import new_figure

from .figure_layout import assert_readable, clipped_points, overlapping_texts

CELL = {"dataset": "synthetic", "arch": "gru"}


@pytest.fixture(scope="module")
def paths(figure_tables):
    return figure_tables


def _draw(name: str, paths, tmp_path) -> Figure:
    p = paths
    out = {"pdf": None, "png": tmp_path / f"{name}.png"}
    if name == "fig2":
        return figures.plot_fig2(p["pca"], p["states"], p["fixed_points"], p["geometry"],
                                 **out, **CELL)
    if name == "fig3":
        return figures.plot_fig3(p["spectra"], p["geometry"], **out, **CELL)
    if name == "fig4":
        return figures.plot_fig4(p["word_effects"], p["geometry"], **out, **CELL)
    if name == "fig5":
        return figures.plot_fig5(p["linearised"], p["states"], **out, **CELL)
    if name == "context":
        return figures.plot_context(p["modifiers"], p["dynamics"], p["subspace"], p["position"],
                                    p["augmented"], p["perturbation"], **out, **CELL)
    return figures.plot_fig6(p["line_attractor"], **out)


@pytest.mark.parametrize("name", ["fig2", "fig3", "fig4", "fig5", "context", "fig6"])
def test_figure_has_no_overlapping_text_and_no_clipped_points(name, paths, tmp_path):
    assert_readable(_draw(name, paths, tmp_path))


def test_the_checks_catch_overlapping_text_and_clipped_points():
    fig = new_figure(3, 2)
    ax = fig.subplots()
    ax.scatter([0, 1, 5], [0, 1, 0])
    ax.set_xlim(-0.5, 2)
    ax.text(0.5, 0.5, "first label")
    ax.text(0.5, 0.5, "second label")
    assert ("first label", "second label") in overlapping_texts(fig)
    assert clipped_points(fig) == [": 1 outside"]


def test_infinite_tau_is_drawn_above_every_finite_tau():
    assert tau_cap(np.array([3.0, 2e7, np.inf])) == 1e9
    assert tau_cap(np.array([5.0, np.nan])) == 1e6
