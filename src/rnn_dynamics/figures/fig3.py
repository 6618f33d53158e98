"""Figure 3: the linearised dynamics at the fixed points have one slow mode.

(a) eigenvalues of J_rec at three fixed points (theta nearest -1, 0 and +1) in the complex
plane, with the unit circle and a zoom on lambda = 1; (b) the time constants
tau = 1 / |log |lambda|| of the three slowest modes (tau order; growing ones flagged) along the manifold (log
axis, tokens), with the integrating mode's tau ringed (it need not be mode 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .common import NO_FIXED_POINTS, PathLike, finite, has_rows, read_table, save_figure, stack
from .style import (
    ACCENT,
    FULL_WIDTH,
    MUTED,
    NEGATIVE,
    POSITIVE,
    cell_title,
    empty_panel,
    new_figure,
    panel,
)

MODE_COLOURS = ("#1a1a1a", "#6a51a3", "#9ecae1")
# The three fixed points of panel (a): the negative end, the middle and the positive end of the
# manifold, each with its own colour and marker so that overlapping spectra stay apart.
PICK_STYLES = ((NEGATIVE, "o"), ("#e08e0b", "s"), (POSITIVE, "D"))


def tau_cap(finite_tau: np.ndarray) -> float:
    """Where an infinite tau (|lambda| = 1 exactly) is drawn: one decade above every finite
    tau, at a power of ten, so it always sits on top of the axis (at least 1e6)."""
    vals = np.asarray(finite_tau, dtype=np.float64)
    vals = vals[np.isfinite(vals) & (vals > 0)]
    top = vals.max() if len(vals) else 1.0
    return float(10.0 ** max(6, int(np.ceil(np.log10(top))) + 1))


def _with_theta(spectra: pd.DataFrame, geometry: pd.DataFrame) -> pd.DataFrame:
    """Spectra rows with their theta (nan when the geometry table lacks the point)."""
    out = spectra.reset_index(drop=True).copy()
    if has_rows(geometry, "start_index", "theta"):
        theta = geometry.drop_duplicates("start_index").set_index("start_index")["theta"]
        out["theta"] = theta.reindex(out["start_index"]).to_numpy(np.float64)
    else:
        out["theta"] = np.nan
    return out


def pick_points(table: pd.DataFrame, targets=(-1.0, 0.0, 1.0)) -> list[int]:
    """Row positions of the fixed points whose theta is nearest each target (distinct when
    possible); without theta, the first, middle and last rows."""
    n = len(table)
    theta = table["theta"].to_numpy(np.float64) if "theta" in table else np.full(n, np.nan)
    if not np.isfinite(theta).any():
        return sorted(set(np.linspace(0, n - 1, min(3, n)).round().astype(int).tolist()))
    free = np.isfinite(theta)
    picks = []
    for target in targets:
        if not free.any():
            break
        dist = np.where(free, np.abs(theta - target), np.inf)
        k = int(np.argmin(dist))
        picks.append(k)
        free[k] = False
    return picks


def _eigen_panel(ax: Axes, zoom: Axes, key: Axes, table: pd.DataFrame) -> None:
    """Spectra in the complex plane (``ax``), the zoom on lambda = 1 beside it (``zoom``)
    and the legend in its own box (``key``), so neither covers an eigenvalue."""
    title = "Eigenvalues at 3 fixed points"
    key.set_axis_off()
    if not has_rows(table, "eigvals_real", "eigvals_imag"):
        empty_panel(ax, NO_FIXED_POINTS, letter="a", title=title)
        zoom.set_axis_off()
        return
    panel(ax, "a", title)
    circle = np.linspace(0, 2 * np.pi, 400)
    for a in (ax, zoom):
        a.plot(np.cos(circle), np.sin(circle), color=MUTED, lw=0.8, ls="--", zorder=0)
        a.axhline(0, color=MUTED, lw=0.4, zorder=0)
        a.axvline(0, color=MUTED, lw=0.4, zorder=0)
    handles, reach, spectra = [], 1.15, []
    zoom.set_label("zoom")                # a zoom clips by design (see tests/figure_layout)
    # decreasing sizes: spectra that coincide show as nested markers instead of hiding
    for (colour, marker), size, k in zip(PICK_STYLES, (1.0, 0.6, 0.3), pick_points(table)):
        row = table.iloc[k]
        re, im = np.asarray(row["eigvals_real"]), np.asarray(row["eigvals_imag"])
        reach = max(reach, 1.08 * float(np.nanmax(np.abs(np.concatenate([re, im])))))
        label = (rf"$\theta$ = {row['theta']:+.2f}" if np.isfinite(row["theta"])
                 else f"fixed point {int(row['start_index'])}")
        spectra.append(re + 1j * im)
        for a, base in ((ax, 24), (zoom, 30)):
            a.scatter(re, im, s=base * size, color=colour, marker=marker, alpha=0.8, lw=0.3,
                      edgecolors="white")
        handles.append(Line2D([], [], ls="", marker=marker, ms=5 * size ** 0.5 + 1.5,
                              color=colour, label=label))
    zoom.set_xlim(0.88, 1.03)
    zoom.set_ylim(-0.08, 0.08)
    zoom.set_xticks([0.9, 1.0])
    zoom.set_yticks([-0.05, 0, 0.05])
    zoom.tick_params(labelsize=5.5, pad=1)
    zoom.set_title(r"near $\lambda$ = 1", fontsize=6.5, fontweight="normal", loc="left")
    ax.set_aspect("equal")
    ax.set_xlim(-reach, reach)               # every eigenvalue in view, unstable ones too
    ax.set_ylim(-reach, reach)
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    same = len(spectra) > 1 and all(
        len(z) == len(spectra[0]) and np.allclose(np.sort_complex(z), np.sort_complex(spectra[0]),
                                                  atol=1e-3) for z in spectra[1:])
    key.legend(handles=handles, loc="upper left", fontsize=6, handletextpad=0.2,
               borderaxespad=0, title="fixed point" + ("\n(identical spectra,\nmarkers nested)"
                                                       if same else ""))


def _tau_panel(ax: Axes, table: pd.DataFrame, n_modes: int) -> None:
    title = "Slowest time constants"
    if not has_rows(table, "tau"):
        empty_panel(ax, NO_FIXED_POINTS, letter="b", title=title)
        return
    panel(ax, "b", title)
    tau = stack(table["tau"])[:, :n_modes]
    theta = table["theta"].to_numpy(np.float64)
    x_label = r"$\theta$ (position along the manifold, LLE)"
    if not np.isfinite(theta).any():                   # no geometry: order by readout of tau1
        theta = np.argsort(np.argsort(tau[:, 0])).astype(float)
        x_label = "fixed point (ordered by $\\tau_1$)"
    capped = np.isposinf(tau)
    cap = tau_cap(tau)
    tau = finite(tau, cap=cap)
    for k in reversed(range(tau.shape[1])):          # slowest mode drawn on top
        colour = MODE_COLOURS[k % len(MODE_COLOURS)]
        ok = ~capped[:, k]
        ax.scatter(theta[ok], tau[ok, k], s=12, color=colour, alpha=0.85, lw=0.3,
                   edgecolors="white", label=rf"$\tau_{k + 1}$")
        if (~ok).any():
            ax.scatter(theta[~ok], tau[~ok, k], marker="^", s=18, color=colour)
    if has_rows(table, "integrator_tau"):            # the integrating mode need not be mode 1
        tau_int = table["integrator_tau"].to_numpy(np.float64)
        ok = ~np.isnan(tau_int)
        ax.scatter(theta[ok], finite(tau_int[ok], cap=cap), s=34, facecolors="none",
                   edgecolors=ACCENT, lw=0.9, label="integrating", zorder=3)
    ax.set_yscale("log")
    ax.set_xlabel(x_label)
    ax.set_ylabel(r"time constant $\tau$ (tokens)")
    handles, labels = ax.get_legend_handles_labels()
    if capped.any():
        ax.axhline(cap, color=MUTED, lw=0.6, ls=":", zorder=0)
        bottom = ax.get_ylim()[0]
        ax.set_ylim(bottom, cap * 3)
        ticks = [t for t in ax.get_yticks() if bottom <= t < cap / 3]
        ax.set_yticks(ticks + [cap], [f"$10^{{{int(np.log10(t))}}}$" for t in ticks]
                      + [r"$\infty$"])
        ax.minorticks_off()
        handles = [*handles, Line2D([], [], ls="", marker="^", ms=4, color=MUTED)]
        labels = [*labels, r"|$\lambda$| = 1:" + "\n" + r"$\tau$ = $\infty$"]
    order = list(range(len(handles)))
    if capped.any():
        order = order[:-1][::-1] + order[-1:]
    else:
        order = order[::-1]
    ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="upper left",
              bbox_to_anchor=(1.0, 1.0),
              title="mode", fontsize=7, handletextpad=0.1)


def fig3(spectra: pd.DataFrame, geometry: pd.DataFrame, *, n_modes: int = 3,
         title: str = "Fig. 3") -> Figure:
    """Eigenvalues at three fixed points and time constants along the manifold.

    Args:
        spectra: the spectra table (``start_index, eigvals_real, eigvals_imag, tau``).
        geometry: the geometry table (``start_index, theta``); may be empty.
    """
    table = (_with_theta(spectra, geometry) if has_rows(spectra, "start_index")
             else pd.DataFrame())
    fig = new_figure(FULL_WIDTH, 2.9)
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 0.42, 1.25], height_ratios=[1, 1])
    main, zoom, key = (fig.add_subplot(grid[:, 0]), fig.add_subplot(grid[0, 1]),
                       fig.add_subplot(grid[1, 1]))
    _eigen_panel(main, zoom, key, table)
    _tau_panel(fig.add_subplot(grid[:, 2]), table, n_modes)
    fig.suptitle(title)
    return fig


def plot_fig3(spectra: PathLike, geometry: PathLike, pdf: PathLike, png: PathLike, *,
              dataset: str | None = None, arch: str | None = None, n_modes: int = 3) -> Figure:
    fig = fig3(read_table(spectra), read_table(geometry), n_modes=n_modes,
               title=cell_title("Fig. 3: linearised dynamics at the fixed points", dataset, arch))
    save_figure(fig, pdf, png)
    return fig
