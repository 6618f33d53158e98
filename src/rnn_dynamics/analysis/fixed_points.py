"""Fixed points of the zero-input dynamics h = F(h, 0).

Convention (the paper's, not the public finders' 1/2 ||.||^2): the speed of a state is
``q(h) = 1/N ||h - F(h, 0)||^2``; every column or argument called ``q`` uses it.

Two solvers share the output table:

* :func:`find_fixed_points` -- the *nearest slow point* of each start, by batched Gauss-Newton
  on the residual ``r(h) = F(h, 0) - h`` with ``A = J - I``. Criterion: the endpoint of a start
  is (to first order) the point of the tolerance set {q < tol} closest to it, which is what the
  paper's gradient descent on q finds. Each iteration takes the **minimum-norm step that brings
  the linearised residual down to a target inside the tolerance**,
  ``min ||d||  s.t.  ||r + A d||^2 <= rho N tol`` (rho = :data:`TARGET_FRACTION`); with the
  eigen-decomposition ``A^T A = V diag(s^2) V^T`` and ``p = V^T A^T r`` it is
  ``d = -V diag(1 / (s^2 + mu)) p`` with the one mu >= 0 that meets the target (found by
  bisection on log mu; :func:`min_norm_step`). Well-conditioned directions get the full
  Newton step; directions with ``s^2 << mu`` -- along an approximate line attractor, where the
  drift is slow and J - I nearly singular -- are not moved at all, so starts stay where they are
  along the line instead of sliding to the one exact root (plain Newton's endpoint). No step is
  taken once q < tol. Steps are capped at a trust radius and shortened (backtracking, then
  Levenberg-Marquardt damping as a floor on mu) when they do not reduce q. Near the tolerance set
  this converges in a few iterations where Adam needs thousands of steps. With a tolerance far
  below the slow drift (the float64 polishing, tol 1e-20) the same step is plain Newton and finds
  exact fixed points.
* :func:`find_fixed_points_adam` -- the baseline used by public fixed-point finders: batched
  Adam on q, here with per-point masking so converged points stop moving.

Every point carries its own convergence mask: a converged point stops, the others go on until they
converge, stall (q flat over 4 iterations, not halved over 10, or the damping too large: a slow
point, not a fixed point) or hit the iteration cap; nothing stops the batch early.

De-duplication (:func:`dedupe_radius`): a point with q < tol is only determined up to the
radius ``sqrt(N tol) / s_min(J - I)`` of the tolerance set around an isolated root, so two
converged points closer than twice that are one fixed point (a contractive map reports one).
Along a slow manifold s_min -> 0 and that radius is unbounded; it is capped at
:data:`RESOLUTION` x the RMS spread of the starts, so points along a line attractor that are
farther apart than the analysis resolves stay distinct (the paper's ~500 points).

Output table (one row per start), see :func:`build_table`::

    start_index int64   row of the start in the sampled starts (and in ``starts_from``)
    q           float64 1/N ||h - F(h, 0)||^2 at the returned point
    converged   bool    q < tol
    iterations  int64   Newton/LM iterations (or Adam steps) this point took
    outlier     bool    converged but farther than ``outlier_scale`` x the starts' mean distance
                        from the starts' centroid
    duplicate   bool    converged, not an outlier, within the de-duplication radius of a point
                        with lower q (see :func:`dedupe_radius`)
    kept        bool    converged and not outlier and not duplicate
    s_min       float64 smallest singular value of J - I at the point (its conditioning)
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

from ._linalg import eigvals, split_batch
from .jacobians import recurrent_jacobians
from .spectra import MARGIN, mode_order

Step = Callable[[Tensor, Tensor], Tensor]
JacobianFn = Callable[[Tensor], Tensor]   # h [K, N] -> dF/dh at (h, 0), [K, N, N]

TABLE_COLUMNS = ["start_index", "q", "converged", "iterations", "outlier", "duplicate", "kept",
                 "s_min", "h"]


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
TOL = 1e-8                  # q below which a point counts as fixed (the paper's criterion)
MAX_ITERS = 200             # Gauss-Newton iterations per start; the workflow's default too
FLAT_WINDOW = 4
TARGET_FRACTION = 0.95      # each step aims the linearised q at this fraction of the tolerance
RESOLUTION = 1e-3           # de-duplication cap, as a fraction of the starts' RMS spread


def state_spread(states: Tensor) -> float:
    """RMS distance of the states [K, N] from their centroid: the scale of the visited region."""
    if states.shape[0] < 2:
        return 0.0
    return float((states - states.mean(0)).double().pow(2).sum(-1).mean().sqrt())


def default_max_step(starts: Tensor) -> float:
    """Trust radius of one step: half the starts' RMS distance from their centroid.

    Far from the tolerance set the linearisation is poor, and an uncapped step can throw a point
    far away, into slow regions that are not fixed points.
    """
    if starts.shape[0] < 2:
        return 1.0
    return float(RADIUS_FACTOR * max(state_spread(starts), 1e-3))


def residual_jacobian(step: Step, h: Tensor, input_dim: int, *, chunk_size: int = 256,
                      jacobian_fn: JacobianFn | None = None) -> Tensor:
    """A = J - I [K, N, N] at the points ``h``: the Jacobian of the residual F(h, 0) - h."""
    with torch.no_grad():
        a = (jacobian_fn(h) if jacobian_fn is not None
             else recurrent_jacobians(step, h, input_dim=input_dim, chunk_size=chunk_size))
        return a - torch.eye(h.shape[1], dtype=a.dtype, device=a.device)


def _gram_eigh(a: Tensor) -> tuple[Tensor, Tensor]:
    """Eigen-decomposition of A^T A (ascending): the squared singular values and V of A, at
    about half the cost of an SVD (U is never needed)."""
    gram = a.mT @ a
    if a.device.type != "cpu":
        return torch.linalg.eigh(gram)
    return split_batch(torch.linalg.eigh, gram.detach())


def _mu_for_target(p2: np.ndarray, s2: np.ndarray, r2: np.ndarray, target: np.ndarray,
                   mu_floor: np.ndarray, n_bisect: int = 48) -> np.ndarray:
    """Per row, the smallest mu >= mu_floor whose linearised residual reaches ``target``.

    With ``A^T A = V diag(s2) V^T``, ``p = V^T A^T r`` and ``d(mu) = -V diag(1/(s2 + mu)) p``,
    ``||r + A d||^2 = ||r||^2 - sum_i p_i^2 (s2_i + 2 mu) / (s2_i + mu)^2``, which grows
    monotonically with mu (from the part of r outside the range of A to ||r||^2), so bisection on
    log mu finds the largest damping -- the shortest step -- that still meets the target. The
    form divides by s2 + mu only, so near-null directions (s2 ~ rounding) do no harm. In float64
    numpy: cheap next to the factorisation, and free of per-call thread start-up.
    """
    s2 = np.maximum(s2, 0.0)

    def residual2(mu: np.ndarray) -> np.ndarray:
        m = mu[:, None]
        with np.errstate(invalid="ignore", over="ignore"):   # non-finite rows stay NaN: rejected
            return r2 - (p2 * (s2 + 2 * m) / (s2 + m) ** 2).sum(-1)

    top = np.maximum(s2.max(-1), 1e-200)
    floor = np.maximum(mu_floor, top * 1e-30)
    lo, hi = np.log(floor), np.log(top * 1e12)
    for _ in range(n_bisect):
        mid = 0.5 * (lo + hi)
        over = residual2(np.exp(mid)) >= target
        hi = np.where(over, mid, hi)
        lo = np.where(over, lo, mid)
    # where even the floor overshoots the target, the floor is the answer
    return np.where(residual2(floor) >= target, mu_floor, np.exp(hi))


def min_norm_step(a: Tensor, r: Tensor, target: Tensor, mu_floor: Tensor,
                  ) -> tuple[Tensor, Tensor]:
    """The shortest step d with ||r + A d||^2 <= target (linearised), and s_min(A), per row.

    ``a`` [K, N, N], ``r`` [K, N], ``target`` [K], ``mu_floor`` [K] (a Levenberg-Marquardt
    damping floor after rejected steps). See the module docstring.
    """
    s2, v = _gram_eigh(a)
    p = (v.mT @ (a.mT @ r.unsqueeze(-1))).squeeze(-1)
    as64 = [x.detach().cpu().double().numpy() for x in (p, s2, r, target, mu_floor)]
    p64, s2_64, r64, target64, floor64 = as64
    mu = _mu_for_target(p64 * p64, s2_64, (r64 * r64).sum(-1), target64, floor64)
    mu = torch.from_numpy(mu).to(s2)
    d = -(v @ (p / (s2.clamp_min(0) + mu[:, None])).unsqueeze(-1)).squeeze(-1)
    return d, s2[:, 0].clamp_min(0).sqrt()


def _newton_lm(step: Step, h: Tensor, *, input_dim: int, tol: float, max_iters: int,
               mu0: float = 1e-4, mu_max: float = 1e8, chunk_size: int = 256,
               max_step: float | None = None, time_limit: float | None = None,
               jacobian_fn: JacobianFn | None = None, stall_every: int = 10,
               stall_gain: float = 0.5, backtrack: tuple[float, ...] = (1.0, 0.25, 0.0625),
               target_fraction: float = TARGET_FRACTION,
               ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Batched minimum-norm Gauss-Newton towards the tolerance set (see module docstring).

    A step longer than ``max_step`` (default :func:`default_max_step`) is shortened to that
    length (a trust radius); it is accepted when q decreases, else the ``backtrack`` fractions
    of it are tried (residuals only) before the point's damping floor rises (x10 per rejection,
    from ``mu0`` x tr(A^T A)/N; /10 per accepted step). Each iteration touches only the active
    points. Returns ``(h, q, converged, iterations, s_min)``; ``s_min`` is the smallest singular
    value of J - I at the last linearisation (NaN for points that never iterated).
    """
    h = h.detach().clone()
    k, n = h.shape
    if max_step is None:
        max_step = default_max_step(h)
    dev = h.device
    def residual(x: Tensor) -> Tensor:
        return step(x, x.new_zeros(x.shape[0], input_dim)) - x

    with torch.no_grad():
        r = residual(h)
    q = r.double().pow(2).mean(-1)
    mu = torch.zeros(k, dtype=h.dtype, device=dev)           # LM floor, relative to tr(A^T A)/N
    s_min = torch.full((k,), float("nan"), dtype=torch.float64, device=dev)
    iters = torch.zeros(k, dtype=torch.long, device=dev)
    converged = q < tol
    stalled = ~torch.isfinite(q)
    q_past = q.expand(stall_every, k).clone()               # q of the last stall_every iterations
    target = torch.tensor(target_fraction * n * tol, dtype=h.dtype, device=dev)
    t0 = time.perf_counter()
    for it in range(max_iters):
        if it >= stall_every:
            # a point whose q has not fallen below ``stall_gain`` x its value ``stall_every``
            # iterations ago is creeping into a slow point (a local minimum of q)
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
            a = residual_jacobian(step, ha, input_dim, chunk_size=chunk_size,
                                  jacobian_fn=jacobian_fn)
            scale = a.pow(2).sum((-2, -1)) / n                 # tr(A^T A) / N
            delta, smin = min_norm_step(a, ra, target.expand(ia.numel()), mu[ia] * scale)
            delta = delta.to(dev)
            s_min[ia] = smin.to(dev).double()
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
    return h, q, converged, iters, s_min


# --------------------------------------------------------------------------- table

def _outliers(points: np.ndarray, starts: np.ndarray, scale: float | None) -> np.ndarray:
    if scale is None or len(starts) == 0:
        return np.zeros(len(points), dtype=bool)
    centre = starts.mean(0)
    typical = np.linalg.norm(starts - centre, axis=1).mean()
    return np.linalg.norm(points - centre, axis=1) > scale * max(typical, 1e-12)


def representatives(points: np.ndarray, q: np.ndarray, radius: float | np.ndarray) -> np.ndarray:
    """For each point, the index of its representative: the lowest-q point within its radius.

    Greedy in order of increasing q, so the most exact point of each group represents it;
    ``radius`` is one number or one per point (the representative's radius is used).
    """
    rep = np.arange(len(points))
    radius = np.broadcast_to(np.asarray(radius, dtype=np.float64), (len(points),))
    if len(points) < 2 or not (radius > 0).any():
        return rep
    graph = radius_neighbors_graph(points, radius=float(radius.max()), mode="distance").tocsr()
    done = np.zeros(len(points), dtype=bool)
    for i in np.argsort(q, kind="stable"):
        if done[i]:
            continue
        lo, hi = graph.indptr[i], graph.indptr[i + 1]
        nbrs = graph.indices[lo:hi][graph.data[lo:hi] <= radius[i]]
        nbrs = nbrs[~done[nbrs]]
        rep[nbrs] = i
        done[nbrs] = True
        done[i] = True
    return rep


def dedupe_radius(s_min: np.ndarray, n: int, tol: float, spread: float) -> np.ndarray:
    """Per point, the distance within which another converged point is the same fixed point.

    ``2 sqrt(N tol) / s_min`` (twice the radius of the tolerance set around an isolated root,
    to first order), capped at ``RESOLUTION x spread`` (the starts' RMS spread); see the module
    docstring. A point with unknown ``s_min`` (NaN) gets the cap.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        own = 2.0 * np.sqrt(n * tol) / np.asarray(s_min, dtype=np.float64)
    cap = RESOLUTION * spread
    return np.where(np.isfinite(own), np.minimum(own, cap), cap)


def endpoint_s_min(step: Step, h: Tensor, input_dim: int, *, chunk_size: int = 256,
                   jacobian_fn: JacobianFn | None = None) -> Tensor:
    """Smallest singular value of J - I at each point of ``h`` [K, N] (float64 [K]), computed
    as the solver computes it (from the eigenvalues of A^T A)."""
    if h.shape[0] == 0:
        return torch.zeros(0, dtype=torch.float64)
    a = residual_jacobian(step, h, input_dim, chunk_size=chunk_size, jacobian_fn=jacobian_fn)
    return _gram_eigh(a)[0][:, 0].clamp_min(0).sqrt().double().cpu()


def build_table(starts: Tensor, h: Tensor, q: Tensor, converged: Tensor, iters: Tensor,
                s_min: Tensor | None = None, *, tol: float = 1e-8,
                unique_tol: float | None = None,
                outlier_scale: float | None = 10.0) -> pd.DataFrame:
    """Assemble the one-row-per-start table (schema in the module docstring).

    ``unique_tol`` None: the de-duplication radius of :func:`dedupe_radius` (from ``tol``,
    ``s_min`` and the starts' spread); a number: that fixed radius instead.
    """
    pts = h.detach().cpu().float().numpy()
    conv = converged.cpu().numpy().astype(bool)
    qn = q.detach().cpu().double().numpy()
    smin = (np.full(len(pts), np.nan) if s_min is None
            else s_min.detach().cpu().double().numpy())
    outlier = conv & _outliers(pts, starts.detach().cpu().float().numpy(), outlier_scale)
    duplicate = np.zeros(len(pts), dtype=bool)
    cand = np.flatnonzero(conv & ~outlier)
    if len(cand):
        radius = (dedupe_radius(smin[cand], pts.shape[1], tol, state_spread(starts.detach()))
                  if unique_tol is None else unique_tol)
        rep = representatives(pts[cand], qn[cand], radius)
        duplicate[cand] = rep != np.arange(len(cand))
    return pd.DataFrame({
        "start_index": np.arange(len(pts), dtype=np.int64),
        "q": qn,
        "converged": conv,
        "iterations": iters.cpu().numpy().astype(np.int64),
        "outlier": outlier,
        "duplicate": duplicate,
        "kept": conv & ~outlier & ~duplicate,
        "s_min": smin,
        "h": list(pts),
    }, columns=TABLE_COLUMNS)


def _batched(solver, starts: Tensor, batch_size: int) -> tuple[Tensor, ...]:
    outs = [solver(starts[s:s + batch_size]) for s in range(0, starts.shape[0], batch_size)]
    if not outs:
        z = starts.new_zeros(0)
        return starts, z.double(), z.bool(), z.long(), z.double()
    return tuple(torch.cat(parts) for parts in zip(*outs))


def _fill_s_min(step: Step, h: Tensor, conv: Tensor, s_min: Tensor, input_dim: int,
                chunk_size: int, jacobian_fn: JacobianFn | None) -> Tensor:
    """``s_min`` with the converged points' missing values (never linearised) computed."""
    s_min = s_min.double().cpu().clone()
    todo = (conv.cpu() & torch.isnan(s_min)).nonzero().squeeze(1)
    if todo.numel():
        s_min[todo] = endpoint_s_min(step, h[todo.to(h.device)], input_dim,
                                     chunk_size=chunk_size, jacobian_fn=jacobian_fn)
    return s_min


def find_fixed_points(step: Step, starts: Tensor, input_dim: int, *, tol: float = TOL,
                      max_iters: int = MAX_ITERS, adam_steps: int = 0, adam_lr: float = 1e-2,
                      unique_tol: float | None = None, outlier_scale: float | None = 10.0,
                      batch_size: int = 1024, chunk_size: int = 256, mu0: float = 1e-4,
                      mu_max: float = 1e8, max_step: float | None = None,
                      time_limit: float | None = None,
                      jacobian_fn: JacobianFn | None = None) -> pd.DataFrame:
    """Nearest slow points (q < ``tol``) of F(., 0) from ``starts`` [K, N], by batched
    minimum-norm Gauss-Newton (module docstring).

    Computes in the dtype and on the device of ``starts`` (the step must match). ``adam_steps``
    Adam steps (lr ``adam_lr``) may precede it to bring far starts closer. Points with
    q = 1/N ||h - F(h, 0)||^2 < ``tol`` are converged. Returns the table described in the module
    docstring; if nothing converges, the table says so (see :func:`explain_no_fixed_points`).
    ``unique_tol``: a fixed de-duplication radius instead of :func:`dedupe_radius`.
    ``max_step`` caps one step's length (default: :func:`default_max_step` of all starts);
    ``mu0`` and ``mu_max`` are the LM damping floor's first and give-up values (relative to
    tr(A^T A)/N); ``time_limit`` (s) bounds each batch. Jacobians come from
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
        h, q, conv, iters, s_min = _newton_lm(
            step, h, input_dim=input_dim, tol=tol, max_iters=max_iters, mu0=mu0, mu_max=mu_max,
            chunk_size=chunk_size, max_step=max_step, time_limit=time_limit,
            jacobian_fn=jacobian_fn)
        return h, q, conv, iters + extra, s_min

    h, q, conv, iters, s_min = _batched(solve, starts, batch_size)
    s_min = _fill_s_min(step, h, conv, s_min, input_dim, chunk_size, jacobian_fn)
    return build_table(starts, h, q, conv, iters, s_min, tol=tol, unique_tol=unique_tol,
                       outlier_scale=outlier_scale)


def find_fixed_points_adam(step: Step, starts: Tensor, input_dim: int, *, tol: float = 1e-8,
                           lr: float = 1e-2, max_steps: int = 20_000,
                           time_limit: float | None = None, unique_tol: float | None = None,
                           outlier_scale: float | None = 10.0) -> pd.DataFrame:
    """Baseline: batched Adam on q (lr 1e-2, up to 20k steps) with per-point convergence masks.

    Same table as :func:`find_fixed_points`; ``iterations`` counts Adam steps. ``time_limit``
    (seconds) caps the wall time; unfinished points are reported as not converged.
    """
    h, q, conv, iters = _adam(step, starts, input_dim=input_dim, lr=lr, max_steps=max_steps,
                              tol=tol, time_limit=time_limit)
    s_min = _fill_s_min(step, h, conv, torch.full((h.shape[0],), float("nan")), input_dim,
                        256, None)
    return build_table(starts, h, q, conv, iters, s_min, tol=tol, unique_tol=unique_tol,
                       outlier_scale=outlier_scale)


# --------------------------------------------------------------------------- beyond the paper

def classify_stability(eigvals: np.ndarray, margin: float = MARGIN) -> tuple[int, int, str]:
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
                        max_iters: int = 50, cluster_tol: float = 1e-6, margin: float = MARGIN,
                        ) -> tuple[pd.DataFrame, np.ndarray]:
    """Refine approximate fixed points to exact ones (Newton/LM in float64 to q < 1e-20).

    The paper keeps slow points (q < tol); many of them collapse onto a handful of exact fixed
    points, which we then cluster (``cluster_tol``, Euclidean) and classify from the full
    spectrum of J_rec. ``step`` is cast with :func:`step_in_dtype`.

    Returns ``(distinct, labels)``: ``labels[i]`` is the ``fixed_point_id`` input point i
    polished onto (-1 if it did not reach ``tol``), and ``distinct`` has one row per exact point:
    ``fixed_point_id`` int64, ``q`` float64, ``n_members`` int64, ``max_abs_eig`` float64,
    ``n_unstable`` int64, ``n_marginal`` int64, ``stability`` str, ``h`` list<float64>,
    ``eigvals_real`` / ``eigvals_imag`` list<float64> (in :func:`.spectra.mode_order`: tau
    descending).
    """
    step_d = step_in_dtype(step, dtype)
    h0 = torch.as_tensor(np.asarray(points) if not isinstance(points, Tensor) else points)
    h0 = h0.to(dtype)
    # target 0: full Newton steps, which converge onto the exact root (not the nearest slow point)
    h, q, conv, _, _ = _newton_lm(step_d, h0, input_dim=input_dim, tol=tol, max_iters=max_iters,
                                  max_step=max(default_max_step(h0), 0.1), target_fraction=0.0)
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
            ev = ev[mode_order(ev[None])[0]]
            n_unst, n_marg, label = classify_stability(ev, margin)
            rows.append({"fixed_point_id": fid, "q": float(qn[r]),
                         "n_members": int((rep == r).sum()), "max_abs_eig": float(np.abs(ev).max()),
                         "n_unstable": n_unst, "n_marginal": n_marg, "stability": label,
                         "h": pts[r].astype(np.float64), "eigvals_real": ev.real.copy(),
                         "eigvals_imag": ev.imag.copy()})
    cols = ["fixed_point_id", "q", "n_members", "max_abs_eig", "n_unstable", "n_marginal",
            "stability", "h", "eigvals_real", "eigvals_imag"]
    return pd.DataFrame(rows, columns=cols), labels
