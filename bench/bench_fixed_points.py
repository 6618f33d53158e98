"""Benchmark: Newton/LM fixed-point solver vs the masked-Adam baseline on GRU and LSTM.

Each model is either loaded (``--checkpoint``) or a freshly built ``SentimentRNN`` trained for a
few hundred steps on a synthetic "sum the word valences" task, which gives it the slow,
approximately line-attractor dynamics that make fixed-point search hard. Both solvers start
from the same ``--starts`` visited states and must reach q = 1/N ||h - F(h,0)||^2 < ``--tol``.
Adam (lr 1e-2, up to 20k steps) is capped at ``--adam-time`` seconds per model.

    .venv/bin/python bench/bench_fixed_points.py                 # GRU + LSTM, 256, 1,024 starts
    .venv/bin/python bench/bench_fixed_points.py --archs gru --starts 256
    .venv/bin/python bench/bench_fixed_points.py --checkpoint results/.../model.pt
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from rnn_dynamics.analysis.fixed_points import (
    find_fixed_points,
    find_fixed_points_adam,
    sample_starts,
)
from rnn_dynamics.models.sentiment import build_model

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


def bench_model(name: str, model, states: torch.Tensor, args) -> dict:
    model.eval()
    starts, _ = sample_starts(states, args.starts, noise_std=0.0, seed=args.seed)
    print(f"[{name}] N = {model.state_dim}, {args.starts} starts")
    t0 = time.perf_counter()
    newton = find_fixed_points(model.step, starts, model.input_dim, tol=args.tol,
                               max_iters=args.newton_iters, batch_size=args.batch_size)
    t_newton = time.perf_counter() - t0
    conv = newton["converged"]
    print(f"[{name}] Newton/LM: {t_newton:7.1f}s  converged {int(conv.sum())}/{len(newton)}  "
          f"kept {int(newton['kept'].sum())}  iterations mean "
          f"{newton.loc[conv, 'iterations'].mean():.1f} max {newton['iterations'].max()}")
    t0 = time.perf_counter()
    adam = find_fixed_points_adam(model.step, starts, model.input_dim, tol=args.tol,
                                  lr=args.adam_lr, max_steps=args.adam_steps,
                                  time_limit=args.adam_time)
    t_adam = time.perf_counter() - t0
    aconv = adam["converged"]
    print(f"[{name}] Adam     : {t_adam:7.1f}s  converged {int(aconv.sum())}/{len(adam)}  "
          f"kept {int(adam['kept'].sum())}  steps taken max {adam['iterations'].max()} "
          f"(cap {args.adam_steps} steps / {args.adam_time:.0f}s)")
    ratio = t_adam / t_newton
    rate_newton, rate_adam = conv.sum() / t_newton, aconv.sum() / t_adam
    print(f"[{name}] converged points per second: Newton {rate_newton:.2f}, Adam "
          f"{rate_adam:.2f} ({rate_newton / max(rate_adam, 1e-9):.1f}x)")
    print(f"[{name}] wall-time ratio Adam/Newton = {ratio:.1f}x; converged Newton "
          f"{int(conv.sum())} vs Adam {int(aconv.sum())}; median q Newton "
          f"{newton['q'].median():.2e}, Adam {adam['q'].median():.2e}")
    return {"model": name, "newton_s": t_newton, "newton_converged": int(conv.sum()),
            "adam_s": t_adam, "adam_converged": int(aconv.sum()), "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=["gru", "lstm"])
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--checkpoint", help="benchmark this trained model instead")
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
    torch.set_num_threads(args.threads)

    rows = []
    if args.checkpoint:
        from rnn_dynamics.models.checkpoint import load_model
        model, meta = load_model(args.checkpoint)
        rng = np.random.default_rng(args.seed)
        ids, lengths, _ = synthetic_batch(rng, np.zeros(model.vocab_size), 256)
        ids = ids.clamp_max(model.vocab_size - 1)
        rows.append(bench_model(meta.get("arch", "checkpoint"), model,
                                visited_states(model, ids, lengths), args))
    else:
        for arch in args.archs:
            model, (ids, lengths) = trained_model(arch, args.hidden, args.train_steps, args.seed)
            rows.append(bench_model(arch, model, visited_states(model, ids, lengths), args))
    print("\nmodel  newton_s  newton_conv  adam_s  adam_conv  adam/newton")
    for r in rows:
        print(f"{r['model']:6s} {r['newton_s']:8.1f} {r['newton_converged']:12d} "
              f"{r['adam_s']:7.1f} {r['adam_converged']:10d} {r['ratio']:11.1f}x")


if __name__ == "__main__":
    main()
