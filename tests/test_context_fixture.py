"""One small GRU trained on the synthetic language, shared by the context tests.

``synthetic_cell()`` trains once per process (``lru_cache``; ~30-60 s on one thread) and keeps the
checkpoint under a temporary directory; other test modules import it. The language's negators
and intensifiers are known, but no test passes them to the code under test.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import torch

from rnn_dynamics.baselines.bow import fit_bow
from rnn_dynamics.context.probe import Probe, build_probe
from rnn_dynamics.data import synthetic
from rnn_dynamics.data import vocab as vocab_mod
from rnn_dynamics.models import SentimentRNN, load_model, save_model
from rnn_dynamics.training import ModelConfig, TrainConfig, train_cell

TRAIN_EPOCHS, TRAIN_PATIENCE = 20, 5
"""Trained to convergence: with 10 epochs and patience 3 a run could stop on an early plateau
(epoch 6 on an AVX2-only float path) with "very" measured at x1.29, too close to any cut-off
to test; so trained, seeds 0-3 on the AVX-512 and AVX2 paths measure x1.37-1.57."""
PROBE_CFG = {"n_states": 64, "n_valence": 6, "n_neutral": 10, "settle": 10, "far": 12, "seed": 0}


@dataclass
class Cell:
    lang: synthetic.SyntheticLanguage
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    vocab: pd.DataFrame
    mapping: dict[str, int]
    coefs: pd.DataFrame
    bow_test_acc: float
    model: SentimentRNN
    test_acc: float
    checkpoint: Path


def _encode(df: pd.DataFrame, mapping: dict[str, int]) -> pd.DataFrame:
    ids = [vocab_mod.encode(tokens, mapping) for tokens in df["tokens"]]
    return pd.DataFrame({"ids": ids, "label": df["label"].astype(int),
                         "length": [len(x) for x in ids]})


@lru_cache(maxsize=1)
def synthetic_cell() -> Cell:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        lang = synthetic.SyntheticLanguage()
        raw = [synthetic.generate(lang, n, seed) for n, seed in ((15000, 0), (1000, 1), (2000, 2))]
        vocab = vocab_mod.build_vocab(raw[0]["tokens"], 1000)
        mapping = vocab_mod.vocab_map(vocab)
        train, valid, test = (_encode(df, mapping) for df in raw)
        work = Path(tempfile.mkdtemp(prefix="context-gru-"))
        result = train_cell(train, valid, test, arch="gru", vocab_size=len(vocab),
                            model_cfg=ModelConfig(embed_dim=16, hidden_size=32),
                            train_cfg=TrainConfig(epochs=TRAIN_EPOCHS, batch_size=64, lr=0.01,
                                                  patience=TRAIN_PATIENCE),
                            seed=0, device="cpu", work_dir=work / "train", progress=False)
        save_model(result.model, work / "gru.pt")
        model, _ = load_model(work / "gru.pt")
        metrics, coefs, _ = fit_bow(train, valid, test, vocab, [0.01, 0.1, 1.0])
    finally:
        torch.set_num_threads(threads)
    return Cell(lang, train, valid, test, vocab, mapping, coefs,
                float(metrics["test_acc"].iloc[0]), model,
                float(result.metrics["test_acc"].iloc[0]), work / "gru.pt")


@lru_cache(maxsize=1)
def synthetic_probe() -> Probe:
    cell = synthetic_cell()
    return build_probe(cell.model, cell.test, cell.coefs, **PROBE_CFG)


def test_the_shared_gru_solves_the_synthetic_language():
    cell = synthetic_cell()
    assert cell.test_acc > 0.95
    assert cell.bow_test_acc < cell.test_acc - 0.05      # context matters: BoW cannot do it
