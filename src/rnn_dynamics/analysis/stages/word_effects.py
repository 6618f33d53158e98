"""Rule word_effects: how positive, negative and neutral words drive the integrating mode."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from ..jacobians import jacobians
from ..word_effects import effect_plane, projected_effects, select_words
from ._common import PathLike, _kept, _prepare, _stack, _write_empty, write_parquet

WORD_COLUMNS = ["start_index", "token", "id", "group", "coef", "count", "projection",
                "effect_norm", "along", "across", "l_int_along", "l_int_across"]


def run_word_effects_stage(model: Any, fixed_points: pd.DataFrame, spectra: pd.DataFrame,
                           bow_coefficients: pd.DataFrame, out_path: PathLike, *, n_words: int = 100,
                           frequent_quantile: float = 0.5, chunk_size: int = 256,
                           device: str = "auto") -> pd.DataFrame:
    """Effect of the most positive/negative/neutral words (by bag-of-words coefficient) at each
    kept fixed point, through the integrating mode.

    Schema (one row per kept fixed point x selected word)::

        start_index  int64    row key into the fixed-point table
        token        str      word
        id           int64    vocabulary id
        group        str      'positive' | 'negative' | 'neutral'
        coef         float64  bag-of-words coefficient
        count        int64    training count
        projection   float64  l_int . J_inp x  (the integrating mode's left vector, from
                              ``spectra``; l_int . r_int = 1)
        effect_norm  float64  ||J_inp x||
        along        float64  J_inp x in the plane of :func:`..word_effects.effect_plane` at
        across       float64  this point: along the integrating mode's unit r_int, and along
                              the next principal axis of the words' effects
        l_int_along  float64  l_int in the same plane (repeated per point): the direction
        l_int_across float64  a word must move along to be integrated
    """
    dev = _prepare(model, device)
    kept = _kept(fixed_points)
    words = select_words(bow_coefficients, n_words, frequent_quantile=frequent_quantile)
    if len(kept) == 0 or len(words) == 0:
        return _write_empty(WORD_COLUMNS, out_path)
    pts = torch.from_numpy(_stack(kept["h"])).to(dev)
    _, j_inp = jacobians(model.step, pts, input_dim=model.input_dim, chunk_size=chunk_size)
    spec = spectra.set_index("start_index").reindex(kept["start_index"])
    l_int = torch.from_numpy(_stack(spec["l_int"])).to(dev)
    with torch.no_grad():
        word_ids = torch.tensor(words["id"].to_numpy(np.int64), device=dev)
        emb = model.embedding(word_ids)
        proj = projected_effects(j_inp, l_int, emb).cpu().numpy()                    # [K, W]
    k, n_w = proj.shape
    r_int, l_int_np = _stack(spec["r_int"], np.float64), _stack(spec["l_int"], np.float64)
    norms, coords, left = np.empty((k, n_w)), np.empty((k, n_w, 2)), np.empty((k, 2))
    for i in range(k):                                  # one point at a time: [W, N] each
        with torch.no_grad():
            effects = (emb @ j_inp[i].T).double().cpu().numpy()
        norms[i] = np.linalg.norm(effects, axis=1)
        coords[i], left[i] = effect_plane(effects, r_int[i], l_int_np[i])
    df = pd.DataFrame({
        "start_index": np.repeat(kept["start_index"].to_numpy(np.int64), n_w),
        "token": np.tile(words["token"].to_numpy(), k),
        "id": np.tile(words["id"].to_numpy(np.int64), k),
        "group": np.tile(words["group"].to_numpy(), k),
        "coef": np.tile(words["coef"].to_numpy(np.float64), k),
        "count": np.tile(words["count"].to_numpy(np.int64), k),
        "projection": proj.reshape(-1).astype(np.float64),
        "effect_norm": norms.reshape(-1).astype(np.float64),
        "along": coords[..., 0].reshape(-1),
        "across": coords[..., 1].reshape(-1),
        "l_int_along": np.repeat(left[:, 0], n_w),
        "l_int_across": np.repeat(left[:, 1], n_w),
    }, columns=WORD_COLUMNS)
    write_parquet(df, out_path)
    return df
