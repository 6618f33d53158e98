"""One row per grid cell summarising contextual processing (ICML 2020)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..context.modifiers import top_modifiers
from ..io import read_parquet, write_parquet
from .cells import cell_of
from .markdown import write_renderings

TABLES = ("modifiers", "subspace", "dynamics", "position", "augmented_bow", "perturbation")

# The Markdown view, one section per stage (prefix of the summary's column names).
SECTION_PREFIXES = {"Modifier words": ("top_",), "Modifier subspace": ("subspace_", "r1_in"),
                    "Modifier dynamics": ("dyn_",),
                    "Position": ("start_", "end_", "tau_start", "tau_end", "h0_"),
                    "Bag of words vs RNN": ("bow_", "augmented_", "rnn_", "gap_"),
                    "Perturbation": ("perturb_", "integration_", "gain_dev")}
REASONS = {
    "gap_recovered": "the RNN does not beat bag-of-words, so there is no gap to recover",
    "tau_start": "the gain does not decay back to 1 within the probed offsets",
    "tau_end": "the gain does not decay back to 1 within the probed offsets",
    "dyn_tau_gain": "no decay time could be fitted for this word (inf: it does not decay "
                    "within the probed gaps)",
}


def sections(columns) -> dict[str, list[str]]:
    """Columns of the summary grouped by stage for the Markdown view."""
    out: dict[str, list[str]] = {title: [] for title in SECTION_PREFIXES}
    for column in columns:
        for title, prefixes in SECTION_PREFIXES.items():
            if column.startswith(prefixes):
                out[title].append(column)
                break
    return out


def context_summary(modifiers: pd.DataFrame, subspace: pd.DataFrame, dynamics: pd.DataFrame,
                    position: pd.DataFrame, augmented: pd.DataFrame,
                    perturbation: pd.DataFrame, *, n_top: int = 5,
                    **labels: Any) -> pd.DataFrame:
    """One row per grid cell for ``results/tables/context.parquet``.

    ``labels`` (e.g. ``dataset='imdb', arch='gru'``) come first. Columns: ``top_modifiers``,
    ``top_scores``, ``top_ratios``, ``top_kinds`` (lists, best first, kind != 'none'),
    ``subspace_dim``, ``subspace_variance`` (explained by dim axes), ``subspace_share_r1``,
    ``r1_in_subspace``; per modifier (lists aligned with ``dyn_tokens``): ``dyn_strength``,
    ``dyn_span``, ``dyn_tau_gain``, ``dyn_tau_deflection``; ``start_gain_h0`` (gain at offset 0
    from h0), ``end_gain`` (offset 0), ``tau_start``, ``tau_end``, ``h0_subspace_fraction``;
    ``bow_acc``, ``bow_counts_acc``, ``augmented_acc``, ``rnn_acc``, ``gap_recovered``;
    ``perturb_acc_{modifier,random}_{after_modifiers,every_step}``, the mean |gain - 1| over
    modifiers under each (``perturb_gain_dev_*``) and unperturbed (``gain_dev_unperturbed``),
    ``integration_modifier_every_step``.
    """
    row: dict[str, Any] = dict(labels)
    top = top_modifiers(modifiers, n_top)
    row.update(top_modifiers=list(top["token"]), top_scores=list(top["score"].astype(float)),
               top_ratios=list(top["ratio"].astype(float)), top_kinds=list(top["kind"]))
    sub = subspace.sort_values("component")
    inside = sub[sub["in_subspace"]]
    row.update(subspace_dim=int(sub["dim"].iloc[0]) if len(sub) else 0,
               subspace_variance=float(inside["variance_ratio"].sum()),
               subspace_share_r1=float((inside["share_r1"] * inside["variance_ratio"]).sum()
                                       / max(inside["variance_ratio"].sum(), 1e-300)),
               r1_in_subspace=float(sub["r1_in_subspace"].iloc[0]) if len(sub) else np.nan)
    per = dynamics.groupby("token", sort=False).first().reset_index()
    row.update(dyn_tokens=list(per["token"]), dyn_strength=list(per["strength"].astype(float)),
               dyn_span=list(per["span"].astype(int)),
               dyn_tau_gain=list(per["tau_gain"].astype(float)),
               dyn_tau_deflection=list(per["tau_deflection"].astype(float)))

    def pos(origin: str, col: str, offset: int = 0) -> float:
        sel = position[(position["origin"] == origin) & (position["offset"] == offset)]
        return float(sel[col].iloc[0]) if len(sel) else float("nan")

    row.update(start_gain_h0=pos("h0", "gain"), end_gain=pos("end", "gain"),
               tau_start=pos("h0", "tau"), tau_end=pos("end", "tau"),
               h0_subspace_fraction=pos("h0", "h0_subspace_fraction"))
    acc = augmented.set_index("model")["test_acc"]
    best_aug = "augmented" if "augmented" in acc else "augmented_modifiers"
    row.update(bow_acc=float(acc.get("bow", np.nan)),
               bow_counts_acc=float(acc.get("bow_counts", np.nan)),
               augmented_acc=float(acc.get(best_aug, np.nan)),
               rnn_acc=float(augmented["rnn_test_acc"].iloc[0]) if len(augmented) else np.nan,
               gap_recovered=float(augmented.set_index("model")["gap_recovered"]
                                   .get(best_aug, np.nan)))
    dev = (perturbation["gain"] - 1).abs()
    for cond, grp in perturbation.assign(dev=dev).groupby("condition"):
        if cond == "none":
            row["gain_dev_unperturbed"] = float(grp["dev"].mean())
            continue
        row[f"perturb_acc_{cond}"] = float(grp["accuracy"].iloc[0])
        row[f"perturb_gain_dev_{cond}"] = float(grp["dev"].mean())
        if cond == "modifier_every_step":
            row["integration_modifier_every_step"] = float(grp["integration"].iloc[0])
    return pd.DataFrame([row])


def context_table(paths: Mapping[str, Sequence[str | Path]]) -> pd.DataFrame:
    """Summary over cells; ``paths[name]`` lists that table's files in the same cell order."""
    rows = []
    for index, path in enumerate(paths["modifiers"]):
        dataset, arch = cell_of(path)
        frames = [read_parquet(paths[name][index]) for name in TABLES]
        rows.append(context_summary(*frames, dataset=dataset, arch=arch))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def write_context_table(paths: Mapping[str, Sequence[str | Path]], *, table_path,
                        markdown_path, html_path=None) -> pd.DataFrame:
    table = context_table(paths)
    write_parquet(table, table_path)
    note = ("Contextual processing per grid cell (Maheswaranathan & Sussillo, ICML 2020). "
            "Paper (slides): BoW 93.6%, augmented BoW 95.5%, GRU 95.8% on Yelp; projecting the "
            "modifier subspace out abolishes modifier effects.")
    write_renderings(table, note, markdown_path=markdown_path, html_path=html_path, digits=3,
                     reasons=REASONS, sections=sections(table.columns))
    return table
