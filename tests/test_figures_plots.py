"""Every figure from real tables of the synthetic GRU: files written, not blank, labelled; and
every figure from empty tables (no fixed points) says so in words instead of failing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.text import Text

from rnn_dynamics import figures
from rnn_dynamics.analysis.jacobians import jacobians
from rnn_dynamics.figures.common import NO_FIXED_POINTS, save_figure
from rnn_dynamics.figures.fig6 import COLUMNS as FIG6_COLUMNS
from rnn_dynamics.io import read_parquet
from rnn_dynamics.models import load_model
from rnn_dynamics.tables.line_attractor import summarise_cell

from .cells import CONTEXT_NAMES

ANALYSIS = ("pca", "fixed_points", "spectra", "geometry", "linearised")


@pytest.fixture(scope="module")
def paths(figure_tables):
    return figure_tables


def flat(text: str) -> str:
    return " ".join(text.split())


def texts(fig: Figure) -> str:
    """Every string drawn in the figure (titles, labels, legends, annotations), joined, with
    whitespace normalised (placeholder messages are wrapped to the panel width)."""
    return flat(" | ".join(t.get_text() for t in fig.findobj(Text) if t.get_text()))


def title(ax) -> str:
    """Panel titles are left-aligned (the theme's ``axes.titlelocation``)."""
    return ax.get_title(loc="left") or ax.get_title()


def axis_labels(fig: Figure) -> list[tuple[str, str, str]]:
    return [(title(ax), ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes]


def assert_written(pdf, png) -> None:
    assert pdf.stat().st_size > 1000 and png.stat().st_size > 1000
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pixels = imread(png)
    assert pixels.ndim == 3 and pixels.shape[0] > 200 and pixels.shape[1] > 400
    assert float(pixels[..., :3].var()) > 0                    # not a blank canvas
    assert not list(pdf.parent.glob(".*.tmp"))                 # atomic: no temp files left


def title_of(fig: Figure, letter: str) -> str:
    return next(title(ax) for ax in fig.axes if title(ax).startswith(f"({letter})"))


# --------------------------------------------------------------------------- real tables

def test_fig2(paths, tmp_path):
    pdf, png = tmp_path / "fig2.pdf", tmp_path / "fig2.png"
    fig = figures.plot_fig2(paths["pca"], paths["states"], paths["fixed_points"],
                            paths["geometry"], pdf, png,
                            dataset="synthetic", arch="gru")
    assert_written(pdf, png)
    assert "Synthetic, GRU" in fig._suptitle.get_text()
    labels = axis_labels(fig)
    assert labels[0][1] == "number of principal components"
    assert "variance explained (%)" in labels[0][2]
    assert labels[1][1].startswith("PC1") and labels[1][2].startswith("PC2")
    all_text = texts(fig)
    for needle in ("trained", "untrained", "PCs for 90%", "initial state", "readout",
                   "fixed points", "LLE coordinate", "negative documents"):
        assert needle in all_text, needle
    assert flat(NO_FIXED_POINTS) not in all_text


def test_fig3(paths, tmp_path):
    pdf, png = tmp_path / "fig3.pdf", tmp_path / "fig3.png"
    fig = figures.plot_fig3(paths["spectra"], paths["geometry"], pdf, png,
                            dataset="synthetic", arch="gru")
    assert_written(pdf, png)
    a, b = fig.axes[0], fig.axes[-1]          # between them: the zoom and the legend box
    assert a.get_xlabel() == r"Re $\lambda$" and a.get_ylabel() == r"Im $\lambda$"
    assert b.get_yscale() == "log" and "(tokens)" in b.get_ylabel()
    assert "theta" in b.get_xlabel()
    legend = [t.get_text() for t in fig.axes[2].get_legend().get_texts()]
    assert 1 <= len(legend) <= 3 and all("theta" in t for t in legend)
    modes = [t.get_text() for t in b.get_legend().get_texts()]
    assert modes[:4] == ["integrating", r"$\tau_1$", r"$\tau_2$", r"$\tau_3$"]
    spectra = read_parquet(paths["spectra"])
    infinite = np.isposinf(np.stack(spectra["tau"].to_numpy())[:, :3]).any()
    assert len(modes) == 4 + int(infinite)     # the |lambda| = 1 marker only when it occurs


def test_fig4(paths, tmp_path):
    pdf, png = tmp_path / "fig4.pdf", tmp_path / "fig4.png"
    fig = figures.plot_fig4(paths["word_effects"], paths["geometry"], pdf, png,
                            dataset="synthetic", arch="gru")
    assert_written(pdf, png)
    all_text = texts(fig)
    for needle in ("positive", "negative", "neutral", r"$\ell_{int}$", "null 99th pct",
                   "random unit vectors"):
        assert needle in all_text, needle
    assert "r_{int}" in title_of(fig, "d")
    assert any("r_{int}" in x for _, x, _ in axis_labels(fig))


def test_fig4_word_cloud_is_the_stage_s_plane_at_the_middle_fixed_point(paths):
    """Panel (a) draws the word-effects table's own coordinates (no model, no Jacobian in the
    figure): the fixed point with theta nearest 0, its words at (along, across)."""
    words, geometry = read_parquet(paths["word_effects"]), read_parquet(paths["geometry"])
    cloud = figures.word_effect_cloud(words, geometry)
    middle = int(geometry.loc[geometry["theta"].abs().idxmin(), "start_index"])
    assert cloud.start_index == middle
    rows = words[words["start_index"] == middle]
    assert np.allclose(cloud.points["x"], rows["along"]) and np.allclose(cloud.points["y"],
                                                                         rows["across"])
    # independently: J_inp x at that point from the model, on unit r_int
    model, _ = load_model(paths["model"])
    points = read_parquet(paths["fixed_points"]).set_index("start_index")
    h = torch.tensor(np.asarray(points.loc[middle, "h"], np.float32))[None]
    _, j_inp = jacobians(model.step, h, input_dim=model.input_dim)
    with torch.no_grad():
        effects = (model.embedding(torch.tensor(rows["id"].to_numpy())) @ j_inp[0].T).double()
    spectra = read_parquet(paths["spectra"]).set_index("start_index")
    r = np.asarray(spectra.loc[middle, "r_int"], np.float64)
    assert np.allclose(effects.numpy() @ (r / np.linalg.norm(r)), rows["along"], atol=1e-5)
    assert np.allclose(np.hypot(rows["along"], rows["across"]) <= rows["effect_norm"] + 1e-9,
                       True)
    without = figures.fig4(words.drop(columns=["along", "across"]), geometry)
    assert "No word-effect cloud" in texts(without)
    assert "density" in [ax.get_ylabel() for ax in without.axes]


def test_fig5(paths, tmp_path):
    pdf, png = tmp_path / "fig5.pdf", tmp_path / "fig5.png"
    fig = figures.plot_fig5(paths["linearised"], paths["states"], pdf, png,
                            dataset="synthetic", arch="gru")
    assert_written(pdf, png)
    a, _, c = fig.axes[:3]
    assert "tokens" in a.get_xlabel() and "readout" in a.get_ylabel()
    assert c.get_xscale() == "log"
    legend = " ".join(t.get_text() for t in c.get_legend().get_texts())
    lin = read_parquet(paths["linearised"])
    assert "median" in legend
    assert f"{100 * lin['accuracy_nonlinear'].iloc[0]:.1f}%" in legend
    assert f"{100 * lin['accuracy_linearised'].iloc[0]:.1f}%" in legend


def test_fig6_draws_the_line_attractor_table_and_marks_cells_without_fixed_points(paths,
                                                                                   tmp_path):
    pdf, png = tmp_path / "f6.pdf", tmp_path / "f6.png"
    table = read_parquet(paths["line_attractor"])
    assert table.loc[1, "n_kept"] == 0 and "tau_1" not in table.dropna(axis=1).columns
    fig = figures.plot_fig6(paths["line_attractor"], pdf, png)
    assert_written(pdf, png)
    all_text = texts(fig)
    for needle in ("LSTM", "GRU", "Synthetic", "no fixed points", "trained", "untrained"):
        assert needle in all_text, needle
    assert [title(ax)[:3] for ax in fig.axes if title(ax)] == [f"({c})" for c in "abcdef"]
    dots = fig.axes[0].collections[-1].get_offsets()          # (a): filled = trained PCs
    assert np.allclose(sorted(np.asarray(dots)[:, 1]), sorted(table["pcs90_trained"]))


def test_context_figure(paths, tmp_path):
    pdf, png = tmp_path / "ctx.pdf", tmp_path / "ctx.png"
    fig = figures.plot_context(*[paths[n] for n in ("modifiers", "dynamics", "subspace",
                                                    "position", "augmented", "perturbation")],
                               pdf, png, dataset="synthetic", arch="gru")
    assert_written(pdf, png)
    all_text = texts(fig)
    mods = read_parquet(paths["modifiers"])
    top = mods.sort_values("score", ascending=False)["token"].iloc[0]
    for needle in (top, "negator", "intensifier", "RNN", "BoW", "modifier subspace",
                   "random subspace", "from $h_0$ (start)", "dim ="):
        assert needle in all_text, needle
    assert any("tokens" in x for _, x, _ in axis_labels(fig))


# --------------------------------------------------------------------------- empty tables

def test_every_figure_survives_empty_tables(paths, tmp_path):
    """No fixed point kept: the downstream tables the stages write are empty."""
    e = {n: paths[f"empty_{n}"] for n in ("fixed_points", "spectra", "geometry",
                                         "word_effects", "linearised", *CONTEXT_NAMES)}
    pdf, png = tmp_path / "e2.pdf", tmp_path / "e2.png"
    fig2 = figures.plot_fig2(paths["pca"], paths["states"], e["fixed_points"], e["geometry"],
                             pdf, png)
    assert_written(pdf, png)                        # (a), (b) still drawn
    assert flat(NO_FIXED_POINTS) in texts(fig2)
    fig3 = figures.fig3(read_parquet(e["spectra"]), read_parquet(e["geometry"]))
    assert texts(fig3).count(flat(NO_FIXED_POINTS)) == 2
    fig4 = figures.plot_fig4(e["word_effects"], e["geometry"], tmp_path / "e4.pdf",
                             tmp_path / "e4.png")
    assert "No word-effect cloud" in texts(fig4) and flat(NO_FIXED_POINTS) in texts(fig4)
    fig5 = figures.fig5(read_parquet(e["linearised"]), states=read_parquet(paths["states"]))
    assert texts(fig5).count("No linearisation") == 3
    ctx = figures.context_figure(*[read_parquet(e[n]) for n in
                                   ("modifiers", "dynamics", "subspace", "position",
                                    "augmented", "perturbation")])
    for needle in ("No modifier table rows", "No modifier dynamics", "No modifier subspace",
                   "No position table rows", "No augmented-BoW table rows",
                   "No perturbation table rows"):
        assert needle in texts(ctx), needle


def test_figures_accept_tables_without_columns():
    """pd.DataFrame() (a missing optional input) everywhere: placeholders, no exception."""
    none = pd.DataFrame()
    for fig in (figures.fig2(none, none, none, none), figures.fig3(none, none),
                figures.fig4(none, none), figures.fig5(none),
                figures.fig6(pd.DataFrame(columns=FIG6_COLUMNS)),
                figures.context_figure(none, none, none, none, none, none)):
        assert isinstance(fig, Figure)
        fig.canvas.draw()                           # rendering must not fail either
        assert "No" in texts(fig)


def test_save_figure_writes_both_formats_atomically(tmp_path):
    fig = figures.fig3(pd.DataFrame(), pd.DataFrame())
    save_figure(fig, tmp_path / "sub" / "x.pdf", tmp_path / "sub" / "x.png")
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["x.pdf", "x.png"]


def test_figure_options_reach_the_plot_as_keywords(paths, tmp_path):
    """config figures.fig3.n_modes arrives as a keyword of plot_fig3 (the rule's script passes
    params.plot through) and changes panel (b)."""
    pdf, png = tmp_path / "fig3.pdf", tmp_path / "fig3.png"
    fig = figures.plot_fig3(paths["spectra"], paths["geometry"], pdf, png, dataset="synthetic",
                            arch="gru", n_modes=2)
    modes = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert [m for m in modes if m.startswith(r"$\tau_")] == [r"$\tau_1$", r"$\tau_2$"]


def test_line_attractor_summary_reads_missing_values_as_nan(paths):
    """A stage that could not measure something stores None; the summary (and so Fig. 6)
    shows a gap, not a crash."""
    tables = {n: read_parquet(paths[n]) for n in ANALYSIS}
    tables["word_effects"] = read_parquet(paths["word_effects"])
    tables["exact_fixed_points"] = pd.DataFrame(columns=["stability"])
    linearised = tables["linearised"].copy()
    linearised["accuracy_linearised"] = pd.Series([None] * len(linearised), dtype=object)
    geometry = tables["geometry"].copy()
    geometry["readout_alignment"] = pd.Series([None] * len(geometry), dtype=object)
    row = summarise_cell({**tables, "linearised": linearised, "geometry": geometry})
    assert np.isnan(row["accuracy_linearised"]) and np.isnan(row["readout_alignment"])
    assert row["accuracy_nonlinear"] == pytest.approx(
        float(tables["linearised"]["accuracy_nonlinear"].iloc[0]))
    fig = figures.fig6(pd.DataFrame([{"dataset": "synthetic", "arch": "gru", **row}]))
    fig.canvas.draw()
