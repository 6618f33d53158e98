"""Benchmark: which L2 form (coupled Adam vs decoupled AdamW) and strength give trained RNNs
the papers' mechanism, measured on one grid cell of prepared data.

For every setting the cell is trained with the library's ``train_cell`` (same seed, same
budget) and then measured on test reviews: validation / test accuracy, principal components
for 90% of the visited states (and the untrained twin's), and at fixed points found from those
states (the library's solver, q < 1e-8) the median number of slow single-unit modes
(tau >= 10 tokens, participation ratio < 3: frozen units, see ``analysis.unit_modes``) and the
median tau of the slowest mode.

    .venv/bin/python bench/bench_regularisation.py --data results-quick/data/sst --arch gru \
        --settings none coupled:1e-5 coupled:1e-4 decoupled:1e-2 identity+coupled:1e-4
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from rnn_dynamics.analysis.fixed_points import find_fixed_points, sample_starts
from rnn_dynamics.analysis.jacobians import recurrent_jacobians
from rnn_dynamics.analysis.kept_points import points_from_table
from rnn_dynamics.analysis.spectra import sorted_eigvals, time_constants
from rnn_dynamics.analysis.states import collect_states, pca_variance, pcs_for_variance
from rnn_dynamics.analysis.unit_modes import count_unit_slow_modes
from rnn_dynamics.io import read_parquet
from rnn_dynamics.models import build_model
from rnn_dynamics.runtime import seed_everything, set_threads
from rnn_dynamics.training import ModelConfig, TrainConfig, train_cell


def padded(df: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = df["length"].to_numpy()
    ids = np.zeros((len(df), int(lengths.max())), dtype=np.int64)
    for i, (row, n) in enumerate(zip(df["ids"], lengths)):
        ids[i, :n] = np.asarray(row)[:n]
    return torch.from_numpy(ids), torch.from_numpy(lengths)


def measure(model, ids, lengths, n_docs: int, n_starts: int) -> dict[str, float]:
    states, _, _ = collect_states(model, ids, lengths, n_docs, seed=0)
    out = {"pcs90": pcs_for_variance(pca_variance(states), 0.9)}
    starts, _ = sample_starts(states, n_starts, noise_std=0.01, seed=0)
    table = find_fixed_points(model.step, starts, model.input_dim, tol=1e-8, max_iters=200)
    points = torch.from_numpy(points_from_table(table))
    out["kept"] = len(points)
    if len(points):
        j = recurrent_jacobians(model.step, points, input_dim=model.input_dim)
        out["unit_slow_median"] = float(np.median(count_unit_slow_modes(j)))
        out["tau1_median"] = float(np.median(time_constants(sorted_eigvals(j)[:, 0])))
    return out


def setting(text: str) -> tuple[dict, dict]:
    """``none`` | ``FORM:STRENGTH``, optionally prefixed ``INIT+`` (orthogonal, identity)."""
    init, _, l2 = text.rpartition("+")
    model = {"recurrent_init": init} if init else {}
    if l2 == "none":
        return model, {"weight_decay": 0.0}
    form, value = l2.split(":")
    return model, {"l2_form": form, "weight_decay": float(value)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="folder with train/valid/test/vocab.parquet")
    p.add_argument("--arch", default="gru")
    p.add_argument("--settings", nargs="+", default=["none", "coupled:1e-4", "decoupled:1e-1"])
    p.add_argument("--embed", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--docs", type=int, default=500)
    p.add_argument("--starts", type=int, default=256)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--max-train", type=int, default=None, help="a seeded sample of N training reviews")
    p.add_argument("--work", default="/tmp/bench_regularisation")
    args = p.parse_args()
    set_threads(args.threads)
    split = {k: read_parquet(f"{args.data}/{k}.parquet") for k in ("train", "valid", "test")}
    if args.max_train:
        split["train"] = split["train"].sample(n=args.max_train, random_state=0)
    vocab = read_parquet(f"{args.data}/vocab.parquet")
    vocab_size = int(vocab["id"].max()) + 1
    ids, lengths = padded(split["test"])
    seed_everything(0)
    twin = build_model(args.arch, vocab_size, args.embed, args.hidden).eval()
    base = measure(twin, ids, lengths, args.docs, 16)
    print(f"{args.arch} on {args.data}: untrained twin {base['pcs90']} PCs for 90%")
    print(f"{'setting':>18} {'valid %':>8} {'test %':>7} {'PCs90':>6} {'kept':>5} "
          f"{'unit-slow (med)':>15} {'tau1 (med)':>10} {'train s':>8}")
    for text in args.settings:
        model_kw, train_kw = setting(text)
        cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch, lr=args.lr, patience=3,
                          search_fraction=1.0, **train_kw)
        t0 = time.perf_counter()
        res = train_cell(split["train"], split["valid"], split["test"], arch=args.arch,
                         vocab_size=vocab_size, model_cfg=ModelConfig(
                             args.embed, args.hidden, recurrent_init=model_kw.get(
                                 "recurrent_init", "default")), train_cfg=cfg, seed=0,
                         device="cpu", work_dir=f"{args.work}/{text.replace(':', '_')}",
                         progress=False)
        seconds = time.perf_counter() - t0
        m = res.metrics.iloc[0]
        got = measure(res.model, ids, lengths, args.docs, args.starts)
        print(f"{text:>18} {100 * m['valid_acc']:8.2f} {100 * m['test_acc']:7.2f} "
              f"{got['pcs90']:6d} {got['kept']:5d} {got.get('unit_slow_median', np.nan):15.1f} "
              f"{got.get('tau1_median', np.nan):10.0f} {seconds:8.0f}", flush=True)


if __name__ == "__main__":
    main()
