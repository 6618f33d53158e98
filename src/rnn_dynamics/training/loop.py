"""Train one (dataset, architecture) cell: a seeded hyper-parameter search with early stopping.

Each trial trains with Adam (L2 ``weight_decay`` coupled, or AdamW decoupled, on the groups of
``l2_params``), dropout, per-epoch learning-rate decay, gradient-norm clipping and a
binary cross-entropy loss on length-bucketed batches, evaluates on the validation split after
every epoch, keeps its best epoch by validation accuracy and stops after ``patience`` epochs
without improvement. The trial with the best validation accuracy wins (ties: the earlier
trial), as in the paper's random search; only that model sees the test split.

Cheaper search (``TrainConfig.cheap_search``): search trials run at most ``search_epochs``
epochs on a seeded ``search_fraction`` of the training set; the winner's setting is then
trained from scratch on the full budget as one more trial (``phase = final``), which is the
model. The history keeps every epoch of every trial; :attr:`TrainResult.search` has one row
per trial and marks the chosen one.

Resuming: after every epoch the whole run state goes atomically to ``work_dir/resume.pt``
and every finished trial's best weights to ``work_dir/trial_<k>.pt``. Rerun with the same
arguments after a kill, a run continues from its last finished epoch and ends (on CPU) with
the same weights and accuracies as an uninterrupted one; a different config, seed or data
starts over. Every trial and epoch draws its own seeds from ``(seed, trial, epoch)``, so
nothing depends on how often the process was restarted.

Divergence: a non-finite loss or gradient, or a mean training loss above ``DIVERGED_LOSS``,
stops the trial; the history marks it ``diverged`` and the trial is never chosen. If every trial diverges, :class:`NumericalError`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from ..errors import ConfigError, DataError, NumericalError
from ..models import ARCHS, SentimentRNN, build_model, load_model, save_model
from ..progress import duration, progress
from ..runtime import resolve_device, seed_everything
from .batching import EncodedSplit, length_buckets, padding_fraction
from .config import SEARCHABLE, ModelConfig, TrainConfig
from .evaluation import classification_loss, evaluate
from .resume import capture_rng, load_state, restore_rng, save_state
from .search import sample_trials

log = logging.getLogger(__name__)

HISTORY_COLUMNS = ("trial", "phase", "epoch", "lr", "weight_decay", "dropout_embed",
                   "dropout_final", "train_loss", "train_acc", "valid_loss", "valid_acc",
                   "padding_fraction", "diverged")
SEARCH_COLUMNS = ("trial", "phase", "lr", "weight_decay", "dropout_embed", "dropout_final",
                  "epochs", "train_docs", "best_epoch", "valid_acc", "diverged", "chosen")
TIMING_COLUMNS = ("trial", "epoch", "seconds", "tokens_per_s")
DIVERGED_LOSS = 10.0
"""A mean training loss this many times a constant predictor's (ln K for K classes) means the
run blew up, even when every number is finite (e.g. a far too large learning rate)."""
PROGRESS_INTERVAL_S = 10.0


@dataclass
class TrainResult:
    """The chosen model (eval mode), per-(trial, epoch) history, one-row metrics, its trial."""

    model: SentimentRNN
    history: pd.DataFrame
    metrics: pd.DataFrame
    best_trial: dict[str, Any]
    timings: pd.DataFrame | None = None
    search: pd.DataFrame | None = None
    """One row per trial (``SEARCH_COLUMNS``): its setting, budget, best validation accuracy,
    and which one the model is."""
    """Per (trial, epoch) wall time and throughput: kept out of history and metrics, so that
    identical work writes identical tables."""


def _trial_seed(seed: int, trial: int) -> int:
    return int(np.random.SeedSequence([int(seed), trial]).generate_state(1)[0])


def _state_dict_cpu(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def l2_group(name: str) -> str | None:
    """Which ``l2_params`` group a parameter of :class:`SentimentRNN` belongs to (``None``:
    never penalised: biases and the initial state)."""
    if name.startswith("embedding."):
        return "embedding"
    if name == "readout.weight":
        return "readout"
    if ".weight_hh" in name:
        return "recurrent"
    if ".weight_ih" in name:
        return "input"
    return None


def make_optimizer(model: torch.nn.Module, lr: float, weight_decay: float = 0.0, *,
                   l2_form: str = "coupled",
                   l2_params: tuple[str, ...] = ("recurrent", "input", "readout"),
                   ) -> torch.optim.Optimizer:
    """Adam (coupled L2) or AdamW (decoupled) with ``weight_decay`` only on ``l2_params``.

    Fused into one kernel where torch has one (CPU, CUDA): the update of the large embedding
    is a fixed per-batch cost that a cheap cell (vanilla RNN) otherwise feels
    (``bench/bench_training.py``).
    """
    decay, free = [], []
    for name, p in model.named_parameters():
        (decay if l2_group(name) in l2_params else free).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay},
              {"params": free, "weight_decay": 0.0}]
    groups = [g for g in groups if g["params"]]
    device = next(model.parameters()).device.type
    opt = torch.optim.AdamW if l2_form == "decoupled" else torch.optim.Adam
    return opt(groups, lr=lr, fused=device in ("cpu", "cuda"))


def train_step(model: SentimentRNN, optim: torch.optim.Optimizer, ids: torch.Tensor,
               lengths: torch.Tensor, labels: torch.Tensor, clip_norm: float
               ) -> tuple[float, int] | None:
    """One Adam step on a batch: ``(mean loss, correct predictions)``, or ``None`` without
    updating when the loss or the gradient norm is not finite (divergence)."""
    loss, correct = classification_loss(model(ids, lengths), labels)
    optim.zero_grad(set_to_none=True)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
    value = loss.item()
    if not (np.isfinite(value) and torch.isfinite(norm).item()):
        return None
    optim.step()
    return value, int(correct.item())


class _Run:
    """One call of :func:`train_cell`: fixed inputs plus the history and finished trials."""

    def __init__(self, splits: dict[str, EncodedSplit], arch: str, vocab_size: int,
                 model_cfg: ModelConfig, train_cfg: TrainConfig, seed: int, device: torch.device,
                 work_dir: Path, progress: bool, meta: dict, fingerprint: str,
                 on_epoch_end: Callable[[int, int], None] | None) -> None:
        self.splits, self.arch, self.vocab_size = splits, arch, vocab_size
        self.n_classes = max(split.n_classes for split in splits.values())
        self.model_cfg, self.cfg, self.seed, self.device = model_cfg, train_cfg, seed, device
        self.work_dir, self.progress, self.meta = work_dir, progress, meta
        self.fingerprint, self.on_epoch_end = fingerprint, on_epoch_end
        self.trials = sample_trials(train_cfg, seed)
        self.n_search = len(self.trials)
        self.search_subset = _search_subset(len(splits["train"]), train_cfg, seed)
        self.history: dict[str, list] = {c: [] for c in HISTORY_COLUMNS}
        self.timings: dict[str, list] = {c: [] for c in TIMING_COLUMNS}
        self.done: list[dict[str, Any]] = []
        self.wall_before = 0.0
        self.t0 = time.perf_counter()
        self.epoch_seconds: list[float] = []

    # ---- persistence --------------------------------------------------------------------
    def trial_path(self, k: int) -> Path:
        return self.work_dir / f"trial_{k}.pt"

    def _save(self, current: dict[str, Any] | None) -> None:
        save_state(self.work_dir / "resume.pt", {
            "fingerprint": self.fingerprint, "history": self.history, "timings": self.timings,
            "trials_done": self.done,
            "wall_seconds": self.wall_before + time.perf_counter() - self.t0, "current": current,
        })

    def restore(self) -> dict[str, Any] | None:
        """Load a matching ``resume.pt``; returns the unfinished trial's state, if any."""
        state = load_state(self.work_dir / "resume.pt", self.fingerprint)
        if state is None:
            return None
        if any(not t["diverged"] and not self.trial_path(t["trial"]).exists()
               for t in state["trials_done"]):
            log.warning("finished trials' checkpoints are missing; starting from scratch")
            return None
        self.history, self.done = state["history"], state["trials_done"]
        self.timings = state.get("timings") or {c: [] for c in TIMING_COLUMNS}
        self.wall_before = float(state["wall_seconds"])
        log.info("resuming after %d finished trial(s)", len(self.done))
        return state["current"]

    # ---- one trial ----------------------------------------------------------------------
    def phase(self, k: int) -> str:
        return "final" if k >= self.n_search else "search"

    def budget(self, k: int) -> tuple[int, np.ndarray | None]:
        """Epochs and training-document subset (``None`` = all) of trial ``k``."""
        if self.cfg.cheap_search and self.phase(k) == "search":
            return self.cfg.search_epochs or self.cfg.epochs, self.search_subset
        return self.cfg.epochs, None

    def add_final_trial(self) -> None:
        """After a cheaper search: the winner's setting, trained again on the full budget."""
        best = self._best_search_trial()
        self.trials.append({key: best[key] for key in self.trials[0]})

    def run_trial(self, k: int, current: dict[str, Any] | None) -> None:
        hp = self.trials[k]
        seed_everything(_trial_seed(self.seed, k))
        m = self.model_cfg
        model = build_model(self.arch, self.vocab_size, m.embed_dim, m.hidden_size, m.num_layers,
                            recurrent_init=m.recurrent_init, dropout_embed=hp["dropout_embed"],
                            dropout_final=hp["dropout_final"], n_classes=self.n_classes)
        model.to(self.device)
        optim = make_optimizer(model, lr=hp["lr"], weight_decay=hp["weight_decay"],
                               l2_form=self.cfg.l2_form, l2_params=self.cfg.l2_params)
        epochs, _ = self.budget(k)
        t = {"trial": k, "epoch": 0, "best_valid_acc": -1.0, "best_epoch": 0, "bad_epochs": 0,
             "diverged": False, "best_state": None}
        if current is not None:
            model.load_state_dict(current["model"])
            optim.load_state_dict(current["optim"])
            restore_rng(current["rng"])
            t = {key: current[key] for key in t}
        while (t["epoch"] < epochs and t["bad_epochs"] < self.cfg.patience
               and not t["diverged"]):
            t["epoch"] += 1
            for group in optim.param_groups:   # lr decay, a function of the epoch alone
                group["lr"] = hp["lr"] * self.cfg.lr_decay ** (t["epoch"] - 1)
            row = self._epoch(model, optim, k, t["epoch"], hp)
            t["diverged"] = row["diverged"]
            if not t["diverged"] and row["valid_acc"] > t["best_valid_acc"]:
                t.update(best_valid_acc=row["valid_acc"], best_epoch=t["epoch"], bad_epochs=0,
                         best_state=_state_dict_cpu(model))
            else:
                t["bad_epochs"] += 1
            for col in HISTORY_COLUMNS:
                self.history[col].append(row[col])
            for col in TIMING_COLUMNS:
                self.timings[col].append(row[col])
            self._save({**t, "model": _state_dict_cpu(model), "optim": optim.state_dict(),
                        "rng": capture_rng()})
            if self.on_epoch_end is not None:
                self.on_epoch_end(k, t["epoch"])
        self._finish_trial(model, k, hp, t)

    def _finish_trial(self, model: SentimentRNN, k: int, hp: dict, t: dict[str, Any]) -> None:
        epochs, subset = self.budget(k)
        summary = {"trial": k, "phase": self.phase(k), **hp, "epochs": epochs,
                   "train_docs": len(self.splits["train"]) if subset is None else len(subset),
                   "best_epoch": t["best_epoch"], "valid_acc": t["best_valid_acc"],
                   "diverged": t["diverged"]}
        if t["diverged"]:
            log.warning("trial %d (%s) diverged; it is not a candidate", k, _describe(hp))
        else:
            model.load_state_dict(t["best_state"])
            save_model(model, self.trial_path(k), {**self.meta, "trial": k, **hp,
                                                   "best_epoch": t["best_epoch"]})
        self.done.append(summary)
        self._save(None)

    def _epoch(self, model: SentimentRNN, optim: torch.optim.Optimizer, k: int, epoch: int,
               hp: dict) -> dict[str, Any]:
        split, cfg = self.splits["train"], self.cfg
        _, subset = self.budget(k)
        docs_idx = np.arange(len(split)) if subset is None else subset
        batches = [docs_idx[b] for b in length_buckets(
            split.lengths[docs_idx], batch_size=cfg.batch_size,
            max_tokens=cfg.max_tokens_per_batch, seed=[self.seed, k, epoch])]
        model.train()
        loss_sum, correct, docs, tokens, diverged = 0.0, 0, 0, 0, False
        start = time.perf_counter()
        bar = tqdm(batches, desc=f"{self.arch} trial {k} epoch {epoch}", unit="batch",
                   mininterval=PROGRESS_INTERVAL_S, disable=not self.progress)
        for idx in bar:
            ids, lengths, labels = split.collate(idx, self.device)
            step = train_step(model, optim, ids, lengths, labels, cfg.clip_norm)
            if step is None:
                loss_sum, diverged = float("nan"), True
                break
            loss_sum += step[0] * len(idx)
            correct += step[1]
            docs += len(idx)
            tokens += int(split.lengths[idx].sum())
        bar.close()
        seconds = time.perf_counter() - start
        row = {"trial": k, "phase": self.phase(k), "epoch": epoch, **hp,
               "lr": float(optim.param_groups[0]["lr"]),   # this epoch's, after decay
               "train_loss": loss_sum / max(docs, 1), "train_acc": correct / max(docs, 1),
               "valid_loss": float("nan"), "valid_acc": float("nan"), "seconds": seconds,
               "tokens_per_s": tokens / seconds if seconds > 0 else 0.0,
               "padding_fraction": padding_fraction(split.lengths, batches),
               "diverged": diverged}
        constant = float(np.log(self.n_classes))
        if not diverged and row["train_loss"] > DIVERGED_LOSS * constant:
            log.warning("%s trial %d epoch %d: mean training loss %.3g is far above a constant "
                        "predictor's %.3f; treating the trial as diverged", self.arch, k, epoch,
                        row["train_loss"], constant)
            row["diverged"] = diverged = True
        if not diverged:
            vloss, vacc = evaluate(model, self.splits["valid"], cfg.eval_batch_size, self.device)
            row.update(valid_loss=vloss, valid_acc=vacc, diverged=not np.isfinite(vloss))
        log.info("%s trial %d epoch %d: train loss %.4f acc %.4f, valid loss %.4f acc %.4f, "
                 "%.0f tokens/s%s", self.arch, k, epoch, row["train_loss"], row["train_acc"],
                 row["valid_loss"], row["valid_acc"], row["tokens_per_s"],
                 " (DIVERGED)" if row["diverged"] else "")
        self._report(k, epoch, row, time.perf_counter() - start)
        return row

    def _report(self, k: int, epoch: int, row: dict[str, Any], seconds: float) -> None:
        """One console line: where training is, how it goes, and at most how long is left
        (early stopping can end a trial sooner)."""
        self.epoch_seconds.append(seconds)
        epochs, subset = self.budget(k)
        share = 1.0 if subset is None else len(subset) / len(self.splits["train"])
        n_total = self.n_search + int(self.cfg.cheap_search)
        # remaining work in full-data epochs; this epoch's time scaled to a full-data epoch
        full_epoch = seconds / share
        left = (epochs - epoch) * share
        for j in range(k + 1, n_total):
            e, sub = self.budget(j)
            left += e * (1.0 if sub is None else len(sub) / len(self.splits["train"]))
        state = "diverged" if row["diverged"] else f"valid acc {100 * row['valid_acc']:.1f}%"
        label = "final training" if self.phase(k) == "final" else f"trial {k + 1}/{self.n_search}"
        progress.info("%s epoch %d/%d: loss %.3f, %s, at most %s left", label, epoch, epochs,
                      row["train_loss"], state, duration(left * full_epoch))

    # ---- choice of the model ------------------------------------------------------------
    def _best_search_trial(self) -> dict[str, Any]:
        searched = [t for t in self.done if t["phase"] == "search"]
        candidates = [t for t in searched if not t["diverged"]]
        if not candidates:
            raise NumericalError(
                f"{self.arch}: all {len(searched)} training trial(s) diverged (non-finite or "
                f"exploding loss); lower training.lr or training.clip_norm. Tried: "
                + "; ".join(_describe(t) for t in searched))
        return max(candidates, key=lambda t: (t["valid_acc"], -t["trial"]))

    def choose(self) -> tuple[SentimentRNN, dict[str, Any]]:
        best = self._best_search_trial()
        if self.cfg.cheap_search:
            best = self.done[-1]
            if best["diverged"]:
                raise NumericalError(
                    f"{self.arch}: the final training of the chosen setting ({_describe(best)}) "
                    "diverged although its search trial did not; lower training.lr")
        model, _ = load_model(self.trial_path(best["trial"]), map_location=self.device,
                              expect={"arch": self.arch, "vocab_size": self.vocab_size})
        return model, dict(best)


def _describe(hp: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={hp[key]:.3g}" for key in SEARCHABLE)


def _search_subset(n: int, cfg: TrainConfig, seed: int) -> np.ndarray | None:
    """The seeded, sorted share of training documents every search trial sees."""
    if not cfg.cheap_search or cfg.search_fraction >= 1.0:
        return None
    k = max(1, int(round(cfg.search_fraction * n)))
    rng = np.random.default_rng([int(seed), 0x5B5E7])
    return np.sort(rng.choice(n, size=k, replace=False))


def _fingerprint(arch: str, vocab_size: int, model_cfg: ModelConfig, train_cfg: TrainConfig,
                 seed: int, meta: dict, splits: dict[str, EncodedSplit]) -> str:
    spec = json.dumps({"arch": arch, "vocab_size": vocab_size, "model": model_cfg.to_dict(),
                       "train": train_cfg.to_dict(), "seed": seed, "meta": meta,
                       "data": {k: s.fingerprint() for k, s in splits.items()}},
                      sort_keys=True, default=str)
    return hashlib.sha256(spec.encode()).hexdigest()


def train_cell(train: pd.DataFrame, valid: pd.DataFrame, test: pd.DataFrame, *, arch: str,
               vocab_size: int, model_cfg: ModelConfig | Mapping[str, Any],
               train_cfg: TrainConfig | Mapping[str, Any], seed: int,
               device: str = "auto", work_dir: str | Path, progress: bool = True,
               meta: dict | None = None,
               on_epoch_end: Callable[[int, int], None] | None = None) -> TrainResult:
    """Train ``arch`` on ``train``, choose on ``valid``, report ``test`` (see module docstring).

    Frames have columns ``ids`` (token ids, 0 = pad), ``label`` (0/1, or the class 0..K-1:
    the model then has K class logits) and ``length``.
    ``meta`` goes into the trial checkpoints (e.g. a vocabulary hash) and the resume
    fingerprint. ``on_epoch_end(trial, epoch)`` runs after each epoch's state is on disk.
    ``history`` and ``metrics`` hold no wall times, so identical work gives identical tables
    (resumed or not); ``timings`` has per-epoch ``seconds`` and ``tokens_per_s`` of the
    training pass (real tokens, padding excluded), and the log the total wall time.
    """
    if arch not in ARCHS:
        raise ConfigError(f"arch: '{arch}' is not one of {', '.join(ARCHS)}")
    if isinstance(model_cfg, Mapping):
        model_cfg = ModelConfig.from_dict(model_cfg)
    if isinstance(train_cfg, Mapping):
        train_cfg = TrainConfig.from_dict(train_cfg)
    dev = resolve_device(device)
    splits = {name: EncodedSplit.from_frame(df, name)
              for name, df in (("train", train), ("valid", valid), ("test", test))}
    for name, split in splits.items():
        if split.tokens.max() >= vocab_size:
            raise DataError(f"{name}: token id {int(split.tokens.max())} >= vocab_size "
                            f"{vocab_size}; were the ids built with another vocabulary?")
    meta = json.loads(json.dumps(meta or {}))
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    fp = _fingerprint(arch, vocab_size, model_cfg, train_cfg, seed, meta, splits)
    run = _Run(splits, arch, vocab_size, model_cfg, train_cfg, seed, dev, work_dir, progress,
               meta, fp, on_epoch_end)
    current = run.restore()
    for k in range(len(run.done), run.n_search):
        run.run_trial(k, current if current is not None and current["trial"] == k else None)
        current = None
    if train_cfg.cheap_search:
        run.add_final_trial()
        if len(run.done) == run.n_search:
            k = run.n_search
            run.run_trial(k, current if current is not None and current["trial"] == k else None)
    model, best = run.choose()

    scores = {name: evaluate(model, split, train_cfg.eval_batch_size, dev)
              for name, split in splits.items()}
    history = pd.DataFrame(run.history, columns=list(HISTORY_COLUMNS))
    history = history.astype({"trial": "int64", "epoch": "int64", "diverged": "bool"})
    search = pd.DataFrame([{**{c: t.get(c) for c in SEARCH_COLUMNS if c != "chosen"},
                            "chosen": t["trial"] == best["trial"]} for t in run.done],
                          columns=list(SEARCH_COLUMNS))
    timings = pd.DataFrame(run.timings, columns=list(TIMING_COLUMNS))
    train_s = float(timings["seconds"].sum())
    tokens = float((timings["seconds"] * timings["tokens_per_s"]).sum())
    wall = run.wall_before + time.perf_counter() - run.t0
    metrics = pd.DataFrame([{
        "arch": arch,
        "train_acc": scores["train"][1], "valid_acc": scores["valid"][1],
        "test_acc": scores["test"][1], "train_loss": scores["train"][0],
        "valid_loss": scores["valid"][0], "test_loss": scores["test"][0],
        "best_trial": best["trial"], "best_epoch": best["best_epoch"],
        "n_params": sum(p.numel() for p in model.parameters()),
        "device": str(dev),
    }])
    log.info("%s: %.1f s wall time over all invocations, %.0f tokens/s in training", arch, wall,
             tokens / train_s if train_s > 0 else 0.0)
    _warn_if_chance(arch, scores["valid"][1], splits["valid"])
    log.info("%s: chose trial %d (epoch %d): valid acc %.4f, test acc %.4f", arch,
             best["trial"], best["best_epoch"], scores["valid"][1], scores["test"][1])
    return TrainResult(model=model.eval(), history=history, metrics=metrics, best_trial=best,
                       timings=timings, search=search)


def _warn_if_chance(arch: str, valid_acc: float, valid: EncodedSplit) -> None:
    """Log a warning when the chosen model is no better than always answering the majority
    label: a run that 'succeeded' without learning deserves a loud line in the log."""
    majority = float(np.bincount(valid.labels.astype(np.int64)).max() / len(valid))
    if valid_acc <= majority + 0.01:
        log.warning("%s: validation accuracy %.4f is at chance level (majority label %.4f); "
                    "the model did not learn; try a smaller training.lr or more epochs", arch,
                    valid_acc, majority)
