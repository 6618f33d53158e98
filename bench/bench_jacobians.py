"""Benchmark: ways to get K recurrent Jacobians of a GRU step, and eigen-decompositions of them.

Jacobians (K = ``--points``, N = ``--hidden``): batched ``vmap(jacrev)`` (what the analysis
uses), batched ``vmap(jacfwd)``, a closed-form GRU Jacobian (checked against jacrev), and a
per-point ``torch.autograd.functional.jacobian`` loop (timed on a subset, extrapolated).
Spectra: ``torch.linalg.eig`` with 1 and 2 threads, ``np.linalg.eig``, eigenvalues only, and
the library's ``eigendecompose`` (eig + L = R^-1 + sorting).

    .venv/bin/python bench/bench_jacobians.py --points 1000 --hidden 256
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.func import jacfwd, vmap

from rnn_dynamics.analysis._linalg import single_thread
from rnn_dynamics.analysis.jacobians import recurrent_jacobians
from rnn_dynamics.analysis.spectra import eigendecompose


def gru_jacobian(h, x, w_ih, w_hh, b_ih, b_hh):
    """Closed-form dF/dh [K, N, N] of PyTorch's GRU (reset gate after the recurrent product).

    O(N^2) per point, against O(N^3) for vmap(jacrev), which pushes an identity basis through
    W_hh."""
    n = h.shape[-1]
    gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    r = torch.sigmoid(gi[..., :n] + gh[..., :n])
    z = torch.sigmoid(gi[..., n:2 * n] + gh[..., n:2 * n])
    ghn = gh[..., 2 * n:]
    cand = torch.tanh(gi[..., 2 * n:] + r * ghn)
    w_r, w_z, w_n = w_hh[:n], w_hh[n:2 * n], w_hh[2 * n:]
    d_r = (r * (1 - r)).unsqueeze(-1) * w_r
    d_z = (z * (1 - z)).unsqueeze(-1) * w_z
    d_cand = (1 - cand ** 2).unsqueeze(-1) * (r.unsqueeze(-1) * w_n + ghn.unsqueeze(-1) * d_r)
    return (1 - z).unsqueeze(-1) * d_cand + torch.diag_embed(z) + (h - cand).unsqueeze(-1) * d_z


def make_gru(n: int, e: int, seed: int = 0):
    """Pure GRU step with PyTorch's convention (reset gate applied after the matrix product)."""
    gen = torch.Generator().manual_seed(seed)
    w_ih = torch.randn(3 * n, e, generator=gen) / e ** 0.5
    w_hh = torch.randn(3 * n, n, generator=gen) * (2.0 / n ** 0.5)
    b_ih, b_hh = torch.randn(3 * n, generator=gen) * 0.1, torch.randn(3 * n, generator=gen) * 0.1

    def step(h, x):
        gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        r = torch.sigmoid(gi[..., :n] + gh[..., :n])
        z = torch.sigmoid(gi[..., n:2 * n] + gh[..., n:2 * n])
        cand = torch.tanh(gi[..., 2 * n:] + r * gh[..., 2 * n:])
        return (1 - z) * cand + z * h

    def closed_form(h, x):
        return gru_jacobian(h, x, w_ih, w_hh, b_ih, b_hh)

    return step, closed_form


def timed(label: str, fn, per: int | None = None):
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    extra = f"  ({dt / per * 1e3:.2f} ms per point)" if per else ""
    print(f"{label:48s} {dt:8.2f} s{extra}")
    return out, dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--loop-points", type=int, default=50)
    parser.add_argument("--eig-subset", type=int, default=200,
                        help="points for the slower eig variants (numpy, 2 threads)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    k, n, e = args.points, args.hidden, args.embed
    step, closed_form = make_gru(n, e)
    h = torch.tanh(torch.randn(k, n))
    x0 = torch.zeros(k, e)
    print(f"GRU N = {n}, E = {e}, K = {k} points, {torch.get_num_threads()} threads\n")

    j_rev, _ = timed("vmap(jacrev) [library, chunks of 256]",
                     lambda: recurrent_jacobians(step, h, input_dim=e), k)
    j_fwd, _ = timed("vmap(jacfwd) [chunks of 256]", lambda: torch.cat(
        [vmap(jacfwd(step))(h[s:s + 256], x0[s:s + 256]) for s in range(0, k, 256)]), k)
    j_cf, _ = timed("closed form (batched)", lambda: closed_form(h, x0), k)
    print(f"{'  max |closed form - jacrev|, |jacfwd - jacrev|':48s} "
          f"{(j_cf - j_rev).abs().max():.1e}, {(j_fwd - j_rev).abs().max():.1e}")
    m = args.loop_points
    _, dt = timed(f"per-point autograd.functional.jacobian (x{m})", lambda: [
        torch.autograd.functional.jacobian(step, (h[i], x0[i]))[0] for i in range(m)], m)
    print(f"{'  extrapolated to K points':48s} {dt * k / m:8.2f} s\n")

    j = j_rev.detach()
    s = min(args.eig_subset, k)
    with single_thread():
        timed(f"torch.linalg.eig, 1 thread (x{k})", lambda: torch.linalg.eig(j), k)
        timed(f"torch.linalg.eigvals, 1 thread (x{k})", lambda: torch.linalg.eigvals(j), k)
    timed(f"torch.linalg.eig, {args.threads} threads (x{s})", lambda: torch.linalg.eig(j[:s]), s)
    timed(f"np.linalg.eig (x{s})", lambda: np.linalg.eig(j[:s].numpy()), s)
    timed(f"eigendecompose: eig + R^-1 + sort (x{k})", lambda: eigendecompose(j), k)


if __name__ == "__main__":
    main()
