"""Recurrent cells as pure step maps ``F(h, x) -> h'``.

Each architecture has a pure function (``*_step``) that takes the state, the input and the
four weight tensors explicitly, and a small :class:`torch.nn.Module` that owns those tensors
under the names :class:`torch.nn.LSTMCell` uses (``weight_ih``, ``weight_hh``, ``bias_ih``,
``bias_hh``). The functions use no in-place operations, so they work unbatched, batched and
under ``torch.func`` (``vmap``, ``jacrev``, ``functional_call``). :class:`SentimentRNN` calls
the same functions with the fused modules' weights, so the step map and the fast forward pass
read one set of parameters.

Conventions (stated because public code differs):

* Gate order of the stacked weights follows PyTorch: LSTM ``[i, f, g, o]``, GRU ``[r, z, n]``,
  UGRNN ``[u, c]``.
* GRU: PyTorch applies the reset gate *after* the recurrent matrix product,
  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and ``h' = (1 - z) * n + z * h``
  (Cho et al. 2014 apply it before the product).
* LSTM: the flat state is ``[h, c]`` (hidden then cell, each ``hidden_size`` long).
* UGRNN (update-gate RNN, Collins et al. 2016): ``u = sigmoid(W_u x + U_u h + b_u)``,
  ``c = tanh(W_c x + U_c h + b_c)``, ``h' = u * h + (1 - u) * c``; each bias is the sum of
  its ``bias_ih`` and ``bias_hh`` halves, as in PyTorch's cells.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F


def vanilla_step(h: Tensor, x: Tensor, weight_ih: Tensor, weight_hh: Tensor,
                 bias_ih: Tensor, bias_hh: Tensor) -> Tensor:
    """Elman RNN: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (``nn.RNNCell``, tanh)."""
    return torch.tanh(F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh))


def gru_step(h: Tensor, x: Tensor, weight_ih: Tensor, weight_hh: Tensor,
             bias_ih: Tensor, bias_hh: Tensor) -> Tensor:
    """PyTorch's GRU, reset gate applied after the recurrent product (see module docstring)."""
    xr, xz, xn = F.linear(x, weight_ih, bias_ih).chunk(3, dim=-1)
    hr, hz, hn = F.linear(h, weight_hh, bias_hh).chunk(3, dim=-1)
    r = torch.sigmoid(xr + hr)
    z = torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)
    return (1.0 - z) * n + z * h


def ugrnn_step(h: Tensor, x: Tensor, weight_ih: Tensor, weight_hh: Tensor,
               bias_ih: Tensor, bias_hh: Tensor) -> Tensor:
    """Update-gate RNN: a GRU without a reset gate, ``h' = u * h + (1 - u) * c``."""
    pre_u, pre_c = (F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)).chunk(2, -1)
    u = torch.sigmoid(pre_u)
    return u * h + (1.0 - u) * torch.tanh(pre_c)


def lstm_step(state: Tensor, x: Tensor, weight_ih: Tensor, weight_hh: Tensor,
              bias_ih: Tensor, bias_hh: Tensor) -> Tensor:
    """LSTM on the flat state ``[h, c]``; returns the flat ``[h', c']``."""
    h, c = state.chunk(2, dim=-1)
    gates = F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)
    i, f, g, o = gates.chunk(4, dim=-1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return torch.cat([h_new, c_new], dim=-1)


# gates per architecture: rows of weight_ih / weight_hh are gates * hidden_size
GATES = {"lstm": 4, "gru": 3, "ugrnn": 2, "vanilla": 1}
STEPS = {"lstm": lstm_step, "gru": gru_step, "ugrnn": ugrnn_step, "vanilla": vanilla_step}


class _Cell(nn.Module):
    """Owns ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` and applies one step map."""

    arch: str = ""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        rows = GATES[self.arch] * hidden_size
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows))
        self.bias_hh = nn.Parameter(torch.empty(rows))
        self.reset_parameters()

    @property
    def state_size(self) -> int:
        """Length of the flat state this cell maps (``2 * hidden_size`` for the LSTM)."""
        return self.hidden_size * (2 if self.arch == "lstm" else 1)

    def reset_parameters(self) -> None:
        """PyTorch's default for recurrent cells: uniform in ``±1/sqrt(hidden_size)``."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, h: Tensor, x: Tensor) -> Tensor:
        return STEPS[self.arch](h, x, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class VanillaCell(_Cell):
    """Elman (tanh) RNN cell; same parameters as ``nn.RNNCell``."""

    arch = "vanilla"


class GRUCell(_Cell):
    """GRU cell with PyTorch's reset-gate convention; same parameters as ``nn.GRUCell``."""

    arch = "gru"


class UGRNNCell(_Cell):
    """Update-gate RNN cell (Collins et al. 2016); gates ``[u, c]``."""

    arch = "ugrnn"


class LSTMCell(_Cell):
    """LSTM cell on the flat state ``[h, c]``; same parameters as ``nn.LSTMCell``."""

    arch = "lstm"


CELLS = {"lstm": LSTMCell, "gru": GRUCell, "ugrnn": UGRNNCell, "vanilla": VanillaCell}
