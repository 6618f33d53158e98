"""One look for every figure: the seaborn theme, paper sizes and the colours that mean something.

Colours are fixed by meaning, not by order of appearance, so that a reader can compare panels
and figures at a glance:

* valence: negative = red, positive = blue, neutral = grey (labels 0/1 are negative/positive);
* the LLE coordinate theta runs along the same red -> blue diverging map (``THETA_CMAP``);
* architectures keep one colour each across the summary figure (``ARCH_COLOURS``);
* modifier kinds: negator / intensifier / attenuator / none (``KIND_COLOURS``).

:func:`use_style` sets the theme once per process; the figure functions call it themselves.
Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot), so nothing is
registered with a GUI backend and no figure leaks between calls.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Widths in inches: one column and the full text width of a two-column paper.
COLUMN_WIDTH = 3.4
FULL_WIDTH = 7.0

NEGATIVE = "#c0392b"
POSITIVE = "#2166ac"
NEUTRAL = "#8c8c8c"
MUTED = "#b8b8b8"
ACCENT = "#2b2b2b"

LABEL_COLOURS: Mapping[int, str] = {0: NEGATIVE, 1: POSITIVE}
LABEL_NAMES: Mapping[int, str] = {0: "negative", 1: "positive"}
GROUP_COLOURS: Mapping[str, str] = {"negative": NEGATIVE, "positive": POSITIVE,
                                    "neutral": NEUTRAL}
THETA_CMAP = "RdBu"          # theta = -1 (negative end) red ... +1 (positive end) blue

ARCH_ORDER = ("lstm", "gru", "ugrnn", "vanilla")
ARCH_COLOURS: Mapping[str, str] = {"lstm": "#1b9e77", "gru": "#d95f02", "ugrnn": "#7570b3",
                                   "vanilla": "#e7298a"}
ARCH_NAMES: Mapping[str, str] = {"lstm": "LSTM", "gru": "GRU", "ugrnn": "UGRNN",
                                 "vanilla": "Vanilla"}
DATASET_NAMES: Mapping[str, str] = {"imdb": "IMDB", "yelp": "Yelp", "sst": "SST",
                                    "synthetic": "Synthetic", "sst5": "SST-5",
                                    "imdb_ratings": "IMDB ratings",
                                    "synthetic_categories": "Synthetic categories"}

KIND_COLOURS: Mapping[str, str] = {"negator": "#c0392b", "intensifier": "#2166ac",
                                   "attenuator": "#e08e0b", "none": MUTED}
# Trained vs untrained (random-init) networks in the PCA panels.
TRAINED = ACCENT
UNTRAINED = "#9e9e9e"

_STYLE_SET = False


def use_style() -> None:
    """Set the seaborn theme once per process (paper context, white ticks, small fonts)."""
    global _STYLE_SET
    if _STYLE_SET:
        return
    sns.set_theme(context="paper", style="ticks", palette="colorblind", font_scale=0.95, rc={
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 8,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 8,
        "legend.fontsize": 7,
        "legend.title_fontsize": 7,
        "legend.frameon": False,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "figure.titlesize": 9.5,
        "figure.titleweight": "bold",
        "figure.dpi": 100,
        "savefig.dpi": 200,
        "pdf.fonttype": 42,          # editable text in the PDF
        "lines.linewidth": 1.2,
        "image.cmap": "viridis",
    })
    _STYLE_SET = True


def new_figure(width: float, height: float) -> Figure:
    """A styled, constrained-layout figure not attached to pyplot."""
    use_style()
    return Figure(figsize=(width, height), layout="constrained")


def arch_colour(arch: str) -> str:
    return ARCH_COLOURS.get(str(arch).lower(), NEUTRAL)


def arch_name(arch: str) -> str:
    return ARCH_NAMES.get(str(arch).lower(), str(arch))


def dataset_name(dataset: str) -> str:
    return DATASET_NAMES.get(str(dataset).lower(), str(dataset))


def cell_title(prefix: str, dataset: str | None = None, arch: str | None = None) -> str:
    """'Fig. 2 - IMDB, LSTM' (or just the prefix when the cell is not named)."""
    parts = [p for p in (dataset_name(dataset) if dataset else None,
                         arch_name(arch) if arch else None) if p]
    return f"{prefix} \u2014 {', '.join(parts)}" if parts else prefix


def panel(ax: Axes, letter: str, title: str) -> None:
    """Panel letter and title, left-aligned: '(a) PCA of visited states'."""
    ax.set_title(f"({letter}) {title}")


def empty_panel(ax: Axes, message: str, *, letter: str | None = None,
                title: str | None = None, width: int = 34) -> None:
    """Keep the panel's place and say in words why there is nothing to draw."""
    if letter is not None and title is not None:
        panel(ax, letter, title)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color(MUTED)
        spine.set_linestyle((0, (3, 3)))
    lines = [w for line in message.splitlines() for w in (textwrap.wrap(line, width) or [""])]
    text = ax.text(0.5, 0.5, "\n".join(lines), transform=ax.transAxes, ha="center",
                   va="center", fontsize=7, color="#555555")
    text.set_in_layout(False)          # a long message never squeezes the panel
