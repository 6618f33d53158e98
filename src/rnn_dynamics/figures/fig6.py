"""Figure 6: the same mechanism across architectures and datasets.

One row per grid cell (dataset x architecture) of the line-attractor table
(:func:`rnn_dynamics.tables.line_attractor.summarise_cell`, ``results/tables/line_attractor.parquet``),
drawn as dot plots grouped by dataset with one colour per architecture: (a) PCs needed for 90% of the
state variance, trained (filled) vs untrained (open); (b) the integrating mode's time constant
(filled) and the slowest mode's tau_1 (open), medians over fixed points; (c) median one-step linearisation error; (d) alignment
|cos(m, w)| of the manifold with the readout; (e) test accuracy, nonlinear vs linearised;
(f) median |r_int . m| (the integrating mode's r) against the random-vector 99th percentile.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .common import PathLike, has_rows, read_table, save_figure
from .fig3 import tau_cap
from .style import (
    ARCH_ORDER,
    FULL_WIDTH,
    MUTED,
    arch_colour,
    arch_name,
    dataset_name,
    empty_panel,
    new_figure,
    panel,
)

TAU_CAP = 1e6          # where infinite tau goes when no cell has a finite tau

COLUMNS = ["dataset", "arch", "n_kept", "pcs90_trained", "pcs90_untrained", "tau_1",
           "integrator_tau_median", "median_one_step_error", "accuracy_nonlinear",
           "accuracy_linearised", "readout_alignment", "median_r_int_overlap", "null_p99"]
"""The line-attractor table's columns this figure draws (missing ones are drawn as gaps)."""


def _positions(summary: pd.DataFrame) -> tuple[np.ndarray, list[str], list[str], np.ndarray]:
    """x of each row (dataset groups, arch offsets), dataset order, arch order, group centres."""
    datasets = list(dict.fromkeys(summary["dataset"]))
    known = [a for a in ARCH_ORDER if a in set(summary["arch"])]
    archs = known + [a for a in dict.fromkeys(summary["arch"]) if a not in known]
    width = 0.8 / max(len(archs), 1)
    x = np.array([datasets.index(d) + (archs.index(a) - (len(archs) - 1) / 2) * width
                  for d, a in zip(summary["dataset"], summary["arch"])])
    return x, datasets, archs, np.arange(len(datasets), dtype=float)


def _dot_panel(ax: Axes, summary: pd.DataFrame, letter: str, title: str, ylabel: str,
               filled: str, hollow: str | None = None, *, filled_name: str = "",
               hollow_name: str = "", log: bool = False, ylim: tuple | None = None,
               transform: Callable[[np.ndarray], np.ndarray] | None = None,
               reference: str | None = None, reference_name: str = "",
               missing_name: str = "no fixed points") -> None:
    """Filled (and optional open) markers per cell, grouped by dataset, coloured by arch."""
    cols = [c for c in (filled, hollow, reference) if c]
    values = summary[cols].to_numpy(np.float64) if len(summary) else np.zeros((0, 1))
    if not len(summary) or not np.isfinite(values).any():
        empty_panel(ax, "No cell has this number\n(no fixed points or missing tables)",
                    letter=letter, title=title)
        return
    panel(ax, letter, title)
    x, datasets, _, centres = _positions(summary)
    colours = [arch_colour(a) for a in summary["arch"]]

    def get(col: str) -> np.ndarray:
        v = summary[col].to_numpy(np.float64)
        return transform(v) if transform else v

    y = get(filled)
    if hollow:
        y2 = get(hollow)
        for xi, a, b in zip(x, y, y2):
            if np.isfinite(a) and np.isfinite(b):
                ax.plot([xi, xi], [a, b], color=MUTED, lw=0.8, zorder=1)
        ax.scatter(x, y2, s=22, facecolors="white", edgecolors=colours, lw=1.2, zorder=2)
    if reference:
        ref = get(reference)
        ax.scatter(x, ref, marker="_", s=80, color="#555555", lw=1.4, zorder=2)
    ax.scatter(x, y, s=24, color=colours, zorder=3, edgecolors="white", lw=0.4)
    missing = ~np.isfinite(y)
    if missing.any():                                  # say which cells have no number
        ax.scatter(x[missing], np.full(missing.sum(), 0.03), marker="x", s=18, lw=1.0,
                   color=[c for c, m in zip(colours, missing) if m],
                   transform=ax.get_xaxis_transform(), zorder=3, clip_on=False)
    ax.set_xticks(centres, [dataset_name(d) for d in datasets])
    ax.set_xlim(-0.6, len(datasets) - 0.4)
    for c in centres[:-1]:
        ax.axvline(c + 0.5, color="#e5e5e5", lw=0.6, zorder=0)
    if log and _spans_decades(np.concatenate([y, get(hollow) if hollow else y])):
        ax.set_yscale("log")
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_ylabel(ylabel)
    handles = []
    if hollow or reference:
        handles.append(Line2D([], [], ls="", marker="o", ms=4, color="#555555",
                              label=filled_name))
    if hollow:
        handles.append(Line2D([], [], ls="", marker="o", ms=4, mfc="white", mec="#555555",
                              label=hollow_name))
    if reference:
        handles.append(Line2D([], [], ls="", marker="_", ms=8, mew=1.4, color="#555555",
                              label=reference_name))
    if missing.any():
        handles.append(Line2D([], [], ls="", marker="x", ms=4, color="#555555",
                              label=missing_name))
    if handles:
        ax.legend(handles=handles, loc="best", fontsize=6, handletextpad=0.2)


def _spans_decades(values: np.ndarray) -> bool:
    """A log axis only pays off over more than a decade: over 0.55-0.7 it shows two ticks."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    return len(v) > 0 and v.max() / v.min() > 10


def _tau_capper(summary: pd.DataFrame) -> Callable[[np.ndarray], np.ndarray]:
    """tau = inf (|lambda| = 1 exactly) drawn a decade above every finite tau (see fig3)."""
    cols = [c for c in ("tau_1", "integrator_tau_median") if c in summary]
    cap = tau_cap(summary[cols].to_numpy(np.float64)) if cols else TAU_CAP

    def capped(v: np.ndarray) -> np.ndarray:
        return np.where(np.isposinf(v), cap, v)

    return capped


def fig6(summary: pd.DataFrame, *, title: str = "Fig. 6") -> Figure:
    """Summary across cells: one row of ``summary`` (the line-attractor table, :data:`COLUMNS`)
    per cell."""
    fig = new_figure(FULL_WIDTH, 4.6)
    if not has_rows(summary, "dataset", "arch"):
        ax = fig.subplots()
        empty_panel(ax, "No grid cells to summarise")
        fig.suptitle(title)
        return fig
    summary = summary.reindex(columns=list(dict.fromkeys([*summary.columns, *COLUMNS])))
    summary = summary.reset_index(drop=True)
    axes = fig.subplots(2, 3)
    _dot_panel(axes[0, 0], summary, "a", "Dimensionality", "PCs for 90% variance",
               "pcs90_trained", "pcs90_untrained", filled_name="trained",
               hollow_name="untrained", ylim=(0, None), missing_name="no PCA table")
    _dot_panel(axes[0, 1], summary, "b", "Integrating mode",
               r"median $\tau$ (tokens)", "integrator_tau_median", "tau_1",
               filled_name=r"$\tau_{int}$", hollow_name=r"$\tau_1$ (slowest)", log=True,
               transform=_tau_capper(summary))
    _dot_panel(axes[0, 2], summary, "c", "Linearisation error",
               "median one-step relative error", "median_one_step_error", log=True)
    _dot_panel(axes[1, 0], summary, "d", "Manifold vs readout",
               r"$|\cos(m, w)|$", "readout_alignment", ylim=(0, 1.05))
    _dot_panel(axes[1, 1], summary, "e", "Test accuracy", "accuracy",
               "accuracy_nonlinear", "accuracy_linearised", filled_name="nonlinear",
               hollow_name="linearised", ylim=(0, 1.05))
    _dot_panel(axes[1, 2], summary, "f", r"$|r_{int} \cdot m|$ vs null",
               r"median $|r_{int} \cdot m|$", "median_r_int_overlap", reference="null_p99",
               filled_name="fixed points", reference_name="random, 99th pct", ylim=(0, 1.05))
    _, _, archs, _ = _positions(summary)
    handles = [Line2D([], [], ls="", marker="o", ms=5, color=arch_colour(a), label=arch_name(a))
               for a in archs]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=7,
               title="architecture", title_fontsize=7)
    fig.suptitle(title)
    return fig


def plot_fig6(line_attractor: PathLike, pdf: PathLike, png: PathLike) -> Figure:
    """Draw the line-attractor table (one row per cell, in the grid's order) and save."""
    fig = fig6(read_table(line_attractor),
               title="Fig. 6: summary across architectures and datasets")
    save_figure(fig, pdf, png)
    return fig
