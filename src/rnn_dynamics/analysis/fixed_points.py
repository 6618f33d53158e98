"""Fixed points of the zero-input dynamics h = F(h, 0).

Convention (the paper's, not the public finders' 1/2 ||.||^2): the speed of a state is
``q(h) = 1/N ||h - F(h, 0)||^2``; every column or argument called ``q`` uses it.

Two solvers share the output table:

* :func:`find_fixed_points` -- batched Newton on the residual ``r(h) = F(h, 0) - h``: solve
  ``(J - I) d = -r`` with exact Jacobians (closed forms for our cells, ``vmap(jacrev(step))``
  for any other step; see :mod:`.jacobians`). A step is capped at a trust radius (half the
  starts' spread: near a line attractor J - I is nearly singular along the line and a full
  step would throw the point far along it); if it does not reduce q, shorter steps along it
  are tried, then the point switches to Levenberg-Marquardt, ``(A^T A + mu s I) d = -A^T r``
  with ``A = J - I`` and ``s = tr(A^T A) / N``; mu grows x10 on a rejected step and shrinks
  /10 (back to pure Newton) on accepted ones. Near a fixed point this converges
  quadratically, so points reach q < 1e-8 in a handful of iterations where Adam needs
  thousands of steps.
* :func:`find_fixed_points_adam` -- the baseline used by public fixed-point finders: batched
  Adam on q, here with per-point masking so converged points stop moving.

Every point carries its own convergence mask: a converged point stops, the others go on until they
converge, stall (q flat over 4 iterations, not halved over 10, or mu too large: a slow point,
not a fixed point) or hit the iteration cap; nothing stops the batch early.

Output table (one row per start), see :func:`build_table`::

    start_index int64   row of the start in the sampled starts (and in ``starts_from``)
    q           float64 1/N ||h - F(h, 0)||^2 at the returned point
    converged   bool    q < tol
    iterations  int64   Newton/LM iterations (or Adam steps) this point took
    outlier     bool    converged but farther than ``outlier_scale`` x the starts' mean distance
                        from the starts' centroid
    duplicate   bool    converged, not an outlier, within ``unique_tol`` of a point with lower q
    kept        bool    converged and not outlier and not duplicate
    h           list<float32>  the point's coordinates (length N), flat-state coordinates
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
from sklearn.neighbors import radius_neighbors_graph
from torch import Tensor, nn

from ..errors import NumericalError
from ._linalg import batched_solve, eigvals
from .jacobians import recurrent_jacobians

# Bump when a change alters this module's results (fed to the workflow rules' params).
STAGE_VERSION = "2"

Step = Callable[[Tensor, Tensor], Tensor]
JacobianFn = Callable[[Tensor], Tensor]   # h [K, N] -> dF/dh at (h, 0), [K, N, N]

TABLE_COLUMNS = ["start_index", "q", "converged", "iterations", "outlier", "duplicate", "kept", "h"]


# --------------------------------------------------------------------------- basics

def speed_q(step: Step, h: Tensor, input_dim: int) -> Tensor:
    """q(h) = 1/N ||h - F(h, 0)||^2 per row of h [K, N] (the paper's normalisation)."""
    with torch.no_grad():
        x0 = h.new_zeros(h.shape[0], input_dim)
        return (step(h, x0) - h).pow(2).mean(-1)


def sample_starts(states: Tensor, n_starts: int, *, noise_std: float = 0.0,
                  seed: int = 0) -> tuple[Tensor, np.ndarray]:
    """Pick ``n_starts`` visited states (with replacement only if too few) plus Gaussian noise.

    Starting from visited states puts the search where the network actually operates (the paper);
    noise spreads starts off the visited manifold. Returns ``(starts [n, N], state indices)``.
    """
    states = torch.as_tensor(states)
    rng = np.random.default_rng(seed)
    idx = rng.choice(states.shape[0], size=n_starts, replace=n_starts > states.shape[0])
    starts = states[torch.from_numpy(idx)].clone()
    if noise_std > 0:
        noise = torch.from_numpy(rng.standard_normal(tuple(starts.shape)))
        starts = starts + noise_std * noise.to(starts)
    return starts, idx


def step_in_dtype(step: Step, dtype: torch.dtype) -> Step:
    """A copy of ``step`` computing in ``dtype``.

    A bound method of an ``nn.Module`` (``model.step``) is rebound to a deep copy of the module
    cast to ``dtype``; any other callable is returned unchanged (it must accept ``dtype`` itself).
    """
    owner = getattr(step, "__self__", None)
    if isinstance(owner, nn.Module):
        return getattr(copy.deepcopy(owner).to(dtype), step.__name__)
    return step


# --------------------------------------------------------------------------- solvers

def _adam(step: Step, h: Tensor, *, input_dim: int, lr: float, max_steps: int, tol: float,
          time_limit: float | None = None, betas: tuple[float, float] = (0.9, 0.999),
          eps: float = 1e-8) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Batched Adam on q with per-point masks: only points with q >= tol take steps.

    Written out (10 lines) rather than ``torch.optim.Adam`` so that the batch shrinks to the
    active points: converged points cost nothing and are not nudged by momentum.
    """
    h = h.detach().clone()
    k = h.shape[0]
    m, v = torch.zeros_like(h), torch.zeros_like(h)
    q = torch.full((k,), float("inf"), dtype=torch.float64, device=h.device)
    iters = torch.zeros(k, dtype=torch.long, device=h.device)
    active = torch.ones(k, dtype=torch.bool, device=h.device)
    b1, b2 = betas
    t0 = time.perf_counter()
    for t in range(1, max_steps + 2):
        idx = active.nonzero().squeeze(1)
        if idx.numel() == 0:
            break
        ha = h[idx].requires_grad_(True)
        qa = (step(ha, ha.new_zeros(idx.numel(), input_dim)) - ha).pow(2).mean(-1)
        (g,) = torch.autograd.grad(qa.sum(), ha)
        with torch.no_grad():
            q[idx] = qa.detach().double()
            moving = ~(qa.detach() < tol)
            active[idx[~moving]] = False
            if t > max_steps or (time_limit is not None and time.perf_counter() - t0 > time_limit):
                break
            idx, g = idx[moving], g[moving]
            m[idx] = b1 * m[idx] + (1 - b1) * g
            v[idx] = b2 * v[idx] + (1 - b2) * g * g
            m_hat, v_hat = m[idx] / (1 - b1 ** t), v[idx] / (1 - b2 ** t)
            h[idx] = h[idx] - lr * m_hat / (v_hat.sqrt() + eps)
            iters[idx] += 1
    converged = q < tol
    return h, q, converged, iters


RADIUS_FACTOR = 0.5
FLAT_WINDOW = 4


def default_max_step(starts: Tensor) -> float:
    """Trust radius of one Newton step: half the starts' RMS distance from their centroid.

    Near a line attractor J - I is nearly singular along the line, and a full Newton step can
    throw a point far along it, into slow regions that are not fixed points (with no cap, 16
    of 1,024 GRU starts ended there; capped at this radius all converged, in fewer iterations).
    """
    if starts.shape[0] < 2:
        return 1.0
    spread = (starts - starts.mean(0)).double().pow(2).sum(-1).mean().sqrt()
    return float(RADIUS_FACTOR * spread.clamp_min(1e-3))


def _newton_lm(step: Step, h: Tensor, *, input_dim: int, tol: float, max_iters: int,
               mu0: float = 1e-4, mu_max: float = 1e8, chunk_size: int = 256,
               max_step: float | None = None, time_limit: float | None = None,
               jacobian_fn: JacobianFn | None = None, stall_every: int = 10,
               stall_gain: float = 0.5, backtrack: tuple[float, ...] = (1.0, 0.25, 0.0625),
               ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Batched Newton with per-point Levenberg-Marquardt damping (see module docstring).

    A step longer than ``max_step`` (default :func:`default_max_step`) is shortened to that
    length (a trust radius); it is accepted when q decreases, else the ``backtrack`` fractions
    of it are tried (residuals only) before the point switches to LM. Each iteration touches only the
    active points: their Jacobians are recomputed (a closed form costs about as much as
    storing and gathering them) and residuals are carried over from the last accepted step.
    """
    h = h.detach().clone()
    k, n = h.shape
    if max_step is None:
        max_step = default_max_step(h)
    dev = h.device
    if jacobian_fn is not None:
        def a_of(x: Tensor) -> Tensor:
            return jacobian_fn(x) - torch.eye(n, dtype=x.dtype, device=dev)
    else:
        def a_of(x: Tensor) -> Tensor:
            a = recurrent_jacobians(step, x, input_dim=input_dim, chunk_size=chunk_size)
            a.diagonal(dim1=-2, dim2=-1).sub_(1.0)          # fresh tensor: A = J - I in place
            return a

    def residual(x: Tensor) -> Tensor:
        return step(x, x.new_zeros(x.shape[0], input_dim)) - x

    with torch.no_grad():
        r = residual(h)
    q = r.double().pow(2).mean(-1)
    mu = torch.zeros(k, dtype=h.dtype, device=dev)           # 0 = pure Newton
    iters = torch.zeros(k, dtype=torch.long, device=dev)
    converged = q < tol
    stalled = ~torch.isfinite(q)
    q_past = q.expand(stall_every, k).clone()               # q of the last stall_every iterations
    t0 = time.perf_counter()
    for it in range(max_iters):
        if it >= stall_every:
            # Newton converges quadratically; a point whose q has not fallen below
            # ``stall_gain`` x its value ``stall_every`` iterations ago is creeping into a slow
            # point (a local minimum of q), not a fixed point.
            stalled = stalled | (q > stall_gain * q_past[it % stall_every])
        if it >= FLAT_WINDOW:
            # and one whose q is flat (< 10% lower than FLAT_WINDOW iterations ago) sits on one
            stalled = stalled | (q > 0.9 * q_past[(it - FLAT_WINDOW) % stall_every])
        q_past[it % stall_every] = q
        ia = (~converged & ~stalled).nonzero().squeeze(1)
        if ia.numel() == 0 or (time_limit is not None and time.perf_counter() - t0 > time_limit):
            break
        with torch.no_grad():
            ha, ra = h[ia], r[ia]
            a = a_of(ha)
            newton = mu[ia] == 0
            if bool(newton.all()):
                delta = batched_solve(a, -ra).to(dev)
            else:
                delta = torch.empty_like(ha)
                if bool(newton.any()):
                    delta[newton] = batched_solve(a[newton], -ra[newton]).to(dev)
                lm = ~newton
                al, rl = a[lm], ra[lm]
                ata = al.mT @ al
                scale = ata.diagonal(dim1=-2, dim2=-1).mean(-1).clamp_min(1e-30)
                ata.diagonal(dim1=-2, dim2=-1).add_((mu[ia][lm] * scale)[:, None])
                delta[lm] = batched_solve(ata, -(al.mT @ rl.unsqueeze(-1)).squeeze(-1)).to(dev)
            del a
            shrink = (max_step / delta.norm(dim=-1)).clamp(max=1.0)
            delta = delta * shrink.unsqueeze(-1)
            ok = torch.zeros(ia.numel(), dtype=torch.bool, device=dev)
            for fraction in backtrack:
                # shorter steps along the same direction cost a residual each, no new solve
                todo = (~ok).nonzero().squeeze(1)
                if todo.numel() == 0:
                    break
                h_try = ha[todo] + fraction * delta[todo]
                r_try = residual(h_try)
                q_try = r_try.double().pow(2).mean(-1)
                better = torch.isfinite(q_try) & (q_try < q[ia[todo]])
                done, idx = todo[better], ia[todo[better]]
                h[idx], r[idx], q[idx] = h_try[better], r_try[better], q_try[better]
                ok[done] = True
            acc, rej = ia[ok], ia[~ok]
            mu_acc = mu[acc] / 10
            mu[acc] = torch.where(mu_acc < mu0, torch.zeros_like(mu_acc), mu_acc)
            mu[rej] = torch.clamp(mu[rej] * 10, min=mu0)
            iters[ia] += 1
            converged = q < tol
            stalled = stalled | (mu > mu_max)
    return h, q, converged, iters


# --------------------------------------------------------------------------- table

def _outliers(points: np.ndarray, starts: np.ndarray, scale: float | None) -> np.ndarray:
    if scale is None or len(starts) == 0:
        return np.zeros(len(points), dtype=bool)
    centre = starts.mean(0)
    typical = np.linalg.norm(starts - centre, axis=1).mean()
    return np.linalg.norm(points - centre, axis=1) > scale * max(typical, 1e-12)


def representatives(points: np.ndarray, q: np.ndarray, tol: float) -> np.ndarray:
    """For each point, the index of its representative: the lowest-q point within ``tol``.

    Greedy in order of increasing q, so the most exact point of each group represents it.
    """
    rep = np.arange(len(points))
    if len(points) < 2 or tol <= 0:
        return rep
    graph = radius_neighbors_graph(points, radius=tol, mode="connectivity").tocsr()
    done = np.zeros(len(points), dtype=bool)
    for i in np.argsort(q, kind="stable"):
        if done[i]:
            continue
        nbrs = graph.indices[graph.indptr[i]:graph.indptr[i + 1]]
        nbrs = nbrs[~done[nbrs]]
        rep[nbrs] = i
        done[nbrs] = True
        done[i] = True
    return rep


def build_table(starts: Tensor, h: Tensor, q: Tensor, converged: Tensor, iters: Tensor, *,
                unique_tol: float = 1e-3, outlier_scale: float | None = 10.0) -> pd.DataFrame:
    """Assemble the one-row-per-start table (schema in the module docstring)."""
    pts = h.detach().cpu().float().numpy()
    conv = converged.cpu().numpy().astype(bool)
    qn = q.detach().cpu().double().numpy()
    outlier = conv & _outliers(pts, starts.detach().cpu().float().numpy(), outlier_scale)
    duplicate = np.zeros(len(pts), dtype=bool)
    cand = np.flatnonzero(conv & ~outlier)
    if len(cand):
        rep = representatives(pts[cand], qn[cand], unique_tol)
        duplicate[cand] = rep != np.arange(len(cand))
    return pd.DataFrame({
        "start_index": np.arange(len(pts), dtype=np.int64),
        "q": qn,
        "converged": conv,
        "iterations": iters.cpu().numpy().astype(np.int64),
        "outlier": outlier,
        "duplicate": duplicate,
        "kept": conv & ~outlier & ~duplicate,
        "h": list(pts),
    }, columns=TABLE_COLUMNS)


def _batched(solver, starts: Tensor, batch_size: int, **kw) -> tuple[Tensor, ...]:
    outs = [solver(starts[s:s + batch_size], **kw) for s in range(0, starts.shape[0], batch_size)]
    if not outs:
        z = starts.new_zeros(0)
        return starts, z.double(), z.bool(), z.long()
    return tuple(torch.cat(parts) for parts in zip(*outs))


def find_fixed_points(step: Step, starts: Tensor, input_dim: int, *, tol: float = 1e-8,
                      max_iters: int = 100, adam_steps: int = 0, adam_lr: float = 1e-2,
                      unique_tol: float = 1e-3, outlier_scale: float | None = 10.0,
                      batch_size: int = 1024, chunk_size: int = 256, mu0: float = 1e-4,
                      mu_max: float = 1e8, max_step: float | None = None,
                      time_limit: float | None = None,
                      jacobian_fn: JacobianFn | None = None) -> pd.DataFrame:
    """Fixed points of F(., 0) by batched Newton / Levenberg-Marquardt from ``starts`` [K, N].

    Computes in the dtype and on the device of ``starts`` (the step must match). ``adam_steps``
    Adam steps (lr ``adam_lr``) may precede Newton to bring far starts closer. Points with
    q = 1/N ||h - F(h, 0)||^2 < ``tol`` are converged. Returns the table described in the module
    docstring; if nothing converges, the table says so (see :func:`explain_no_fixed_points`).
    ``max_step`` caps one step's length (default: :func:`default_max_step` of all starts); ``mu0`` and
    ``mu_max`` are the LM damping's first and give-up values (relative to tr(A^T A)/N);
    ``time_limit`` (s) bounds each batch's Newton phase. Jacobians come from
    :func:`.jacobians.recurrent_jacobians` (the model's closed form when ``step`` is a model's
    ``step`` method with ``step_jacobians``, else ``vmap(jacrev(step))``, ~N x costlier);
    ``jacobian_fn(h [K, N]) -> [K, N, N]`` replaces both.
    """
    if max_step is None:
        max_step = default_max_step(starts)

    def solve(chunk: Tensor):
        h = chunk
        extra = torch.zeros(chunk.shape[0], dtype=torch.long, device=chunk.device)
        if adam_steps > 0:
            h, _, _, extra = _adam(step, h, input_dim=input_dim, lr=adam_lr,
                                   max_steps=adam_steps, tol=tol)
        h, q, conv, iters = _newton_lm(step, h, input_dim=input_dim, tol=tol,
                                       max_iters=max_iters, mu0=mu0, mu_max=mu_max,
                                       chunk_size=chunk_size, max_step=max_step,
                                       time_limit=time_limit, jacobian_fn=jacobian_fn)
        return h, q, conv, iters + extra

    h, q, conv, iters = _batched(lambda c: solve(c), starts, batch_size)
    return build_table(starts, h, q, conv, iters, unique_tol=unique_tol,
                       outlier_scale=outlier_scale)


def find_fixed_points_adam(step: Step, starts: Tensor, input_dim: int, *, tol: float = 1e-8,
                           lr: float = 1e-2, max_steps: int = 20_000,
                           time_limit: float | None = None, unique_tol: float = 1e-3,
                           outlier_scale: float | None = 10.0) -> pd.DataFrame:
    """Baseline: batched Adam on q (lr 1e-2, up to 20k steps) with per-point convergence masks.

    Same table as :func:`find_fixed_points`; ``iterations`` counts Adam steps. ``time_limit``
    (seconds) caps the wall time; unfinished points are reported as not converged.
    """
    h, q, conv, iters = _adam(step, starts, input_dim=input_dim, lr=lr, max_steps=max_steps,
                              tol=tol, time_limit=time_limit)
    return build_table(starts, h, q, conv, iters, unique_tol=unique_tol,
                       outlier_scale=outlier_scale)


# --------------------------------------------------------------------------- helpers

def points_from_table(table: pd.DataFrame, *, kept_only: bool = True) -> np.ndarray:
    """Coordinates [K, N] (float32) of the kept (or all) rows of a fixed-point table."""
    rows = table[table["kept"]] if kept_only else table
    if len(rows) == 0:
        n = len(table["h"].iloc[0]) if len(table) else 0
        return np.zeros((0, n), dtype=np.float32)
    return np.stack([np.asarray(v, dtype=np.float32) for v in rows["h"]])


def has_fixed_points(table: pd.DataFrame) -> bool:
    """True when at least one point converged and survived de-duplication and outlier removal."""
    return bool(len(table)) and bool(table["kept"].any())


def explain_no_fixed_points(table: pd.DataFrame) -> str:
    """A sentence for reports when :func:`has_fixed_points` is False (empty string otherwise)."""
    if has_fixed_points(table):
        return ""
    if len(table) == 0:
        return "No fixed-point search was run (no starts)."
    q = table["q"].to_numpy()
    finite = q[np.isfinite(q)]
    best = f"{finite.min():.3g}" if len(finite) else "nan"
    n_conv = int(table["converged"].sum())
    return (f"No fixed points kept: {n_conv} of {len(table)} starts reached the tolerance "
            f"(lowest q = 1/N||h - F(h,0)||^2 = {best}); {int(table['outlier'].sum())} were "
            "outliers. Loosen the tolerance, add iterations or check that the model is trained.")


def require_fixed_points(table: pd.DataFrame) -> np.ndarray:
    """Kept points, or a :class:`NumericalError` explaining why there are none."""
    if not has_fixed_points(table):
        raise NumericalError(explain_no_fixed_points(table))
    return points_from_table(table)


# --------------------------------------------------------------------------- beyond the paper

def classify_stability(eigvals: np.ndarray, margin: float = 1e-3) -> tuple[int, int, str]:
    """(n_unstable, n_marginal, label) from one point's eigenvalues of J_rec.

    |lambda| > 1 + margin is unstable, | |lambda| - 1 | <= margin marginal (the line-attractor
    direction has |lambda| ~ 1). Label: 'stable' (all < 1 - margin), 'marginal' (none unstable,
    some marginal), 'saddle' (some unstable, some not), 'unstable' (all unstable).
    """
    mod = np.abs(eigvals)
    n_unstable = int((mod > 1 + margin).sum())
    n_marginal = int((np.abs(mod - 1) <= margin).sum())
    if n_unstable == 0:
        label = "marginal" if n_marginal else "stable"
    else:
        label = "unstable" if n_unstable == len(mod) else "saddle"
    return n_unstable, n_marginal, label


def polish_fixed_points(step: Step, points: Tensor | np.ndarray, input_dim: int, *,
                        dtype: torch.dtype = torch.float64, tol: float = 1e-20,
                        max_iters: int = 50, cluster_tol: float = 1e-6, margin: float = 1e-3,
                        ) -> tuple[pd.DataFrame, np.ndarray]:
    """Refine approximate fixed points to exact ones (Newton/LM in float64 to q < 1e-20).

    The paper keeps slow points (q < tol); many of them collapse onto a handful of exact fixed
    points, which we then cluster (``cluster_tol``, Euclidean) and classify from the full
    spectrum of J_rec. ``step`` is cast with :func:`step_in_dtype`.

    Returns ``(distinct, labels)``: ``labels[i]`` is the ``fixed_point_id`` input point i
    polished onto (-1 if it did not reach ``tol``), and ``distinct`` has one row per exact point:
    ``fixed_point_id`` int64, ``q`` float64, ``n_members`` int64, ``max_abs_eig`` float64,
    ``n_unstable`` int64, ``n_marginal`` int64, ``stability`` str, ``h`` list<float64>,
    ``eigvals_real`` / ``eigvals_imag`` list<float64> (sorted by |lambda| descending).
    """
    step_d = step_in_dtype(step, dtype)
    h0 = torch.as_tensor(np.asarray(points) if not isinstance(points, Tensor) else points)
    h0 = h0.to(dtype)
    h, q, conv, _ = _newton_lm(step_d, h0, input_dim=input_dim, tol=tol, max_iters=max_iters,
                               max_step=max(default_max_step(h0), 0.1))
    pts, qn, convn = h.cpu().numpy(), q.cpu().numpy(), conv.cpu().numpy().astype(bool)
    labels = np.full(len(pts), -1, dtype=np.int64)
    cand = np.flatnonzero(convn)
    rows = []
    if len(cand):
        rep = cand[representatives(pts[cand], qn[cand], cluster_tol)]
        reps = np.unique(rep)
        jac = recurrent_jacobians(step_d, h[torch.from_numpy(reps)], input_dim=input_dim)
        eig = eigvals(jac).numpy()
        for fid, (r, ev) in enumerate(zip(reps, eig)):
            labels[cand[rep == r]] = fid
            ev = ev[np.argsort(-np.abs(ev), kind="stable")]
            n_unst, n_marg, label = classify_stability(ev, margin)
            rows.append({"fixed_point_id": fid, "q": float(qn[r]),
                         "n_members": int((rep == r).sum()), "max_abs_eig": float(np.abs(ev[0])),
                         "n_unstable": n_unst, "n_marginal": n_marg, "stability": label,
                         "h": pts[r].astype(np.float64), "eigvals_real": ev.real.copy(),
                         "eigvals_imag": ev.imag.copy()})
    cols = ["fixed_point_id", "q", "n_members", "max_abs_eig", "n_unstable", "n_marginal",
            "stability", "h", "eigvals_real", "eigvals_imag"]
    return pd.DataFrame(rows, columns=cols), labels
