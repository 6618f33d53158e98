"""Integration with K classes, one grid cell: states and slow points in the attractor's plane,
how many dimensions the slow points fill, and how many slow modes each point has."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .common import PathLike, save_figure
from .style import (ACCENT, FULL_WIDTH, MUTED, NEGATIVE, POSITIVE, cell_title, empty_panel,
                    new_figure, panel)

MAX_STATES = 6000


def class_colours(k: int, ordered: bool) -> list[str]:
    """K colours: a red-to-blue ramp for ordered labels (ratings), distinct hues otherwise."""
    if ordered:     # red through a mid grey (visible on white, unlike RdBu's) to blue
        cmap = mpl.colors.LinearSegmentedColormap.from_list(
            "ratings", [NEGATIVE, "#e08a6b", "#8a8a8a", "#6fa3cf", POSITIVE])
        return [mpl.colors.to_hex(cmap(i / max(k - 1, 1))) for i in range(k)]
    return [mpl.colors.to_hex(c) for c in mpl.colormaps["Dark2"].colors[:k]]


def plot_integration(projection: pd.DataFrame, spectrum: pd.DataFrame, summary: pd.DataFrame,
                     *, dataset: str | None = None, arch: str | None = None,
                     seed: int = 0) -> Figure:
    """(a) visited states coloured by their document's class, and the slow points, in the
    slow points' first two PCs; (b) the slow points' PCA spectrum against the variance
    threshold, with the measured, predicted and K - 1 dimensions; (c) time constants of the
    slowest modes at the slow points (median and 10-90% range) against the slow threshold."""
    row = summary.iloc[0]
    k, ordered = int(row["n_classes"]), bool(row["ordered"])
    fig = new_figure(FULL_WIDTH, 2.8)
    fig.suptitle(cell_title(f"Integration with {k} {'ordered ' if ordered else ''}classes",
                            dataset, arch))
    ax_a, ax_b, ax_c = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.3, 1, 1]})
    _states_panel(ax_a, projection, k, ordered, seed)
    _variance_panel(ax_b, row)
    _spectrum_panel(ax_c, spectrum, float(row["slow_tau"]))
    return fig


def _states_panel(ax, projection: pd.DataFrame, k: int, ordered: bool, seed: int) -> None:
    title = "States and slow points"
    if "pc2" not in projection.columns or projection.empty:
        empty_panel(ax, "Too few states or slow points for a plane", letter="a", title=title)
        return
    panel(ax, "a", title)
    states = projection[projection["kind"] == "state"]
    if len(states) > MAX_STATES:
        states = states.sample(MAX_STATES, random_state=seed).sort_index()
    colours = class_colours(k, ordered)
    for c in range(k):
        part = states[states["label"] == c]
        ax.scatter(part["pc1"], part["pc2"], s=2, alpha=0.35, color=colours[c], linewidths=0,
                   rasterized=True)
    points = projection[projection["kind"] == "fixed_point"]
    handles = [Line2D([], [], ls="", marker="o", ms=3, color=colours[c]) for c in range(k)]
    names = [f"class {c}" for c in range(k)]
    if len(points):
        ax.scatter(points["pc1"], points["pc2"], s=7, color=ACCENT, marker="x", linewidths=0.6,
                   zorder=3)
        handles.append(Line2D([], [], ls="", marker="x", ms=3, color=ACCENT))
        names.append("slow points")
    # the plane is the slow points' PCA where there are two, else the states' (analysis)
    ax.set_xlabel(f"PC 1 of the {'slow points' if len(points) >= 2 else 'states'}")
    ax.set_ylabel("PC 2")
    ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=k + 1,
              fontsize=6, frameon=False, handletextpad=0.2, columnspacing=0.8)


def _variance_panel(ax, row: pd.Series) -> None:
    ratio = np.asarray(row["variance_ratio"], dtype=np.float64)
    title = "Slow points' PCA"
    if ratio.size == 0:
        distance = float(row.get("slow_point_distance", np.nan))
        where = (f"\n\nThe solver's slow points lie {distance:.1f} state spreads from the "
                 "states (median)." if np.isfinite(distance) and distance > 0 else "")
        empty_panel(ax, f"Fewer than two slow points near the states: no dimension "
                    f"measured.{where}", letter="b", title=title, width=30)
        return
    panel(ax, "b", title)
    comps = np.arange(1, len(ratio) + 1)
    ax.bar(comps, ratio, color=MUTED, width=0.7, label="per PC")
    ax.plot(comps, np.cumsum(ratio), color=ACCENT, marker="o", ms=3, lw=1, label="cumulative")
    ax.axhline(float(row["variance"]), color=NEGATIVE, lw=0.8, ls="--",
               label=f"{100 * float(row['variance']):.0f}% threshold")
    ax.set_xticks(comps)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("principal component")
    ax.set_ylabel("variance explained")
    ax.text(0.97, 0.45, f"measured {int(row['measured_dimension'])} "
            f"(PR {float(row['participation_ratio']):.2f})\n"
            f"predicted {int(row['predicted_dimension'])}\nK \u2212 1 = {int(row['k_minus_1'])}",
            transform=ax.transAxes, ha="right", va="center", fontsize=7)
    ax.legend(loc="lower right", fontsize=6, frameon=False)


def _spectrum_panel(ax, spectrum: pd.DataFrame, slow_tau: float) -> None:
    title = "Slowest modes"
    if spectrum.empty:
        empty_panel(ax, "No slow points: no Jacobians", letter="c", title=title)
        return
    panel(ax, "c", title)
    tau = spectrum.assign(tau=np.minimum(spectrum["tau"].to_numpy(float), 1e6))
    stats = tau.groupby("mode")["tau"].quantile([0.1, 0.5, 0.9]).unstack()
    modes = stats.index.to_numpy()
    ax.fill_between(modes, stats[0.1], stats[0.9], color=MUTED, alpha=0.6, lw=0,
                    label="10-90% of points")
    ax.plot(modes, stats[0.5], color=ACCENT, marker="o", ms=3, lw=1, label="median")
    ax.axhline(slow_tau, color=NEGATIVE, lw=0.8, ls="--", label=f"slow: \u03c4 \u2265 {slow_tau:g}")
    ax.set_yscale("log")
    ax.set_xticks(modes[::2] if len(modes) > 8 else modes)
    ax.set_xlabel("mode (slowest first)")
    ax.set_ylabel("time constant \u03c4 (tokens)")
    ax.legend(loc="best", fontsize=6, frameon=True, framealpha=0.85, edgecolor="none")


def integration_figure(projection_path: PathLike, spectrum_path: PathLike,
                       summary_path: PathLike, pdf_path: PathLike | None,
                       png_path: PathLike | None, *, dataset: str | None = None,
                       arch: str | None = None) -> None:
    """Read one cell's integration tables and write the figure as PDF and PNG."""
    from ..io import read_parquet

    fig = plot_integration(read_parquet(projection_path), read_parquet(spectrum_path),
                           read_parquet(summary_path), dataset=dataset, arch=arch)
    save_figure(fig, pdf_path, png_path)
