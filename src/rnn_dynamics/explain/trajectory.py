"""Follow the state through one text: what each token adds to the readout and how far it
moves the state along the integrating mode."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ..data.tokenize import tokenize
from ..data.vocab import UNK_ID, encode
from ..errors import DataError
from .bundle import ModelBundle

TOKEN_COLUMNS = ["position", "token", "known", "logit", "contribution", "mode_step",
                 "mode_position", "modifier"]


@dataclass
class Explanation:
    """One text explained.

    ``tokens`` has one row per token (columns ``TOKEN_COLUMNS``): ``logit`` is the readout after
    the token, ``contribution`` what the token added to it (they sum, with ``start_logit``, to
    the final logit); ``mode_step`` = l_int . (h_t - h_{t-1}) with l_int the integrating mode at the
    fixed point nearest h_{t-1}, ``mode_position`` its running sum (NaN without analysis
    tables); ``modifier`` names the kind and measured gain of a modifier word found by the
    context stage ('' otherwise). ``states`` [T + 1, N] starts with the initial state.
    """

    text: str
    tokens: pd.DataFrame
    start_logit: float
    logit: float
    states: np.ndarray
    notes: list[str] = field(default_factory=list)

    @property
    def probability(self) -> float:
        """P(positive) from the final logit."""
        return float(1.0 / (1.0 + np.exp(-self.logit)))

    @property
    def label(self) -> str:
        return "positive" if self.logit > 0 else "negative"


def encode_text(bundle: ModelBundle, text: str) -> tuple[list[str], np.ndarray]:
    """Tokens and ids of ``text`` with the model's tokeniser and vocabulary."""
    tokens = tokenize(text)
    return tokens, encode(tokens, bundle.vocab)


@torch.no_grad()
def _trajectory(bundle: ModelBundle, ids: np.ndarray) -> np.ndarray:
    """States [T + 1, N]: the initial state, then the state after each token."""
    model = bundle.model
    h = model.initial_state().detach()
    x = model.embedding(torch.as_tensor(ids, dtype=torch.long))
    out = [h]
    for t in range(len(ids)):
        h = model.step(h, x[t])
        out.append(h)
    return torch.stack(out).double().numpy()


def _readout(bundle: ModelBundle, states: np.ndarray) -> np.ndarray:
    w = bundle.model.readout_vector().detach().double().numpy()
    return states @ w + float(bundle.model.readout.bias.detach()[0])


def _mode_steps(bundle: ModelBundle, states: np.ndarray) -> np.ndarray:
    """l_int(nearest fixed point to h_{t-1}) . (h_t - h_{t-1}) per token (NaN without a mode)."""
    n = len(states) - 1
    if not bundle.has_mode:
        return np.full(n, np.nan)
    prev = states[:-1]
    dist = ((prev[:, None, :] - bundle.points[None]) ** 2).sum(-1)
    left = bundle.left[dist.argmin(1)]
    return np.einsum("tn,tn->t", left, states[1:] - prev)


def _modifier_marks(bundle: ModelBundle, tokens: list[str]) -> list[str]:
    if len(bundle.modifiers) == 0:
        return [""] * len(tokens)
    found = {row.token: f"{row.kind} (x{row.ratio:.2f})"
             for row in bundle.modifiers.itertuples()}
    return [found.get(token, "") for token in tokens]


def explain_text(bundle: ModelBundle, text: str) -> Explanation:
    """Explain ``text``; :class:`DataError` when it has no tokens at all."""
    tokens, ids = encode_text(bundle, text)
    if not tokens:
        raise DataError("the text is empty (no words or punctuation): nothing to explain")
    states = _trajectory(bundle, ids)
    logits = _readout(bundle, states)
    steps = _mode_steps(bundle, states)
    known = ids != UNK_ID
    table = pd.DataFrame({
        "position": np.arange(1, len(tokens) + 1),
        "token": tokens,
        "known": known,
        "logit": logits[1:],
        "contribution": np.diff(logits),
        "mode_step": steps,
        "mode_position": np.cumsum(steps),
        "modifier": _modifier_marks(bundle, tokens),
    }, columns=TOKEN_COLUMNS)
    notes = []
    if not known.any():
        notes.append(f"none of the {len(tokens)} token(s) is in the model's vocabulary: every "
                     "one reads as <unk>, so the prediction says nothing about the words")
    elif not known.all():
        unknown = sorted({t for t, k in zip(tokens, known) if not k})
        notes.append(f"outside the vocabulary (read as <unk>): {', '.join(unknown)}")
    return Explanation(text=text, tokens=table, start_logit=float(logits[0]),
                       logit=float(logits[-1]), states=states, notes=notes)
