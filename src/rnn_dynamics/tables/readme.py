"""The README's results tables, printed from a run's summary tables.

    python -m rnn_dynamics.tables.readme results-quick      # or results (demo), results-paper

Reads ``tables/{accuracy,search,line_attractor,context,integration_dimension}.parquet`` of the
results folder (those that exist) and
prints the Markdown blocks the README shows, so that every number there comes from a run and
none is copied by hand.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import read_parquet
from .accuracy import MODEL_ORDER, PAPER_ACCURACY

ARCH_ORDER = ["lstm", "gru", "ugrnn", "vanilla"]
MODEL_NAMES = {"bow": "BoW", "vanilla": "vanilla", "ugrnn": "UGRNN", "gru": "GRU", "lstm": "LSTM"}
DATASET_NAMES = {"imdb": "IMDB", "sst": "SST", "yelp": "Yelp", "synthetic": "synthetic"}


def _f(value, digits: int = 2, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _tau(value) -> str:
    if value is None or not np.isfinite(value):
        return "–" if value is None or np.isnan(value) else "∞"
    return f"{value:.0f}" if value < 1e4 else f"{value:.0e}"


def _row(cells) -> str:
    """A Markdown table row; a literal | inside a cell (|r·m|) is escaped."""
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    key = table["arch"].map({a: i for i, a in enumerate(ARCH_ORDER)})
    return table.assign(_k=key).sort_values(["dataset", "_k"]).drop(columns="_k")


def accuracy_block(acc: pd.DataFrame) -> str:
    models = [m for m in MODEL_ORDER if m in set(acc["model"])]
    lines = [_row(["dataset", *[MODEL_NAMES.get(m, m) for m in models]]),
             _row(["---"] * (len(models) + 1))]
    for dataset, grp in acc.groupby("dataset", sort=True):
        got = grp.set_index("model")
        cells = []
        for m in models:
            ours = got["test_acc"].get(m, np.nan)
            paper = PAPER_ACCURACY.get(dataset, {}).get(m)
            cells.append(_f(ours) + (f" ({paper:.2f})" if paper is not None else ""))
        lines.append(_row([DATASET_NAMES.get(dataset, dataset), *cells]))
    return "\n".join(lines)


def search_block(search: pd.DataFrame) -> str:
    lines = [_row(["dataset", "arch", "trials", "chosen lr", "chosen L2", "valid % (search → final)"]),
             _row(["---"] * 6)]
    for (dataset, arch), grp in _ordered(search).groupby(["dataset", "arch"], sort=False):
        chosen = grp[grp["chosen"]].iloc[0]
        searched = grp[grp["phase"] == "search"]
        best = searched.sort_values(["valid_acc", "trial"], ascending=[False, True]).iloc[0]
        final = f"{best['valid_acc']:.1f} → {chosen['valid_acc']:.1f}" \
            if chosen["phase"] == "final" else f"{chosen['valid_acc']:.1f}"
        lines.append(_row([dataset, arch, len(searched), f"{chosen['lr']:.2g}",
                           f"{chosen['weight_decay']:.2g}", final]))
    return "\n".join(lines)


def line_attractor_block(la: pd.DataFrame) -> str:
    header = ["dataset", "arch", "PCs for 90% (trained / untrained)", "kept of starts",
              "integrator is mode 1", "τ_int (PR)", "τ1 / τ2", "|cos(r_int, w)|",
              "|r_int·m| (null p99)", "ℓ_intᵀJ_inp x: pos / neg / neutral (median)",
              "unit-slow modes", "one-step error", "acc. nonlinear → linearised"]
    lines = [_row(header), _row(["---"] * len(header))]
    for _, r in _ordered(la).iterrows():
        pos, neg, neu = (r.get(f"projection_{g}_median") for g in ("positive", "negative",
                                                                     "neutral"))
        lines.append(_row([
            r["dataset"], r["arch"],
            f"{_f(r.get('pcs90_trained'), 0)} / {_f(r.get('pcs90_untrained'), 0)}",
            f"{int(r['n_kept'])} / {int(r['n_starts'])}",
            f"{100 * r['integrator_is_mode_1']:.0f}%" if pd.notna(r.get("integrator_is_mode_1"))
            else "–",
            f"{_tau(r.get('integrator_tau_median'))} ({_f(r.get('integrator_participation_median'), 0)})",
            f"{_tau(r.get('tau_1'))} / {_tau(r.get('tau_2'))}",
            _f(r.get("integrator_readout_alignment_median")),
            f"{_f(r.get('median_r_int_overlap'))} ({_f(r.get('null_p99'))})",
            f"{_f(pos, 3, True)} / {_f(neg, 3, True)} / {_f(neu, 3, True)}",
            _f(r.get("unit_slow_modes_median"), 0),
            _f(r.get("median_one_step_error")),
            f"{_f(100 * r['accuracy_nonlinear'], 1)} → {_f(100 * r['accuracy_linearised'], 1)}"
            if pd.notna(r.get("accuracy_nonlinear")) else "–",
        ]))
    return "\n".join(lines)


def _modifiers(r) -> str:
    words = list(r["top_modifiers"])
    kinds = list(r["top_kinds"])
    if kinds and all(k == "none" for k in kinds):
        return "none above the cut-off (best: " + ", ".join(words) + ")"
    signs = {"negator": "−", "attenuator": "−", "intensifier": "+"}
    return ", ".join(f"{w} ({signs.get(k, k)})" for w, k in zip(words, kinds)) or "–"


def context_block(ctx: pd.DataFrame) -> str:
    header = ["dataset", "arch", "top-5 modifiers (kind)", "subspace dim",
              "BoW / augmented BoW / RNN (%)", "gap recovered",
              "modifier effect: intact → subspace out (random out)",
              "acc. with subspace out after modifiers (random out)"]
    lines = [_row(header), _row(["---"] * len(header))]
    for _, r in _ordered(ctx).iterrows():
        lines.append(_row([
            r["dataset"], r["arch"], _modifiers(r), int(r["subspace_dim"]),
            f"{_f(100 * r['bow_acc'], 1)} / {_f(100 * r['augmented_acc'], 1)} / "
            f"{_f(100 * r['rnn_acc'], 1)}",
            _f(r.get("gap_recovered")),
            f"{_f(r.get('gain_dev_unperturbed'))} → "
            f"{_f(r.get('perturb_gain_dev_modifier_after_modifiers'))} "
            f"({_f(r.get('perturb_gain_dev_random_after_modifiers'))})",
            f"{_f(100 * r.get('perturb_acc_modifier_after_modifiers', np.nan), 1)} "
            f"({_f(100 * r.get('perturb_acc_random_after_modifiers', np.nan), 1)})",
        ]))
    return "\n".join(lines)


def targets(la_row: pd.Series, test_acc: float | None) -> dict[str, bool | None]:
    """The quick grid's targets for one cell (``None``: not measurable): accuracy at or above
    the paper's; PCs for 90% at most 10 and at most a third of the untrained twin's; the
    integrating mode is mode 1 at >= 90% of fixed points; positive and negative words project
    with opposite signs (medians) and neutral words under 10% of their magnitude."""
    paper = PAPER_ACCURACY.get(la_row["dataset"], {}).get(la_row["arch"])
    trained, untrained = la_row.get("pcs90_trained"), la_row.get("pcs90_untrained")
    pos, neg, neu = (la_row.get(f"projection_{g}_median") for g in ("positive", "negative",
                                                                     "neutral"))
    mode1 = la_row.get("integrator_is_mode_1")
    words = None
    if all(v is not None and np.isfinite(v) for v in (pos, neg, neu)):
        words = bool(pos * neg < 0 and abs(neu) < 0.1 * min(abs(pos), abs(neg)))
    return {
        "accuracy": None if paper is None or test_acc is None else bool(test_acc >= paper),
        "low_dimensional": None if not np.isfinite(trained) else bool(
            trained <= 10 and trained <= untrained / 3),
        "integrator_is_mode_1": None if mode1 is None or not np.isfinite(mode1)
        else bool(mode1 >= 0.9),
        "word_projections": words,
    }


def targets_block(la: pd.DataFrame, acc: pd.DataFrame) -> str:
    mark = {True: "yes", False: "**no**", None: "–"}
    header = ["dataset", "arch", "test acc ≥ paper", "PCs 90% ≤ 10 and ≤ untrained / 3",
              "integrator is mode 1 at ≥ 90%", "pos / neg opposite, neutral < 10%"]
    lines = [_row(header), _row(["---"] * len(header))]
    scores = acc.set_index(["dataset", "model"])["test_acc"]
    for _, r in _ordered(la).iterrows():
        got = targets(r, scores.get((r["dataset"], r["arch"])))
        lines.append(_row([r["dataset"], r["arch"], *(mark[v] for v in got.values())]))
    return "\n".join(lines)


def integration_block(table: pd.DataFrame) -> str:
    header = ["dataset", "arch", "K (ordered)", "measured dim. (PR)", "predicted", "K − 1",
              "slow points (distance)", "slow modes", "readout alignment (null)",
              "evidence / neutral drive", "test %"]
    lines = [_row(header), _row(["---"] * len(header))]
    for _, r in _ordered(table).iterrows():
        lines.append(_row([
            r["dataset"], r["arch"], f"{int(r['n_classes'])} ({'yes' if r['ordered'] else 'no'})",
            f"{int(r['measured_dimension'])} ({_f(r['participation_ratio'])})",
            int(r["predicted_dimension"]), int(r["k_minus_1"]),
            f"{int(r['n_slow_points'])} ({_f(r.get('slow_point_distance', float('nan')))})",
            _f(r["slow_modes"], 0),
            f"{_f(r['readout_alignment'])} ({_f(r['readout_alignment_null'])})",
            f"{_f(r['evidence_drive'])} / {_f(r['neutral_drive'])}",
            _f(100 * r["test_acc"], 1),
        ]))
    return "\n".join(lines)


BLOCKS = {"accuracy": accuracy_block, "search": search_block,
          "line_attractor": line_attractor_block, "context": context_block,
          "integration_dimension": integration_block}


def readme_tables(results: str | Path) -> str:
    """Every block whose summary table exists under ``results/tables``, headed by its name."""
    out = []
    tables = Path(results) / "tables"
    for name, block in BLOCKS.items():
        path = tables / f"{name}.parquet"
        if path.is_file():
            out.append(f"<!-- {name}: python -m rnn_dynamics.tables.readme {results} -->\n"
                       + block(read_parquet(path)))
    if (tables / "line_attractor.parquet").is_file() and (tables / "accuracy.parquet").is_file():
        out.append(f"<!-- targets: python -m rnn_dynamics.tables.readme {results} -->\n"
                   + targets_block(read_parquet(tables / "line_attractor.parquet"),
                                   read_parquet(tables / "accuracy.parquet")))
    return "\n\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="a results folder (results, results-quick, ...)")
    args = parser.parse_args(argv)
    if not (Path(args.results) / "tables").is_dir():
        print(f"{args.results}/tables: not found; run the workflow first", file=sys.stderr)
        return 1
    print(readme_tables(args.results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
