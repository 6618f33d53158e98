"""One row per grid cell summarising the line-attractor analysis, beside the paper's claims."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.states import pcs_for_variance
from ..io import read_parquet, write_parquet
from .cells import cell_of
from .markdown import write_renderings

# What Maheswaranathan et al. (NeurIPS 2019) report, for the Markdown table's header.
PAPER_CLAIMS = {
    "pcs90_trained": "2-3",
    "n_kept": "~500",
    "m_variance_ratio": "high (1-D manifold)",
    "readout_alignment": "aligned",
    "median_r_int_overlap": ">> null",
    "tau_1": "100s-1000s",
    "integrator_is_mode_1": "1 (the slowest mode integrates)",
    "median_one_step_error": "~0.10",
}

TABLES = ("pca", "fixed_points", "exact_fixed_points", "spectra", "geometry", "word_effects",
          "linearised")


def _number(value) -> float:
    """A float from a table cell that may hold None (a stage with too few points to measure)."""
    return float(value) if value is not None else float("nan")


def _stability_counts(exact: pd.DataFrame) -> str:
    if exact.empty:
        return ""
    counts = exact["stability"].value_counts()
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())


def summarise_cell(tables: Mapping[str, pd.DataFrame]) -> dict:
    """The summary row of one cell from its analysis tables (keys as in :data:`TABLES`)."""
    pca, fixed, exact = tables["pca"], tables["fixed_points"], tables["exact_fixed_points"]
    spectra, geometry = tables["spectra"], tables["geometry"]
    words, linear = tables["word_effects"], tables["linearised"]
    row: dict = {}
    for model in ("trained", "untrained"):
        ratio = pca.loc[pca["model"] == model, "explained_variance_ratio"].to_numpy()
        row[f"pcs90_{model}"] = pcs_for_variance(ratio, 0.9) if ratio.size else np.nan
    row["n_starts"] = len(fixed)
    row["n_converged"] = int(fixed["converged"].sum()) if len(fixed) else 0
    row["n_kept"] = int(fixed["kept"].sum()) if len(fixed) else 0
    row["exact_fixed_points"] = _stability_counts(exact)
    if len(geometry):
        first = geometry.iloc[0]
        row["m_variance_ratio"] = _number(first["m_variance_ratio"])
        row["readout_alignment"] = _number(first["readout_alignment"])
        row["median_r_int_overlap"] = float(pd.to_numeric(geometry["r_int_overlap"]).median())
        row["null_p99"] = _number(first["null_p99"])
    if len(spectra):
        tau = np.stack([np.asarray(t, dtype=float) for t in spectra["tau"]])
        for k in range(min(3, tau.shape[1])):
            row[f"tau_{k + 1}"] = float(np.median(tau[:, k]))
        index = spectra["integrator_index"].to_numpy(np.int64)
        row["integrator_is_mode_1"] = float(np.mean(index == 1))
        row["integrator_growing"] = float(spectra["integrator_growing"].astype(bool).mean())
        row["mode_1_growing"] = float(np.mean([bool(g[0]) for g in spectra["growing"]]))
        row["integrator_index_median"] = float(np.median(index[index > 0])) if (index > 0).any() \
            else np.nan
        for column in ("integrator_tau", "integrator_participation",
                       "integrator_readout_alignment"):
            values = spectra[column].to_numpy(np.float64)
            values = values[~np.isnan(values)]
            row[f"{column}_median"] = float(np.median(values)) if len(values) else np.nan
        row["unit_slow_modes_median"] = float(spectra["n_unit_slow_modes"].median())
        row["growing_modes_median"] = float(spectra["n_growing"].median())
    if len(words):
        grouped = words.groupby("group")["projection"]
        means, medians = grouped.mean(), grouped.median()
        for group in ("positive", "negative", "neutral"):
            row[f"projection_{group}"] = float(means.get(group, np.nan))
            row[f"projection_{group}_median"] = float(medians.get(group, np.nan))
    if len(linear):
        row["median_one_step_error"] = float(linear["one_step_error"].median())
        row["accuracy_nonlinear"] = _number(linear["accuracy_nonlinear"].iloc[0])
        row["accuracy_linearised"] = _number(linear["accuracy_linearised"].iloc[0])
    return row


def line_attractor_table(paths: Mapping[str, Sequence[str | Path]]) -> pd.DataFrame:
    """Summary over cells; ``paths[name]`` lists that table's files in the same cell order."""
    rows = []
    for index, pca_path in enumerate(paths["pca"]):
        dataset, arch = cell_of(pca_path)
        tables = {name: read_parquet(paths[name][index]) for name in TABLES}
        rows.append({"dataset": dataset, "arch": arch, **summarise_cell(tables)})
    return pd.DataFrame(rows)


REASONS = {f"projection_{g}": f"no {g} words were selected (by bag-of-words coefficient) or "
                             "no fixed point was kept" for g in ("positive", "negative", "neutral")}
REASONS.update({f"projection_{g}_median": REASONS[f"projection_{g}"]
                for g in ("positive", "negative", "neutral")})
REASONS.update({f"tau_{k}": "no fixed point was kept" for k in (1, 2, 3)})
REASONS.update({c: "no fixed point was kept, or none has a real slow mode"
                for c in ("integrator_index_median", "integrator_tau_median",
                          "integrator_participation_median",
                          "integrator_readout_alignment_median")})


def write_line_attractor_table(paths: Mapping[str, Sequence[str | Path]], *, table_path,
                               markdown_path, html_path=None) -> pd.DataFrame:
    table = line_attractor_table(paths)
    write_parquet(table, table_path)
    claims = "; ".join(f"`{k}` {v}" for k, v in PAPER_CLAIMS.items())
    note = ("Line-attractor summary per grid cell. q = 1/N ||h - F(h,0)||^2. `tau_k`: median over "
            "kept fixed points of the k-th longest time constant (tokens); `mode_1_growing`: "
            "share of points whose slowest mode grows slowly (|lambda| > 1.001). `integrator_*`: the integrating mode, chosen by its role (readout "
            "gain x covariance of its input drive with word valence x persistence, among the "
            "real slow modes); "
            "`integrator_is_mode_1`: share of fixed points where it is the slowest mode; "
            "`integrator_growing`: share where it grows slowly (a saddle along the line); "
            "`unit_slow_modes_median`: real slow modes (tau >= 10) on one or two units. "
            "`projection_*`: mean (and median) l_int' J_inp x by bag-of-words valence group. "
            f"Paper (NeurIPS 2019): {claims}.")
    write_renderings(table, note, markdown_path=markdown_path, html_path=html_path, digits=3,
                     reasons=REASONS)
    return table
