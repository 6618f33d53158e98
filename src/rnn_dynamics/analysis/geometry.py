"""Geometry of the fixed-point manifold: its direction, a coordinate along it, alignments.

The paper shows fixed points lie on an approximately 1-D line (PCA explains most variance), that
the line is aligned with the readout, and that each point's slow right eigenvector r1 lies along
the line (compared with random directions).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr
from sklearn.decomposition import PCA
from sklearn.manifold import LocallyLinearEmbedding


def _np(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-300)


def manifold_direction(fixed_points, readout=None) -> tuple[np.ndarray, float]:
    """First principal axis m (unit [N]) of the fixed points, and its explained-variance ratio.

    Sign: m points along +readout (m . readout >= 0) when ``readout`` is given, otherwise along
    the first nonzero coordinate's sign as returned by sklearn.
    """
    pca = PCA(n_components=1, svd_solver="full").fit(_np(fixed_points))   # no random solver
    m = _unit(pca.components_[0])
    if readout is not None and float(m @ _np(readout)) < 0:
        m = -m
    return m, float(pca.explained_variance_ratio_[0])


def lle_coordinate(fixed_points, n_neighbors: int = 10, readout=None,
                   seed: int = 0) -> np.ndarray:
    """A 1-D coordinate theta in [-1, 1] along the (possibly curved) fixed-point manifold.

    sklearn's LocallyLinearEmbedding with one component, min-max rescaled to [-1, 1]. Sign: theta
    increases with the readout projection ``readout . h*`` (when ``readout`` is given).
    """
    x = _np(fixed_points)
    n_neighbors = min(n_neighbors, len(x) - 1)
    lle = LocallyLinearEmbedding(n_neighbors=n_neighbors, n_components=1,
                                 eigen_solver="dense", random_state=seed)
    y = lle.fit_transform(x)[:, 0]
    span = y.max() - y.min()
    theta = 2 * (y - y.min()) / span - 1 if span > 0 else np.zeros_like(y)
    if readout is not None and spearmanr(theta, x @ _np(readout)).statistic < 0:
        theta = -theta
    return theta


def alignment(m, readout) -> float:
    """|cos| of the angle between the manifold direction and the readout vector."""
    a, b = _np(m), _np(readout)
    return float(abs(a @ b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-300))


def random_overlaps(m, n_null: int = 10_000, seed: int = 0) -> np.ndarray:
    """|u . m| (m normalised) for ``n_null`` random unit vectors u uniform on the sphere: the
    overlap a direction unrelated to m would have."""
    mu = _unit(_np(m))
    u = np.random.default_rng(seed).standard_normal((n_null, mu.shape[0]))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return np.abs(u @ mu)


def overlap_with_null(r1, m, n_null: int = 10_000, seed: int = 0,
                      ) -> tuple[np.ndarray, np.ndarray, float]:
    """|r1 . m| per point against the same overlap for random unit vectors in R^N.

    ``r1`` is [K, N] (real part used, rows normalised); returns ``(overlaps [K], null samples
    [n_null] of |u . m| for u uniform on the sphere, null 99th percentile)``. In high dimension
    the null concentrates near 0 (~1/sqrt(N)), so overlaps near 1 mean r1 lies along m.
    """
    r = np.real(np.asarray(r1.detach().cpu() if hasattr(r1, "detach") else r1)).astype(np.float64)
    r = r / np.maximum(np.linalg.norm(r, axis=1, keepdims=True), 1e-300)
    null = random_overlaps(m, n_null, seed)
    return np.abs(r @ _unit(_np(m))), null, float(np.percentile(null, 99))
