"""Integration with K classes: the dimension of the attractor a K-class network integrates on.

Aitken et al. (ICLR 2021) found that networks trained on K-class text tasks integrate evidence
on a manifold of fixed points of dimension K - 1 when the classes are unordered, and of lower
dimension when labels are ordered (star ratings) or otherwise correlated, and that the
word-count statistics of the training set predict that dimension. Here, per trained model:

* **measured dimension**: PCA of the slow points (below): the number of PCs that explain
  ``variance`` (default 90%) of their spread, and the participation ratio
  ``(sum s_i)^2 / sum s_i^2`` of the PCA spectrum (a threshold-free dimension);
* **slow modes**: eigenvalues of ``J_rec`` at each point; a mode counts as slow when its time
  constant ``tau = 1/|log|lambda||`` is at least ``slow_tau`` tokens (default: half the median
  test document, i.e. it carries evidence across a document);
* **readout alignment**: the mean squared cosine of the principal angles between the readout
  subspace (the K - 1 directions that change the class logits relative to each other) and the
  span of the ``d`` slowest right eigenvectors (``d`` = measured dimension), with its
  random-subspace expectation ``d / N``;
* **evidence-word drive**: ``||L_d J_inp x||`` for each class's evidence words and for neutral
  words (``L_d``: the ``d`` slowest left eigenvectors, ``l_i . r_j = delta_ij``);
* **predicted dimension** from word counts (:func:`predicted_dimension`).

Slow points, not only exact fixed points. The solver (the binary analysis's, started from
visited states) keeps points with q = 1/N ||h - F(h, 0)||^2 < ``tol`` (1e-8). A trained
network's attractor is approximate: on a UGRNN trained on the 3-class language the states fill
a plane, but only the points along one line of it reach q < 1e-8 (97% of their variance on one
PC), while every solver endpoint on the plane has q < 1e-6; PCA of the exact points alone
would report dimension 1, an artefact of the tolerance. So the measured dimension uses the
*slow points*: solver endpoints (outliers excepted) that under zero input drift less than
:data:`DRIFT` of the visited states' spread over a median-length document, i.e.
``sqrt(N q) * T_median <= DRIFT * spread``. The dimension of the exact points
(``exact_dimension``) is reported beside it.

Three more guards keep the PCA from measuring something that is not an attractor the network
uses (:func:`attractor_dimension`). Slow points farther than :data:`FAR` state spreads from
every visited state are dropped: they are slow regions no document reaches (a few such points
eight spreads out would alone add a PCA direction; a phrase-trained SST-5 GRU has only such
points, 0.9-2.6 spreads out, scattered over 18 directions in saturated corners where ~80 of
its 128 eigenvalues exceed 0.999). ``slow_point_distance`` reports their median distance
before the guard. A direction counts only where the points extend at least :data:`EXTENT` of
the states' spread along it: slow points that are all one fixed point are a 0-dimensional
attractor, whatever shape their solver jitter has. Last, slow points where words barely move
the state (input drive ``mean_w ||J_inp x_w||`` below :data:`FROZEN` of its median over
visited states) are dropped (``n_frozen_points``): where update gates are shut, J_rec ~ I in
most directions and no input reaches the state, so such points are slow without integrating.

Predicted dimension. A bag-of-words reader of a K-class corpus integrates, for each word,
the vector of class log-likelihoods ``e_w = log p(w | k) - mean_k log p(w | k)`` (add-one
smoothing; centred, so it lives in the K - 1 dimensional space of relative class evidence).
Over a document the integrated evidence is ``sum_t e_{w_t}``, whose spread is spanned by the
frequency-weighted second moment ``S = sum_w f_w e_w e_w^T``. The predicted dimension is the
number of eigen-directions of S that explain the same ``variance`` share. Unordered, equally
frequent classes give K - 1 equal eigenvalues; ordered ratings put most of S on one
negative-to-positive axis. Aitken et al. relate the dimension to the same word-count
statistics (the correlations between classes in per-word evidence); this is that statement
as a number, computed without the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..padding import padded
from ..runtime import resolve_device
from . import fixed_points as fp
from .jacobians import jacobians
from .kept_points import points_from_table
from .spectra import eigendecompose, time_constants
from .states import collect_states, pcs_for_variance

VARIANCE = 0.9
N_WORDS = 10
EVIDENCE_SHARE = 0.5
"""A frequent word is evidence for class k when k is its strongest class and its evidence
``e_w[k]`` is at least this share of the strongest frequent word's for k."""
DRIFT = 0.1
"""Slow points drift at most this share of the states' spread over a median-length document."""
FAR = 0.5
"""Slow points farther than this many state spreads from every visited state are dropped. A
typical state lies one spread from the states' mean; the attractors trained networks integrate
on lie 0.07-0.4 spreads from the nearest state (demo and IMDB-ratings networks), while a
phrase-trained SST-5 GRU's slow points lie 0.9-2.6 spreads away, where no sentence goes."""
FROZEN = 0.1
"""Slow points where words move the state less than this share of what they do at the visited
states (median) are frozen states, not part of an integrator, and are dropped."""
EXTENT = 0.05
"""A principal direction of the slow points counts only when their standard deviation along it
is at least this share of the visited states' spread."""
MIN_COUNT = 20
"""Words seen fewer times in training are not ranked (their evidence is noise)."""


@dataclass(frozen=True)
class IntegrationResult:
    """``summary``: one row (see :func:`analyse_integration`); ``projection``: states and
    fixed points in the fixed points' top PCs; ``spectrum``: per point, the slowest modes'
    |lambda|; ``words``: the evidence and neutral words and their drive."""

    summary: pd.DataFrame
    projection: pd.DataFrame
    spectrum: pd.DataFrame
    words: pd.DataFrame


def participation_dimension(variances: np.ndarray) -> float:
    """``(sum s)^2 / sum s^2`` of a PCA spectrum: 1 for a line, K for K equal directions."""
    s = np.asarray(variances, dtype=np.float64)
    return float(s.sum() ** 2 / max((s * s).sum(), 1e-300))


def state_spread(states: np.ndarray) -> float:
    """sqrt of the total variance of the visited states: the size of the region they visit."""
    x = np.asarray(states, dtype=np.float64)
    return float(np.sqrt(x.var(axis=0).sum())) if len(x) else 0.0


def state_distance(points: np.ndarray, states: np.ndarray, max_states: int = 20_000
                   ) -> np.ndarray:
    """Distance from each point to its nearest visited state [P] (an evenly spaced subset of
    at most ``max_states`` states is searched; inf where there are no states)."""
    pts = torch.as_tensor(np.asarray(points, dtype=np.float64))
    x = np.asarray(states, dtype=np.float64)
    x = x[np.linspace(0, len(x) - 1, min(len(x), max_states)).astype(np.int64)] if len(x) else x
    if not len(pts) or not len(x):
        return np.full(len(pts), np.inf)
    return torch.cdist(pts, torch.as_tensor(x)).min(dim=1).values.numpy()


def input_drive(model: Any, points: np.ndarray, word_ids: np.ndarray,
                device: torch.device | str = "cpu") -> np.ndarray:
    """``mean_w ||J_inp(h) x_w||`` at each point [P]: how far the words ``word_ids`` move the
    state in one step from there (0 where the state is frozen)."""
    pts = np.asarray(points, dtype=np.float32)
    if not len(pts) or not len(word_ids):
        return np.zeros(len(pts))
    _, j_inp = jacobians(model.step, torch.from_numpy(pts).to(device), input_dim=model.input_dim)
    with torch.no_grad():
        emb = model.embedding(torch.as_tensor(np.asarray(word_ids), device=device))
        moved = (j_inp @ emb.T.to(j_inp.dtype)).norm(dim=1).mean(dim=-1)
    return moved.double().cpu().numpy()


def attractor_dimension(points: np.ndarray, spread: float, variance: float = VARIANCE,
                        extent: float = EXTENT) -> tuple[int, np.ndarray, float]:
    """``(dimension, PCA variance ratio, participation ratio)`` of a set of slow points.

    The dimension is the number of PCs explaining ``variance`` of the points' spread, but only
    PCs along which the points' standard deviation reaches ``extent * spread`` count (0 for a
    cluster around one fixed point, whatever shape its jitter has). The participation ratio
    is of the counted PCs' spectrum (nan when none counts).
    """
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) < 2:
        return 0, np.zeros(0), float("nan")
    from sklearn.decomposition import PCA

    pca = PCA().fit(pts)
    ratio = pca.explained_variance_ratio_
    extended = int((np.sqrt(pca.explained_variance_) >= extent * spread).sum())
    dim = min(pcs_for_variance(ratio, variance), extended)
    pr = participation_dimension(pca.explained_variance_[:extended]) if extended else float("nan")
    return dim, ratio, pr


def class_word_counts(ids: list[np.ndarray] | pd.Series, labels: np.ndarray, vocab_size: int,
                      n_classes: int) -> np.ndarray:
    """Token counts ``[vocab_size, K]``: how often each word occurs in each class's documents."""
    docs = [np.asarray(doc, dtype=np.int64) for doc in ids]
    if not docs:
        return np.zeros((vocab_size, n_classes), dtype=np.int64)
    tokens = np.concatenate(docs)
    classes = np.repeat(np.asarray(labels, dtype=np.int64), [len(doc) for doc in docs])
    flat = np.bincount(tokens * n_classes + classes, minlength=vocab_size * n_classes)
    return flat.reshape(vocab_size, n_classes)


def evidence_vectors(counts: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Centred class log-likelihoods ``e_w`` [V, K] from counts [V, K] (add-``alpha``)."""
    c = np.asarray(counts, dtype=np.float64) + alpha
    log_p = np.log(c / c.sum(axis=0, keepdims=True))
    return log_p - log_p.mean(axis=1, keepdims=True)


def predicted_dimension(counts: np.ndarray, variance: float = VARIANCE, *, skip: int = 1
                        ) -> tuple[int, np.ndarray]:
    """Dimension of the integrated word evidence (module docstring) and the variance ratio of
    each eigen-direction of S. ``skip``: the first ids (padding) carry no evidence."""
    counts = np.asarray(counts)[skip:]
    e = evidence_vectors(counts)
    f = counts.sum(axis=1) / max(counts.sum(), 1)
    s = (e * f[:, None]).T @ e
    w = np.clip(np.linalg.eigvalsh(s)[::-1], 0.0, None)
    ratio = w / max(w.sum(), 1e-300)
    k = len(ratio) - 1                     # centred: the last direction is empty
    return min(pcs_for_variance(ratio, variance), k), ratio[:k]


def evidence_words(counts: np.ndarray, n_words: int = N_WORDS, *, min_count: int = MIN_COUNT,
                   skip: int = 1) -> pd.DataFrame:
    """Per class the ``n_words`` frequent words with the most evidence for it (see
    :data:`EVIDENCE_SHARE`), and the ``n_words`` frequent words with the least evidence for
    any class (``class = -1``, neutral). Columns ``id``, ``class``, ``evidence`` (e_w[k], or
    ||e_w|| for neutral words), ``count``."""
    e = evidence_vectors(counts)
    total = np.asarray(counts).sum(axis=1)
    frequent = np.flatnonzero(total >= min_count)
    frequent = frequent[frequent >= skip]
    rows = []
    strongest = e.argmax(axis=1)
    for k in range(e.shape[1]):
        order = frequent[np.argsort(-e[frequent, k], kind="stable")]
        floor = EVIDENCE_SHARE * e[order[0], k] if len(order) else 0.0
        chosen = [w for w in order[:n_words] if strongest[w] == k and e[w, k] >= floor]
        rows += [(int(w), k, float(e[w, k]), int(total[w])) for w in chosen]
    spread = np.linalg.norm(e[frequent], axis=1)
    for w in frequent[np.argsort(spread, kind="stable")[:n_words]]:
        rows.append((int(w), -1, float(np.linalg.norm(e[w])), int(total[w])))
    return pd.DataFrame(rows, columns=["id", "class", "evidence", "count"])


def readout_subspace(readout: np.ndarray) -> np.ndarray:
    """Orthonormal basis [N, K-1] of the directions that change the class logits relative to
    each other (rows of ``readout`` [K, N] minus their mean; one logit: its own direction)."""
    w = np.asarray(readout, dtype=np.float64)
    if w.shape[0] > 1:
        w = w - w.mean(axis=0, keepdims=True)
    u, s, _ = np.linalg.svd(w.T, full_matrices=False)
    rank = int((s > s.max() * 1e-8).sum()) if s.size else 0
    return u[:, :rank]


def real_basis(vectors: np.ndarray) -> np.ndarray:
    """Orthonormal real basis [N, m] of the span of complex columns [N, d] (a complex pair
    spans the plane of its real and imaginary parts)."""
    v = np.concatenate([vectors.real, vectors.imag], axis=1)
    u, s, _ = np.linalg.svd(v, full_matrices=False)
    rank = int((s > s.max() * 1e-8).sum()) if s.size else 0
    return u[:, :rank]


def subspace_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared cosine of the principal angles between two orthonormal bases (1: one
    contains the other; ``min(m_a, m_b) / N`` expected for random subspaces)."""
    m = min(a.shape[1], b.shape[1])
    return float(np.linalg.norm(a.T @ b) ** 2 / m) if m else float("nan")


def analyse_integration(model: Any, train: pd.DataFrame, test: pd.DataFrame, *,
                        ordered: bool, n_docs: int = 500, n_starts: int = 256,
                        noise_std: float = 0.01, tol: float = fp.TOL,
                        max_iters: int = fp.MAX_ITERS, variance: float = VARIANCE,
                        n_words: int = N_WORDS, slow_tau: float | None = None, seed: int = 0,
                        device: str = "auto") -> IntegrationResult:
    """The attractor-dimension analysis of one trained K-class model (module docstring).

    ``train`` / ``test``: prepared splits (``ids``, ``label``, ``length``); the word-count
    prediction reads ``train``, the states and fixed points ``test``. ``ordered``: whether the
    labels are ratings (recorded in the summary). Summary columns: ``n_classes``, ``ordered``,
    ``k_minus_1``, ``measured_dimension``, ``participation_ratio``, ``predicted_dimension``,
    ``predicted_participation``, ``exact_dimension``, ``n_exact_points``, ``n_slow_points``,
    ``n_frozen_points``, ``slow_point_distance`` (median, in state spreads), ``q_slow``,
    ``slow_tau``, ``slow_modes`` (median per point), ``readout_alignment`` and
    ``readout_alignment_null``, ``evidence_drive`` and
    ``neutral_drive`` (median over points of the mean over words), ``variance``.
    """
    dev = resolve_device(device)
    model.to(dev).eval()
    k = int(model.n_classes)
    ids, lengths = padded(test["ids"], np.arange(len(test)))
    states, trajs, docs = collect_states(model, ids, lengths, n_docs, seed)
    starts, _ = fp.sample_starts(states.to(dev), n_starts, noise_std=noise_std, seed=seed)
    table = fp.find_fixed_points(model.step, starts, model.input_dim, tol=tol,
                                 max_iters=max_iters)
    t_median = float(np.median(test["length"]))
    if slow_tau is None:
        slow_tau = 0.5 * t_median
    x = states.double().cpu().numpy()
    spread = state_spread(x)
    q_slow = max(tol, (DRIFT * spread / t_median) ** 2 / model.state_dim)
    slow = (table["q"].to_numpy() <= q_slow) & ~table["outlier"].to_numpy()
    endpoints = points_from_table(table, kept_only=False)
    distance = state_distance(endpoints, x) / max(spread, 1e-300)
    slow_distance = float(np.median(distance[slow])) if slow.any() else float("nan")
    near = distance <= FAR
    slow &= near
    exact_rows = table["kept"].to_numpy().astype(bool) & near      # q < tol, deduplicated

    counts = class_word_counts(train["ids"], train["label"].to_numpy(), model.vocab_size, k)
    predicted, predicted_ratio = predicted_dimension(counts, variance)
    words = evidence_words(counts, n_words)
    word_ids = words["id"].to_numpy(np.int64)
    sample = x[np.linspace(0, len(x) - 1, min(len(x), 256)).astype(np.int64)]
    floor = FROZEN * float(np.median(input_drive(model, sample, word_ids, dev)))
    moving = np.zeros(len(endpoints), dtype=bool)       # one drive per endpoint, for both sets
    moving[slow | exact_rows] = input_drive(model, endpoints[slow | exact_rows], word_ids,
                                            dev) >= floor
    points, exact = endpoints[slow & moving], endpoints[exact_rows & moving]
    readout = model.readout_matrix().detach().cpu().numpy()
    q_read = readout_subspace(readout)
    n = int(model.state_dim)

    measured, ratio, pr = attractor_dimension(points, spread, variance)
    exact_dim = attractor_dimension(exact, spread, variance)[0]
    summary: dict[str, Any] = {
        "n_classes": k, "ordered": bool(ordered), "k_minus_1": k - 1,
        "measured_dimension": int(measured), "participation_ratio": pr,
        "predicted_dimension": int(predicted),
        "predicted_participation": participation_dimension(predicted_ratio),
        "variance_ratio": [float(v) for v in ratio[:8]],
        "exact_dimension": int(exact_dim), "n_exact_points": len(exact),
        "n_slow_points": len(points), "n_frozen_points": int(slow.sum()) - len(points),
        "slow_point_distance": slow_distance, "q_slow": float(q_slow), "slow_tau": float(slow_tau),
        "variance": float(variance), "state_spread": spread,
        "slow_modes": float("nan"), "readout_alignment": float("nan"),
        "readout_alignment_null": float(max(measured, 1) / n),
        "evidence_drive": float("nan"), "neutral_drive": float("nan"),
    }
    spectrum = pd.DataFrame(columns=["point", "mode", "abs_eigval", "tau"])
    words = words.assign(drive=np.nan)
    if len(points):
        h = torch.from_numpy(points).to(dev)
        j_rec, j_inp = jacobians(model.step, h, input_dim=model.input_dim)
        d = max(measured, 1)
        eig, r_all, left_all = eigendecompose(j_rec, n_left=d)    # mode_order: slowest first
        tau = time_constants(eig)
        summary["slow_modes"] = float(np.median((tau >= slow_tau).sum(axis=1)))
        n_show = min(12, n)
        spectrum = pd.DataFrame({
            "point": np.repeat(np.arange(len(points)), n_show),
            "mode": np.tile(np.arange(1, n_show + 1), len(points)),
            "abs_eigval": np.abs(eig[:, :n_show]).ravel(),
            "tau": tau[:, :n_show].ravel()})
        emb = model.embedding.weight.detach()[torch.tensor(words["id"].to_numpy())]
        drives = (j_inp @ emb.T.to(j_inp.dtype)).double().cpu().numpy()    # [P, N, words]
        overlaps = [subspace_overlap(real_basis(r[:, :d]), q_read) for r in r_all]
        drive = [np.linalg.norm(left @ x, axis=0) for left, x in zip(left_all, drives)]
        drive_arr = np.median(np.stack(drive), axis=0)
        words = words.assign(drive=drive_arr)
        summary["readout_alignment"] = float(np.median(overlaps))
        summary["evidence_drive"] = float(words.loc[words["class"] >= 0, "drive"].mean())
        summary["neutral_drive"] = float(words.loc[words["class"] < 0, "drive"].mean())

    projection = _projection(points, states, trajs, docs, test["label"].to_numpy())
    return IntegrationResult(pd.DataFrame([summary]), projection, spectrum, words)


def _projection(points: np.ndarray, states: torch.Tensor, trajs: list, docs: np.ndarray,
                labels: np.ndarray, n_pcs: int = 3) -> pd.DataFrame:
    """States (with their document's label and position) and fixed points in the top PCs of
    the fixed points (of the states when fewer than two points were kept)."""
    from sklearn.decomposition import PCA

    x = states.double().numpy()
    basis = points if len(points) >= 2 else x
    pca = PCA(n_components=min(n_pcs, basis.shape[1], len(basis)), svd_solver="full").fit(basis)
    doc_label = np.concatenate([np.full(len(t), labels[d]) for t, d in zip(trajs, docs)])
    doc_id = np.concatenate([np.full(len(t), d) for t, d in zip(trajs, docs)])
    t_col = np.concatenate([np.arange(len(t)) for t in trajs])
    last = np.concatenate([np.arange(len(t)) == len(t) - 1 for t in trajs])
    frames = [pd.DataFrame({"kind": "state", "label": doc_label.astype(np.int64),
                            "doc": doc_id.astype(np.int64), "t": t_col.astype(np.int64),
                            "last": last})]
    if len(points):
        frames.append(pd.DataFrame({"kind": "fixed_point", "label": -1, "doc": -1, "t": -1,
                                    "last": False}, index=range(len(points))))
    out = pd.concat(frames, ignore_index=True)
    coords = pca.transform(np.concatenate([x, points.astype(np.float64)]) if len(points) else x)
    for i in range(coords.shape[1]):
        out[f"pc{i + 1}"] = coords[:, i]
    return out
