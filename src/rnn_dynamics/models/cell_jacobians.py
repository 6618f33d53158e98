"""Closed-form Jacobians of the cells in :mod:`.cells`, batched over expansion points.

Every cell's derivative has the form ``diag(d) + sum_g diag(c_g) W_g`` (gate pre-activations
are affine in h and x), so a Jacobian costs a few elementwise passes over ``K x N x N``: O(N^2)
per point. ``vmap(jacrev(step))`` pushes an identity basis through ``W_hh`` instead, O(N^3)
per point, which made it the bottleneck of fixed-point search and spectra at N = 256.
Each function returns ``(J_rec [K, N, N], J_inp [K, N, E])`` with ``J[k, i, j] = dF_i / d_j``
at ``(h[k], x[k])`` (``J_inp`` is None with ``with_input=False``) and is tested against
``jacrev`` of the step it differentiates.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor
from torch.nn import functional as F

CellJacobian = Callable[..., tuple[Tensor, Tensor | None]]


def _rows_scaled(coefs: list[Tensor], weights: list[Tensor], diag: Tensor | None) -> Tensor:
    """``diag(diag) + sum_g diag(coefs[g]) @ weights[g]`` for a batch: [K, N] coefs, [N, M] W."""
    out = coefs[0].unsqueeze(-1) * weights[0]
    for c, w in zip(coefs[1:], weights[1:]):
        out.addcmul_(c.unsqueeze(-1), w)
    if diag is not None:
        out.diagonal(dim1=-2, dim2=-1).add_(diag)
    return out


def vanilla_jacobians(h: Tensor, x: Tensor, weight_ih: Tensor, weight_hh: Tensor,
                      bias_ih: Tensor, bias_hh: Tensor, *,
                      with_input: bool = True) -> tuple[Tensor, Tensor | None]:
    """``h' = tanh(a)``: ``J = diag(1 - h'^2) W``."""
    h_new = torch.tanh(F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh))
    d = 1.0 - h_new * h_new
    return (_rows_scaled([d], [weight_hh], None),
            _rows_scaled([d], [weight_ih], None) if with_input else None)


def gru_jacobians(h: Tensor, x: Tensor, weight_ih: Tensor, weight_hh: Tensor,
                  bias_ih: Tensor, bias_hh: Tensor, *,
                  with_input: bool = True) -> tuple[Tensor, Tensor | None]:
    """PyTorch's GRU (reset after the product): ``h' = (1 - z) n + z h``,
    ``n = tanh(xn + r * hn)``, so ``dn = (1 - n^2) (r dhn + hn dr)``."""
    xr, xz, xn = F.linear(x, weight_ih, bias_ih).chunk(3, dim=-1)
    hr, hz, hn = F.linear(h, weight_hh, bias_hh).chunk(3, dim=-1)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)
    dn = (1.0 - z) * (1.0 - n * n)                 # dh'/d(pre-activation of n)
    coefs = [dn * hn * r * (1.0 - r), (h - n) * z * (1.0 - z), dn * r]
    j_rec = _rows_scaled(coefs, list(weight_hh.chunk(3, dim=0)), z)
    if not with_input:
        return j_rec, None
    coefs[2] = dn                                  # the input enters n outside the reset gate
    return j_rec, _rows_scaled(coefs, list(weight_ih.chunk(3, dim=0)), None)


def ugrnn_jacobians(h: Tensor, x: Tensor, weight_ih: Tensor, weight_hh: Tensor,
                    bias_ih: Tensor, bias_hh: Tensor, *,
                    with_input: bool = True) -> tuple[Tensor, Tensor | None]:
    """``h' = u h + (1 - u) c``: ``J = diag(u) + diag((h - c) u (1 - u)) W_u
    + diag((1 - u)(1 - c^2)) W_c`` (no ``diag(u)`` for the input)."""
    pre_u, pre_c = (F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)).chunk(2, -1)
    u, c = torch.sigmoid(pre_u), torch.tanh(pre_c)
    coefs = [(h - c) * u * (1.0 - u), (1.0 - u) * (1.0 - c * c)]
    return (_rows_scaled(coefs, list(weight_hh.chunk(2, dim=0)), u),
            _rows_scaled(coefs, list(weight_ih.chunk(2, dim=0)), None) if with_input else None)


def lstm_jacobians(state: Tensor, x: Tensor, weight_ih: Tensor, weight_hh: Tensor,
                   bias_ih: Tensor, bias_hh: Tensor, *,
                   with_input: bool = True) -> tuple[Tensor, Tensor | None]:
    """LSTM on the flat state ``[h, c]``: J_rec is the 2 x 2 block matrix
    ``[[dh'/dh, dh'/dc], [dc'/dh, dc'/dc]]`` with ``dc'/dc = diag(f)`` and
    ``dh'/dc = diag(o (1 - tanh(c')^2) f)``."""
    h, c = state.chunk(2, dim=-1)
    pi, pf, pg, po = (F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)).chunk(4, -1)
    i, f, g, o = torch.sigmoid(pi), torch.sigmoid(pf), torch.tanh(pg), torch.sigmoid(po)
    c_new = f * c + i * g
    tc = torch.tanh(c_new)
    dh_dc_new = o * (1.0 - tc * tc)
    c_coefs = [g * i * (1.0 - i), c * f * (1.0 - f), i * (1.0 - g * g)]        # gates i, f, g

    def both_rows(w: Tensor) -> tuple[Tensor, Tensor]:
        wi, wf, wg, wo = w.chunk(4, dim=0)
        dc = _rows_scaled(c_coefs, [wi, wf, wg], None)
        dh = dc * dh_dc_new.unsqueeze(-1)
        dh.addcmul_((tc * o * (1.0 - o)).unsqueeze(-1), wo)
        return dh, dc

    dh_dh, dc_dh = both_rows(weight_hh)
    n = h.shape[-1]
    j_rec = state.new_zeros(*state.shape[:-1], 2 * n, 2 * n)
    j_rec[..., :n, :n] = dh_dh
    j_rec[..., n:, :n] = dc_dh
    j_rec[..., :n, n:].diagonal(dim1=-2, dim2=-1).copy_(dh_dc_new * f)
    j_rec[..., n:, n:].diagonal(dim1=-2, dim2=-1).copy_(f)
    if not with_input:
        return j_rec, None
    return j_rec, torch.cat(both_rows(weight_ih), dim=-2)


CELL_JACOBIANS: dict[str, CellJacobian] = {
    "lstm": lstm_jacobians, "gru": gru_jacobians, "ugrnn": ugrnn_jacobians,
    "vanilla": vanilla_jacobians,
}
