"""A fused single-layer UGRNN that runs on PyTorch's GRU kernel.

With its reset gate held at exactly one, PyTorch's GRU *is* the UGRNN:
``n = tanh(W_in x + b_in + 1 * (W_hn h + b_hn))`` is the candidate ``c`` and the update gate
``z`` is ``u``, so ``h' = (1 - z) * n + z * h = u * h + (1 - u) * c``. The reset rows get zero
weights and a bias of ``+1e4`` (``sigmoid(1e4) == 1.0`` exactly in float32, and its gradient
is exactly zero). The UGRNN's own ``[u, c]`` weights are stacked under those rows on every
call, so gradients reach them through the fused kernel (cuDNN's on CUDA).

Speed (``bench/bench_training.py``, CPU, torch 2.13, hidden 256, batch 64, one thread):
this runs at the speed of ``nn.GRU`` despite the unused reset rows. A Python time loop over
the step map, with 2/3 of the matrix work, was about 1.2x faster in forward+backward there
(and slower with precomputed ``W x`` and per-step outputs); we keep the kernel form because it
is exact, is a single code path, and on CUDA runs cuDNN, far ahead of any Python loop.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

_RESET_BIAS = 1.0e4


class UGRNN(nn.Module):
    """Single-layer, batch-first UGRNN with ``nn.GRU``-style parameter names (gates ``[u, c]``)."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih_l0 = nn.Parameter(torch.empty(2 * hidden_size, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(2 * hidden_size, hidden_size))
        self.bias_ih_l0 = nn.Parameter(torch.empty(2 * hidden_size))
        self.bias_hh_l0 = nn.Parameter(torch.empty(2 * hidden_size))
        bound = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _gru_weights(self) -> list[Tensor]:
        """GRU weights ``[r, z, n]`` equal to this UGRNN: reset rows pinned open."""
        w_ih, w_hh = self.weight_ih_l0, self.weight_hh_l0
        H = self.hidden_size
        return [
            torch.cat([w_ih.new_zeros(H, self.input_size), w_ih]),
            torch.cat([w_hh.new_zeros(H, H), w_hh]),
            torch.cat([self.bias_ih_l0.new_full((H,), _RESET_BIAS), self.bias_ih_l0]),
            torch.cat([self.bias_hh_l0.new_zeros(H), self.bias_hh_l0]),
        ]

    def forward(self, x: Tensor, hx: Tensor) -> tuple[Tensor, Tensor]:
        """``x`` [B, T, input_size], ``hx`` [1, B, H] -> (outputs [B, T, H], last state [1, B, H])."""
        out, h_n = torch._VF.gru(x, hx, self._gru_weights(), True, 1, 0.0, self.training,
                                 False, True)
        return out, h_n
