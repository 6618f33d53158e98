"""Contextual-processing figure (Maheswaranathan & Sussillo, ICML 2020), one grid cell.

(a) the words with the strongest contextual effect (modifier score), coloured by kind;
(b) each top modifier's gain on a valence word read ``gap`` neutral tokens later (1 = no
effect, < 0 = flipped); (c) variance of the modifiers' deflections per principal axis of the
modifier subspace; (d) position effects: gain of a valence word near the start of a review
(from h0, and from the attractor as control) and near its end; (e) test accuracy of plain and
augmented bags of words next to the RNN; (f) the causal test: modifier effect left after
projecting out the modifier subspace vs a random subspace of the same dimension, with the
test accuracy of each perturbed network.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .common import PathLike, has_rows, read_table, save_figure
from .style import (
    ACCENT,
    FULL_WIDTH,
    KIND_COLOURS,
    MUTED,
    NEUTRAL,
    cell_title,
    empty_panel,
    new_figure,
    panel,
)

KIND_ORDER = ("negator", "intensifier", "attenuator", "none")
ORIGIN_STYLE = {"h0": ("#e08e0b", "from $h_0$ (start)"),
                "attractor": (NEUTRAL, "from attractor (control)"),
                "end": ("#6a51a3", "before the end")}
# Short tick labels; the caption spells them out (each adds to plain BoW presence features).
VARIANT_NAMES = {"bow": "BoW", "bow_counts": "+counts", "augmented_modifiers": "+modifiers",
                 "augmented": "+modifiers\n+position"}
SUBSPACE_COLOURS = {"modifier": "#c0392b", "random": MUTED}
MODE_NAMES = {"after_modifiers": "after modifier\ntokens", "every_step": "after every\ntoken"}


def _kinds(modifiers: pd.DataFrame) -> dict[str, str]:
    if not has_rows(modifiers, "token", "kind"):
        return {}
    return dict(zip(modifiers["token"], modifiers["kind"]))


def _modifier_panel(ax: Axes, modifiers: pd.DataFrame, n_top: int) -> None:
    title = "Strongest modifiers"
    if not has_rows(modifiers, "token", "score"):
        empty_panel(ax, "No modifier table rows", letter="a", title=title)
        return
    panel(ax, "a", title)
    top = modifiers.sort_values("score", ascending=False).head(n_top).iloc[::-1]
    kinds = top["kind"] if "kind" in top else pd.Series("none", index=top.index)
    colours = [KIND_COLOURS.get(k, MUTED) for k in kinds]
    y = np.arange(len(top))
    ax.barh(y, top["score"], color=colours, height=0.7)
    ax.set_yticks(y, top["token"].astype(str))
    ax.tick_params(axis="y", labelsize=6.5, length=0)
    if "ratio" in top:
        for yi, (score, ratio) in enumerate(zip(top["score"], top["ratio"])):
            if np.isfinite(ratio):
                ax.text(score, yi, f" \u00d7{ratio:+.2f}", va="center", fontsize=5.5,
                        color="#444444")
    ax.set_xlim(0, float(np.nanmax(top["score"])) * 1.35 if len(top) else 1)
    ax.set_xlabel("modifier score (|gain - 1| of\nthe next valence word)")
    present = [k for k in KIND_ORDER if k in set(kinds)]
    ax.legend(handles=[Patch(color=KIND_COLOURS[k], label=k) for k in present],
              loc="upper center", bbox_to_anchor=(0.5, -0.42), fontsize=6, ncol=2,
              borderaxespad=0)


KIND_SHORT = {"negator": "neg.", "intensifier": "int.", "attenuator": "att.", "none": "none"}


def _dynamics_panel(ax: Axes, dynamics: pd.DataFrame, kinds: dict[str, str]) -> None:
    title = "Modifier effect vs distance"
    if not has_rows(dynamics, "token", "gap", "gain"):
        empty_panel(ax, "No modifier dynamics\n(no modifiers found)", letter="b", title=title)
        return
    panel(ax, "b", title)
    ax.axhline(1, color=MUTED, ls="--", lw=0.8)
    ax.axhline(0, color=MUTED, lw=0.5)
    markers = "osD^vP*X"
    tokens = list(dict.fromkeys(dynamics["token"]))
    # one colour per word (a word is told apart by colour and marker); the kind is in the legend
    palette = sns.color_palette("tab10" if len(tokens) <= 10 else "tab20", len(tokens))
    for k, token in enumerate(tokens):
        grp = dynamics[dynamics["token"] == token].sort_values("gap")
        kind = kinds.get(token, "none")
        ax.plot(grp["gap"], grp["gain"], color=palette[k], marker=markers[k % len(markers)],
                ms=3, lw=1.0, label=f"{token} ({KIND_SHORT.get(kind, kind)})")
    ax.set_xlabel("neutral tokens after the modifier")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("gain of a valence word\n(1 = no effect, <0 = flipped)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize=5.5,
              ncol=3 if len(tokens) > 4 else 2, handlelength=1.6, columnspacing=0.8,
              borderaxespad=0)


def _subspace_panel(ax: Axes, subspace: pd.DataFrame, n_axes: int = 10) -> None:
    title = "Modifier subspace"
    if not has_rows(subspace, "component", "variance_ratio"):
        empty_panel(ax, "No modifier subspace\n(no modifiers found)", letter="c", title=title)
        return
    panel(ax, "c", title)
    sub = subspace.sort_values("component").head(n_axes)
    x = sub["component"].to_numpy() + 1
    inside = sub["in_subspace"].astype(bool).to_numpy() if "in_subspace" in sub else \
        np.zeros(len(sub), bool)
    ax.bar(x, sub["variance_ratio"], color=np.where(inside, "#c0392b", MUTED), width=0.7)
    if "cumulative" in sub:
        ax.plot(x, sub["cumulative"], color=ACCENT, marker="o", ms=2.5, lw=1.0)
    dim = int(sub["dim"].iloc[0]) if "dim" in sub else int(inside.sum())
    ax.axvline(dim + 0.5, color=ACCENT, ls=":", lw=0.8)
    ax.set_ylim(0, 1.05)
    ax.set_xticks(x)
    ax.set_xlabel("principal axis (deflections)")
    ax.set_ylabel("fraction of deflection variance")
    notes = [f"dim = {dim}"]
    if "r1_in_subspace" in sub and np.isfinite(sub["r1_in_subspace"].iloc[0]):
        notes.append(rf"$\|Q^\top r_1\|^2$ = {sub['r1_in_subspace'].iloc[0]:.2f}")
    ax.legend(handles=[Patch(color="#c0392b", label="in subspace"),
                       Patch(color=MUTED, label="outside"),
                       Line2D([], [], color=ACCENT, marker="o", ms=2.5, label="cumulative")],
              loc="center right", bbox_to_anchor=(1.0, 0.3), fontsize=6,
              title=", ".join(notes), title_fontsize=6)


def _position_panel(ax: Axes, position: pd.DataFrame) -> None:
    title = "Position effects"
    if not has_rows(position, "origin", "offset", "gain"):
        empty_panel(ax, "No position table rows", letter="d", title=title)
        return
    panel(ax, "d", title)
    ax.axhline(1, color=MUTED, ls="--", lw=0.8)
    for origin, (colour, name) in ORIGIN_STYLE.items():
        grp = position[position["origin"] == origin].sort_values("offset")
        if len(grp):
            ax.plot(grp["offset"], grp["gain"], color=colour, marker="o", ms=2.5, lw=1.1,
                    label=name)
    ax.set_xlabel("tokens from the start / to the end (tokens)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("gain of a valence word")
    handles, labels = ax.get_legend_handles_labels()
    if has_rows(position, "h0_subspace_fraction", "random_fraction"):
        frac = position["h0_subspace_fraction"].iloc[0]
        rand = position["random_fraction"].iloc[0]
        if np.isfinite(frac):
            handles.append(Line2D([], [], ls=""))
            labels.append(f"$h_0$ in modifier subspace: {frac:.2f}\n(random direction: "
                          f"{rand:.2f})")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 1.3 * (hi - lo))                 # room for the legend above the lines
    ax.legend(handles, labels, loc="upper left", fontsize=5.5, handlelength=1.5)


def _accuracy_panel(ax: Axes, augmented: pd.DataFrame) -> None:
    title = "Bag-of-words vs RNN"
    if not has_rows(augmented, "model", "test_acc"):
        empty_panel(ax, "No augmented-BoW table rows", letter="e", title=title)
        return
    panel(ax, "e", title)
    names, values, colours = [], [], []
    for _, row in augmented.iterrows():
        names.append(VARIANT_NAMES.get(row["model"], str(row["model"])))
        values.append(float(row["test_acc"]))
        colours.append("#9ecae1" if str(row["model"]).startswith("bow") else "#3182bd")
    if "rnn_test_acc" in augmented and np.isfinite(augmented["rnn_test_acc"].iloc[0]):
        names.append("RNN")
        values.append(float(augmented["rnn_test_acc"].iloc[0]))
        colours.append(ACCENT)
    y = np.arange(len(values))[::-1]              # first variant on top, horizontal bars
    ax.barh(y, values, color=colours, height=0.7)
    for yi, v in zip(y, values):
        ax.text(v + 0.005, yi, f"{100 * v:.1f}", ha="left", va="center", fontsize=5.5)
    lo = max(0.0, min(values) - 0.1) if values else 0.0
    ax.set_xlim(np.floor(lo * 10) / 10, 1.08)
    ax.set_yticks(y, [n.replace("\n", " ") for n in names], fontsize=6)
    ax.set_xlabel("test accuracy")
    if "gap_recovered" in augmented:
        gap = augmented.set_index("model")["gap_recovered"]
        best = "augmented" if "augmented" in gap else None
        if best and np.isfinite(gap[best]):
            ax.set_xlabel(f"test accuracy\n(BoW\u2192RNN gap recovered: {100 * gap[best]:.0f}%)")


def _perturbation_panel(ax: Axes, perturbation: pd.DataFrame) -> None:
    title = "Causal test"
    if not has_rows(perturbation, "condition", "subspace", "mode", "gain", "accuracy"):
        empty_panel(ax, "No perturbation table rows", letter="f", title=title)
        return
    panel(ax, "f", title)
    base = perturbation[perturbation["condition"] == "none"]
    ref = (base["gain"] - 1).abs().mean() if len(base) else np.nan
    if not np.isfinite(ref) or ref <= 0:
        ref = (perturbation["gain_unperturbed"] - 1).abs().mean()
    modes = [m for m in MODE_NAMES if m in set(perturbation["mode"])]
    width = 0.38
    for j, sub in enumerate(("modifier", "random")):
        for i, mode in enumerate(modes):
            grp = perturbation[(perturbation["subspace"] == sub) & (perturbation["mode"] == mode)]
            if not len(grp):
                continue
            left = float((grp["gain"] - 1).abs().mean() / ref) if ref > 0 else np.nan
            xi = i + (j - 0.5) * width
            ax.bar(xi, left, width=width * 0.95, color=SUBSPACE_COLOURS[sub],
                   label=f"{sub} subspace" if i == 0 else None)
            y = left + 0.03
            if y < 1.0 < y + 0.4:                 # keep the label off the dashed line at 1
                y = 1.05
            ax.text(xi, y, f"acc\n{100 * grp['accuracy'].iloc[0]:.0f}%",
                    ha="center", va="bottom", fontsize=5.5)
    ax.axhline(1, color=ACCENT, ls="--", lw=0.8)
    ax.set_xticks(np.arange(len(modes)), [MODE_NAMES[m] for m in modes], fontsize=6)
    ax.set_ylabel("modifier effect left\n(mean |gain\u22121|, 1 = intact)")
    ax.set_ylim(0, max(1.8, ax.get_ylim()[1] * 1.5))
    acc0 = base["accuracy"].iloc[0] if len(base) else np.nan
    handles, labels = ax.get_legend_handles_labels()
    if np.isfinite(acc0):
        handles.append(Line2D([], [], color=ACCENT, ls="--"))
        labels.append(f"unperturbed (acc {100 * acc0:.0f}%)")
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.25), fontsize=6,
              ncol=2, borderaxespad=0, columnspacing=0.8)


def context_figure(modifiers: pd.DataFrame, dynamics: pd.DataFrame, subspace: pd.DataFrame,
                   position: pd.DataFrame, augmented: pd.DataFrame,
                   perturbation: pd.DataFrame, *, n_top: int = 12,
                   title: str = "Contextual processing") -> Figure:
    """The six context panels of one cell; any table may be empty (its panel says so).

    Tables: those of :mod:`rnn_dynamics.context.stages` (modifiers, dynamics, subspace,
    position, augmented_bow, perturbation).
    """
    fig = new_figure(FULL_WIDTH, 5.8)
    axes = fig.subplots(2, 3)
    _modifier_panel(axes[0, 0], modifiers, n_top)
    _dynamics_panel(axes[0, 1], dynamics, _kinds(modifiers))
    _subspace_panel(axes[0, 2], subspace)
    _position_panel(axes[1, 0], position)
    _accuracy_panel(axes[1, 1], augmented)
    _perturbation_panel(axes[1, 2], perturbation)
    fig.suptitle(title)
    return fig


def plot_context(modifiers: PathLike, dynamics: PathLike, subspace: PathLike,
                 position: PathLike, augmented: PathLike, perturbation: PathLike,
                 pdf: PathLike, png: PathLike, *, dataset: str | None = None,
                 arch: str | None = None, n_top: int = 12) -> Figure:
    fig = context_figure(read_table(modifiers), read_table(dynamics), read_table(subspace),
                         read_table(position), read_table(augmented), read_table(perturbation),
                         n_top=n_top,
                         title=cell_title("Contextual processing", dataset, arch))
    save_figure(fig, pdf, png)
    return fig
