"""The sentiment classifier: embedding -> stacked RNN -> linear readout of the last state.

Two views of one set of parameters:

* ``forward`` is the fast path for training: fused ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN``
  kernels (the UGRNN runs on the GRU kernel, see :mod:`.ugrnn`) over padded, batch-first
  input, with each document's state read at its last real token. Padding sits at the end, so
  the state at ``length - 1`` never saw a pad (no ``pack_padded_sequence``: it made
  forward+backward many times slower on CPU).
* ``step`` is the pure map ``F(h, x)`` on the flat state that the analysis studies (fixed
  points, Jacobians); it reads the fused modules' weights through :mod:`.cells`.

Flat state layout (``state_dim = N``): layers are concatenated, layer 0 first. Each layer
contributes ``h_k`` (``hidden_size``) for vanilla / GRU / UGRNN, and ``[h_k, c_k]``
(``2 * hidden_size``) for the LSTM. So for an LSTM with two layers the flat state is
``[h_0, c_0, h_1, c_1]``, and the readout sees the slice ``h_{L-1}``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from .cell_jacobians import CELL_JACOBIANS
from .cells import STEPS
from .ugrnn import UGRNN

ARCHS = ("lstm", "gru", "ugrnn", "vanilla")
RECURRENT_INITS = ("default", "orthogonal", "identity")
IDENTITY_SCALE = 0.95
"""``recurrent_init: identity`` sets each recurrent block to this multiple of I: a vanilla RNN
then starts as a leaky integrator (Le et al. 2015 use 1.0 with ReLU; below 1 keeps tanh
trajectories bounded at initialisation)."""


def init_recurrent(module: nn.Module, how: str) -> None:
    """Re-initialise ``weight_hh_l0`` of one fused layer, gate block by gate block.

    ``default`` keeps torch's uniform init; ``orthogonal`` draws an orthogonal matrix per gate
    block (Saxe et al. 2014), ``identity`` sets ``IDENTITY_SCALE * I`` per block. Vanilla RNNs
    on long reviews learn to integrate only from such a start (Le et al. 2015).
    """
    if how not in RECURRENT_INITS:
        raise ValueError(f"recurrent_init: '{how}' is not one of {RECURRENT_INITS}")
    if how == "default":
        return
    w = module.weight_hh_l0
    H = w.shape[1]
    with torch.no_grad():
        for block in w.split(H, dim=0):
            if how == "orthogonal":
                nn.init.orthogonal_(block)
            else:
                block.copy_(IDENTITY_SCALE * torch.eye(H, dtype=w.dtype))


def _fused_layer(arch: str, input_size: int, hidden_size: int) -> nn.Module:
    if arch == "lstm":
        return nn.LSTM(input_size, hidden_size, batch_first=True)
    if arch == "gru":
        return nn.GRU(input_size, hidden_size, batch_first=True)
    if arch == "vanilla":
        return nn.RNN(input_size, hidden_size, nonlinearity="tanh", batch_first=True)
    if arch == "ugrnn":
        return UGRNN(input_size, hidden_size)
    raise ValueError(f"arch: '{arch}' is not one of {ARCHS}")


class SentimentRNN(nn.Module):
    """Embedding, ``num_layers`` recurrent layers and a logit readout of the last layer's ``h``.

    ``n_classes = 2`` (the papers' case) reads out one logit, of "positive"; ``n_classes = K > 2``
    reads out K class logits (softmax cross-entropy).

    Parameters: ``embedding`` (``padding_idx=0``), ``rnn`` (a ``ModuleList`` of single-layer
    fused modules, each with ``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``,
    ``bias_hh_l0``), ``h0`` (the trained initial flat state, zeros at init) and ``readout``.
    """

    def __init__(self, arch: str, vocab_size: int, embed_dim: int, hidden_size: int,
                 num_layers: int = 1, *, dropout_embed: float = 0.0,
                 dropout_final: float = 0.0, n_classes: int = 2) -> None:
        super().__init__()
        if arch not in ARCHS:
            raise ValueError(f"arch: '{arch}' is not one of {ARCHS}")
        if n_classes < 2:
            raise ValueError(f"n_classes = {n_classes}: a classifier needs at least 2 classes")
        self.n_classes = int(n_classes)
        if min(vocab_size, embed_dim, hidden_size, num_layers) < 1:
            raise ValueError("vocab_size, embed_dim, hidden_size and num_layers must be >= 1")
        self.arch = arch
        self.vocab_size = int(vocab_size)
        self.embed_dim = int(embed_dim)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.layer_dim = self.hidden_size * (2 if arch == "lstm" else 1)
        self.state_dim = self.layer_dim * self.num_layers
        self.input_dim = self.embed_dim
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.ModuleList(
            _fused_layer(arch, embed_dim if k == 0 else hidden_size, hidden_size)
            for k in range(num_layers))
        self.h0 = nn.Parameter(torch.zeros(self.state_dim))
        self.readout = nn.Linear(hidden_size, 1 if n_classes == 2 else n_classes)
        # regularisation of training only: no parameters, identity in eval mode, and not part
        # of the step map F(h, x) that the analysis studies
        self.embed_dropout = nn.Dropout(dropout_embed)
        self.final_dropout = nn.Dropout(dropout_final)
        self._step_fn: Callable[..., Tensor] = STEPS[arch]

    # ---- flat-state bookkeeping -------------------------------------------------------
    def _layer_slice(self, k: int) -> slice:
        return slice(k * self.layer_dim, (k + 1) * self.layer_dim)

    def _readout_slice(self) -> slice:
        start = (self.num_layers - 1) * self.layer_dim
        return slice(start, start + self.hidden_size)

    def initial_state(self, batch: int | None = None) -> Tensor:
        """The trained ``h0``: ``[N]``, or expanded (a view) to ``[batch, N]``."""
        return self.h0 if batch is None else self.h0.expand(batch, self.state_dim)

    # ---- the step map -----------------------------------------------------------------
    def step(self, h: Tensor, x: Tensor) -> Tensor:
        """Pure ``F(h, x)``: ``h`` [..., N], ``x`` [..., E] -> [..., N] (one token, all layers)."""
        out, inp = [], x
        for k, layer in enumerate(self.rnn):
            hk = self._step_fn(h[..., self._layer_slice(k)], inp, layer.weight_ih_l0,
                               layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0)
            out.append(hk)
            inp = hk[..., : self.hidden_size]
        return out[0] if len(out) == 1 else torch.cat(out, dim=-1)

    def step_jacobians(self, h: Tensor, x: Tensor, *, with_input: bool = True,
                       ) -> tuple[Tensor, Tensor | None]:
        """Closed-form ``(dF/dh [K, N, N], dF/dx [K, N, E])`` of :meth:`step` at ``h`` [K, N],
        ``x`` [K, E] (see :mod:`.cell_jacobians`); layers chain through their inputs.
        ``with_input=False`` returns ``(dF/dh, None)`` (the fixed-point solver's case)."""
        jac = CELL_JACOBIANS[self.arch]
        if self.num_layers == 1:
            layer = self.rnn[0]
            return jac(h, x, layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0,
                       layer.bias_hh_l0, with_input=with_input)
        j_rec = h.new_zeros(h.shape[0], self.state_dim, self.state_dim)
        j_inp = h.new_zeros(h.shape[0], self.state_dim, self.input_dim)
        inp, prev = x, None
        for k, layer in enumerate(self.rnn):
            sl = self._layer_slice(k)
            hk = h[:, sl]
            rec, through_input = jac(hk, inp, layer.weight_ih_l0, layer.weight_hh_l0,
                                     layer.bias_ih_l0, layer.bias_hh_l0)
            j_rec[:, sl, sl] = rec
            if prev is None:
                j_inp[:, sl] = through_input
            else:                             # layer k reads layer k-1's new hidden state
                j_rec[:, sl] += through_input @ j_rec[:, prev]
                j_inp[:, sl] = through_input @ j_inp[:, prev]
            inp = self._step_fn(hk, inp, layer.weight_ih_l0, layer.weight_hh_l0,
                                layer.bias_ih_l0, layer.bias_hh_l0)[:, : self.hidden_size]
            prev = slice(sl.start, sl.start + self.hidden_size)
        return j_rec, (j_inp if with_input else None)

    def readout_logit(self, h: Tensor) -> Tensor:
        """Logit of "positive" from flat states ``[..., N] -> [...]`` (binary models)."""
        return self.readout(h[..., self._readout_slice()]).squeeze(-1)

    def readout_matrix(self) -> Tensor:
        """Readout weights in flat-state coordinates, ``[K_out, N]`` (one row if binary)."""
        w = self.readout.weight
        sl = self._readout_slice()
        return torch.cat([w.new_zeros(w.shape[0], sl.start), w,
                          w.new_zeros(w.shape[0], self.state_dim - sl.stop)], dim=1)

    def readout_vector(self) -> Tensor:
        """Readout weight in flat-state coordinates: ``logit = h @ w + readout.bias`` (binary
        models; the first row of :meth:`readout_matrix`)."""
        return self.readout_matrix()[0]

    # ---- fused paths ------------------------------------------------------------------
    def _run_layers(self, ids: Tensor) -> tuple[list[Tensor], list[Tensor], Tensor]:
        """Fused pass over all layers: (per-layer inputs, per-layer outputs, initial states)."""
        B = ids.shape[0]
        h0 = self.initial_state(B)
        inp = self.embed_dropout(self.embedding(ids))
        inputs, outputs = [], []
        for k, layer in enumerate(self.rnn):
            s0 = h0[:, self._layer_slice(k)]
            inputs.append(inp)
            if self.arch == "lstm":
                hx = tuple(t.unsqueeze(0).contiguous() for t in s0.chunk(2, dim=-1))
            else:
                hx = s0.unsqueeze(0).contiguous()
            inp, _ = layer(inp, hx)
            outputs.append(inp)
        return inputs, outputs, h0

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """Logits ``[B]`` (binary) or ``[B, K]`` for padded ``ids`` ``[B, T]`` (pad = 0 at the
        end) and ``lengths``."""
        _, outputs, _ = self._run_layers(ids)
        rows = torch.arange(ids.shape[0], device=ids.device)
        last = outputs[-1][rows, lengths.to(ids.device) - 1]
        logits = self.readout(self.final_dropout(last))
        return logits.squeeze(-1) if self.n_classes == 2 else logits

    def hidden_states(self, ids: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Flat state after each token, ``[B, T, N]``; positions past a length hold garbage.

        Uses the fused kernels; for the LSTM, whose kernel returns only ``h``, the cell state
        is recovered with an elementwise scan over the gates computed from ``h_{t-1}``.
        """
        inputs, outputs, h0 = self._run_layers(ids)
        if self.arch != "lstm":
            return outputs[0] if self.num_layers == 1 else torch.cat(outputs, dim=-1)
        parts = []
        for k, layer in enumerate(self.rnn):
            h_init, c_init = h0[:, self._layer_slice(k)].chunk(2, dim=-1)
            hs = outputs[k]
            h_prev = torch.cat([h_init.unsqueeze(1), hs[:, :-1]], dim=1)
            gates = (nn.functional.linear(inputs[k], layer.weight_ih_l0, layer.bias_ih_l0)
                     + nn.functional.linear(h_prev, layer.weight_hh_l0, layer.bias_hh_l0))
            i, f, g, _ = gates.chunk(4, dim=-1)
            write, keep = torch.sigmoid(i) * torch.tanh(g), torch.sigmoid(f)
            c, cs = c_init, []
            for t in range(ids.shape[1]):
                c = keep[:, t] * c + write[:, t]
                cs.append(c)
            parts += [hs, torch.stack(cs, dim=1)]
        return torch.cat(parts, dim=-1)


def build_model(arch: str, vocab_size: int, embed_dim: int, hidden_size: int,
                num_layers: int = 1, *, recurrent_init: str = "default",
                dropout_embed: float = 0.0, dropout_final: float = 0.0,
                n_classes: int = 2) -> SentimentRNN:
    """A freshly initialised :class:`SentimentRNN` (draws from torch's global RNG); see
    :func:`init_recurrent` for ``recurrent_init``."""
    model = SentimentRNN(arch, vocab_size, embed_dim, hidden_size, num_layers,
                         dropout_embed=dropout_embed, dropout_final=dropout_final,
                         n_classes=n_classes)
    for layer in model.rnn:
        init_recurrent(layer, recurrent_init)
    return model
