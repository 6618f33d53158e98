"""Short progress lines for the person watching a run (one per epoch, one per finished job).

Library code logs them to the ``rnn_dynamics.progress`` logger; like any log record they reach
the job's log file, and inside a workflow job :func:`rnn_dynamics.workflow_glue.logged` also
sends them to the console Snakemake shows, where everything else of the job stays in its log.
"""

from __future__ import annotations

import logging

progress = logging.getLogger("rnn_dynamics.progress")


def duration(seconds: float) -> str:
    """'45 s', '3 min', '1 h 05 min': rounded for reading, not for accounting."""
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
