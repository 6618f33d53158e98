"""Map a workflow figure rule to its plotting wrapper; rule inputs are named like its arguments."""

from __future__ import annotations

from typing import Mapping

from matplotlib.figure import Figure

from .context import plot_context
from .fig2 import plot_fig2
from .fig3 import plot_fig3
from .fig4 import plot_fig4
from .fig5 import plot_fig5

PLOTS = {"fig2": plot_fig2, "fig3": plot_fig3, "fig4": plot_fig4, "fig5": plot_fig5,
         "context_figure": plot_context}


def plot_figure(rule: str, tables: Mapping[str, str], pdf: str, png: str, *, dataset: str,
                arch: str, **options) -> Figure:
    """Draw the figure of workflow rule ``rule`` from its named input paths.

    ``options`` are the figure's drawing parameters (config key ``figures.<name>``).
    """
    return PLOTS[rule](**tables, pdf=pdf, png=png, dataset=dataset, arch=arch, **options)
