"""What every workflow script shares: logging to the rule's log file and clean user errors."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager, redirect_stderr
from typing import Iterator

from .errors import RnnDynamicsError
from .runtime import set_threads


@contextmanager
def logged(log_path: str, threads: int | None = None) -> Iterator[logging.Logger]:
    """Send logging, warnings and progress bars to ``log_path``.

    A :class:`RnnDynamicsError` (a user mistake: bad data, bad config) is written to the log and
    stderr as one line and ends the job with exit status 1, without a traceback; anything else
    is a bug and keeps its traceback in the log.
    """
    set_threads(threads)
    with open(log_path, "a", encoding="utf-8", buffering=1) as log_file:
        handler = logging.StreamHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)
        logging.getLogger("fontTools").setLevel(logging.WARNING)  # PDF font subsetting chatter
        logging.captureWarnings(True)
        logger = logging.getLogger("rnn_dynamics")
        try:
            with redirect_stderr(log_file):
                yield logger
        except RnnDynamicsError as error:
            logger.error("%s", error)
            print(f"rnn-dynamics: {error}", file=sys.stderr)
            sys.exit(1)
        except Exception:
            logger.exception("unexpected error")
            raise
