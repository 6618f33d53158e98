"""How single words move the state, seen through the slow mode.

Linearised at a fixed point, a word x kicks the state by ``J_inp x``; only the part along the
slow right eigenvector survives many steps, and its size is ``l1 . J_inp x`` (l1 the left
eigenvector with l1 . r1 = 1). The paper shows this projection is large and signed for
sentiment words and ~0 for neutral ones, at every point along the line attractor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import Tensor


def projected_effects(j_inp: Tensor, l1: Tensor, embeddings: Tensor) -> Tensor:
    """``l1 . J_inp x`` [K, W] without forming the [K, W, N] effects (cheap for many words)."""
    j, left, emb = (torch.as_tensor(a) for a in (j_inp, l1, embeddings))
    left = left.real if left.is_complex() else left
    return torch.einsum("kn,kne->ke", left.to(j.dtype), j) @ emb.to(j.dtype).T


def effect_plane(effects: np.ndarray, right: np.ndarray, left: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Word effects ``J_inp x`` [W, N] at one point in the plane that shows them best:
    ``(coordinates [W, 2], left vector [2])``.

    Axis 1 is the unit right vector r of the integrating mode (x = r̂ . J_inp x, how far a word
    moves the state along the mode), axis 2 the top principal axis of what is left after
    removing that component (the largest other spread of the effects). ``left`` (l, the mode's
    left vector) is given in the same two coordinates: the direction words must move along to
    be integrated. NaN coordinates when r is not finite.
    """
    effects = np.asarray(effects, dtype=np.float64)
    r = np.asarray(right, dtype=np.float64)
    if not np.isfinite(r).all() or np.linalg.norm(r) == 0:
        return np.full((len(effects), 2), np.nan), np.full(2, np.nan)
    e1 = r / np.linalg.norm(r)
    rest = effects - np.outer(effects @ e1, e1)
    rest = rest - rest.mean(0)
    e2 = (np.linalg.svd(rest, full_matrices=False)[2][0]
          if len(rest) > 1 and np.abs(rest).sum() > 0 else np.zeros_like(e1))
    plane = np.stack([e1, e2])                                                   # [2, N]
    return effects @ plane.T, plane @ np.asarray(left, dtype=np.float64)


MIN_RELATIVE_COEF = 0.2
"""A valenced word's |coef| is at least this share of the strongest word's."""


def select_words(coef_table: pd.DataFrame, n: int = 100, *, frequent_quantile: float = 0.5,
                 min_relative: float = MIN_RELATIVE_COEF,
                 exclude_ids: tuple[int, ...] = (0, 1)) -> pd.DataFrame:
    """The n most positive, n most negative and n most neutral words of a bag-of-words model.

    ``coef_table`` has columns ``token, id, coef, count``. A word is valenced only if its
    coefficient is at least ``min_relative`` times the largest |coef|: in a small vocabulary
    (the synthetic language's 56 words) the n most positive words would otherwise include
    filler whose coefficient is fitting noise, and no word would be left to be neutral; on
    real vocabularies the 100th strongest word is still well above it (IMDB 0.24, SST 0.45 of
    the maximum). Neutral words are those with the smallest |coef| among frequent words
    (``count`` at or above the ``frequent_quantile`` quantile), so that "neutral" means "seen
    often, carries no sentiment" rather than "rare". Pad/unk ids are excluded. Returns the
    rows with an added ``group`` column ('positive' | 'negative' | 'neutral'), the three
    groups disjoint.
    """
    table = coef_table[~coef_table["id"].isin(exclude_ids)]
    floor = min_relative * float(table["coef"].abs().max()) if len(table) else 0.0
    pos = table.nlargest(n, "coef")
    pos = pos[(pos["coef"] > 0) & (pos["coef"] >= floor)]
    neg = table.nsmallest(n, "coef")
    neg = neg[(neg["coef"] < 0) & (neg["coef"] <= -floor)]
    rest = table[~table["id"].isin(np.concatenate([pos["id"], neg["id"]]))]
    frequent = rest[rest["count"] >= rest["count"].quantile(frequent_quantile)]
    neu = frequent.loc[frequent["coef"].abs().nsmallest(n).index]
    parts = [p.assign(group=g) for p, g in ((pos, "positive"), (neg, "negative"), (neu, "neutral"))]
    return pd.concat(parts, ignore_index=True)
