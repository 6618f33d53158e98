"""Finding modifier words from data: which words change how the next valence word counts.

For a candidate word w and relaxed attractor states h (see :mod:`.probe`) we compare

* ``effect_after``: the valence effect of v read right after w (``h -> w -> v -> settle``), with
* ``effect_base``: the effect of v read once w's transient has decayed
  (``h -> w -> far fillers -> v -> settle``), i.e. from the line attractor where w leads.

Comparing with "w, then the attractor" rather than with "no w" means a valence word, which just
moves the state along the line, scores ~0: only a *transient* change of input sensitivity
counts. Per word:

* ``ratio`` = least-squares gain of effect_after on effect_base over states x valence words
  (-1: flips, like a negator; 2: doubles, like an intensifier);
* ``score`` = |ratio - 1|: how far the word rescales what follows (0: not at all), the
  quantity that makes a word a modifier, and what ranks and classifies the words;
* ``relative_change`` = sum |effect_after - effect_base| / sum |effect_base|: any change, also
  one that is not a rescaling. A strong valence word scores high here (after "awful" the next
  word's effect shifts by a sign-independent offset, the readout saturating) while its gain
  stays ~1; ranking by it put such words level with a weak intensifier, so that which side of
  a cut-off "very" fell on depended on float rounding in training (CPU type).

A word is classified (``kind``) only when its score reaches ``MIN_SCORE``, the one cut-off
that the library and the workflow stage share.

The same two numbers are computed linearised (``*_linear``): ``l^T J_inp(h_pre, x_mid)(e_v - e_n)``
at the state h_pre before v, with l the readout pulled back through the settling steps
(:func:`.probe.linear_effects`); a check that first-order input sensitivity explains the
nonlinear effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from .probe import Probe, gain, linear_effects, relative_change, rollout

MODIFIER_COLUMNS = ["rank", "token", "id", "count", "coef", "score", "ratio", "kind",
                    "score_linear", "ratio_linear", "effect_base", "relative_change",
                    "relative_change_linear"]

MIN_SCORE = 0.25
"""Smallest |gain - 1| that classifies a word as a modifier (x1.25 / x0.75 or stronger)."""


def modifier_score(ratio: float) -> float:
    """|ratio - 1|; NaN (no measurable baseline) stays NaN."""
    return abs(ratio - 1.0) if np.isfinite(ratio) else float("nan")


def classify(ratio: float, score: float, min_score: float = MIN_SCORE) -> str:
    """'negator' (ratio < 0), 'intensifier' (> 1), 'attenuator' (0..1), 'none' (small score)."""
    if not np.isfinite(score) or score < min_score:
        return "none"
    if ratio < 0:
        return "negator"
    return "intensifier" if ratio > 1 else "attenuator"


def candidate_words(vocab_or_coefs: pd.DataFrame, top_k: int | None) -> pd.DataFrame:
    """The ``top_k`` most frequent words (all if None), pad/unk excluded."""
    words = vocab_or_coefs[vocab_or_coefs["id"] > 1].sort_values(["count", "id"],
                                                                 ascending=[False, True])
    return (words if top_k is None else words.head(top_k)).reset_index(drop=True)


def word_contexts(probe: Probe, word_ids: Tensor, *, words_per_batch: int = 16,
                  ) -> dict[str, np.ndarray]:
    """Effects after each word and from the attractor, nonlinear and linear.

    Returns arrays ``after``, ``base``, ``after_linear``, ``base_linear``, each [W, K, V].
    """
    model, k = probe.model, probe.k
    far_fill = probe.fillers(probe.far)
    out: dict[str, list[np.ndarray]] = {"after": [], "base": [], "after_linear": [],
                                        "base_linear": []}
    for s in range(0, len(word_ids), words_per_batch):
        w = word_ids[s:s + words_per_batch]
        nw = len(w)
        h = probe.states.repeat(nw, 1)                                # rows: word-major
        wcol = w.repeat_interleave(k)[:, None]
        pre_after = wcol
        pre_base = torch.cat([wcol, far_fill.repeat(nw, 1)], 1)
        for name, prefix in (("after", pre_after), ("base", pre_base)):
            eff = probe.effects(h, prefix)
            out[name].append(eff.reshape(nw, k, -1).cpu().numpy())
            h_pre = rollout(model, h, prefix)
            neutral = probe.target_neutral.repeat(nw)
            lin = linear_effects(model, h_pre, probe.valence, neutral,
                                 suffix=probe.fillers(probe.settle, probe.far + 1).repeat(nw, 1))
            out[f"{name}_linear"].append(lin.reshape(nw, k, -1).cpu().numpy())
    return {key: np.concatenate(v) if v else np.zeros((0, k, len(probe.valence)))
            for key, v in out.items()}


def modifier_table(probe: Probe, words: pd.DataFrame, *,
                   min_score: float = MIN_SCORE) -> pd.DataFrame:
    """Score every word of ``words`` (columns ``token, id, count`` and optionally ``coef``);
    one row per word, best score first (schema: ``MODIFIER_COLUMNS``)."""
    ids = torch.tensor(words["id"].to_numpy(np.int64), device=probe.device)
    ctx = word_contexts(probe, ids)
    rows = []
    for i in range(len(words)):
        ratio = gain(ctx["after"][i], ctx["base"][i])
        ratio_linear = gain(ctx["after_linear"][i], ctx["base_linear"][i])
        score = modifier_score(ratio)
        rows.append({
            "token": words["token"].iloc[i], "id": int(ids[i]),
            "count": int(words["count"].iloc[i]),
            "coef": float(words["coef"].iloc[i]) if "coef" in words else float("nan"),
            "score": score, "ratio": ratio, "kind": classify(ratio, score, min_score),
            "score_linear": modifier_score(ratio_linear), "ratio_linear": ratio_linear,
            "effect_base": float(np.abs(ctx["base"][i]).mean()),
            "relative_change": relative_change(ctx["after"][i], ctx["base"][i]),
            "relative_change_linear": relative_change(ctx["after_linear"][i],
                                                      ctx["base_linear"][i]),
        })
    table = pd.DataFrame(rows, columns=[c for c in MODIFIER_COLUMNS if c != "rank"])
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1, dtype=np.int64))
    return table


def top_modifiers(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` best-scoring words classified as modifiers (kind != 'none'); when no word
    qualifies, the ``n`` best-scoring words, so downstream stages still have something to
    measure (their ``kind`` column then says 'none')."""
    found = table[table["kind"] != "none"]
    return (found if len(found) else table).head(n).reset_index(drop=True)
