"""Everything ``explain`` and ``predict`` read beside a checkpoint, found from the workflow's layout.

A workflow model lives at ``<results>/models/<dataset>/<arch>/model.pt``; its vocabulary at
``<results>/data/<dataset>/vocab.parquet``, its line-attractor tables under
``<results>/analysis/<dataset>/<arch>/`` and its modifier ranking under
``<results>/context/<dataset>/<arch>/``. Only the checkpoint and the vocabulary are required;
without the analysis tables the explanation still gives the readout contributions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CheckpointError, DataError
from ..io import read_parquet
from ..models import SentimentRNN, load_model

PathLike = str | os.PathLike

# How many of the context stage's top-ranked words count as "the modifiers it found"
# (the workflow's default ``context.n_modifiers``).
N_MODIFIERS = 10


def integrating_mode(spectra: pd.DataFrame) -> np.ndarray | None:
    """Left eigenvectors of the integrating mode, one row per kept fixed point [K, N].

    The spectra stage's ``l_int``: the left vector of the mode chosen by its role (see
    :mod:`rnn_dynamics.analysis.spectra`), normalised so that l_int . r_int = 1, so
    l_int . dh is the distance moved along r_int. Rows are NaN where a point has no real slow
    mode.
    """
    if spectra is None or len(spectra) == 0 or "l_int" not in spectra.columns:
        return None
    return np.stack([np.asarray(v, dtype=np.float64) for v in spectra["l_int"]])


@dataclass
class ModelBundle:
    """A loaded model with its vocabulary and, where the workflow computed them, its analysis."""

    model: SentimentRNN
    meta: dict
    vocab: dict[str, int]
    dataset: str
    arch: str
    points: np.ndarray | None = None         # kept fixed points [K, N]
    left: np.ndarray | None = None           # integrating-mode left vectors at them [K, N]
    states: pd.DataFrame | None = None       # visited states (for the PC plane)
    modifiers: pd.DataFrame = field(default_factory=pd.DataFrame)  # token, kind, ratio
    notes: list[str] = field(default_factory=list)

    @property
    def has_mode(self) -> bool:
        return self.points is not None and self.left is not None and len(self.points) > 0


def _layout(model_path: Path) -> tuple[Path, str, str]:
    """(results folder, dataset, arch) from ``<results>/models/<dataset>/<arch>/model.pt``."""
    parts = model_path.resolve().parts
    if len(parts) >= 4 and parts[-4] == "models":
        return Path(*parts[:-4]), parts[-3], parts[-2]
    return model_path.parent, "", ""


def _read_vocab(path: Path, meta: dict) -> dict[str, int]:
    from ..pipeline.training import vocab_fingerprint

    try:
        vocab = read_parquet(path)
    except Exception as err:  # pyarrow raises several types for a missing or damaged file
        raise DataError(f"{path}: cannot read the vocabulary ({type(err).__name__}); "
                        "pass the model's vocab.parquet with --vocab") from err
    if not {"token", "id"} <= set(vocab.columns):
        raise DataError(f"{path}: not a vocabulary table (needs columns token, id)")
    expected = meta.get("vocab_hash")
    if expected and vocab_fingerprint(vocab) != expected:
        raise CheckpointError(f"{path}: this vocabulary is not the one the model was trained "
                              "with (vocab_hash differs); pass the right one with --vocab")
    return dict(zip(vocab["token"].astype(str), vocab["id"].astype(int)))


def _optional(path: Path) -> pd.DataFrame | None:
    return read_parquet(path) if path.is_file() else None


def load_bundle(model_path: PathLike, *, vocab_path: PathLike | None = None,
                analysis_dir: PathLike | None = None,
                context_dir: PathLike | None = None) -> ModelBundle:
    """Load ``model_path`` and whatever of its vocabulary and analysis tables exist.

    Folders default to the workflow's layout around the checkpoint; missing analysis tables
    leave the corresponding fields empty and add a note saying which stage provides them.
    """
    model_path = Path(model_path)
    if not model_path.is_file():
        raise CheckpointError(f"{model_path}: no such model file (workflow models are at "
                              "results/<preset>/models/<dataset>/<arch>/model.pt)")
    model, meta = load_model(model_path)
    root, dataset, arch = _layout(model_path)
    dataset = str(meta.get("dataset") or dataset)
    arch = str(meta.get("arch") or arch)
    if vocab_path is None:
        vocab_path = root / "data" / dataset / "vocab.parquet"
        if not Path(vocab_path).is_file():
            raise DataError(f"{model_path}: its vocabulary {vocab_path} is missing; pass it "
                            "with --vocab PATH")
    bundle = ModelBundle(model=model, meta=meta, vocab=_read_vocab(Path(vocab_path), meta),
                         dataset=dataset, arch=arch)
    analysis = Path(analysis_dir) if analysis_dir else root / "analysis" / dataset / arch
    context = Path(context_dir) if context_dir else root / "context" / dataset / arch
    _attach_mode(bundle, analysis)
    _attach_modifiers(bundle, context)
    return bundle


def _attach_mode(bundle: ModelBundle, folder: Path) -> None:
    fixed, spectra = _optional(folder / "fixed_points.parquet"), _optional(folder / "spectra.parquet")
    bundle.states = _optional(folder / "states.parquet")
    if fixed is None or spectra is None:
        bundle.notes.append(f"no fixed points or spectra in {folder}: the projection on the "
                            "integrating mode needs the analysis stages (fixed_points, spectra)")
        return
    left = integrating_mode(spectra)
    if left is None:
        bundle.notes.append("no fixed point was kept, so there is no integrating mode to "
                            "project on")
        return
    kept = fixed[fixed["kept"].astype(bool)].set_index("start_index")
    rows = kept.reindex(spectra["start_index"])
    bundle.points = np.stack([np.asarray(v, dtype=np.float64) for v in rows["h"]])
    bundle.left = left


def _attach_modifiers(bundle: ModelBundle, folder: Path) -> None:
    table = _optional(folder / "modifiers.parquet")
    if table is None:
        bundle.notes.append(f"no modifier ranking in {folder}: modifier words are marked after "
                            "the context stage (modifiers) has run")
        return
    found = table[table["kind"] != "none"].sort_values("rank").head(N_MODIFIERS)
    bundle.modifiers = found[["token", "kind", "ratio"]].reset_index(drop=True)
