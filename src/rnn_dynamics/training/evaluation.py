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


def classification_loss(logits: torch.Tensor, labels: torch.Tensor
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(mean loss, correct predictions)`` of one batch: binary cross-entropy on one logit
    (``[B]``, "positive" when > 0) or softmax cross-entropy on class logits (``[B, K]``)."""
    if logits.ndim == 1:
        loss = F.binary_cross_entropy_with_logits(logits, labels)
        return loss, ((logits.detach() > 0).float() == labels).sum()
    loss = F.cross_entropy(logits, labels.long())
    return loss, (logits.detach().argmax(-1) == labels.long()).sum()


def predict_logits(model: SentimentRNN, data: pd.DataFrame | EncodedSplit, batch_size: int = 256,
                   device: str | torch.device = "auto", max_tokens: int | None = None
                   ) -> np.ndarray:
    """Logit of "positive" for every document, in the split's row order (float32 ``[n]``),
    or class logits ``[n, K]`` for a K-class model.

    Documents are batched by length for speed; the model is left in eval mode on ``device``.
    """
    split = _split(data)
    dev = device if isinstance(device, torch.device) else resolve_device(device)
    model.to(dev).eval()
    k = getattr(model, "n_classes", 2)
    out = np.empty((len(split),) if k == 2 else (len(split), k), dtype=np.float32)
    with torch.inference_mode():
        for idx in length_buckets(split.lengths, batch_size=batch_size, max_tokens=max_tokens,
                                  seed=None):
            ids, lengths, _ = split.collate(idx, dev)
            out[idx] = model(ids, lengths).float().cpu().numpy()
    return out


def evaluate(model: SentimentRNN, data: pd.DataFrame | EncodedSplit, batch_size: int = 256,
             device: str | torch.device = "auto") -> tuple[float, float]:
    """Mean cross-entropy and accuracy over the split (see :func:`classification_loss`)."""
    split = _split(data)
    logits = torch.from_numpy(predict_logits(model, split, batch_size, device))
    labels = torch.from_numpy(split.labels)
    loss, correct = classification_loss(logits, labels)
    return float(loss.item()), float(correct.item() / max(len(labels), 1))
