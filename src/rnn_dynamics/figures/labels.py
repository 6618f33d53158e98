"""Place point labels so that none overlaps another text or leaves its axes.

Labels are tried at a few offsets around their point, in order; one that fits nowhere is left
out rather than drawn over something (the caller gets the ones placed). Works on a figure whose
layout has settled: the labels are kept out of the layout so placing them moves nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import Bbox

OFFSETS = ((4, 4), (4, -10), (-4, 4), (-4, -10), (0, 9), (0, -14), (10, -3), (-10, -3))


def renderer_of(fig):
    """An Agg renderer for ``fig`` (attaching an Agg canvas to a pyplot-free figure)."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def text_boxes(fig, renderer) -> list[Bbox]:
    """Display-space boxes of every visible, non-empty text in ``fig``."""
    boxes = []
    for text in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent")):
        if text.get_visible() and str(text.get_text()).strip() and text.figure is not None:
            boxes.append(text.get_window_extent(renderer))
    return boxes


def place_labels(ax: Axes, xy: Sequence[tuple[float, float]], labels: Sequence[str], *,
                 avoid: Sequence[Bbox] = (), **text_kw) -> list:
    """Annotate ``xy[i]`` with ``labels[i]`` where a free spot exists; returns the placed
    annotations. ``avoid`` holds display-space boxes already taken (legends, titles)."""
    fig = ax.figure
    renderer = renderer_of(fig)
    inside = ax.get_window_extent(renderer)
    taken = list(avoid)
    placed = []
    for (x, y), label in zip(xy, labels):
        for dx, dy in OFFSETS:
            ann = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points",
                              ha="left" if dx >= 0 else "right", annotation_clip=True,
                              **text_kw)
            ann.set_in_layout(False)
            box = ann.get_window_extent(renderer)
            fits = (inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1)
                    and not any(box.overlaps(other) for other in taken))
            if fits:
                taken.append(box)
                placed.append(ann)
                break
            ann.remove()
    return placed
