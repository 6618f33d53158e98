"""Layout checks for drawn figures: no text over another text, no data outside its axes.

An axes labelled "zoom" (``ax.set_label("zoom")``) shows part of its data on purpose and is
not checked for clipping. Texts are every visible, non-empty title, label, tick label, legend entry and annotation
(matplotlib bounding boxes after a draw). Data are the offsets of scatter collections and the
vertices of lines, compared with their axes' limits.
"""

from __future__ import annotations

import itertools

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from rnn_dynamics.figures.labels import renderer_of

# Boxes may touch: overlaps of less than this many pixels (at 100 dpi) in either direction
# are rounding, not text over text.
TOLERANCE_PX = 1.0


def _tick_labels(fig: Figure) -> tuple[set[int], list[Text]]:
    """(ids of every tick-label text, the tick labels actually drawn)."""
    every, drawn = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                every |= {id(tick.label1), id(tick.label2)}
            if not axis.get_visible():
                continue
            for tick in axis._update_ticks():           # the ticks a draw shows
                drawn += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    return every, drawn


def _texts(fig: Figure) -> list[tuple[Text, object]]:
    renderer = renderer_of(fig)
    tick_ids, ticks = _tick_labels(fig)
    others = [t for t in fig.findobj(Text) if id(t) not in tick_ids]
    out = []
    for text in others + ticks:
        if not (text.get_visible() and text.get_text().strip() and text.figure is not None):
            continue
        if text.axes is not None and not text.axes.get_visible():
            continue
        out.append((text, text.get_window_extent(renderer)))
    return out


def overlapping_texts(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap by more than ``TOLERANCE_PX`` both ways."""
    boxes = _texts(fig)
    pairs = []
    for (a, ba), (b, bb) in itertools.combinations(boxes, 2):
        dx = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
        dy = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
        if dx > TOLERANCE_PX and dy > TOLERANCE_PX:
            pairs.append((a.get_text(), b.get_text()))
    return pairs


def _inside(ax: Axes, xy: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(1)]
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    eps_x, eps_y = 1e-9 * max(1.0, abs(x1 - x0)), 1e-9 * max(1.0, abs(y1 - y0))
    ok = ((xy[:, 0] >= x0 - eps_x) & (xy[:, 0] <= x1 + eps_x)
          & (xy[:, 1] >= y0 - eps_y) & (xy[:, 1] <= y1 + eps_y))
    return xy[~ok]


def clipped_points(fig: Figure) -> list[str]:
    """'axes title: n points outside' for every axes with data-space points off its limits."""
    problems = []
    for ax in fig.axes:
        if ax.get_label() == "zoom":             # a zoom inset shows part of its data on purpose
            continue
        outside = 0
        for artist in ax.get_children():
            if artist.get_transform() != ax.transData and not isinstance(artist, PathCollection):
                continue
            if isinstance(artist, PathCollection) and artist.get_offset_transform() == ax.transData:
                outside += len(_inside(ax, artist.get_offsets()))
            elif isinstance(artist, Line2D) and artist.get_transform() == ax.transData:
                if artist.get_marker() not in (None, "None", "", " "):
                    outside += len(_inside(ax, artist.get_xydata()))
        if outside:
            problems.append(f"{ax.get_title(loc='left') or ax.get_title()}: {outside} outside")
    return problems


def assert_readable(fig: Figure) -> None:
    """No text over another text and no marker outside its axes."""
    overlaps = overlapping_texts(fig)
    assert not overlaps, f"overlapping texts: {overlaps[:6]}"
    clipped = clipped_points(fig)
    assert not clipped, f"points outside their axes: {clipped}"
