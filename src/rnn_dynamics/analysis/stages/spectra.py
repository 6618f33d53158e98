"""Rule spectra: eigenvalues of J_rec and the integrating mode at every kept fixed point."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from .. import fixed_points as fp
from ..jacobians import jacobians
from ..spectra import growing, integrating_mode, sorted_eigvals, time_constants
from ._common import PathLike, _kept, _prepare, _stack, _write_empty, write_parquet

SPECTRA_COLUMNS = ["start_index", "lambda1_abs", "lambda1_imag", "tau1", "n_growing",
                   "integrator_index", "integrator_growing", "integrator_eigval", "integrator_tau",
                   "integrator_participation", "integrator_readout_alignment",
                   "integrator_score_share", "n_unit_slow_modes", "eigvals_real",
                   "eigvals_imag", "tau", "growing", "r_int", "l_int"]


def word_valences(model: Any, bow_coefficients: pd.DataFrame | None,
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """Embeddings [V, E] of the words with a bag-of-words coefficient, and those coefficients.

    Without a coefficient table: every embedding row but pad and unknown, and no valences.
    """
    weight = model.embedding.weight.detach().double().cpu().numpy()
    if bow_coefficients is None or len(bow_coefficients) == 0:
        return (weight[2:] if weight.shape[0] > 3 else weight), None
    rows = bow_coefficients[bow_coefficients["id"].between(2, weight.shape[0] - 1)]
    return weight[rows["id"].to_numpy(np.int64)], rows["coef"].to_numpy(np.float64)


def run_spectra_stage(model: Any, fixed_points: pd.DataFrame, test: pd.DataFrame | None,
                      bow_coefficients: pd.DataFrame | None, out_path: PathLike, *,
                      horizon: float | None = None, n_slow: int = 16, chunk_size: int = 256,
                      device: str = "auto") -> pd.DataFrame:
    """Spectrum of J_rec = dF/dh (x = 0) at every kept fixed point, and its integrating mode.

    Jacobians and spectra are computed in float64 (a float64 copy of the model), modes in the
    order of :func:`.spectra.mode_order` (tau descending: mode 1 = the slowest mode; growing
    modes keep their place by tau and are flagged). The integrating mode is chosen by its
    role (:func:`.spectra.integrating_mode`: readout gain x covariance of its input drive with
    the words' bag-of-words coefficients ``bow_coefficients`` x persistence over ``horizon`` tokens,
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
    vectors, valence = word_valences(model, bow_coefficients)
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
