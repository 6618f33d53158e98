"""Benchmark: the attractor dimension that trained networks reach on the synthetic K-class
language, per architecture, K, hidden size and review length, with the training settings of
``tests/test_analysis_integration.py`` (which asserts K - 1 only where it holds robustly).

    .venv/bin/python bench/bench_integration.py --k 4 --archs gru lstm ugrnn
    .venv/bin/python bench/bench_integration.py --k 4 --archs lstm --hidden 64
    .venv/bin/python bench/bench_integration.py --k 4 --archs ugrnn lstm --lengths 60 120

Prints one row per cell: test accuracy, measured / exact / predicted dimension, the slow points'
leading variance ratios, slow modes, and the wall time of training and of the analysis.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from rnn_dynamics.analysis.integration import analyse_integration
from rnn_dynamics.data.prepare import prepare_dataset, read_split
from rnn_dynamics.training.loop import train_cell

TRAIN = {"batch_size": 64, "lr": 0.01, "l2_form": "decoupled", "weight_decay": 1.0,
         "patience": 3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--archs", nargs="+", default=["gru", "lstm", "ugrnn"])
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lengths", type=int, nargs=2, default=[20, 60])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        prepare_dataset("synthetic_categories", folder, data_dir=None, vocab_size=1000,
                        valid_fraction=0.1, max_length=None, seed=0,
                        synthetic={"n_classes": args.k, "n_train": 4000, "n_valid": 500,
                                   "n_test": 500, "min_length": args.lengths[0],
                                   "max_length": args.lengths[1]})
        splits = {s: read_split(folder, s) for s in ("train", "valid", "test")}
        vocab_size = int(splits["train"]["ids"].explode().max()) + 1
        for arch in args.archs:
            start = time.perf_counter()
            result = train_cell(splits["train"], splits["valid"], splits["test"], arch=arch,
                                vocab_size=vocab_size,
                                model_cfg={"embed_dim": 16, "hidden_size": args.hidden},
                                train_cfg={**TRAIN, "epochs": args.epochs}, seed=0,
                                device="cpu", work_dir=folder / arch, progress=False)
            trained = time.perf_counter() - start
            start = time.perf_counter()
            out = analyse_integration(result.model, splits["train"], splits["test"],
                                      ordered=False, n_docs=300, n_starts=256, device="cpu")
            row = out.summary.iloc[0]
            rows.append({"arch": arch, "K": args.k, "hidden": args.hidden,
                         "lengths": "-".join(map(str, args.lengths)),
                         "test %": round(100 * result.metrics["test_acc"].iloc[0], 1),
                         "measured": row["measured_dimension"], "exact": row["exact_dimension"],
                         "predicted": row["predicted_dimension"],
                         "variance ratios": np.round(row["variance_ratio"][:4], 3).tolist(),
                         "slow modes": row["slow_modes"], "train s": round(trained, 1),
                         "analysis s": round(time.perf_counter() - start, 1)})
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
