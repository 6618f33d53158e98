"""Explain a trained model's verdict on a text, token by token (``rnn-dynamics explain``).

:func:`load_bundle` finds what a workflow model needs beside its checkpoint (vocabulary,
fixed points and slow modes, modifier words); :func:`explain_text` follows the state through a
text; :func:`predict_texts` scores many texts at once; :func:`draw_explanations` draws them.
"""

from .bundle import ModelBundle, integrating_mode, load_bundle
from .plot import draw_explanations
from .predict import predict_texts
from .render import format_explanation
from .trajectory import Explanation, explain_text

__all__ = ["Explanation", "ModelBundle", "draw_explanations", "explain_text",
           "format_explanation", "integrating_mode", "load_bundle", "predict_texts"]
