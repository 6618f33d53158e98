"""How well the fixed points' linearisations explain the network.

Around the nearest fixed point h* (with x* = 0) the paper approximates one step by
``h_lin = h* + J_rec (h - h*) + J_inp x``. We measure (i) the one-step relative error
``||h_nonlin - h_lin|| / ||h_nonlin||`` along real trajectories, and (ii) the test accuracy of
the *fully* linearised network, where every step is linearised around the fixed point nearest to
the linearised state itself and the readout is applied to the final state.

Note: we use h* (as the paper) rather than F(h*, 0); the two differ by the fixed point's
residual, sqrt(N q) <= 1e-4 sqrt(N) in norm at the default tolerance.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

Step = Callable[[Tensor, Tensor], Tensor]
Readout = Callable[[Tensor], Tensor]


def unroll(step: Step, h0: Tensor, inputs: Tensor, lengths: Tensor) -> Tensor:
    """States after each token, [B, T, N]; a document's state is frozen after its length."""
    b, t_max, _ = inputs.shape
    h = h0.expand(b, -1).clone() if h0.dim() == 1 else h0.clone()
    out = h.new_empty(b, t_max, h.shape[-1])        # filled in place: see run_linearised
    with torch.no_grad():
        for t in range(t_max):
            live = (t < lengths).unsqueeze(-1)
            h = torch.where(live, step(h, inputs[:, t]), h)
            out[:, t] = h
    return out


def nearest_fixed_point(h: Tensor, fixed_points: Tensor) -> Tensor:
    """Index [M] of the fixed point [K, N] nearest (Euclidean) to each state h [M, N]."""
    return torch.cdist(h, fixed_points).argmin(-1)


def linear_step(h: Tensor, x: Tensor, fixed_points: Tensor, j_rec: Tensor, j_inp: Tensor, *,
                chunk_size: int = 512) -> Tensor:
    """``h* + J_rec (h - h*) + J_inp x`` around each state's nearest fixed point, for h [M, N]."""
    out = []
    for s in range(0, h.shape[0], chunk_size):
        hs, xs = h[s:s + chunk_size], x[s:s + chunk_size]
        k = nearest_fixed_point(hs, fixed_points)
        hstar = fixed_points[k]
        dh = torch.bmm(j_rec[k], (hs - hstar).unsqueeze(-1)).squeeze(-1)
        dx = torch.bmm(j_inp[k], xs.unsqueeze(-1)).squeeze(-1)
        out.append(hstar + dh + dx)
    return torch.cat(out) if out else h.clone()


def one_step_errors(step: Step, inputs: Tensor, lengths: Tensor, h0: Tensor,
                    fixed_points: Tensor, j_rec: Tensor, j_inp: Tensor) -> np.ndarray:
    """Relative one-step error of the linearisation at every real step, [B, T] (NaN past length).

    The true trajectory h_t = F(h_{t-1}, x_t) (h_0 = ``h0``) is compared with one linearised
    step from the same h_{t-1}.
    """
    b, t_max, _ = inputs.shape
    traj = unroll(step, h0, inputs, lengths)
    first = (h0.expand(b, -1) if h0.dim() == 1 else h0).unsqueeze(1)
    prev = torch.cat([first, traj[:, :-1]], 1)
    steps = torch.arange(t_max, device=inputs.device).unsqueeze(0)
    live = steps < lengths.to(inputs.device).unsqueeze(1)
    errors = torch.full((b, t_max), float("nan"), dtype=torch.float64)
    with torch.no_grad():
        h_lin = linear_step(prev[live], inputs[live], fixed_points, j_rec, j_inp)
        h_true = traj[live]
        num = (h_true - h_lin).norm(dim=-1)
        errors[live.cpu()] = (num / h_true.norm(dim=-1).clamp_min(1e-30)).double().cpu()
    return errors.numpy()


def run_linearised(inputs: Tensor, lengths: Tensor, h0: Tensor, fixed_points: Tensor,
                   j_rec: Tensor, j_inp: Tensor) -> Tensor:
    """The fully linearised network: every step linearised at the fixed point nearest to the
    current (linearised) state. Returns [B, T, N], frozen after each length."""
    b, t_max, _ = inputs.shape
    h = h0.expand(b, -1).clone() if h0.dim() == 1 else h0.clone()
    # One preallocated output: appending a small state per step between the large per-step
    # temporaries of linear_step fragmented the heap (RSS grew to 15-19 GB on 500 IMDB reviews).
    out = h.new_empty(b, t_max, h.shape[-1])
    with torch.no_grad():
        for t in range(t_max):
            live = (t < lengths).unsqueeze(-1)
            h = torch.where(live, linear_step(h, inputs[:, t], fixed_points, j_rec, j_inp), h)
            out[:, t] = h
    return out


def final_states(traj: Tensor, lengths: Tensor) -> Tensor:
    """State after each document's last token, [B, N] (trajectories are frozen after length)."""
    return traj[:, -1]


def linearised_accuracy(step: Step, readout: Readout, inputs: Tensor, lengths: Tensor,
                        labels: Tensor, h0: Tensor, fixed_points: Tensor, j_rec: Tensor,
                        j_inp: Tensor) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Accuracy of the nonlinear and of the fully linearised network on labelled documents.

    ``readout`` maps final states [B, N] to logits [B] (positive logit = label 1). Returns
    ``(acc_nonlinear, acc_linearised, logits_nonlinear [B], logits_linearised [B])``.
    """
    with torch.no_grad():
        nl = readout(final_states(unroll(step, h0, inputs, lengths), lengths)).reshape(-1)
        li = readout(final_states(run_linearised(inputs, lengths, h0, fixed_points, j_rec, j_inp),
                                  lengths)).reshape(-1)
    y = labels.reshape(-1).bool().to(nl.device)
    acc = lambda z: float(((z > 0) == y).double().mean())
    return acc(nl), acc(li), nl.double().cpu().numpy(), li.double().cpu().numpy()
