"""Score many texts at once: probability of "positive", the verdict and how many words the
model did not know."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from ..data.vocab import UNK_ID
from .bundle import ModelBundle
from .trajectory import encode_text

PREDICT_COLUMNS = ["item", "tokens", "unknown", "p_positive", "prediction", "text"]


@torch.no_grad()
def predict_texts(bundle: ModelBundle, texts: Sequence[str], *, batch_size: int = 256,
                  ) -> pd.DataFrame:
    """One row per text (columns ``PREDICT_COLUMNS``, ``item`` counting from 1). A text with
    no tokens gets no score: ``p_positive`` NaN and ``prediction`` 'n/a (empty text)'."""
    encoded = [encode_text(bundle, text)[1] for text in texts]
    probs = np.full(len(texts), np.nan)
    scored = [i for i, ids in enumerate(encoded) if len(ids)]
    for s in range(0, len(scored), batch_size):
        rows = scored[s:s + batch_size]
        lengths = torch.tensor([len(encoded[i]) for i in rows])
        ids = torch.zeros(len(rows), int(lengths.max()), dtype=torch.long)
        for j, i in enumerate(rows):
            ids[j, : len(encoded[i])] = torch.as_tensor(encoded[i], dtype=torch.long)
        probs[rows] = torch.sigmoid(bundle.model(ids, lengths)).double().numpy()
    verdict = np.where(np.isnan(probs), "n/a (empty text)",
                       np.where(probs > 0.5, "positive", "negative"))
    return pd.DataFrame({
        "item": np.arange(1, len(texts) + 1),
        "tokens": [len(ids) for ids in encoded],
        "unknown": [int((ids == UNK_ID).sum()) for ids in encoded],
        "p_positive": probs,
        "prediction": verdict,
        "text": list(texts),
    }, columns=PREDICT_COLUMNS)
