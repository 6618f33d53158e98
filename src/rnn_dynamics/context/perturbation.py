"""Causal test: remove the modifier subspace from the state and see what breaks.

The network runs on its pure step map with the state projected after a step,

    h <- h - Q Q^T (h - c),

where Q [N, d] is an orthonormal basis and c the centre of the attractor (mean probe state). Two
choices, both documented because public descriptions differ:

* *Affine*, around c rather than the origin: the attractor itself need not pass through 0, and
  projecting ``h`` would shift every state by ``-Q Q^T c`` even with no modifier present.
* Q is first made orthogonal to the integration direction m (first principal axis of the
  attractor states, :func:`rnn_dynamics.analysis.manifold_direction`) and to the readout w, so the
  projection cannot remove integrated valence or read-out state by construction; what it removes
  is the modifiers' off-attractor excursion.

Modes: ``after_modifiers`` projects only the state right after a modifier token; ``every_step``
after every token. The control is a random subspace of the same dimension (seeded), treated the
same way. Reported per condition: test accuracy through the step map, each modifier's gain at
gap 0 (-> 1 when its effect is gone) and the integration ratio (gain of plain valence effects
from the attractor relative to the unperturbed network; ~1 when integration survives).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..analysis.geometry import manifold_direction
from ..padding import padded
from .dynamics import gain_curve
from .probe import Hook, Probe, gain, sequence_logits
from .subspace import orthonormalise

PERTURBATION_COLUMNS = ["condition", "subspace", "mode", "dim", "accuracy", "accuracy_drop",
                        "integration", "token", "id", "gain", "gain_unperturbed"]


def projector_hook(basis: np.ndarray, center: np.ndarray | Tensor,
                   token_ids: list[int] | np.ndarray | None = None) -> Hook:
    """``h -> h - Q Q^T (h - c)`` after each step (``token_ids`` given: only for rows that just
    read one of them). ``basis`` [N, d] must have orthonormal columns."""
    q = torch.tensor(np.asarray(basis), dtype=torch.float32)
    c = torch.tensor(np.asarray(center), dtype=torch.float32)
    ids = None if token_ids is None else torch.tensor(np.asarray(token_ids, dtype=np.int64))

    def hook(h: Tensor, read: Tensor) -> Tensor:
        qq, cc = q.to(h), c.to(h)
        projected = h - ((h - cc) @ qq) @ qq.T
        if ids is None:
            return projected
        hit = torch.isin(read, ids.to(read.device)).unsqueeze(-1)
        return torch.where(hit, projected, h)

    return hook


def random_basis(n: int, dim: int, seed: int, against: np.ndarray | None = None) -> np.ndarray:
    """A uniformly random orthonormal basis [N, dim] (seeded), orthogonal to ``against``."""
    g = np.random.default_rng(seed).standard_normal((n, dim + (0 if against is None
                                                                else against.shape[1])))
    return orthonormalise(g, against)[:, :dim]


def keep_directions(probe: Probe) -> np.ndarray:
    """[N, 2]: the attractor's direction m and the readout w, which projections must not touch."""
    w = probe.model.readout_vector().detach().cpu().double().numpy()
    m, _ = manifold_direction(probe.states.detach().cpu().numpy(), readout=w)
    return np.stack([m, w], axis=1)


def step_accuracy(model, test: pd.DataFrame, hook: Hook | None, n_docs: int | None = None,
                  seed: int = 0) -> float:
    """Accuracy on (a seeded sample of ``n_docs``) test documents through the step map."""
    rows = np.arange(len(test))
    if n_docs is not None and n_docs < len(test):
        rows = np.sort(np.random.default_rng(seed).choice(len(test), n_docs, replace=False))
    ids, lengths = padded(test["ids"], rows)
    dev = next(model.parameters()).device
    logits = sequence_logits(model, ids.to(dev), lengths.to(dev), hook)
    labels = test["label"].to_numpy()[rows]
    return float(((logits.cpu().numpy() > 0).astype(int) == labels).mean())


def perturbation_table(probe: Probe, test: pd.DataFrame, basis: np.ndarray,
                       modifiers: pd.DataFrame, *, n_docs: int | None = 1000, seed: int = 0,
                       orthogonal_to_integration: bool = True) -> pd.DataFrame:
    """Conditions ``none``, ``modifier/random`` x ``after_modifiers/every_step``; one row per
    (condition, modifier). Schema ``PERTURBATION_COLUMNS``."""
    keep = keep_directions(probe) if orthogonal_to_integration else None
    q_mod = orthonormalise(basis, keep)
    dim = q_mod.shape[1]
    q_rand = random_basis(q_mod.shape[0], dim, seed, keep)
    center = probe.states.mean(0).detach().cpu().numpy()
    mod_ids = modifiers["id"].to_numpy(np.int64)
    conditions = [("none", "none", "none", None)]
    for name, q in (("modifier", q_mod), ("random", q_rand)):
        conditions += [(f"{name}_after_modifiers", name, "after_modifiers",
                        projector_hook(q, center, mod_ids)),
                       (f"{name}_every_step", name, "every_step", projector_hook(q, center))]
    plain = probe.fillers(probe.far)                        # valence word read from the attractor
    clean_base = probe.effects(probe.states, plain).cpu().numpy()
    clean_gain = {int(w): gain_curve(probe, int(w), 0)[0][0] for w in mod_ids}
    acc0 = step_accuracy(probe.model, test, None, n_docs, seed)
    rows = []
    for cond, space, mode, hook in conditions:
        acc = acc0 if hook is None else step_accuracy(probe.model, test, hook, n_docs, seed)
        integ = gain(probe.effects(probe.states, plain, hook=hook).cpu().numpy(), clean_base)
        for token, wid in zip(modifiers["token"], mod_ids):
            g = (clean_gain[int(wid)] if hook is None
                 else gain_curve(probe, int(wid), 0, hook)[0][0])
            rows.append({"condition": cond, "subspace": space, "mode": mode,
                         "dim": 0 if hook is None else dim, "accuracy": acc,
                         "accuracy_drop": acc0 - acc, "integration": integ, "token": token,
                         "id": int(wid), "gain": float(g),
                         "gain_unperturbed": float(clean_gain[int(wid)])})
    return pd.DataFrame(rows, columns=PERTURBATION_COLUMNS).astype({"dim": "int64", "id": "int64"})
