"""Figure 3: the linearised dynamics at the fixed points have one slow mode.

(a) eigenvalues of J_rec at three fixed points (theta nearest -1, 0 and +1) in the complex
plane, with the unit circle and a zoom on lambda = 1; (b) the time constants
tau = 1 / |log |lambda|| of the three slowest decaying or marginal modes along the manifold (log
axis, tokens), with the integrating mode's tau ringed (it need not be mode 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .common import NO_FIXED_POINTS, PathLike, finite, has_rows, read_table, save_figure, stack
from .style import ACCENT, FULL_WIDTH, MUTED, THETA_CMAP, cell_title, empty_panel, new_figure, panel

TAU_CAP = 1e6          # |lambda| = 1 exactly gives tau = inf: drawn at the cap, as a triangle
MODE_COLOURS = ("#1a1a1a", "#6a51a3", "#9ecae1")


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


def _theta_colour(theta: float) -> str:
    if not np.isfinite(theta):
        return ACCENT
    rgba = colormaps[THETA_CMAP](0.5 + 0.45 * np.clip(theta, -1, 1))   # avoid white at 0
    if abs(theta) < 0.25:
        return "#7b3294"                                                # mid-manifold: purple
    return rgba


def _eigen_panel(ax: Axes, table: pd.DataFrame) -> None:
    title = "Eigenvalues of $J_{rec}$ at 3 fixed points"
    if not has_rows(table, "eigvals_real", "eigvals_imag"):
        empty_panel(ax, NO_FIXED_POINTS, letter="a", title=title)
        return
    panel(ax, "a", title)
    circle = np.linspace(0, 2 * np.pi, 400)
    zoom = ax.inset_axes([0.02, 0.6, 0.38, 0.38])
    for a in (ax, zoom):
        a.plot(np.cos(circle), np.sin(circle), color=MUTED, lw=0.8, ls="--", zorder=0)
        a.axhline(0, color=MUTED, lw=0.4, zorder=0)
        a.axvline(0, color=MUTED, lw=0.4, zorder=0)
    for k in pick_points(table):
        row = table.iloc[k]
        re, im = np.asarray(row["eigvals_real"]), np.asarray(row["eigvals_imag"])
        colour = _theta_colour(float(row["theta"]))
        label = (rf"$\theta$ = {row['theta']:+.2f}" if np.isfinite(row["theta"])
                 else f"fixed point {int(row['start_index'])}")
        for a, s in ((ax, 10), (zoom, 14)):
            a.scatter(re, im, s=s, color=colour, alpha=0.75, lw=0.3, edgecolors="white",
                      label=label if a is ax else None)
    zoom.set_xlim(0.88, 1.03)
    zoom.set_ylim(-0.08, 0.08)
    zoom.set_xticks([0.9, 1.0])
    zoom.set_yticks([])
    zoom.tick_params(labelsize=5.5, pad=1)
    zoom.set_title(r"near $\lambda$ = 1", fontsize=6, fontweight="normal", pad=1, loc="center")
    ax.indicate_inset_zoom(zoom, edgecolor="#777777", lw=0.6)
    ax.set_aspect("equal")
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.15)
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    ax.legend(loc="lower left", fontsize=6, handletextpad=0.2, borderaxespad=0.2)


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
    tau = finite(tau, cap=TAU_CAP)
    for k in reversed(range(tau.shape[1])):          # slowest mode drawn on top
        colour = MODE_COLOURS[k % len(MODE_COLOURS)]
        ok = ~capped[:, k]
        ax.scatter(theta[ok], tau[ok, k], s=12, color=colour, alpha=0.85, lw=0.3,
                   edgecolors="white", label=rf"$\tau_{k + 1}$")
        if (~ok).any():
            ax.scatter(theta[~ok], tau[~ok, k], marker="^", s=18, color=colour)
    ax.set_yscale("log")
    ax.set_xlabel(x_label)
    ax.set_ylabel(r"time constant $\tau$ (tokens)")
    if capped.any():
        ax.text(0.98, 0.02, rf"$\blacktriangle$: |$\lambda$| = 1, $\tau$ = $\infty$ "
                f"(drawn at {TAU_CAP:.0e})", transform=ax.transAxes, ha="right", va="bottom",
                fontsize=6)
    if has_rows(table, "integrator_tau"):
        tau_int = table["integrator_tau"].to_numpy(np.float64)
        ok = ~np.isnan(tau_int)
        ax.scatter(theta[ok], finite(tau_int[ok], cap=TAU_CAP), s=34, facecolors="none",
                   edgecolors=ACCENT, lw=0.9, label="integrating", zorder=3)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0),
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
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
    _eigen_panel(axes[0], table)
    _tau_panel(axes[1], table, n_modes)
    fig.suptitle(title)
    return fig


def plot_fig3(spectra: PathLike, geometry: PathLike, pdf: PathLike, png: PathLike, *,
              dataset: str | None = None, arch: str | None = None, n_modes: int = 3) -> Figure:
    fig = fig3(read_table(spectra), read_table(geometry), n_modes=n_modes,
               title=cell_title("Fig. 3: linearised dynamics at the fixed points", dataset, arch))
    save_figure(fig, pdf, png)
    return fig
