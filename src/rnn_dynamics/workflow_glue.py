"""What every workflow script shares: logging to the rule's log file and clean user errors.

Snakemake deletes a job's log before it runs the job again, so the log of a killed or failed
attempt would be lost on the rerun. Every line therefore also goes to a history file beside
the log (``.<log name>.history``); a new attempt starts its log with that history, and a
successful attempt removes the history file (its log now holds every attempt).
"""

from __future__ import annotations

import errno
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from pathlib import Path
from typing import IO

from .errors import OutputError, RnnDynamicsError
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


class _Tee:
    """A text stream writing to several line-buffered files."""

    def __init__(self, *files: IO[str]) -> None:
        self.files = files

    def write(self, text: str) -> int:
        for f in self.files:
            f.write(text)
        return len(text)

    def flush(self) -> None:
        for f in self.files:
            f.flush()

    def isatty(self) -> bool:
        return False


def history_path(log_path: str | Path) -> Path:
    """Where the lines of unfinished attempts of the job with this log are kept."""
    log_path = Path(log_path)
    return log_path.with_name(f".{log_path.name}.history")


def _open(path: Path, mode: str) -> IO[str]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, mode, encoding="utf-8", buffering=1)
    except OSError as err:
        if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            print(f"rnn-dynamics: cannot write the log '{path}': {err.strerror}; make that "
                  "folder writable", file=sys.stderr)
            sys.exit(1)
        raise


@contextmanager
def logged(log_path: str, threads: int | None = None,
           intra_op: int = 1) -> Iterator[logging.Logger]:
    """Send logging, warnings and progress bars to ``log_path`` (and its history file), and the
    short :mod:`rnn_dynamics.progress` lines (per epoch, "done in ...") to the console as well.

    ``threads`` (the rule's grant) and ``intra_op`` (torch's fixed thread count) go to
    :func:`rnn_dynamics.runtime.set_threads`.

    A :class:`RnnDynamicsError` (a user mistake: bad data, bad config) is written to the log and
    stderr as one line and ends the job with exit status 1, without a traceback; anything else
    is a bug and keeps its traceback in the log.
    """
    set_threads(threads, intra_op)
    name, console, start = job_name(log_path), sys.stderr, time.perf_counter()
    history = history_path(log_path)
    earlier = history.read_text(encoding="utf-8") if history.exists() else ""
    with _open(Path(log_path), "a") as log_file, _open(history, "a") as history_file:
        if earlier:
            log_file.write("--- earlier attempts of this job (interrupted or failed) ---\n"
                           f"{earlier}--- this attempt ---\n")
        stream = _Tee(log_file, history_file)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.handlers[:] = [handler, _console_handler(console, name)]
        root.setLevel(logging.INFO)
        logging.getLogger("fontTools").setLevel(logging.WARNING)  # PDF font subsetting chatter
        logging.captureWarnings(True)
        logger = logging.getLogger("rnn_dynamics")
        try:
            with redirect_stderr(stream):
                yield logger
            progress.info("done in %s (log: %s)", duration(time.perf_counter() - start),
                          log_path)
        except RnnDynamicsError as error:
            logger.error("%s", error)
            print(f"rnn-dynamics: {error}", file=sys.stderr)
            sys.exit(1)
        except PermissionError as error:
            message = OutputError(f"cannot write '{error.filename}': {error.strerror}; make "
                                  "that folder writable")
            logger.error("%s", message)
            print(f"rnn-dynamics: {message}", file=sys.stderr)
            sys.exit(1)
        except Exception:
            logger.exception("unexpected error")
            raise
    history.unlink(missing_ok=True)
