"""One function per Snakemake rule: take a model plus tables, write one Parquet table, return it.

Each function documents the schema it writes. The workflow reruns a stage when any code its
script imports changes (:mod:`rnn_dynamics.versioning`).

Inputs shared by the stages:

* ``model`` follows the model contract (``step``, ``state_dim``, ``input_dim``,
  ``initial_state()``, ``readout_vector()``, ``readout_logit(h)``, ``embedding``,
  ``hidden_states(ids, lengths)``).
* ``test``: columns ``ids`` (list<int32>), ``label`` (0/1), ``length``.
* Fixed-point tables are those of :mod:`.fixed_points` (column ``kept`` selects the points used
  downstream). When nothing was kept, downstream stages write an empty table with their schema
  instead of failing; :func:`.fixed_points.explain_no_fixed_points` says why.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..io import write_parquet
from ..runtime import resolve_device
from . import fixed_points as fp
from .geometry import alignment, lle_coordinate, manifold_direction, overlap_with_null
from .jacobians import jacobians
from .linearised import linearised_accuracy, one_step_errors, run_linearised, unroll
from .spectra import growing, integrating_mode, sorted_eigvals, time_constants
from .states import collect_states, zero_input_speed
from .word_effects import projected_effects, select_words

PathLike = str | os.PathLike


# --------------------------------------------------------------------------- helpers

def _prepare(model: Any, device: str) -> torch.device:
    dev = resolve_device(device)
    model.to(dev)
    model.eval()
    return dev


def _padded(test: pd.DataFrame, rows: np.ndarray) -> tuple[Tensor, Tensor]:
    """Padded ids [B, T] (pad 0) and lengths [B] for the given rows of the test table."""
    seqs = [np.asarray(test["ids"].iloc[r], dtype=np.int64) for r in rows]
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    ids = torch.zeros(len(seqs), int(lengths.max()) if len(seqs) else 0, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.from_numpy(s)
    return ids, lengths


def _stack(column: pd.Series, dtype=np.float32) -> np.ndarray:
    return np.stack([np.asarray(v, dtype=dtype) for v in column])


def _kept(fixed_points: pd.DataFrame) -> pd.DataFrame:
    return fixed_points[fixed_points["kept"]].reset_index(drop=True)


def _write_empty(columns: list[str], out_path: PathLike) -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    write_parquet(df, out_path)
    return df


# --------------------------------------------------------------------------- stages

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
    ids, lengths = _padded(test, rows)
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


def run_fixed_point_stage(model: Any, states: pd.DataFrame, out_path: PathLike, *,
                          n_starts: int = 1024, noise_std: float = 0.0, seed: int = 0,
                          tol: float = fp.TOL, max_iters: int = fp.MAX_ITERS,
                          adam_steps: int = 0,
                          method: str = "newton", adam_max_steps: int = 20_000,
                          unique_tol: float = 1e-3, outlier_scale: float | None = 10.0,
                          device: str = "auto") -> pd.DataFrame:
    """Fixed points of F(., 0) from ``n_starts`` visited states (+ Gaussian ``noise_std``).

    ``method``: 'newton' (Newton/LM, default) or 'adam' (baseline). Schema: the fixed-point
    table of :mod:`.fixed_points` (``start_index, q, converged, iterations, outlier, duplicate,
    kept, h``; q = 1/N ||h - F(h,0)||^2) plus ``state_row`` int64, the row of ``states`` each
    start was drawn from. If nothing converges the table is still written (``kept`` all False).
    """
    dev = _prepare(model, device)
    visited = torch.from_numpy(_stack(states["h"])).to(dev)
    starts, rows = fp.sample_starts(visited, n_starts, noise_std=noise_std, seed=seed)
    if method == "newton":
        table = fp.find_fixed_points(model.step, starts, model.input_dim, tol=tol,
                                     max_iters=max_iters, adam_steps=adam_steps,
                                     unique_tol=unique_tol, outlier_scale=outlier_scale)
    elif method == "adam":
        table = fp.find_fixed_points_adam(model.step, starts, model.input_dim, tol=tol,
                                          max_steps=adam_max_steps, unique_tol=unique_tol,
                                          outlier_scale=outlier_scale)
    else:
        raise ValueError(f"method must be 'newton' or 'adam', not {method!r}")
    table.insert(1, "state_row", rows.astype(np.int64))
    write_parquet(table, out_path)
    return table


EXACT_COLUMNS = ["fixed_point_id", "q", "n_members", "max_abs_eig", "n_unstable", "n_marginal",
                 "stability", "h", "eigvals_real", "eigvals_imag"]


def run_exact_fixed_points_stage(model: Any, fixed_points: pd.DataFrame, out_path: PathLike, *,
                                 tol: float = 1e-20, cluster_tol: float = 1e-6,
                                 margin: float = 1e-3, device: str = "auto") -> pd.DataFrame:
    """Beyond the paper: polish the kept slow points in float64 and list the exact fixed points.

    Schema (one row per distinct exact fixed point), see
    :func:`.fixed_points.polish_fixed_points`: ``fixed_point_id, q, n_members, max_abs_eig,
    n_unstable, n_marginal, stability ('stable'|'marginal'|'saddle'|'unstable'), h,
    eigvals_real, eigvals_imag``.
    """
    dev = _prepare(model, device)
    kept = _kept(fixed_points)
    if len(kept) == 0:
        return _write_empty(EXACT_COLUMNS, out_path)
    pts = torch.from_numpy(_stack(kept["h"], np.float64)).to(dev)
    distinct, _ = fp.polish_fixed_points(model.step, pts, model.input_dim, tol=tol,
                                         cluster_tol=cluster_tol, margin=margin)
    write_parquet(distinct, out_path)
    return distinct


SPECTRA_COLUMNS = ["start_index", "lambda1_abs", "lambda1_imag", "tau1", "n_growing",
                   "integrator_index", "integrator_growing", "integrator_eigval", "integrator_tau",
                   "integrator_participation", "integrator_readout_alignment",
                   "integrator_score_share", "n_unit_slow_modes", "eigvals_real",
                   "eigvals_imag", "tau", "growing", "r_int", "l_int"]


def word_valences(model: Any, bow_coefs: pd.DataFrame | None,
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """Embeddings [V, E] of the words with a bag-of-words coefficient, and those coefficients.

    Without a coefficient table: every embedding row but pad and unknown, and no valences.
    """
    weight = model.embedding.weight.detach().double().cpu().numpy()
    if bow_coefs is None or len(bow_coefs) == 0:
        return (weight[2:] if weight.shape[0] > 3 else weight), None
    rows = bow_coefs[bow_coefs["id"].between(2, weight.shape[0] - 1)]
    return weight[rows["id"].to_numpy(np.int64)], rows["coef"].to_numpy(np.float64)


def run_spectra_stage(model: Any, fixed_points: pd.DataFrame, test: pd.DataFrame | None,
                      bow_coefs: pd.DataFrame | None, out_path: PathLike, *,
                      horizon: float | None = None, n_slow: int = 16, chunk_size: int = 256,
                      device: str = "auto") -> pd.DataFrame:
    """Spectrum of J_rec = dF/dh (x = 0) at every kept fixed point, and its integrating mode.

    Jacobians and spectra are computed in float64 (a float64 copy of the model), modes in the
    order of :func:`.spectra.mode_order` (tau descending: mode 1 = the slowest mode; growing
    modes keep their place by tau and are flagged). The integrating mode is chosen by its
    role (:func:`.spectra.integrating_mode`: readout gain x covariance of its input drive with
    the words' bag-of-words coefficients ``bow_coefs`` x persistence over ``horizon`` tokens,
    among the ``n_slow`` real modes nearest 1); ``horizon`` defaults to the median length of the
    ``test`` documents (100 tokens without them). Schema (one row per kept fixed point)::

        start_index                   int64          row key into the fixed-point table
        lambda1_abs, lambda1_imag     float64        |lambda_1|, Im lambda_1 (mode 1)
        tau1                          float64        1/|log|lambda_1|| (inf when |lambda_1| = 1)
        n_growing                     int64          modes with |lambda| > 1 + MARGIN
        integrator_index              int64          1-based mode index of the integrating mode
                                                     (0: no real slow mode found)
        integrator_growing            bool           it grows slowly (|lambda| > 1 + MARGIN)
        integrator_eigval             float64        its (real) eigenvalue
        integrator_tau                float64        its time constant (tokens)
        integrator_participation      float64        participation ratio of its r (1: one unit)
        integrator_readout_alignment  float64        |cos(r_int, w)|
        integrator_score_share        float64        its share of all candidates' scores
        n_unit_slow_modes             int64          real slow modes (tau >= 10) on <= 2 units
        eigvals_real, eigvals_imag    list<float64>  all N eigenvalues, in mode order
        tau                           list<float64>  time constants, same order
        growing                       list<bool>     |lambda| > 1 + MARGIN, same order
        r_int                         list<float32>  unit right vector of the integrating mode,
                                                     r_int . w >= 0 (w = model.readout_vector())
        l_int                         list<float32>  its left vector, l_int . r_int = 1
    """
    dev = _prepare(model, device)
    kept = _kept(fixed_points)
    if len(kept) == 0:
        return _write_empty(SPECTRA_COLUMNS, out_path)
    if horizon is None:
        horizon = float(test["length"].median()) if test is not None and len(test) else 100.0
    step64 = fp.step_in_dtype(model.step, torch.float64)
    pts = torch.from_numpy(_stack(kept["h"], np.float64)).to(dev)
    j_rec, j_inp = jacobians(step64, pts, input_dim=model.input_dim, chunk_size=chunk_size)
    j_rec, j_inp = j_rec.cpu(), j_inp.cpu()
    w = model.readout_vector().detach().cpu().double()
    eigvals = sorted_eigvals(j_rec)
    vectors, valence = word_valences(model, bow_coefs)
    mode = integrating_mode(j_rec, j_inp, w, eigvals, word_vectors=vectors, valence=valence,
                            horizon=horizon, n_modes=n_slow)
    tau = time_constants(eigvals)
    grow = growing(eigvals)
    df = pd.DataFrame({
        "start_index": kept["start_index"].to_numpy(np.int64),
        "lambda1_abs": np.abs(eigvals[:, 0]).astype(np.float64),
        "lambda1_imag": eigvals[:, 0].imag.astype(np.float64),
        "tau1": tau[:, 0].astype(np.float64),
        "n_growing": grow.sum(-1).astype(np.int64),
        "integrator_index": mode.index,
        "integrator_growing": mode.growing,
        "integrator_eigval": mode.eigval,
        "integrator_tau": mode.tau,
        "integrator_participation": mode.participation,
        "integrator_readout_alignment": mode.readout_alignment,
        "integrator_score_share": mode.score_share,
        "n_unit_slow_modes": mode.n_unit_slow,
        "eigvals_real": list(eigvals.real.astype(np.float64)),
        "eigvals_imag": list(eigvals.imag.astype(np.float64)),
        "tau": list(tau.astype(np.float64)),
        "growing": list(grow),
        "r_int": list(mode.r.astype(np.float32)),
        "l_int": list(mode.l.astype(np.float32)),
    }, columns=SPECTRA_COLUMNS)
    write_parquet(df, out_path)
    return df


GEOMETRY_COLUMNS = ["start_index", "theta", "readout_projection", "r_int_overlap",
                    "m_variance_ratio", "readout_alignment", "null_median", "null_p99", "m"]


def run_geometry_stage(model: Any, fixed_points: pd.DataFrame, spectra: pd.DataFrame,
                       out_path: PathLike, *, n_neighbors: int = 10, n_null: int = 10_000,
                       seed: int = 0) -> pd.DataFrame:
    """Line-attractor geometry of the kept fixed points.

    Schema (one row per kept fixed point; the scalar summaries repeat on every row)::

        start_index         int64          row key into the fixed-point table
        theta               float64        LLE coordinate in [-1, 1], increasing with w . h*
        readout_projection  float64        w . h* (w = model.readout_vector())
        r_int_overlap       float64        |r_int . m| (the integrating mode's r, ``spectra``)
        m_variance_ratio    float64        variance of the fixed points explained by m (PC1)
        readout_alignment   float64        |cos(m, w)|
        null_median         float64        median of |u . m| over ``n_null`` random unit u
        null_p99            float64        99th percentile of that null
        m                   list<float64>  manifold direction (unit, m . w >= 0)
    """
    kept = _kept(fixed_points)
    if len(kept) == 0:
        return _write_empty(GEOMETRY_COLUMNS, out_path)
    pts = _stack(kept["h"], np.float64)
    w = model.readout_vector().detach().cpu().double().numpy()
    n = pts.shape[1]
    if len(pts) >= 2:
        m, ratio = manifold_direction(pts, readout=w)
    else:
        m, ratio = np.full(n, np.nan), float("nan")
    theta = (lle_coordinate(pts, n_neighbors, readout=w, seed=seed) if len(pts) > 2
             else np.zeros(len(pts)))
    spec = spectra.set_index("start_index").reindex(kept["start_index"])
    r_int = _stack(spec["r_int"], np.float64) if len(spec) else np.zeros((0, n))
    overlaps, null, p99 = overlap_with_null(r_int, np.nan_to_num(m), n_null=n_null, seed=seed)
    df = pd.DataFrame({
        "start_index": kept["start_index"].to_numpy(np.int64),
        "theta": theta.astype(np.float64),
        "readout_projection": pts @ w,
        "r_int_overlap": overlaps,
        "m_variance_ratio": ratio,
        "readout_alignment": alignment(m, w) if len(pts) >= 2 else float("nan"),
        "null_median": float(np.median(null)),
        "null_p99": p99,
        "m": [m.astype(np.float64)] * len(kept),
    }, columns=GEOMETRY_COLUMNS)
    write_parquet(df, out_path)
    return df


WORD_COLUMNS = ["start_index", "token", "id", "group", "coef", "count", "projection",
                "effect_norm"]


def run_word_effects_stage(model: Any, fixed_points: pd.DataFrame, spectra: pd.DataFrame,
                           bow_coefs: pd.DataFrame, out_path: PathLike, *, n_words: int = 100,
                           frequent_quantile: float = 0.5, chunk_size: int = 256,
                           device: str = "auto") -> pd.DataFrame:
    """Effect of the most positive/negative/neutral words (by bag-of-words coefficient) at each
    kept fixed point, through the integrating mode.

    Schema (one row per kept fixed point x selected word)::

        start_index  int64    row key into the fixed-point table
        token        str      word
        id           int64    vocabulary id
        group        str      'positive' | 'negative' | 'neutral'
        coef         float64  bag-of-words coefficient
        count        int64    training count
        projection   float64  l_int . J_inp x  (the integrating mode's left vector, from
                              ``spectra``; l_int . r_int = 1)
        effect_norm  float64  ||J_inp x||
    """
    dev = _prepare(model, device)
    kept = _kept(fixed_points)
    words = select_words(bow_coefs, n_words, frequent_quantile=frequent_quantile)
    if len(kept) == 0 or len(words) == 0:
        return _write_empty(WORD_COLUMNS, out_path)
    pts = torch.from_numpy(_stack(kept["h"])).to(dev)
    _, j_inp = jacobians(model.step, pts, input_dim=model.input_dim, chunk_size=chunk_size)
    spec = spectra.set_index("start_index").reindex(kept["start_index"])
    l_int = torch.from_numpy(_stack(spec["l_int"])).to(dev)
    with torch.no_grad():
        word_ids = torch.tensor(words["id"].to_numpy(np.int64), device=dev)
        emb = model.embedding(word_ids)
        proj = projected_effects(j_inp, l_int, emb).cpu().numpy()                    # [K, W]
        norms = torch.stack([torch.einsum("ne,we->wn", j, emb).norm(dim=-1)
                             for j in j_inp]).cpu().numpy()                       # [K, W]
    k, n_w = proj.shape
    df = pd.DataFrame({
        "start_index": np.repeat(kept["start_index"].to_numpy(np.int64), n_w),
        "token": np.tile(words["token"].to_numpy(), k),
        "id": np.tile(words["id"].to_numpy(np.int64), k),
        "group": np.tile(words["group"].to_numpy(), k),
        "coef": np.tile(words["coef"].to_numpy(np.float64), k),
        "count": np.tile(words["count"].to_numpy(np.int64), k),
        "projection": proj.reshape(-1).astype(np.float64),
        "effect_norm": norms.reshape(-1).astype(np.float64),
    }, columns=WORD_COLUMNS)
    write_parquet(df, out_path)
    return df


LINEARISED_COLUMNS = ["doc", "t", "label", "one_step_error", "readout_nonlinear",
                      "readout_linearised", "logit_nonlinear", "logit_linearised",
                      "accuracy_nonlinear", "accuracy_linearised", "example", "h_nonlinear",
                      "h_linearised"]


def run_linearised_stage(model: Any, fixed_points: pd.DataFrame, test: pd.DataFrame,
                         out_path: PathLike, *, n_docs: int = 500, seed: int = 0,
                         n_examples: int = 1, chunk_size: int = 256,
                         device: str = "auto") -> pd.DataFrame:
    """Linearisation around the nearest kept fixed point: one-step errors, fully linearised
    accuracy, and example trajectories, on ``n_docs`` random test documents.

    Schema (one row per document x token step)::

        doc                  int64    row of ``test``
        t                    int64    token position (state after token t)
        label                int64
        one_step_error       float64  ||h_t - h_lin|| / ||h_t||, one linearised step from h_{t-1}
        readout_nonlinear    float64  w . h_t along the true trajectory
        readout_linearised   float64  w . h_t along the fully linearised trajectory
        logit_nonlinear      float64  final logit of the document (repeated on its rows)
        logit_linearised     float64  final logit of the fully linearised network
        accuracy_nonlinear   float64  over the ``n_docs`` documents (repeated)
        accuracy_linearised  float64
        example              bool     True for the first ``n_examples`` documents
        h_nonlinear          list<float32>  full state, example documents only (else null)
        h_linearised         list<float32>  full linearised state, example documents only
    """
    dev = _prepare(model, device)
    kept = _kept(fixed_points)
    if len(kept) == 0:
        return _write_empty(LINEARISED_COLUMNS, out_path)
    pts = torch.from_numpy(_stack(kept["h"])).to(dev)
    j_rec, j_inp = jacobians(model.step, pts, input_dim=model.input_dim, chunk_size=chunk_size)
    rng = np.random.default_rng(seed)
    docs = np.sort(rng.choice(len(test), size=min(n_docs, len(test)), replace=False))
    ids, lengths = _padded(test, docs)
    ids, lengths = ids.to(dev), lengths.to(dev)
    labels = torch.as_tensor(test["label"].to_numpy()[docs].astype(np.int64), device=dev)
    h0 = model.initial_state().detach().to(dev)
    w = model.readout_vector().detach().to(dev)
    with torch.no_grad():
        x = model.embedding(ids)
    errors = one_step_errors(model.step, x, lengths, h0, pts, j_rec, j_inp)
    acc_nl, acc_li, logit_nl, logit_li = linearised_accuracy(
        model.step, model.readout_logit, x, lengths, labels, h0, pts, j_rec, j_inp)
    traj_nl = unroll(model.step, h0, x, lengths)
    traj_li = run_linearised(x, lengths, h0, pts, j_rec, j_inp)
    frames = []
    for i, d in enumerate(docs):
        n = int(lengths[i])
        example = i < n_examples
        frames.append(pd.DataFrame({
            "doc": np.full(n, d, dtype=np.int64), "t": np.arange(n, dtype=np.int64),
            "label": np.full(n, int(labels[i]), dtype=np.int64),
            "one_step_error": errors[i, :n],
            "readout_nonlinear": (traj_nl[i, :n] @ w).double().cpu().numpy(),
            "readout_linearised": (traj_li[i, :n] @ w).double().cpu().numpy(),
            "logit_nonlinear": logit_nl[i], "logit_linearised": logit_li[i],
            "accuracy_nonlinear": acc_nl, "accuracy_linearised": acc_li,
            "example": example,
            "h_nonlinear": list(traj_nl[i, :n].float().cpu().numpy()) if example else [None] * n,
            "h_linearised": list(traj_li[i, :n].float().cpu().numpy()) if example else [None] * n,
        }, columns=LINEARISED_COLUMNS))
    df = pd.concat(frames, ignore_index=True)
    write_parquet(df, out_path)
    return df
