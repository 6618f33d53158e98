"""Loss, accuracy and logits of a model over a whole split (no gradients)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from ..models import SentimentRNN
from ..runtime import resolve_device
from .batching import EncodedSplit, length_buckets


def _split(data: pd.DataFrame | EncodedSplit) -> EncodedSplit:
    return data if isinstance(data, EncodedSplit) else EncodedSplit.from_frame(data)


def predict_logits(model: SentimentRNN, data: pd.DataFrame | EncodedSplit, batch_size: int = 256,
                   device: str | torch.device = "auto", max_tokens: int | None = None
                   ) -> np.ndarray:
    """Logit of "positive" for every document, in the split's row order (float32 ``[n]``).

    Documents are batched by length for speed; the model is left in eval mode on ``device``.
    """
    split = _split(data)
    dev = device if isinstance(device, torch.device) else resolve_device(device)
    model.to(dev).eval()
    out = np.empty(len(split), dtype=np.float32)
    with torch.inference_mode():
        for idx in length_buckets(split.lengths, batch_size=batch_size, max_tokens=max_tokens,
                                  seed=None):
            ids, lengths, _ = split.collate(idx, dev)
            out[idx] = model(ids, lengths).float().cpu().numpy()
    return out


def evaluate(model: SentimentRNN, data: pd.DataFrame | EncodedSplit, batch_size: int = 256,
             device: str | torch.device = "auto") -> tuple[float, float]:
    """Mean binary cross-entropy and accuracy (threshold at logit 0) over the split."""
    split = _split(data)
    logits = torch.from_numpy(predict_logits(model, split, batch_size, device))
    labels = torch.from_numpy(split.labels)
    loss = F.binary_cross_entropy_with_logits(logits, labels).item()
    acc = ((logits > 0).float() == labels).float().mean().item()
    return float(loss), float(acc)
