"""What every workflow script shares: logging to the rule's log file and clean user errors."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from pathlib import Path

from .errors import RnnDynamicsError
from .progress import duration, progress
from .runtime import set_threads


def job_name(log_path: str) -> str:
    """'train synthetic/gru' from the rule's log path ``logs/train/synthetic/gru.log``."""
    parts = list(Path(log_path).with_suffix("").parts)
    if "logs" in parts:
        parts = parts[len(parts) - parts[::-1].index("logs"):]
    return f"{parts[0]} {'/'.join(parts[1:])}".strip() if parts else str(log_path)


def _console_handler(stream, name: str) -> logging.Handler:
    """Progress lines on the console Snakemake shows, prefixed with the job they belong to."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(f"%(asctime)s {name}: %(message)s", "%H:%M:%S"))
    handler.addFilter(lambda record: record.name == progress.name)
    return handler


@contextmanager
def logged(log_path: str, threads: int | None = None) -> Iterator[logging.Logger]:
    """Send logging, warnings and progress bars to ``log_path``, and the short
    :mod:`rnn_dynamics.progress` lines (per epoch, "done in ...") to the console as well.

    A :class:`RnnDynamicsError` (a user mistake: bad data, bad config) is written to the log and
    stderr as one line and ends the job with exit status 1, without a traceback; anything else
    is a bug and keeps its traceback in the log.
    """
    set_threads(threads)
    name, console, start = job_name(log_path), sys.stderr, time.perf_counter()
    with open(log_path, "a", encoding="utf-8", buffering=1) as log_file:
        handler = logging.StreamHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.handlers[:] = [handler, _console_handler(console, name)]
        root.setLevel(logging.INFO)
        logging.getLogger("fontTools").setLevel(logging.WARNING)  # PDF font subsetting chatter
        logging.captureWarnings(True)
        logger = logging.getLogger("rnn_dynamics")
        try:
            with redirect_stderr(log_file):
                yield logger
            progress.info("done in %s (log: %s)", duration(time.perf_counter() - start),
                          log_path)
        except RnnDynamicsError as error:
            logger.error("%s", error)
            print(f"rnn-dynamics: {error}", file=sys.stderr)
            sys.exit(1)
        except Exception:
            logger.exception("unexpected error")
            raise
