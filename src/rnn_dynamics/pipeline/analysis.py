"""File-level wrappers of the line-attractor stages: load the model and tables, run one stage.

Each workflow rule of ``workflow/rules/analysis.smk`` calls :func:`run_analysis_stage` with its
stage name; the stage functions themselves (in :mod:`rnn_dynamics.analysis.stages`) take
in-memory objects and are what a researcher calls on their own model.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd
import torch

from ..analysis import stages
from ..analysis.fixed_points import explain_no_fixed_points
from ..analysis.states import collect_states, pca_variance
from ..io import read_parquet, write_parquet
from ..models import build_model, load_model
from ..runtime import resolve_device, seed_everything

log = logging.getLogger(__name__)

# stage name -> (function, names of the tables it reads, in the function's argument order)
STAGES: dict[str, tuple[Callable[..., pd.DataFrame], tuple[str, ...]]] = {
    "states": (stages.run_states_stage, ("test",)),
    "fixed_points": (stages.run_fixed_point_stage, ("states",)),
    "exact_fixed_points": (stages.run_exact_fixed_points_stage, ("fixed_points",)),
    "spectra": (stages.run_spectra_stage, ("fixed_points", "test", "bow_coefficients")),
    "geometry": (stages.run_geometry_stage, ("fixed_points", "spectra")),
    "word_effects": (stages.run_word_effects_stage, ("fixed_points", "spectra", "bow_coefficients")),
    "linearised": (stages.run_linearised_stage, ("fixed_points", "test")),
}


def run_analysis_stage(stage: str, model_path: str | Path, tables: Mapping[str, str | Path],
                       out_path: str | Path, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run one line-attractor stage on a saved model; ``tables`` maps input names to Parquet paths."""
    function, needs = STAGES[stage]
    model, _ = load_model(model_path)
    frames = [read_parquet(tables[name]) for name in needs]
    if "fixed_points" in needs and not frames[0]["kept"].any():
        log.warning("%s", explain_no_fixed_points(frames[0]))
    result = function(model, *frames, out_path, **dict(params or {}))
    log.info("%s: wrote %d rows to %s", stage, len(result), out_path)
    return result


def run_dimensionality_stage(model_path: str | Path, test_path: str | Path, out_path: str | Path, *,
                             n_docs: int = 1000, seed: int = 0, device: str = "auto") -> pd.DataFrame:
    """PCA explained variance of visited states, trained model vs an untrained twin.

    The untrained model has the trained one's architecture and sizes and a seeded random
    initialisation (the paper's comparison). Schema: ``model`` ('trained' | 'untrained'),
    ``component`` (1-based), ``explained_variance_ratio``, ``cumulative``.
    """
    trained, meta = load_model(model_path)
    seed_everything(seed)
    untrained = build_model(meta["arch"], meta["vocab_size"], meta["embed_dim"],
                            meta["hidden_size"], meta.get("num_layers", 1),
                            recurrent_init=meta.get("recurrent_init", "default")).eval()
    test = read_parquet(test_path)
    dev = resolve_device(device)
    frames = []
    for name, model in (("trained", trained), ("untrained", untrained)):
        model.to(dev)
        ids, lengths = _padded(test)
        with torch.no_grad():
            states, _, _ = collect_states(model, ids.to(dev), lengths.to(dev), n_docs, seed)
        ratio = pca_variance(states.cpu().double().numpy())
        frames.append(pd.DataFrame({
            "model": name, "component": np.arange(1, len(ratio) + 1),
            "explained_variance_ratio": ratio, "cumulative": np.cumsum(ratio)}))
    table = pd.concat(frames, ignore_index=True)
    write_parquet(table, out_path)
    return table


def _padded(test: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor(test["length"].to_numpy(np.int64))
    ids = torch.zeros(len(test), int(lengths.max()), dtype=torch.long)
    for row, doc in enumerate(test["ids"]):
        ids[row, : len(doc)] = torch.from_numpy(np.asarray(doc, dtype=np.int64))
    return ids, lengths
