"""Code versions for rerun detection.

Snakemake notices edits to a rule's script but not to the library the script imports. Each
rule therefore carries the hash of the library modules its stage runs in ``params``, so that
editing a stage's code reruns that stage and what depends on it, and nothing upstream.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def source_hash(*modules: str) -> str:
    """Short sha256 over the source of the given modules/subpackages (relative dotted names).

    ``source_hash("training", "models")`` hashes ``rnn_dynamics/training/**.py`` and
    ``rnn_dynamics/models/**.py``; a module name hashes that one file.
    """
    digest = hashlib.sha256()
    for module in sorted(modules):
        path = PACKAGE_ROOT.joinpath(*module.split("."))
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
        if not files or not all(f.exists() for f in files):
            raise FileNotFoundError(f"no source for rnn_dynamics.{module}")
        for file in files:
            digest.update(str(file.relative_to(PACKAGE_ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]
