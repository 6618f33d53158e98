"""Benchmark: the library's fixed-point solver vs masked Adam (and plain Newton) on trained RNNs.

Each model is either loaded (``--checkpoint``, with the visited states of its ``states`` stage
via ``--states``) or a freshly built ``SentimentRNN`` trained for a few hundred steps on a
synthetic "sum the word valences" task. All solvers start from the same ``--starts`` visited
states plus ``--noise`` (the workflow's start distribution) and must reach
q = 1/N ||h - F(h,0)||^2 < ``--tol``. Adam (lr 1e-2, up to 20k steps) is capped at
``--adam-time`` seconds per model.

Fidelity: the paper keeps the slow point nearest each start. For every converged start we
print how far it moved over its first-order distance to the tolerance set (the minimum-norm
step that brings the linearised q to ``tol``: one SVD of J - I at the start): a ratio near 1
is faithful, a large ratio means the start slid along a slow direction (plain Newton, which
converges onto exact roots, shows it). Also the spread of the endpoints (RMS distance from
their centroid) against the starts'.

    .venv/bin/python bench/bench_fixed_points.py                 # GRU + LSTM, 256, 1,024 starts
    .venv/bin/python bench/bench_fixed_points.py --archs gru --starts 256
    .venv/bin/python bench/bench_fixed_points.py --checkpoint results/models/imdb/gru/model.pt \
        --states results/analysis/imdb/gru/states.parquet --starts 512
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from rnn_dynamics.analysis.fixed_points import (
    find_fixed_points,
    find_fixed_points_adam,
    min_norm_step,
    residual_jacobian,
    sample_starts,
    state_spread,
)
from rnn_dynamics.models.sentiment import build_model
from rnn_dynamics.runtime import set_threads

VOCAB, EMBED = 64, 32


def synthetic_batch(rng: np.random.Generator, valence: np.ndarray, batch: int, t_max: int = 60):
    lengths = rng.integers(20, t_max + 1, batch)
    ids = np.zeros((batch, t_max), dtype=np.int64)
    for i, n in enumerate(lengths):
        ids[i, :n] = rng.integers(2, VOCAB, n)
    labels = (valence[ids].sum(1) > 0).astype(np.float32)
    return torch.from_numpy(ids), torch.from_numpy(lengths), torch.from_numpy(labels)


def trained_model(arch: str, hidden: int, steps: int, seed: int):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    valence = rng.choice([-1.0, 0.0, 1.0], VOCAB)
    valence[:2] = 0
    model = build_model(arch, VOCAB, EMBED, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    t0 = time.perf_counter()
    for _ in range(steps):
        ids, lengths, labels = synthetic_batch(rng, valence, 64)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(ids, lengths), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    ids, lengths, labels = synthetic_batch(rng, valence, 256)
    with torch.no_grad():
        acc = ((model(ids, lengths) > 0).float() == labels).float().mean().item()
    print(f"[{arch}] trained {steps} steps in {time.perf_counter() - t0:.0f}s, "
          f"loss {loss.item():.3f}, accuracy {acc:.3f}")
    return model, (ids, lengths)


def visited_states(model, ids, lengths) -> torch.Tensor:
    with torch.no_grad():
        hs = model.hidden_states(ids, lengths)
    return torch.cat([hs[i, :n] for i, n in enumerate(lengths.tolist())])


def first_order_distance(model, starts: torch.Tensor, tol: float) -> np.ndarray:
    """Length of the minimum-norm step that takes the linearised q of each start to ``tol``."""
    with torch.no_grad():
        r = model.step(starts, starts.new_zeros(starts.shape[0], model.input_dim)) - starts
        a = residual_jacobian(model.step, starts, model.input_dim)
        n = starts.shape[1]
        d, _ = min_norm_step(a, r, torch.full((len(starts),), n * tol),
                             torch.zeros(len(starts)))
    return d.norm(dim=1).double().numpy()


def fidelity(table, starts: torch.Tensor, reference: np.ndarray) -> str:
    conv = table["converged"].to_numpy()
    ends = np.stack(table["h"]).astype(np.float64)
    moved = np.linalg.norm(ends - starts.double().numpy(), axis=1)
    ratio = moved[conv] / np.maximum(reference[conv], 1e-12)
    if not conv.any():
        return "no converged start"
    spread = state_spread(torch.from_numpy(ends[conv]))
    return (f"moved / first-order distance: median {np.median(ratio):.2f}, 95th pct "
            f"{np.percentile(ratio, 95):.2f}; endpoint spread {spread:.3f} (starts "
            f"{state_spread(starts):.3f})")


def bench_model(name: str, model, states: torch.Tensor, args) -> dict:
    model.eval()
    starts, _ = sample_starts(states, args.starts, noise_std=args.noise, seed=args.seed)
    print(f"[{name}] N = {model.state_dim}, {args.starts} starts, noise {args.noise}")
    reference = first_order_distance(model, starts, args.tol)
    t0 = time.perf_counter()
    newton = find_fixed_points(model.step, starts, model.input_dim, tol=args.tol,
                               max_iters=args.newton_iters, batch_size=args.batch_size)
    t_newton = time.perf_counter() - t0
    conv = newton["converged"]
    print(f"[{name}] library  : {t_newton:7.1f}s  converged {int(conv.sum())}/{len(newton)}  "
          f"kept {int(newton['kept'].sum())}  iterations mean "
          f"{newton.loc[conv, 'iterations'].mean():.1f} max {newton['iterations'].max()}")
    print(f"[{name}]            {fidelity(newton, starts, reference)}")
    t0 = time.perf_counter()
    adam = find_fixed_points_adam(model.step, starts, model.input_dim, tol=args.tol,
                                  lr=args.adam_lr, max_steps=args.adam_steps,
                                  time_limit=args.adam_time)
    t_adam = time.perf_counter() - t0
    aconv = adam["converged"]
    print(f"[{name}] Adam     : {t_adam:7.1f}s  converged {int(aconv.sum())}/{len(adam)}  "
          f"kept {int(adam['kept'].sum())}  steps taken max {adam['iterations'].max()} "
          f"(cap {args.adam_steps} steps / {args.adam_time:.0f}s)")
    print(f"[{name}]            {fidelity(adam, starts, reference)}")
    if args.plain_newton:
        t0 = time.perf_counter()
        plain = find_fixed_points(model.step, starts, model.input_dim, tol=1e-14,
                                  max_iters=args.newton_iters, batch_size=args.batch_size)
        print(f"[{name}] plain Newton to exact roots (tol 1e-14): "
              f"{time.perf_counter() - t0:.1f}s, converged {int(plain['converged'].sum())}, "
              f"kept {int(plain['kept'].sum())}; {fidelity(plain, starts, reference)}")
    ratio = t_adam / t_newton
    print(f"[{name}] wall-time ratio Adam/library = {ratio:.1f}x; converged library "
          f"{int(conv.sum())} vs Adam {int(aconv.sum())}; median q library "
          f"{newton['q'].median():.2e}, Adam {adam['q'].median():.2e}")
    return {"model": name, "newton_s": t_newton, "newton_converged": int(conv.sum()),
            "adam_s": t_adam, "adam_converged": int(aconv.sum()), "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=["gru", "lstm"])
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--checkpoint", help="benchmark this trained model instead")
    parser.add_argument("--states", help="states.parquet of the checkpoint's states stage")
    parser.add_argument("--noise", type=float, default=0.01, help="start noise (the workflow's)")
    parser.add_argument("--plain-newton", action="store_true",
                        help="also run Newton to exact roots (tol 1e-14), for the fidelity")
    parser.add_argument("--starts", type=int, default=1024)
    parser.add_argument("--train-steps", type=int, default=150)
    parser.add_argument("--tol", type=float, default=1e-8)
    parser.add_argument("--newton-iters", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=1024,
                        help="starts per Newton batch (bounds the K x N x N Jacobians)")
    parser.add_argument("--adam-lr", type=float, default=1e-2)
    parser.add_argument("--adam-steps", type=int, default=20_000)
    parser.add_argument("--adam-time", type=float, default=120.0,
                        help="Adam wall-time cap (s)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    set_threads(args.threads)            # as a workflow job: split linear algebra over workers

    rows = []
    if args.checkpoint:
        from rnn_dynamics.models.checkpoint import load_model
        model, meta = load_model(args.checkpoint)
        if args.states:
            from rnn_dynamics.io import read_parquet
            states = torch.from_numpy(np.stack(read_parquet(args.states)["h"]).astype(np.float32))
        else:
            rng = np.random.default_rng(args.seed)
            ids, lengths, _ = synthetic_batch(rng, np.zeros(model.vocab_size), 256)
            states = visited_states(model, ids.clamp_max(model.vocab_size - 1), lengths)
        rows.append(bench_model(meta.get("arch", "checkpoint"), model, states, args))
    else:
        for arch in args.archs:
            model, (ids, lengths) = trained_model(arch, args.hidden, args.train_steps, args.seed)
            rows.append(bench_model(arch, model, visited_states(model, ids, lengths), args))
    print("\nmodel  library_s  library_conv  adam_s  adam_conv  adam/library")
    for r in rows:
        print(f"{r['model']:6s} {r['newton_s']:8.1f} {r['newton_converged']:12d} "
              f"{r['adam_s']:7.1f} {r['adam_converged']:10d} {r['ratio']:11.1f}x")


if __name__ == "__main__":
    main()
