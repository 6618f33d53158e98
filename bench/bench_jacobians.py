"""Benchmark: K recurrent Jacobians of a GRU step and the spectra the analysis needs from them.

Jacobians (K = ``--points``, N = ``--hidden``): the library's closed form
(``SentimentRNN.step_jacobians``, what the analysis uses), batched ``vmap(jacrev)`` and
``vmap(jacfwd)``, and the plain baseline, a per-point ``torch.autograd.functional.jacobian`` loop
(timed on ``--loop-points``, extrapolated). Spectra: what the spectra stage computes -- float64
Jacobians (J_rec and J_inp, closed form), all eigenvalues in float64 (``sorted_eigvals``) and
the integrating mode (``integrating_mode``: the slow block and the winner's vectors) -- against
the plain baseline ``torch.linalg.eig`` + ``inv(R)`` on one thread, plus the float32 eigenvalues
the stage used before (the float32 -> float64 cost), ``eigendecompose(n_left=1)`` and
``slowest_mode``. Every ratio is against a baseline timed in the same run.

    .venv/bin/python bench/bench_jacobians.py --points 1000 --hidden 256
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.func import jacfwd, jacrev, vmap

from rnn_dynamics.analysis._linalg import eigvals, single_thread
from rnn_dynamics.analysis.fixed_points import step_in_dtype
from rnn_dynamics.analysis.jacobians import jacobians, recurrent_jacobians
from rnn_dynamics.analysis.spectra import (
    eigendecompose,
    integrating_mode,
    slowest_mode,
    sorted_eigvals,
)
from rnn_dynamics.models.sentiment import build_model
from rnn_dynamics.runtime import set_threads


def gru_model(n: int, e: int, seed: int = 0) -> torch.nn.Module:
    """A GRU ``SentimentRNN`` with weights scaled up x2 (slow, non-trivial dynamics)."""
    torch.manual_seed(seed)
    model = build_model("gru", vocab_size=10, embed_dim=e, hidden_size=n)
    with torch.no_grad():
        for p in model.rnn.parameters():
            p.mul_(2.0)
        for p in model.parameters():
            p.requires_grad_(False)
    return model.eval()


def timed(label: str, fn, per: int | None = None):
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    extra = f"  ({dt / per * 1e3:.2f} ms per point)" if per else ""
    print(f"{label:52s} {dt:8.2f} s{extra}")
    return out, dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--loop-points", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    set_threads(args.threads)            # as a workflow job: split linear algebra over workers
    k, n, e = args.points, args.hidden, args.embed
    model = gru_model(n, e)
    h = torch.tanh(torch.randn(k, n))
    x0 = torch.zeros(k, e)
    print(f"GRU N = {n}, E = {e}, K = {k} points, {args.threads} workers, 1 torch thread each\n")

    print("Jacobians dF/dh")
    m = args.loop_points
    _, dt_loop = timed(f"baseline: per-point autograd.functional.jacobian (x{m})", lambda: [
        torch.autograd.functional.jacobian(model.step, (h[i], x0[i]))[0] for i in range(m)], m)
    t_loop = dt_loop * k / m
    print(f"{'  extrapolated to K points':52s} {t_loop:8.2f} s")
    j_rev, t_rev = timed("vmap(jacrev), chunks of 256", lambda: torch.cat(
        [vmap(jacrev(model.step))(h[s:s + 256], x0[s:s + 256]) for s in range(0, k, 256)]), k)
    j_fwd, t_fwd = timed("vmap(jacfwd), chunks of 256", lambda: torch.cat(
        [vmap(jacfwd(model.step))(h[s:s + 256], x0[s:s + 256]) for s in range(0, k, 256)]), k)
    j, t_cf = timed("library: closed form (recurrent_jacobians)",
                    lambda: recurrent_jacobians(model.step, h, input_dim=e), k)
    print(f"{'  max |closed form - jacrev|, |jacfwd - jacrev|':52s} "
          f"{(j - j_rev).abs().max():.1e}, {(j_fwd - j_rev).abs().max():.1e}")
    print(f"  speed-up over the loop: jacrev {t_loop / t_rev:.0f}x, jacfwd {t_loop / t_fwd:.0f}x, "
          f"closed form {t_loop / t_cf:.0f}x\n")

    print("Spectra (all eigenvalues + slowest right/left eigenvectors)")
    ref = model.readout_vector()

    def baseline():
        with single_thread():
            w, r = torch.linalg.eig(j)
            return w, r, torch.linalg.inv(r)

    _, t_base = timed("baseline: torch.linalg.eig + inv(R), 1 thread", baseline, k)
    _, t_vals = timed("eigenvalues only (library eigvals, threads split)", lambda: eigvals(j), k)
    _, t_dec = timed("library eigendecompose(n_left=1)",
                     lambda: eigendecompose(j, reference=ref, n_left=1), k)
    (w1, r1, l1), t_slow = timed("library slowest_mode (spectra stage)",
                                 lambda: slowest_mode(j, reference=ref), k)
    resid = np.abs(np.einsum("kij,kj->ki", j.double().numpy(), r1) - w1[:, :1] * r1).max()
    print(f"{'  max |J r1 - lambda1 r1|, |l1 . r1 - 1|':52s} {resid:.1e}, "
          f"{np.abs(np.einsum('kn,kn->k', l1, r1) - 1).max():.1e}")
    print(f"  speed-up over the baseline: eigendecompose {t_base / t_dec:.1f}x, "
          f"slowest_mode {t_base / t_slow:.1f}x\n")

    print("Spectra stage (float64)")
    step64 = step_in_dtype(model.step, torch.float64)
    (j64, jin64), t_j64 = timed("closed-form J_rec, J_inp in float64",
                                lambda: jacobians(step64, h.double(), input_dim=e), k)
    _, t_v32 = timed("eigenvalues float32 (the former spectra stage)", lambda: eigvals(j), k)
    w64, t_v64 = timed("eigenvalues float64, sorted (sorted_eigvals)",
                       lambda: sorted_eigvals(j64), k)
    mode, t_int = timed("integrating_mode (slow block + vectors)", lambda: integrating_mode(
        j64, jin64, ref.double(), w64), k)
    print(f"  float32 -> float64 eigenvalues: {t_v64 / t_v32:.2f}x; integrating mode at index "
          f"1 for {np.mean(mode.index == 1):.0%} of points\n")

    total_base, total_lib = t_rev + t_base, t_j64 + t_v64 + t_int
    print(f"TOTAL Jacobians + spectra stage for {k} points at N = {n}: library {total_lib:.2f} s "
          f"(float64 Jacobians {t_j64:.2f} s + eigenvalues {t_v64:.2f} s + integrating mode "
          f"{t_int:.2f} s) vs vmap(jacrev) + eig + inv {total_base:.2f} s "
          f"({total_base / total_lib:.1f}x); float32 path of before: closed form + slowest_mode "
          f"{t_cf + t_slow:.2f} s")


if __name__ == "__main__":
    main()
