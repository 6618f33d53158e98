"""Rule dimensionality: PCA of visited states, the trained model against an untrained twin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..analysis.states import collect_states, pca_variance
from ..io import read_parquet, write_parquet
from ..models import build_model, load_model
from ..padding import padded
from ..runtime import resolve_device, seed_everything


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
        ids, lengths = padded(test["ids"], np.arange(len(test)))
        with torch.no_grad():
            states, _, _ = collect_states(model, ids.to(dev), lengths.to(dev), n_docs, seed)
        ratio = pca_variance(states.cpu().double().numpy())
        frames.append(pd.DataFrame({
            "model": name, "component": np.arange(1, len(ratio) + 1),
            "explained_variance_ratio": ratio, "cumulative": np.cumsum(ratio)}))
    table = pd.concat(frames, ignore_index=True)
    write_parquet(table, out_path)
    return table
