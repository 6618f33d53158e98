"""Figure 6: the same mechanism across architectures and datasets.

One row per grid cell (dataset x architecture), summarised by :func:`summarise_cell`, drawn as
dot plots grouped by dataset with one colour per architecture: (a) PCs needed for 90% of the
state variance, trained (filled) vs untrained (open); (b) the integrating mode's time constant
(filled) and the slowest mode's tau_1 (open), medians over fixed points; (c) median one-step linearisation error; (d) alignment
|cos(m, w)| of the manifold with the readout; (e) test accuracy, nonlinear vs linearised;
(f) median |r_int . m| (the integrating mode's r) against the random-vector 99th percentile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..io import write_parquet
from .common import PathLike, has_rows, kept_points, read_table, save_figure
from .fig2 import pcs_for
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

SUMMARY_COLUMNS = ["dataset", "arch", "n_fixed_points", "pcs90_trained", "pcs90_untrained",
                   "tau1_median", "integrator_tau_median", "one_step_error_median",
                   "accuracy_nonlinear", "accuracy_linearised", "readout_alignment",
                   "r_int_overlap_median", "null_p99",
                   "m_variance_ratio"]


def _first(df: pd.DataFrame, col: str) -> float:
    """First value of ``col`` as a float; NaN when the table is empty or the value missing."""
    if not has_rows(df, col):
        return float("nan")
    value = pd.to_numeric(df[col].iloc[:1], errors="coerce").iloc[0]
    return float(value) if pd.notna(value) else float("nan")


def summarise_cell(pca: pd.DataFrame, fixed_points: pd.DataFrame, spectra: pd.DataFrame,
                   geometry: pd.DataFrame, linearised: pd.DataFrame, *, dataset: str,
                   arch: str, fraction: float = 0.9) -> dict[str, Any]:
    """The headline numbers of one cell (``SUMMARY_COLUMNS``; nan where a table is empty).

    ``tau1_median`` (slowest mode) and ``integrator_tau_median`` (the integrating mode) are
    medians over kept fixed points (inf where |lambda| = 1 exactly).
    """
    row: dict[str, Any] = {"dataset": dataset, "arch": arch,
                           "n_fixed_points": len(kept_points(fixed_points))}
    for model in ("trained", "untrained"):
        rows = (pca[pca["model"] == model].sort_values("component")
                if has_rows(pca, "model", "component", "cumulative") else pd.DataFrame())
        row[f"pcs90_{model}"] = (float(pcs_for(rows["cumulative"].to_numpy(), fraction))
                                 if len(rows) else float("nan"))
    for column, name in (("tau1", "tau1_median"), ("integrator_tau", "integrator_tau_median")):
        values = (spectra[column].to_numpy(np.float64) if has_rows(spectra, column)
                  else np.zeros(0))
        values = values[~np.isnan(values)]
        row[name] = float(np.median(values)) if len(values) else float("nan")
    err = (linearised["one_step_error"].to_numpy(np.float64)
           if has_rows(linearised, "one_step_error") else np.zeros(0))
    err = err[np.isfinite(err)]
    row["one_step_error_median"] = float(np.median(err)) if len(err) else float("nan")
    row["accuracy_nonlinear"] = _first(linearised, "accuracy_nonlinear")
    row["accuracy_linearised"] = _first(linearised, "accuracy_linearised")
    row["readout_alignment"] = _first(geometry, "readout_alignment")
    row["r_int_overlap_median"] = (float(geometry["r_int_overlap"].median())
                                   if has_rows(geometry, "r_int_overlap") else float("nan"))
    row["null_p99"] = _first(geometry, "null_p99")
    row["m_variance_ratio"] = _first(geometry, "m_variance_ratio")
    return row


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
    cols = [c for c in ("tau1_median", "integrator_tau_median") if c in summary]
    cap = tau_cap(summary[cols].to_numpy(np.float64)) if cols else TAU_CAP

    def capped(v: np.ndarray) -> np.ndarray:
        return np.where(np.isposinf(v), cap, v)

    return capped


def fig6(summary: pd.DataFrame, *, title: str = "Fig. 6") -> Figure:
    """Summary across cells: one row of ``summary`` (``SUMMARY_COLUMNS``) per cell."""
    fig = new_figure(FULL_WIDTH, 4.6)
    if not has_rows(summary, "dataset", "arch"):
        ax = fig.subplots()
        empty_panel(ax, "No grid cells to summarise")
        fig.suptitle(title)
        return fig
    summary = summary.reset_index(drop=True)
    axes = fig.subplots(2, 3)
    _dot_panel(axes[0, 0], summary, "a", "Dimensionality", "PCs for 90% variance",
               "pcs90_trained", "pcs90_untrained", filled_name="trained",
               hollow_name="untrained", ylim=(0, None), missing_name="no PCA table")
    _dot_panel(axes[0, 1], summary, "b", "Integrating mode",
               r"median $\tau$ (tokens)", "integrator_tau_median", "tau1_median",
               filled_name=r"$\tau_{int}$", hollow_name=r"$\tau_1$ (slowest)", log=True,
               transform=_tau_capper(summary))
    _dot_panel(axes[0, 2], summary, "c", "Linearisation error",
               "median one-step relative error", "one_step_error_median", log=True)
    _dot_panel(axes[1, 0], summary, "d", "Manifold vs readout",
               r"$|\cos(m, w)|$", "readout_alignment", ylim=(0, 1.05))
    _dot_panel(axes[1, 1], summary, "e", "Test accuracy", "accuracy",
               "accuracy_nonlinear", "accuracy_linearised", filled_name="nonlinear",
               hollow_name="linearised", ylim=(0, 1.05))
    _dot_panel(axes[1, 2], summary, "f", r"$|r_{int} \cdot m|$ vs null",
               r"median $|r_{int} \cdot m|$", "r_int_overlap_median", reference="null_p99",
               filled_name="fixed points", reference_name="random, 99th pct", ylim=(0, 1.05))
    _, _, archs, _ = _positions(summary)
    handles = [Line2D([], [], ls="", marker="o", ms=5, color=arch_colour(a), label=arch_name(a))
               for a in archs]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=7,
               title="architecture", title_fontsize=7)
    fig.suptitle(title)
    return fig


def plot_fig6(pca: Sequence[PathLike], fixed_points: Sequence[PathLike],
              spectra: Sequence[PathLike], geometry: Sequence[PathLike],
              linearised: Sequence[PathLike], pdf: PathLike, png: PathLike, *,
              datasets: Sequence[str], archs: Sequence[str],
              summary: PathLike | None = None, fraction: float = 0.9) -> Figure:
    """One entry per cell in every input list, aligned with ``datasets`` and ``archs`` (the
    order of Snakemake's ``expand``). ``summary``: optional Parquet path for the numbers drawn.
    """
    lists = {"pca": pca, "fixed_points": fixed_points, "spectra": spectra,
             "geometry": geometry, "linearised": linearised, "archs": archs}
    for name, values in lists.items():
        if len(values) != len(datasets):
            raise ValueError(f"plot_fig6: {name} has {len(values)} entries, datasets has "
                             f"{len(datasets)}; give one per cell")
    rows = [summarise_cell(read_table(p), read_table(f), read_table(s), read_table(g),
                           read_table(lin), dataset=d, arch=a, fraction=fraction)
            for p, f, s, g, lin, d, a in zip(pca, fixed_points, spectra, geometry, linearised,
                                             datasets, archs)]
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    if summary is not None:
        write_parquet(table, summary)
    fig = fig6(table, title="Fig. 6: summary across architectures and datasets")
    save_figure(fig, pdf, png)
    return fig
