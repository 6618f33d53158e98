"""Figures of both papers, one module per figure.

Each module has a pure ``figN(tables..., *, title=...) -> matplotlib.figure.Figure`` that takes
DataFrames (any may be empty: the panel then says why in words) and a file-level wrapper
``plot_figN(input paths..., pdf, png, **params)`` for the workflow scripts, which reads the
Parquet tables, draws and writes PDF + PNG atomically (:func:`.common.save_figure`). Figures
are built without pyplot (no GUI backend, no global figure registry); the seaborn theme and the
colours that carry meaning live in :mod:`.style`.

Each figure rule has its own script, calling its module's ``plot_figN``; rules carry the hash
of the code their script imports (``versioning.script_code_hash``), so editing a figure's
module redraws that figure and no other. Figures read tables only: what they show is computed
by the stages (the word-effect plane of Fig. 4 by the word-effects stage, h0 and the readout
recorded by the geometry stage, the Fig. 6 numbers by the line-attractor table).
"""

from .common import save_figure
from .context import context_figure, plot_context
from .fig2 import fig2, plot_fig2
from .fig3 import fig3, plot_fig3
from .fig4 import WordCloud, fig4, plot_fig4, word_effect_cloud
from .fig5 import fig5, plot_fig5
from .fig6 import fig6, plot_fig6
from .style import use_style

__all__ = [
    "WordCloud",
    "context_figure",
    "fig2",
    "fig3",
    "fig4",
    "fig5",
    "fig6",
    "plot_context",
    "plot_fig2",
    "plot_fig3",
    "plot_fig4",
    "plot_fig5",
    "plot_fig6",
    "save_figure",
    "use_style",
    "word_effect_cloud",
]
