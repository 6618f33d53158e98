"""Probing a network with constructed token sequences: the measurement every context stage shares.

A *valence effect* is how much reading a valence word ``v`` instead of a neutral word moves the
readout, once the fast transient after ``v`` has died away::

    effect(h, prefix, v) = logit(h -> prefix -> v -> settle) - logit(h -> prefix -> n -> settle)

``settle`` is a run of neutral tokens, so the effect is what the line attractor integrated, not
the fast wiggle right after ``v``. A context (a modifier, a position) changes the effect; we
compare it with the same measurement "from the attractor": the same prefix followed by ``far``
neutral tokens, after which any transient has decayed. The gain is the least-squares slope of
effect against baseline over all (state, valence word) pairs, ``sum(e*b) / sum(b*b)``, so a flip
reads as -1 and a doubling as 2, and words with tiny effects weigh little.

States. The probe starts from *relaxed visited states*: states reached mid-review on test
documents, followed by ``settle`` neutral tokens so that no earlier modifier is still active.
They sample the line attractor where the network actually operates, without needing fixed
points (which are the zero-input attractor, not the neutral-word one).

Neutral words are chosen from data, never from a list: frequent words with the smallest
bag-of-words |coef| (:func:`rnn_dynamics.analysis.select_words`), then only the half of those
whose one-step deflection of the state is smallest. The second filter matters: negators have
|coef| ~ 0 and are frequent, but they move the state a lot, so they would otherwise be "neutral".

Fillers between tokens are neutral words drawn per state (seeded), shared by every condition
compared, so comparisons differ only in the word under test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..analysis.states import collect_states
from ..analysis.word_effects import select_words
from ..padding import padded

Hook = Callable[[Tensor, Tensor], Tensor]
"""``hook(h, ids)``: applied to the state after each step, given the token ids just read [B]."""

MAX_ROWS = 32_768  # rows per batched rollout: bounds memory for large models


def _roll(model: Any, h: Tensor, ids: Tensor, hook: Hook | None = None,
          lengths: Tensor | None = None) -> Tensor:
    if ids.shape[1] == 0:
        return h
    emb = model.embedding(ids)
    for t in range(ids.shape[1]):
        new = model.step(h, emb[:, t])
        if hook is not None:
            new = hook(new, ids[:, t])
        h = new if lengths is None else torch.where((t < lengths).unsqueeze(-1), new, h)
    return h


@torch.no_grad()
def rollout(model: Any, h: Tensor, ids: Tensor, hook: Hook | None = None,
            lengths: Tensor | None = None) -> Tensor:
    """Final state after reading ``ids`` [B, T] from ``h`` [B, N] with the pure step map.

    ``hook`` (e.g. a projection) runs after every step. With ``lengths`` a row stops updating
    after its own length (padded documents).
    """
    return _roll(model, h, ids, hook, lengths)


def settled_readout_grad(model: Any, h: Tensor, suffix: Tensor) -> Tensor:
    """``d logit(rollout(h, suffix)) / d h`` [B, N]: the readout seen through the settling steps
    (the product of recurrent Jacobians along the trajectory, applied to the readout)."""
    with torch.enable_grad():
        hh = h.detach().clone().requires_grad_(True)
        logit = model.readout_logit(_roll(model, hh, suffix))
        (g,) = torch.autograd.grad(logit.sum(), hh)
    return g.detach()


@torch.no_grad()
def sequence_logits(model: Any, ids: Tensor, lengths: Tensor, hook: Hook | None = None,
                    batch_size: int = 512) -> Tensor:
    """Logits [B] of padded documents run through the step map from the trained ``h0``."""
    out = []
    for s in range(0, ids.shape[0], batch_size):
        chunk, lens = ids[s:s + batch_size], lengths[s:s + batch_size]
        t_max = int(lens.max())
        h = model.initial_state(chunk.shape[0]).detach().clone()
        out.append(model.readout_logit(rollout(model, h, chunk[:, :t_max], hook, lens)))
    return torch.cat(out) if out else torch.zeros(0)


@torch.no_grad()
def valence_effects(model: Any, h: Tensor, prefix: Tensor, targets: Tensor, neutral: Tensor,
                    suffix: Tensor, hook: Hook | None = None) -> Tensor:
    """``effect[b, j]`` [B, V]: logit after prefix -> targets[j] -> suffix minus the same with
    ``neutral[b]`` in place of the target, from ``h[b]``.

    ``prefix`` [B, P] and ``suffix`` [B, S] are per-row token ids, ``targets`` [V] ids.
    """
    b, v = h.shape[0], targets.shape[0]
    per = max(1, MAX_ROWS // (v + 1))
    out = []
    for s in range(0, b, per):
        hs, nb = h[s:s + per], min(per, b - s)
        pre = rollout(model, hs, prefix[s:s + per], hook)
        tok = torch.cat([targets.expand(nb, v), neutral[s:s + per, None]], 1).reshape(-1, 1)
        rep = pre.repeat_interleave(v + 1, 0)
        suf = suffix[s:s + per].repeat_interleave(v + 1, 0)
        final = rollout(model, rep, torch.cat([tok, suf], 1), hook)
        logit = model.readout_logit(final).reshape(nb, v + 1)
        out.append(logit[:, :v] - logit[:, v:])
    return torch.cat(out) if out else h.new_zeros(0, v)


def linear_effects(model: Any, h: Tensor, targets: Tensor, neutral: Tensor,
                   left: Tensor | None = None, suffix: Tensor | None = None) -> Tensor:
    """First-order effect ``l^T J_inp(h, x_mid) (e_v - e_n)`` [B, V] at states ``h`` [B, N].

    ``x_mid = (e_v + e_n) / 2`` (the midpoint makes the estimate exact for a quadratic
    dependence on the input). ``l`` [B, N] says what is read out: given ``left`` (e.g. the slow
    left eigenvector l1 of the nearest fixed point) it is used as is; else with ``suffix`` it is
    the readout pulled back through the settling steps (:func:`settled_readout_grad` at
    ``F(h, e_n)``), which linearises the whole measurement of :func:`valence_effects`; else the
    readout vector (immediate effect). One vector-Jacobian product per (state, word).
    """
    with torch.no_grad():
        x_n = model.embedding(neutral).detach()                          # [B, E]
        e_v = model.embedding(targets).detach()                          # [V, E]
    if left is not None:
        ell = left.to(h)
    elif suffix is not None:
        with torch.no_grad():
            h1 = model.step(h, x_n)
        ell = settled_readout_grad(model, h1, suffix)
    else:
        ell = model.readout_vector().detach().expand_as(h).to(h)
    b, v = h.shape[0], e_v.shape[0]
    x_mid = 0.5 * (e_v[None] + x_n[:, None])                             # [B, V, E]
    hb = h.detach()[:, None].expand(b, v, -1)
    _, vjp = torch.func.vjp(lambda xx: model.step(hb, xx), x_mid)
    (g,) = vjp(ell[:, None].expand(b, v, -1).contiguous())
    return (g.detach() * (e_v[None] - x_n[:, None])).sum(-1)


def gain(effect: Tensor | np.ndarray, baseline: Tensor | np.ndarray) -> float:
    """Least-squares slope through the origin of ``effect`` on ``baseline`` (all entries)."""
    e, b = (np.asarray(a, dtype=np.float64).ravel() for a in (effect, baseline))
    den = float(b @ b)
    return float(e @ b / den) if den > 0 else float("nan")


def relative_change(effect: Tensor | np.ndarray, baseline: Tensor | np.ndarray) -> float:
    """``sum |effect - baseline| / sum |baseline|``: 0 when context changes nothing."""
    e, b = (np.asarray(a, dtype=np.float64).ravel() for a in (effect, baseline))
    den = float(np.abs(b).sum())
    return float(np.abs(e - b).sum() / den) if den > 0 else float("nan")


@dataclass
class Probe:
    """A trained model plus the ingredients of every probe: states, valence and neutral words.

    ``states`` [K, N] relaxed visited states; ``valence`` [V] ids of the most positive and
    negative bag-of-words words; ``neutral`` [M] ids; ``fill`` [K, L] a per-state stream of
    neutral tokens (prefixes and suffixes are cut from it); ``target_neutral`` [K] the neutral
    word read in place of a valence word.
    """

    model: Any
    states: Tensor
    valence: Tensor
    valence_tokens: list[str]
    neutral: Tensor
    neutral_tokens: list[str]
    fill: Tensor
    target_neutral: Tensor
    settle: int
    far: int

    @property
    def k(self) -> int:
        return int(self.states.shape[0])

    @property
    def device(self) -> torch.device:
        return self.states.device

    def column(self, token_id: int) -> Tensor:
        """[K, 1] filled with one token id (a word read by every state)."""
        return torch.full((self.k, 1), int(token_id), dtype=torch.long, device=self.device)

    def fillers(self, length: int, offset: int = 0) -> Tensor:
        """Neutral tokens [K, length] from the per-state stream (wraps around if needed)."""
        cols = (torch.arange(length, device=self.device) + offset) % self.fill.shape[1]
        return self.fill[:, cols]

    def effects(self, h: Tensor, prefix: Tensor, suffix_len: int | None = None,
                hook: Hook | None = None) -> Tensor:
        """Valence effects [B, V] from ``h`` [B, N] (B a multiple of K: rows cycle over states)
        after per-row ``prefix`` [B, P]; the suffix is ``settle`` (or ``suffix_len``) fillers."""
        reps = h.shape[0] // self.k
        n = self.settle if suffix_len is None else suffix_len
        suffix = self.fillers(n, offset=self.far + 1).repeat(reps, 1)
        neutral = self.target_neutral.repeat(reps)
        return valence_effects(self.model, h, prefix, self.valence, neutral, suffix, hook)


def _relaxed_states(model: Any, test: pd.DataFrame, n_states: int, settle_ids: Tensor,
                    seed: int) -> Tensor:
    ids, lengths = padded(test["ids"], np.arange(len(test)))
    n_docs = min(len(test), max(1, n_states))
    states, _, _ = collect_states(model, ids, lengths, n_docs, seed)
    rng = np.random.default_rng(seed)
    pick = rng.choice(states.shape[0], size=n_states, replace=n_states > states.shape[0])
    dev = settle_ids.device
    return rollout(model, states[torch.from_numpy(pick)].float().to(dev), settle_ids)


def choose_neutral(model: Any, states: Tensor, bow_coefs: pd.DataFrame, n: int,
                   frequent_quantile: float = 0.5) -> pd.DataFrame:
    """``n`` neutral words: frequent, small |BoW coef|, and the smallest one-step deflections.

    Candidates are the 2n words with the smallest |coef| among words with ``count`` at or above
    the ``frequent_quantile`` quantile; the deflection of word u is
    ``||F(h, e_u) - median_u' F(h, e_u')||`` averaged over ``states``.
    """
    table = bow_coefs[bow_coefs["id"] > 1]
    frequent = table[table["count"] >= table["count"].quantile(frequent_quantile)]
    cand = frequent.loc[frequent["coef"].abs().nsmallest(2 * n).index].reset_index(drop=True)
    with torch.no_grad():
        emb = model.embedding(torch.tensor(cand["id"].to_numpy(np.int64),
                                              device=states.device))
        nxt = model.step(states[:, None, :].expand(-1, len(cand), -1),
                         emb[None].expand(states.shape[0], -1, -1))         # [K, C, N]
        dev = (nxt - nxt.median(dim=1, keepdim=True).values).norm(dim=-1).mean(0)
    order = np.argsort(dev.cpu().numpy(), kind="stable")[:n]
    return cand.iloc[order].reset_index(drop=True)


def build_probe(model: Any, test: pd.DataFrame, bow_coefs: pd.DataFrame, *, n_states: int = 64,
                n_valence: int = 10, n_neutral: int = 10, settle: int = 10, far: int = 12,
                fill_len: int | None = None, seed: int = 0) -> Probe:
    """Everything the context stages measure with, deterministic in ``seed``.

    ``n_valence`` most positive and most negative BoW words; ``settle`` neutral tokens after a
    valence word (and to relax the visited states); ``far`` neutral tokens to reach the
    attractor again after a context word.
    """
    model.eval()
    dev = next(model.parameters()).device
    words = select_words(bow_coefs, n_valence)
    val = words[words["group"] != "neutral"]
    gen = torch.Generator().manual_seed(seed)

    def draw(pool: Tensor, *shape: int) -> Tensor:
        return pool[torch.randint(len(pool), shape, generator=gen).to(pool.device)]

    # neutral words are chosen twice: on raw visited states, then on states relaxed with them
    states = _relaxed_states(model, test, n_states,
                             torch.zeros(n_states, 0, dtype=torch.long, device=dev), seed)
    rough = torch.tensor(choose_neutral(model, states, bow_coefs, n_neutral)["id"].to_numpy(),
                         dtype=torch.long, device=dev)
    states = rollout(model, states, draw(rough, n_states, settle))
    neutral = choose_neutral(model, states, bow_coefs, n_neutral)
    nid = torch.tensor(neutral["id"].to_numpy(), dtype=torch.long, device=dev)
    states = rollout(model, states, draw(nid, n_states, settle))
    fill = draw(nid, n_states, fill_len or (far + settle + 2))
    target = draw(nid, n_states)
    return Probe(model=model, states=states,
                 valence=torch.tensor(val["id"].to_numpy(), dtype=torch.long, device=dev),
                 valence_tokens=list(val["token"]), neutral=nid,
                 neutral_tokens=list(neutral["token"]), fill=fill, target_neutral=target,
                 settle=settle, far=far)
