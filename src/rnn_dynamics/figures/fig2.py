"""Figure 2: the visited states are low-dimensional and the fixed points form a line.

(a) cumulative variance explained by the PCs of visited states, trained vs untrained network;
(b) the visited states on the top two PCs, coloured by the document's label, with one positive
and one negative example trajectory from h0, and the readout direction; (c) the kept fixed
points in the same plane, coloured by their position theta along the manifold (LLE).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..analysis.kept_points import kept_rows
from ..analysis.states import pcs_for_variance
from .common import (
    NO_FIXED_POINTS,
    NO_PCA,
    NO_STATES,
    PathLike,
    PCPlane,
    has_rows,
    pc_plane,
    read_table,
    save_figure,
    stack,
)
from .style import (
    ACCENT,
    FULL_WIDTH,
    LABEL_COLOURS,
    LABEL_NAMES,
    MUTED,
    THETA_CMAP,
    TRAINED,
    UNTRAINED,
    cell_title,
    empty_panel,
    new_figure,
    panel,
)


def _pca_panel(ax: Axes, pca: pd.DataFrame, fraction: float) -> None:
    title = "PCA of visited states"
    if not has_rows(pca, "model", "component", "cumulative", "explained_variance_ratio"):
        empty_panel(ax, NO_PCA, letter="a", title=title)
        return
    panel(ax, "a", title)
    needed = {}
    for model, colour, marker in (("trained", TRAINED, "o"), ("untrained", UNTRAINED, "s")):
        rows = pca[pca["model"] == model].sort_values("component")
        if len(rows):
            needed[model] = pcs_for_variance(rows["explained_variance_ratio"].to_numpy(),
                                             fraction)
    x_max = max(10, min(max(needed.values(), default=10) + 3,
                        int(pca["component"].max())))
    for model, colour, marker in (("trained", TRAINED, "o"), ("untrained", UNTRAINED, "s")):
        rows = pca[(pca["model"] == model) & (pca["component"] <= x_max)].sort_values("component")
        if not len(rows):
            continue
        ax.plot(rows["component"], 100 * rows["cumulative"], marker=marker, ms=3, color=colour,
                label=f"{model}: {needed[model]}")
    ax.axhline(100 * fraction, color=MUTED, ls="--", lw=0.8)
    ax.text(1, 100 * fraction + 1, f"{100 * fraction:.0f}%", ha="left", va="bottom",
            fontsize=6.5, color="#666666")
    ax.set_xlim(0.5, x_max + 0.5)
    ax.set_ylim(0, 102)
    ax.set_xlabel("number of principal components")
    ax.set_ylabel("cumulative variance explained (%)")
    ax.legend(loc="lower right", title=f"PCs for {100 * fraction:.0f}%")


def _example_docs(states: pd.DataFrame) -> list[int]:
    """One negative and one positive document of typical (median or longer) length."""
    lengths = states.groupby("doc").agg(label=("label", "first"), n=("t", "size"))
    picks = []
    for label in (0, 1):
        cand = lengths[lengths["label"] == label]
        if not len(cand):
            continue
        long_enough = cand[cand["n"] >= cand["n"].median()]
        picks.append(int(long_enough.index[0]))
    return picks


def _subsample(n: int, k: int, seed: int) -> np.ndarray:
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


def _states_panel(ax: Axes, states: pd.DataFrame, plane: PCPlane | None, h0, readout,
                  n_points: int, seed: int) -> None:
    title = "Visited states (top 2 PCs)"
    if plane is None:
        empty_panel(ax, NO_STATES, letter="b", title=title)
        return
    panel(ax, "b", title)
    rows = _subsample(len(states), n_points, seed)
    xy = plane.project(stack(states["h"].iloc[rows]))
    lab = states["label"].to_numpy()[rows]
    order = np.random.default_rng(seed).permutation(len(rows))      # no colour drawn on top
    ax.scatter(xy[order, 0], xy[order, 1], s=2, lw=0, alpha=0.25,
               c=[LABEL_COLOURS.get(int(v), MUTED) for v in lab[order]], rasterized=True)
    handles = [Line2D([], [], ls="", marker="o", ms=3, color=LABEL_COLOURS[k],
                      label=f"{LABEL_NAMES[k]} documents") for k in (0, 1)]
    start = plane.project(h0)[0] if h0 is not None else None
    for doc in _example_docs(states):
        traj = states[states["doc"] == doc].sort_values("t")
        p = plane.project(stack(traj["h"]))
        if start is not None:
            p = np.vstack([start, p])
        colour = LABEL_COLOURS.get(int(traj["label"].iloc[0]), ACCENT)
        ax.plot(p[:, 0], p[:, 1], color="white", lw=2.2, alpha=0.9)
        ax.plot(p[:, 0], p[:, 1], color=colour, lw=1.0)
        ax.plot(*p[-1], marker="o", ms=4.5, mfc=colour, mec="white", mew=0.8)
    handles.append(Line2D([], [], color=ACCENT, lw=1.0, marker="o", ms=3,
                          label="example trajectories"))
    if start is not None:
        ax.plot(*start, marker="*", ms=10, color="#f1c40f", mec=ACCENT, mew=0.6, zorder=5)
        handles.append(Line2D([], [], ls="", marker="*", ms=7, color="#f1c40f", mec=ACCENT,
                              mew=0.6, label="initial state $h_0$"))
    if readout is not None:
        d = plane.direction(readout)
        if np.linalg.norm(d) > 1e-12:
            span = np.ptp(xy, axis=0).max() if len(xy) else 1.0
            d = d / np.linalg.norm(d) * 0.3 * span
            centre = xy.mean(0) if len(xy) else np.zeros(2)
            ax.annotate("", xy=centre + d, xytext=centre, zorder=6,
                        arrowprops={"arrowstyle": "-|>", "color": ACCENT, "lw": 1.4})
            handles.append(Line2D([], [], color=ACCENT, lw=1.4, marker=">", ms=4,
                                  label="readout direction $w$"))
    ax.set_xlabel(plane.label(0))
    ax.set_ylabel(plane.label(1))
    _legend_below(ax, handles)


def _legend_below(ax: Axes, handles: list, ncol: int = 2) -> None:
    """Legends go under the panel, never over the data."""
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=ncol,
              fontsize=6, handlelength=1.5, columnspacing=1.0, borderaxespad=0)


def distinct_positions(xy: np.ndarray, span: float, resolution: float = 0.015) -> int:
    """How many separate dots ``xy`` makes when points closer than ``resolution`` of the
    panel's ``span`` merge (fixed points of a line attractor often coincide in the plane)."""
    if not len(xy):
        return 0
    cell = max(resolution * span, 1e-12)
    return len(np.unique(np.round(np.asarray(xy) / cell), axis=0))


def _fixed_point_panel(ax: Axes, fig: Figure, states: pd.DataFrame, fixed_points: pd.DataFrame,
                       geometry: pd.DataFrame, plane: PCPlane | None, n_points: int,
                       seed: int) -> None:
    title = "Fixed points"
    kept = kept_rows(fixed_points)
    if not len(kept):
        empty_panel(ax, NO_FIXED_POINTS, letter="c", title=title)
        return
    pts = stack(kept["h"])
    if plane is None:                      # no states table: the fixed points' own PCs
        plane = pc_plane(pd.DataFrame({"h": list(pts)}))
    if plane is None:
        empty_panel(ax, f"{len(pts)} fixed point(s): too few to project", letter="c",
                    title=title)
        return
    panel(ax, "c", title)
    if has_rows(states, "h"):
        rows = _subsample(len(states), n_points, seed)
        bg = plane.project(stack(states["h"].iloc[rows]))
        ax.scatter(bg[:, 0], bg[:, 1], s=2, lw=0, color=MUTED, alpha=0.25, rasterized=True)
    xy = plane.project(pts)
    theta = None
    if has_rows(geometry, "start_index", "theta"):
        theta = (geometry.set_index("start_index")["theta"]
                 .reindex(kept["start_index"]).to_numpy(np.float64))
    if theta is not None and np.isfinite(theta).any():
        order = np.argsort(theta)
        sc = ax.scatter(xy[order, 0], xy[order, 1], c=theta[order], cmap=THETA_CMAP, vmin=-1,
                        vmax=1, s=10, lw=0.3, edgecolors=ACCENT, zorder=3,
                        label=f"{len(pts)} fixed points")
        cbar = fig.colorbar(sc, ax=ax, fraction=0.06, pad=0.02)
        cbar.set_label(r"$\theta$ (LLE coordinate)", labelpad=1)
        cbar.set_ticks([-1, 0, 1])
        cbar.ax.tick_params(labelsize=6.5)
    else:
        ax.scatter(xy[:, 0], xy[:, 1], color=ACCENT, s=8, zorder=3,
                   label=f"{len(pts)} fixed points")
    ax.set_xlabel(plane.label(0))
    ax.set_ylabel(plane.label(1))
    reference = np.vstack([xy, bg]) if has_rows(states, "h") else xy
    dots = distinct_positions(xy, float(np.ptp(reference, axis=0).max()))
    label = f"{len(pts)} fixed points"
    if dots < len(pts):
        label += f", overlapping:\n{dots} distinct {'spot' if dots == 1 else 'spots'} in this plane"
    handles = [Line2D([], [], ls="", marker="o", ms=3, color=MUTED, label="visited states"),
               Line2D([], [], ls="", marker="o", ms=4, mfc="#f7f7f7", mec=ACCENT, mew=0.5,
                      label=label)]
    _legend_below(ax, handles, ncol=1)


def _shared_limits(a: Axes, b: Axes) -> None:
    """Both PC panels show the same window, wide enough for every state and fixed point."""
    x = [*a.get_xlim(), *b.get_xlim()]
    y = [*a.get_ylim(), *b.get_ylim()]
    for ax in (a, b):
        ax.set_xlim(min(x), max(x))
        ax.set_ylim(min(y), max(y))


def fig2(pca: pd.DataFrame, states: pd.DataFrame, fixed_points: pd.DataFrame,
         geometry: pd.DataFrame, *, h0: np.ndarray | None = None,
         readout: np.ndarray | None = None, fraction: float = 0.9, n_points: int = 6000,
         seed: int = 0, title: str = "Fig. 2") -> Figure:
    """Low-dimensional states and the line of fixed points of one cell.

    Args:
        pca: ``model`` ('trained'|'untrained'), ``component`` (1-based), ``cumulative``.
        states: the states table (``doc, t, label, h``).
        fixed_points: the fixed-point table (``start_index, kept, h``).
        geometry: the geometry table (``start_index, theta``); may be empty.
        h0, readout: the model's initial state and readout vector (flat [N]); optional
            (:func:`model_vectors` reads them from the geometry table).
        fraction: the variance level marked in (a).
        n_points: states drawn in the scatter (a seeded subsample).
    """
    fig = new_figure(FULL_WIDTH, 3.0)
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1.15, 1.3]})
    _pca_panel(axes[0], pca, fraction)
    plane = pc_plane(states, seed=seed)
    _states_panel(axes[1], states, plane, h0, readout, n_points, seed)
    _fixed_point_panel(axes[2], fig, states, fixed_points, geometry, plane, n_points, seed)
    if plane is not None and len(kept_rows(fixed_points)):
        _shared_limits(axes[1], axes[2])
    fig.suptitle(title)
    return fig


def model_vectors(geometry: pd.DataFrame) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(h0, readout vector) as the geometry stage recorded them; (None, None) without."""
    if not has_rows(geometry, "h0", "readout"):
        return None, None
    first = geometry.iloc[0]
    return np.asarray(first["h0"], np.float64), np.asarray(first["readout"], np.float64)


def plot_fig2(pca: PathLike, states: PathLike, fixed_points: PathLike, geometry: PathLike,
              pdf: PathLike, png: PathLike, *, dataset: str | None = None,
              arch: str | None = None, fraction: float = 0.9, n_points: int = 6000,
              seed: int = 0) -> Figure:
    """Read the cell's tables, draw, save."""
    geom = read_table(geometry)
    h0, readout = model_vectors(geom)
    fig = fig2(read_table(pca), read_table(states), read_table(fixed_points), geom, h0=h0,
               readout=readout, fraction=fraction, n_points=n_points, seed=seed,
               title=cell_title("Fig. 2: low-dimensional dynamics", dataset, arch))
    save_figure(fig, pdf, png)
    return fig
