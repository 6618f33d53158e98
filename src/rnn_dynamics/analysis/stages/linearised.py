"""Rule linearised: the network linearised around its nearest fixed point."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from ...padding import padded
from ..jacobians import jacobians
from ..linearised import linearised_accuracy, one_step_errors, run_linearised, unroll
from ._common import PathLike, _kept, _prepare, _stack, _write_empty, write_parquet

LINEARISED_COLUMNS = ["doc", "t", "label", "one_step_error", "readout_nonlinear",
                      "readout_linearised", "logit_nonlinear", "logit_linearised",
                      "accuracy_nonlinear", "accuracy_linearised", "example", "h_nonlinear",
                      "h_linearised"]


def run_linearised_stage(model: Any, fixed_points: pd.DataFrame, test: pd.DataFrame,
                         out_path: PathLike, *, n_docs: int = 500, seed: int = 0,
                         n_examples: int = 1, chunk_size: int = 256,
                         device: str = "auto") -> pd.DataFrame:
    """Linearisation around the nearest kept fixed point: one-step errors, fully linearised
    accuracy, and example trajectories, on ``n_docs`` random test documents.

    Schema (one row per document x token step)::

        doc                  int64    row of ``test``
        t                    int64    token position (state after token t)
        label                int64
        one_step_error       float64  ||h_t - h_lin|| / ||h_t||, one linearised step from h_{t-1}
        readout_nonlinear    float64  w . h_t along the true trajectory
        readout_linearised   float64  w . h_t along the fully linearised trajectory
        logit_nonlinear      float64  final logit of the document (repeated on its rows)
        logit_linearised     float64  final logit of the fully linearised network
        accuracy_nonlinear   float64  over the ``n_docs`` documents (repeated)
        accuracy_linearised  float64
        example              bool     True for the first ``n_examples`` documents
        h_nonlinear          list<float32>  full state, example documents only (else null)
        h_linearised         list<float32>  full linearised state, example documents only
    """
    dev = _prepare(model, device)
    kept = _kept(fixed_points)
    if len(kept) == 0:
        return _write_empty(LINEARISED_COLUMNS, out_path)
    pts = torch.from_numpy(_stack(kept["h"])).to(dev)
    j_rec, j_inp = jacobians(model.step, pts, input_dim=model.input_dim, chunk_size=chunk_size)
    rng = np.random.default_rng(seed)
    docs = np.sort(rng.choice(len(test), size=min(n_docs, len(test)), replace=False))
    ids, lengths = padded(test["ids"], docs)
    ids, lengths = ids.to(dev), lengths.to(dev)
    labels = torch.as_tensor(test["label"].to_numpy()[docs].astype(np.int64), device=dev)
    h0 = model.initial_state().detach().to(dev)
    w = model.readout_vector().detach().to(dev)
    with torch.no_grad():
        x = model.embedding(ids)
    errors = one_step_errors(model.step, x, lengths, h0, pts, j_rec, j_inp)
    acc_nl, acc_li, logit_nl, logit_li = linearised_accuracy(
        model.step, model.readout_logit, x, lengths, labels, h0, pts, j_rec, j_inp)
    traj_nl = unroll(model.step, h0, x, lengths)
    traj_li = run_linearised(x, lengths, h0, pts, j_rec, j_inp)
    frames = []
    for i, d in enumerate(docs):
        n = int(lengths[i])
        example = i < n_examples
        frames.append(pd.DataFrame({
            "doc": np.full(n, d, dtype=np.int64), "t": np.arange(n, dtype=np.int64),
            "label": np.full(n, int(labels[i]), dtype=np.int64),
            "one_step_error": errors[i, :n],
            "readout_nonlinear": (traj_nl[i, :n] @ w).double().cpu().numpy(),
            "readout_linearised": (traj_li[i, :n] @ w).double().cpu().numpy(),
            "logit_nonlinear": logit_nl[i], "logit_linearised": logit_li[i],
            "accuracy_nonlinear": acc_nl, "accuracy_linearised": acc_li,
            "example": example,
            "h_nonlinear": list(traj_nl[i, :n].float().cpu().numpy()) if example else [None] * n,
            "h_linearised": list(traj_li[i, :n].float().cpu().numpy()) if example else [None] * n,
        }, columns=LINEARISED_COLUMNS))
    df = pd.concat(frames, ignore_index=True)
    write_parquet(df, out_path)
    return df
