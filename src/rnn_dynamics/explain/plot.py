"""The picture of an explanation: the state's path on the PC plane beside the fixed-point
manifold, what each token adds to the readout, and the position along the integrating mode."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..figures.common import PCPlane, pc_plane, save_figure
from ..figures.labels import place_labels, renderer_of, text_boxes
from ..figures.style import (
    ACCENT,
    FULL_WIDTH,
    KIND_COLOURS,
    MUTED,
    NEGATIVE,
    POSITIVE,
    empty_panel,
    new_figure,
    panel,
)
from .bundle import ModelBundle
from .trajectory import Explanation


def _plane(bundle: ModelBundle, explanations: Sequence[Explanation]) -> tuple[PCPlane, str]:
    """PCs of the visited test states when the analysis has them, else of these texts' paths."""
    if bundle.states is not None and len(bundle.states):
        plane = pc_plane(bundle.states)
        if plane is not None:
            return plane, "test states"
    import pandas as pd

    paths = np.concatenate([e.states for e in explanations])
    jitter = np.random.default_rng(0).normal(scale=1e-9, size=(3, paths.shape[1]))
    plane = pc_plane(pd.DataFrame({"h": list(np.concatenate([paths, paths[:3] + jitter]))}))
    return plane, "these paths"


def _path_panel(ax, exp: Explanation, bundle: ModelBundle, plane: PCPlane, source: str) -> None:
    panel(ax, "a", "State path")
    if bundle.has_mode:
        fp = plane.project(bundle.points)
        ax.scatter(fp[:, 0], fp[:, 1], s=10, color=MUTED, label="fixed points", zorder=1)
    p = plane.project(exp.states)
    ax.plot(p[:, 0], p[:, 1], color=ACCENT, lw=0.8, zorder=2)
    colours = np.where(exp.tokens["contribution"] >= 0, POSITIVE, NEGATIVE)
    ax.scatter(p[1:, 0], p[1:, 1], s=14, c=colours, zorder=3, label="after a token")
    ax.scatter(p[:1, 0], p[:1, 1], s=24, marker="s", color=ACCENT, zorder=3, label="start")
    ax.set_xlabel(f"{plane.label(0)}, {source}", fontsize=7)
    ax.set_ylabel(plane.label(1), fontsize=7)
    _fit_limits(ax, np.concatenate([p, fp]) if bundle.has_mode else p)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.25), ncol=3, fontsize=6,
              handletextpad=0.2, columnspacing=0.8)


def _fit_limits(ax, points: np.ndarray) -> None:
    lo, hi = points.min(0), points.max(0)
    pad = np.maximum(0.08 * (hi - lo), 1e-6)
    ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
    ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])


def _contribution_panel(ax, exp: Explanation) -> None:
    panel(ax, "b", "Readout change per token")
    t = exp.tokens
    x = np.arange(len(t))
    ax.bar(x, t["contribution"], color=np.where(t["contribution"] >= 0, POSITIVE, NEGATIVE),
           width=0.7)
    ax.axhline(0, color=ACCENT, lw=0.6)
    ax.set_xticks(x, [tok if known else f"{tok}?" for tok, known in zip(t["token"], t["known"])],
                  rotation=60, ha="right", fontsize=6)
    for label, mark in zip(ax.get_xticklabels(), t["modifier"]):
        if mark:
            label.set_color(KIND_COLOURS.get(mark.split(" ")[0], ACCENT))
            label.set_fontweight("bold")
    ax.set_ylabel("Δ logit")
    ax.set_xlim(-0.6, len(t) - 0.4)


def _mode_panel(ax, exp: Explanation, has_mode: bool) -> None:
    if not has_mode:
        empty_panel(ax, "Position along the integrating mode needs the analysis stages "
                        "(fixed_points, spectra) for this model", letter="c",
                    title="Integrating mode")
        return
    panel(ax, "c", "Integrating mode")
    t = exp.tokens
    x = np.arange(len(t) + 1)
    y = np.concatenate([[0.0], t["mode_position"].to_numpy()])
    ax.plot(x, y, color=ACCENT, marker="o", ms=2.5, lw=0.9)
    ax.axhline(0, color=MUTED, lw=0.6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("token")
    ax.set_ylabel("Σ ℓ_int · Δh (along the mode)")


def draw_explanations(explanations: Sequence[Explanation], bundle: ModelBundle,
                      png_path: str | os.PathLike, *, max_labels: int = 40) -> None:
    """One row of three panels per text, written to ``png_path`` (and nothing else)."""
    plane, source = _plane(bundle, explanations)
    n = len(explanations)
    fig = new_figure(FULL_WIDTH, 2.9 * n + 0.3)
    rows = fig.subfigures(n, 1, squeeze=False)[:, 0]
    path_axes = []
    for sub, exp in zip(rows, explanations):
        a, b, c = sub.subplots(1, 3, width_ratios=[1.1, 1.2, 0.9])
        sub.suptitle(f'"{_short(exp.text)}" → {exp.label} (P(positive) = {exp.probability:.3f})',
                     fontsize=8, x=0.01, ha="left")
        _path_panel(a, exp, bundle, plane, source)
        _contribution_panel(b, exp)
        _mode_panel(c, exp, bundle.has_mode)
        path_axes.append((a, exp))
    renderer = renderer_of(fig)
    fig.set_layout_engine("none")               # freeze the settled layout before labelling
    taken = text_boxes(fig, renderer)
    for ax, exp in path_axes:
        p = plane.project(exp.states)[1:][:max_labels]
        place_labels(ax, [tuple(v) for v in p], list(exp.tokens["token"])[:max_labels],
                     avoid=taken, fontsize=6, color=ACCENT)
    save_figure(fig, None, png_path)


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
