"""Figure 5: the linearised network reproduces the nonlinear one.

(a) the readout w . h_t along an example document, nonlinear vs fully linearised around the
nearest fixed points; (b) the same two trajectories on the top two PCs of the visited states;
(c) the one-step relative errors ||h_t - h_lin|| / ||h_t|| over all tokens (log axis), with the
median and the test accuracy of both networks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .common import PathLike, has_rows, pc_plane, read_table, save_figure, stack
from .style import (
    ACCENT,
    FULL_WIDTH,
    LABEL_COLOURS,
    LABEL_NAMES,
    MUTED,
    cell_title,
    empty_panel,
    new_figure,
    panel,
)

NO_LINEARISED = ("No linearisation: no fixed points were kept, so there is nothing to "
                 "expand around")


def _example(lin: pd.DataFrame) -> pd.DataFrame:
    """Rows of the first example document (or of the first document when none is marked)."""
    if "example" in lin and lin["example"].any():
        doc = lin.loc[lin["example"].astype(bool), "doc"].iloc[0]
    else:
        doc = lin["doc"].iloc[0]
    return lin[lin["doc"] == doc].sort_values("t")


def _readout_panel(ax: Axes, lin: pd.DataFrame) -> None:
    title = "Readout"
    if not has_rows(lin, "doc", "t", "readout_nonlinear", "readout_linearised"):
        empty_panel(ax, NO_LINEARISED, letter="a", title=title)
        return
    ex = _example(lin)
    panel(ax, "a", f"Readout, document {int(ex['doc'].iloc[0])}")
    label = int(ex["label"].iloc[0]) if "label" in ex else -1
    colour = LABEL_COLOURS.get(label, ACCENT)
    ax.axhline(0, color=MUTED, lw=0.6, zorder=0)
    ax.plot(ex["t"], ex["readout_nonlinear"], color=colour, lw=1.4, label="nonlinear RNN")
    ax.plot(ex["t"], ex["readout_linearised"], color=ACCENT, lw=1.0, ls="--",
            label="linearised")
    ax.set_xlabel("token position t (tokens)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))      # tokens come in whole numbers
    ax.set_ylabel(r"readout $w \cdot h_t$")
    ax.legend(loc="best", fontsize=6.5, title=f"label: {LABEL_NAMES.get(label, label)}",
              title_fontsize=6.5)


def _state_panel(ax: Axes, lin: pd.DataFrame, states: pd.DataFrame | None) -> None:
    title = "Its states, PC plane"
    ok = has_rows(lin, "h_nonlinear", "h_linearised")
    ex = _example(lin) if ok else pd.DataFrame()
    if not ok or ex["h_nonlinear"].isna().all():
        empty_panel(ax, NO_LINEARISED if not len(lin) else
                    "No example states stored\n(linearised table without h columns)",
                    letter="b", title=title)
        return
    h_nl, h_li = stack(ex["h_nonlinear"]), stack(ex["h_linearised"])
    plane = pc_plane(states) if has_rows(states, "h") else None
    basis = "visited states"
    if plane is None:
        plane = pc_plane(pd.DataFrame({"h": list(h_nl)}))
        basis = "example trajectory"
    if plane is None:
        empty_panel(ax, "Too few states to project", letter="b", title=title)
        return
    panel(ax, "b", title)
    if has_rows(states, "h"):
        rng = np.random.default_rng(0)
        rows = rng.choice(len(states), size=min(len(states), 4000), replace=False)
        bg = plane.project(stack(states["h"].iloc[np.sort(rows)]))
        ax.scatter(bg[:, 0], bg[:, 1], s=2, lw=0, color=MUTED, alpha=0.25, rasterized=True)
    label = int(ex["label"].iloc[0]) if "label" in ex else -1
    colour = LABEL_COLOURS.get(label, ACCENT)
    p_nl, p_li = plane.project(h_nl), plane.project(h_li)
    ax.plot(p_nl[:, 0], p_nl[:, 1], color=colour, lw=1.4, marker="o", ms=2)
    ax.plot(p_li[:, 0], p_li[:, 1], color=ACCENT, lw=1.0, ls="--", marker="x", ms=2.5)
    for p, c in ((p_nl, colour), (p_li, ACCENT)):
        ax.plot(*p[-1], marker="o", ms=5, mfc=c, mec="white", mew=0.8)
    handles = [Line2D([], [], color=colour, lw=1.4, marker="o", ms=2, label="nonlinear RNN"),
               Line2D([], [], color=ACCENT, lw=1.0, ls="--", marker="x", ms=2.5,
                      label="linearised")]
    if basis == "visited states":
        handles.append(Line2D([], [], ls="", marker="o", ms=3, color=MUTED,
                              label="visited states"))
    ax.legend(handles=handles, loc="best", fontsize=6)
    ax.set_xlabel(plane.label(0) + ("" if basis == "visited states" else " of example"))
    ax.set_ylabel(plane.label(1))


def _error_panel(ax: Axes, lin: pd.DataFrame) -> None:
    title = "One-step error"
    if not has_rows(lin, "one_step_error"):
        empty_panel(ax, NO_LINEARISED, letter="c", title=title)
        return
    err = lin["one_step_error"].to_numpy(np.float64)
    err = err[np.isfinite(err) & (err > 0)]
    if not len(err):
        empty_panel(ax, "No finite positive one-step errors", letter="c", title=title)
        return
    panel(ax, "c", title)
    lo, hi = np.log10(err.min()), np.log10(err.max())
    if hi - lo < 1e-6:
        lo, hi = lo - 0.5, hi + 0.5
    bins = np.logspace(lo, hi, 41)
    ax.hist(err, bins=bins, color="#6a51a3", alpha=0.75)
    med = float(np.median(err))
    ax.axvline(med, color=ACCENT, ls="--", lw=1.0, label=f"median {med:.2g}")
    ax.set_xscale("log")
    ax.set_xlabel(r"relative error $\|h_t - h_t^{lin}\| / \|h_t\|$")
    ax.set_ylabel("tokens (count)")
    acc = {name: float(lin[col].iloc[0]) for col, name in
           (("accuracy_nonlinear", "nonlinear"), ("accuracy_linearised", "linearised"))
           if col in lin and np.isfinite(lin[col].iloc[0])}
    n_docs = lin["doc"].nunique() if "doc" in lin else 0
    handles = [Line2D([], [], color=ACCENT, ls="--", label=f"median {med:.2g}"),
               Line2D([], [], ls="", label=f"{len(err)} tokens, {n_docs} docs")]
    handles += [Line2D([], [], ls="", label=f"accuracy {name}: {100 * a:.1f}%")
                for name, a in acc.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=6,
              handlelength=1.2)


def fig5(linearised: pd.DataFrame, *, states: pd.DataFrame | None = None,
         title: str = "Fig. 5") -> Figure:
    """Nonlinear vs linearised dynamics.

    Args:
        linearised: the linearised table (``doc, t, label, one_step_error, readout_*,
            accuracy_*, example, h_nonlinear, h_linearised``).
        states: the states table, for the PC plane of (b); without it, the plane of the
            example trajectory itself.
    """
    fig = new_figure(FULL_WIDTH, 2.5)
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.25]})
    _readout_panel(axes[0], linearised)
    _state_panel(axes[1], linearised, states)
    _error_panel(axes[2], linearised)
    fig.suptitle(title)
    return fig


def plot_fig5(linearised: PathLike, states: PathLike | None, pdf: PathLike, png: PathLike, *,
              dataset: str | None = None, arch: str | None = None) -> Figure:
    fig = fig5(read_table(linearised), states=read_table(states) if states else None,
               title=cell_title("Fig. 5: linearised dynamics", dataset, arch))
    save_figure(fig, pdf, png)
    return fig
