"""Helpers shared by the figure modules: saving, reading list columns, the PC plane of the
visited states, and the sentences shown in place of a panel that has nothing to draw."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.decomposition import PCA

from ..io import atomic_path, read_parquet

PathLike = str | os.PathLike

NO_FIXED_POINTS = ("No fixed points were kept:\nthe search found no slow points\n"
                   "(see the fixed-point table)")
NO_STATES = "No visited states in the table"
NO_PCA = "No PCA table rows"


def save_figure(fig: Figure, pdf_path: PathLike | None, png_path: PathLike | None, *,
                dpi: int = 200) -> None:
    """Write ``fig`` as PDF and PNG, each atomically (a killed job leaves no partial file)."""
    for path, fmt in ((pdf_path, "pdf"), (png_path, "png")):
        if path is None:
            continue
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi)


def read_table(path: PathLike | None) -> pd.DataFrame:
    """A Parquet table, or an empty frame when ``path`` is None (an optional input)."""
    return pd.DataFrame() if path is None else read_parquet(path)


def stack(column: Iterable, dtype=np.float64) -> np.ndarray:
    """Rows of a list<float> column as a 2-D array ([0, 0] when empty)."""
    rows = [np.asarray(v, dtype=dtype) for v in column if v is not None]
    return np.stack(rows) if rows else np.zeros((0, 0), dtype=dtype)


def has_rows(df: pd.DataFrame | None, *columns: str) -> bool:
    """True when ``df`` has rows and all ``columns``."""
    return df is not None and len(df) > 0 and all(c in df.columns for c in columns)


@dataclass
class PCPlane:
    """The top two principal axes of the visited states: ``project(h) -> [.., 2]``."""

    mean: np.ndarray          # [N]
    axes: np.ndarray          # [2, N], orthonormal rows
    ratio: np.ndarray         # explained-variance ratio of the two axes

    def project(self, h: np.ndarray) -> np.ndarray:
        h = np.atleast_2d(np.asarray(h, dtype=np.float64))
        return (h - self.mean) @ self.axes.T

    def direction(self, v: np.ndarray) -> np.ndarray:
        """A direction (no centring) in plane coordinates."""
        return self.axes @ np.asarray(v, dtype=np.float64)

    def label(self, k: int) -> str:
        return f"PC{k + 1} ({100 * self.ratio[k]:.0f}% var.)"


def pc_plane(states: pd.DataFrame, *, max_fit: int = 20_000, seed: int = 0) -> PCPlane | None:
    """Fit the plane on at most ``max_fit`` visited states (seeded subsample); None without
    enough states. PC1 is oriented so that states of positive documents lie at larger PC1
    on average (PCA signs are arbitrary; this makes figures of different cells comparable)."""
    if not has_rows(states, "h"):
        return None
    rng = np.random.default_rng(seed)
    rows = np.arange(len(states))
    if len(rows) > max_fit:
        rows = np.sort(rng.choice(rows, size=max_fit, replace=False))
    h = stack(states["h"].iloc[rows])
    if h.shape[0] < 3:
        return None
    pca = PCA(n_components=min(2, h.shape[1]), svd_solver="full").fit(h)
    mean, ratio, axes = pca.mean_, pca.explained_variance_ratio_, pca.components_.copy()
    if axes.shape[0] < 2:
        axes = np.vstack([axes, np.zeros_like(axes[0])])
        ratio = np.append(ratio, 0.0)
    if "label" in states.columns:
        lab = states["label"].to_numpy()[rows]
        p = (h - mean) @ axes[0]
        if (lab == 1).any() and (lab == 0).any() and p[lab == 1].mean() < p[lab == 0].mean():
            axes[0] = -axes[0]
    return PCPlane(mean=mean, axes=axes, ratio=ratio)


def finite(x: np.ndarray, cap: float | None = None) -> np.ndarray:
    """Replace inf by ``cap`` (or drop to nan when no cap), keep finite values."""
    x = np.asarray(x, dtype=np.float64).copy()
    if cap is not None:
        x[np.isposinf(x)] = cap
    x[~np.isfinite(x)] = np.nan
    return x
