"""Sentiment RNNs with a fast fused forward pass and a pure step map for analysis."""

from .cells import CELLS, GRUCell, LSTMCell, UGRNNCell, VanillaCell
from .checkpoint import load_model, model_meta, save_model
from .sentiment import ARCHS, SentimentRNN, build_model
from .ugrnn import UGRNN

__all__ = [
    "ARCHS",
    "CELLS",
    "UGRNN",
    "GRUCell",
    "LSTMCell",
    "SentimentRNN",
    "UGRNNCell",
    "VanillaCell",
    "build_model",
    "load_model",
    "model_meta",
    "save_model",
]
