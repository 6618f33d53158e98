"""Rule states: the hidden states visited on test documents."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...padding import padded
from ..states import collect_states, zero_input_speed
from ._common import PathLike, _prepare, write_parquet

STATES_COLUMNS = ["doc", "t", "label", "speed", "h"]


def run_states_stage(model: Any, test: pd.DataFrame, out_path: PathLike, *, n_docs: int = 1000,
                     seed: int = 0, batch_size: int = 256, device: str = "auto") -> pd.DataFrame:
    """Hidden states visited on ``n_docs`` random test documents.

    Schema (one row per visited state)::

        doc    int64          row of ``test``
        t      int64          token position (0-based); h is the state after token t
        label  int64          the document's label
        speed  float64        ||F(h, 0) - h|| / ||h|| (zero-input relative speed)
        h      list<float32>  flat state (length N)
    """
    dev = _prepare(model, device)
    rows = np.arange(len(test))
    ids, lengths = padded(test["ids"], rows)
    states, trajs, docs = collect_states(model, ids, lengths, n_docs, seed, batch_size=batch_size)
    speed = zero_input_speed(model.step, states.to(dev), model.input_dim)
    doc_col = np.concatenate([np.full(len(t), d) for t, d in zip(trajs, docs)]).astype(np.int64)
    t_col = np.concatenate([np.arange(len(t)) for t in trajs]).astype(np.int64)
    df = pd.DataFrame({"doc": doc_col, "t": t_col,
                       "label": test["label"].to_numpy()[doc_col].astype(np.int64),
                       "speed": speed.astype(np.float64),
                       "h": list(states.float().numpy())}, columns=STATES_COLUMNS)
    write_parquet(df, out_path)
    return df
