"""Training: length-bucketed batches, configs, a resumable train-and-select loop."""

from .batching import EncodedSplit, length_buckets, padding_fraction
from .config import ModelConfig, TrainConfig
from .evaluation import evaluate, predict_logits
from .loop import HISTORY_COLUMNS, TrainResult, make_optimizer, train_cell, train_step
from .search import sample_trials

__all__ = [
    "HISTORY_COLUMNS",
    "EncodedSplit",
    "ModelConfig",
    "TrainConfig",
    "TrainResult",
    "evaluate",
    "length_buckets",
    "make_optimizer",
    "padding_fraction",
    "predict_logits",
    "sample_trials",
    "train_cell",
    "train_step",
]
