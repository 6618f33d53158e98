"""Training throughput: the full training step against the bare fused kernel, per architecture.

For each architecture at hidden size 256 (embedding 128, batch 64, IMDB-like lengths) this
times, on the same length-bucketed batches:

* ``full``: :func:`rnn_dynamics.training.train_step` (embedding, fused RNN from the
  trained ``h0``, gather at the last real token, loss, backward, clipping, Adam);
* ``bare``: the fused ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` module alone, forward + backward
  of ``out.sum()`` on pre-embedded inputs (for the UGRNN: ``nn.GRU`` of the same width);
* ``ugrnn-loop``: the UGRNN as a Python time loop over ``model.step`` (what the fused
  GRU-kernel formulation replaces).

Throughput is real (non-padding) tokens per second. Run:
``python bench/bench_training.py [--batches 3] [--threads 1] [--hidden 256]``. One thread by
default: on a shared 2-core machine, 2-thread timings swung by 10x with the neighbours' load
while 1-thread minima stayed within ~10%.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from rnn_dynamics.models import ARCHS, build_model
from rnn_dynamics.training import (
    EncodedSplit,
    length_buckets,
    make_optimizer,
    padding_fraction,
    train_step,
)

EMBED, BATCH, VOCAB = 128, 64, 20000


def imdb_like(n: int, seed: int = 0) -> EncodedSplit:
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(np.log(175), 0.75, n).astype(np.int64), 5, 2500)
    tokens = rng.integers(2, VOCAB, int(lengths.sum()))
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    labels = rng.integers(0, 2, n).astype(np.float32)
    return EncodedSplit(tokens, offsets, lengths, labels)


def pick_batches(split: EncodedSplit, k: int) -> list[np.ndarray]:
    """``k`` batches whose lengths span the distribution (sorted by median length)."""
    batches = length_buckets(split.lengths, batch_size=BATCH, seed=0)
    batches = [b for b in batches if len(b) == BATCH]
    batches.sort(key=lambda b: split.lengths[b].max())
    pick = np.linspace(0, len(batches) - 1, k + 2).round().astype(int)[1:-1]
    return [batches[i] for i in pick]


def timed(fn, batches, split, repeats: int = 3) -> float:
    """Real tokens / s of ``fn(ids, lengths, labels)`` over the batches, after one warm-up.

    Each batch counts its fastest of ``repeats`` runs: on a shared machine the minimum is
    the stable statistic, the mean mostly measures the neighbours.
    """
    fn(*split.collate(batches[0]))
    tokens, seconds = 0, 0.0
    for idx in batches:
        args = split.collate(idx)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            fn(*args)
            best = min(best, time.perf_counter() - start)
        tokens += int(split.lengths[idx].sum())
        seconds += best
    return tokens / seconds


def bare_module(arch: str, hidden: int) -> nn.Module:
    kind = {"lstm": nn.LSTM, "gru": nn.GRU, "ugrnn": nn.GRU, "vanilla": nn.RNN}[arch]
    return kind(EMBED, hidden, batch_first=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--archs", nargs="+", default=list(ARCHS), choices=ARCHS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    split = imdb_like(4000)
    batches = pick_batches(split, args.batches)
    lens = [int(split.lengths[b].max()) for b in batches]
    print(f"torch {torch.__version__}, {args.threads} threads, hidden {args.hidden}, embed {EMBED},"
          f" batch {BATCH}, {len(batches)} batches, T_max {min(lens)}..{max(lens)}")
    for size in (BATCH, BATCH // 2):
        share = padding_fraction(split.lengths, length_buckets(split.lengths, batch_size=size))
        print(f"padding: {100 * share:.1f}% of processed tokens in the training loop's "
              f"length buckets of {size} ({len(split.lengths)} IMDB-like lengths)")
    print(f"{'arch':8s} {'full tok/s':>11s} {'bare tok/s':>11s} {'full/bare':>9s}")
    results = {}
    for arch in args.archs:
        model = build_model(arch, VOCAB, EMBED, args.hidden)
        optim = make_optimizer(model, lr=1e-3)

        def full_step(ids, lengths, labels, model=model, optim=optim):
            train_step(model, optim, ids, lengths, labels, 5.0)

        full = timed(full_step, batches, split, args.repeats)
        module = bare_module(arch, args.hidden)

        def bare(ids, lengths, labels, module=module):
            x = torch.randn(ids.shape[0], ids.shape[1], EMBED, requires_grad=True)
            module(x)[0].sum().backward()

        results[arch] = (full, timed(bare, batches, split, args.repeats))
        f, b = results[arch]
        label = "(vs nn.GRU)" if arch == "ugrnn" else ""
        print(f"{arch:8s} {f:11.0f} {b:11.0f} {f / b:9.2f} {label}")
    if "ugrnn" in results and "gru" in results:
        print(f"ugrnn full step / gru full step: {results['ugrnn'][0] / results['gru'][0]:.2f}")
    if "ugrnn" in args.archs:
        model = build_model("ugrnn", VOCAB, EMBED, args.hidden)

        def loop(ids, lengths, labels):
            h, states = model.initial_state(ids.shape[0]), []
            emb = model.embedding(ids)
            for t in range(ids.shape[1]):
                h = model.step(h, emb[:, t])
                states.append(h)
            last = torch.stack(states, 1)[torch.arange(ids.shape[0]), lengths - 1]
            model.readout_logit(last).sum().backward()

        few = batches[: max(1, len(batches) // 2)]
        loop_tps = timed(loop, few, split, args.repeats)
        fused = timed(lambda i, n, y: model(i, n).sum().backward(), few, split, args.repeats)
        print(f"ugrnn forward+backward: fused GRU kernel {fused:.0f} tok/s, Python step loop "
              f"{loop_tps:.0f} tok/s ({fused / loop_tps:.1f}x)")


if __name__ == "__main__":
    main()
