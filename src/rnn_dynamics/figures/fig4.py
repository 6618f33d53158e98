"""Figure 4: words push the state along the line attractor's slow mode.

(a) the instantaneous effect J_inp x of positive, negative and neutral words at a central fixed
point, projected on the integrating mode's right vector r_int (``spectra``: the slow mode chosen
by its role, see :mod:`rnn_dynamics.analysis.spectra`) and the next principal axis of the
effects, with its left vector l_int (what the mode reads); (b) |r_int . m| along the manifold;
(c) the input projection l_int^T J_inp x by valence group, over all kept fixed points; (d) the
distribution of |r_int . m| against random unit vectors (null, with its 99th percentile).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..analysis.geometry import random_overlaps
from .common import NO_FIXED_POINTS, PathLike, has_rows, read_table, save_figure
from .style import (
    ACCENT,
    FULL_WIDTH,
    GROUP_COLOURS,
    MUTED,
    NEUTRAL,
    THETA_CMAP,
    cell_title,
    empty_panel,
    new_figure,
    panel,
)

GROUPS = ("negative", "neutral", "positive")
NO_WORDS = "No word effects: no kept fixed points\nor no words selected"


@dataclass
class WordCloud:
    """Word effects J_inp x at one fixed point in a 2-D plane.

    ``points``: ``token, group, x, y`` (x: along r1, y: the next principal axis of the
    effects); ``l1``: the left eigenvector l1 in the same plane (unnormalised components);
    ``theta``: where on the manifold the fixed point lies.
    """

    points: pd.DataFrame
    l1: np.ndarray
    theta: float
    start_index: int


def word_effect_cloud(word_effects: pd.DataFrame, geometry: pd.DataFrame) -> WordCloud | None:
    """The word effects at the fixed point with theta nearest 0 (the middle of the manifold),
    in the plane the word-effects stage gives each point (``along``, ``across``); None when
    the table has no such coordinates."""
    if not has_rows(word_effects, "start_index", "id", "group", "along", "across"):
        return None
    words = word_effects[np.isfinite(word_effects["along"].to_numpy(np.float64))]
    if not len(words):
        return None
    starts = pd.Index(words["start_index"].drop_duplicates())
    theta = pd.Series(np.nan, index=starts)
    if has_rows(geometry, "start_index", "theta"):
        theta = (geometry.drop_duplicates("start_index").set_index("start_index")["theta"]
                 .reindex(starts))
    pos = int(np.nanargmin(np.abs(theta.to_numpy())) if theta.notna().any() else 0)
    start = int(starts[pos])
    rows = words[words["start_index"] == start]
    points = rows[["token", "id", "group"]].assign(
        x=rows["along"].to_numpy(np.float64), y=rows["across"].to_numpy(np.float64))
    first = rows.iloc[0]
    return WordCloud(points=points.reset_index(drop=True),
                     l1=np.array([first["l_int_along"], first["l_int_across"]], np.float64),
                     theta=float(theta.iloc[pos]), start_index=start)


def _cloud_panel(ax: Axes, cloud: WordCloud | None) -> None:
    title = "Word effects $J_{inp}x$ at a fixed point"
    if cloud is None or not len(cloud.points):
        empty_panel(ax, "No word-effect cloud:\nno kept fixed point or no words",
                    letter="a", title=title)
        return
    panel(ax, "a", title)
    p = cloud.points
    ax.axhline(0, color=MUTED, lw=0.5, zorder=0)
    ax.axvline(0, color=MUTED, lw=0.5, zorder=0)
    for group in GROUPS:
        g = p[p["group"] == group]
        if len(g):
            ax.scatter(g["x"], g["y"], s=12, color=GROUP_COLOURS[group], alpha=0.8, lw=0.3,
                       edgecolors="white", label=f"{group} ({len(g)})")
    d = np.asarray(cloud.l1, dtype=np.float64)
    if np.linalg.norm(d) > 1e-12:
        # Longest multiple of l1 (in data coordinates) that stays inside the cloud's extent.
        ext = [(p[c].min(), p[c].max()) for c in ("x", "y")]
        limits = [(hi if dk > 0 else lo) / dk for dk, (lo, hi) in zip(d, ext)
                  if abs(dk) > 1e-12 * np.linalg.norm(d)]
        t = 0.8 * min([v for v in limits if v > 0], default=0.0)
        if t > 0:
            tip = t * d
            ax.annotate("", xy=tip, xytext=(0, 0), zorder=5,
                        arrowprops={"arrowstyle": "-|>", "color": ACCENT, "lw": 1.3,
                                        "shrinkA": 0, "shrinkB": 0})
            ax.text(*(1.15 * tip), r"$\ell_{int}$", fontsize=8, color=ACCENT, ha="center",
                    va="center", zorder=5)
    where = rf" (fixed point at $\theta$ = {cloud.theta:+.2f})" if np.isfinite(cloud.theta) else ""
    ax.set_xlabel(r"projection on the integrating mode $r_{int}$" + "\n" + where.strip())
    ax.set_ylabel("next PC of word effects")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=6, handletextpad=0.1,
              title="words")


def _overlap_panel(ax: Axes, geometry: pd.DataFrame) -> None:
    title = r"Slow mode along the manifold"
    if not has_rows(geometry, "theta", "r_int_overlap"):
        empty_panel(ax, NO_FIXED_POINTS, letter="b", title=title)
        return
    panel(ax, "b", title)
    ax.scatter(geometry["theta"], geometry["r_int_overlap"], c=geometry["theta"], cmap=THETA_CMAP,
               vmin=-1, vmax=1, s=14, lw=0.3, edgecolors=ACCENT, label="fixed points")
    handles = [Line2D([], [], ls="", marker="o", ms=4, mfc="#f7f7f7", mec=ACCENT,
                      label=r"$|r_{int} \cdot m|$ at a fixed point")]
    p99 = float(geometry["null_p99"].iloc[0]) if "null_p99" in geometry else np.nan
    med = float(geometry["null_median"].iloc[0]) if "null_median" in geometry else np.nan
    if np.isfinite(p99):
        ax.axhline(p99, color=NEUTRAL, ls="--", lw=0.9)
        handles.append(Line2D([], [], color=NEUTRAL, ls="--", label="random vector, 99th pct"))
    if np.isfinite(med):
        ax.axhline(med, color=NEUTRAL, ls=":", lw=0.9)
        handles.append(Line2D([], [], color=NEUTRAL, ls=":", label="random vector, median"))
    ax.set_ylim(0, 1.05)
    ax.set_xlim(-1.1, 1.1)
    ax.set_xlabel(r"$\theta$ (position along the manifold, LLE)")
    ax.set_ylabel(r"$|r_{int} \cdot m|$")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=6)


def _projection_panel(ax: Axes, word_effects: pd.DataFrame) -> None:
    """One strip of dots per word group (every word at every fixed point), with the median:
    neutral words pile up at 0 without hiding the valence groups."""
    title = r"Input projection $\ell_{int}^\top J_{inp} x$"
    if not has_rows(word_effects, "projection", "group"):
        empty_panel(ax, NO_WORDS, letter="c", title=title)
        return
    panel(ax, "c", title)
    values = word_effects["projection"].to_numpy(np.float64)
    finite = values[np.isfinite(values)]
    if not len(finite):
        empty_panel(ax, "All projections are non-finite")
        return
    rng = np.random.default_rng(0)
    present = [g for g in GROUPS if (word_effects["group"] == g).any()]
    for row, group in enumerate(present):
        g = word_effects.loc[word_effects["group"] == group, "projection"].to_numpy(np.float64)
        g = g[np.isfinite(g)]
        jitter = rng.uniform(-0.28, 0.28, size=len(g))
        ax.scatter(g, row + jitter, s=5, lw=0, alpha=0.45, color=GROUP_COLOURS[group],
                   rasterized=True)
        if len(g):
            ax.plot([np.median(g)] * 2, [row - 0.38, row + 0.38], color=ACCENT, lw=1.4)
    ax.axvline(0, color=MUTED, lw=0.6, zorder=0)
    ax.set_yticks(range(len(present)), [f"{g}" for g in present])
    ax.set_ylim(-0.6, len(present) - 0.4)
    pad = 0.05 * max(float(np.ptp(finite)), 1e-9)
    ax.set_xlim(finite.min() - pad, finite.max() + pad)
    n_fp = word_effects["start_index"].nunique() if "start_index" in word_effects else 0
    ax.set_xlabel(r"$\ell_{int}^\top J_{inp}\, x$" + "\n(change along the integrating mode per word)")
    ax.set_ylabel(f"{word_effects['id'].nunique()} words × {n_fp} fixed points")
    ax.legend(handles=[Line2D([], [], color=ACCENT, lw=1.4, label="median")],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=6)


def _null_panel(ax: Axes, geometry: pd.DataFrame) -> None:
    title = r"$|r_{int} \cdot m|$ vs random vectors"
    if not has_rows(geometry, "r_int_overlap"):
        empty_panel(ax, NO_FIXED_POINTS, letter="d", title=title)
        return
    panel(ax, "d", title)
    bins = np.linspace(0, 1, 41)
    m = geometry["m"].iloc[0] if "m" in geometry else None
    n = len(m) if m is not None else 0
    if n > 1 and np.isfinite(np.asarray(m, dtype=np.float64)).all():
        null = random_overlaps(m)
        ax.hist(null, bins=bins, density=True, color=MUTED, alpha=0.7,
                label=f"random unit vectors\n(in {n} dimensions)")
    ax.hist(geometry["r_int_overlap"].dropna(), bins=bins, density=True, color=ACCENT, alpha=0.8,
            histtype="stepfilled", label=f"{len(geometry)} fixed points")
    if "null_p99" in geometry and np.isfinite(geometry["null_p99"].iloc[0]):
        p99 = float(geometry["null_p99"].iloc[0])
        above = float((geometry["r_int_overlap"] > p99).mean())
        ax.axvline(p99, color="#e08e0b", ls="--", lw=1.0,
                   label=f"null 99th pct ({p99:.2f}):\n{100 * above:.0f}% of fixed points above")
    ax.set_xlim(0, 1)
    ax.set_xlabel(r"$|r_{int} \cdot m|$ (overlap with the manifold direction)")
    ax.set_ylabel("density")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=6)


def fig4(word_effects: pd.DataFrame, geometry: pd.DataFrame, *,
         title: str = "Fig. 4") -> Figure:
    """Word effects, the slow mode and the manifold direction.

    Args:
        word_effects: the word-effects table (``start_index, id, group, projection``, and the
            plane coordinates ``along, across, l_int_along, l_int_across`` for panel (a)).
        geometry: the geometry table (``theta, r_int_overlap, null_median, null_p99, m``).
    """
    fig = new_figure(FULL_WIDTH, 4.9)
    axes = fig.subplots(2, 2)
    _cloud_panel(axes[0, 0], word_effect_cloud(word_effects, geometry))
    _overlap_panel(axes[0, 1], geometry)
    _projection_panel(axes[1, 0], word_effects)
    _null_panel(axes[1, 1], geometry)
    fig.suptitle(title)
    return fig


def plot_fig4(word_effects: PathLike, geometry: PathLike, pdf: PathLike, png: PathLike, *,
              dataset: str | None = None, arch: str | None = None) -> Figure:
    """Read the word-effects and geometry tables, draw, save."""
    fig = fig4(read_table(word_effects), read_table(geometry),
               title=cell_title("Fig. 4: word inputs and the slow mode", dataset, arch))
    save_figure(fig, pdf, png)
    return fig
