"""The Markdown views of the summary tables read as tables for people: no blank cells, 'n/a'
with its reason, wide tables split into sections, official_data only where a release exists."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnn_dynamics.tables import accuracy
from rnn_dynamics.tables.context import sections
from rnn_dynamics.tables.markdown import sectioned_markdown, to_markdown


def _cells(markdown: str) -> list[str]:
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    return [c.strip() for row in rows for c in row.strip("|").split("|")]


def test_missing_values_read_na_with_a_footnoted_reason():
    df = pd.DataFrame({"arch": ["gru", "lstm"], "tau": [np.nan, 2.0],
                       "taus": [[np.inf, np.nan, 0.5], []], "other": [None, 1.0]})
    md = to_markdown(df, reasons={"tau": "the gain does not decay"})
    cells = _cells(md)
    assert "" not in cells and not any(", ," in c or c.endswith(",") for c in cells)
    assert "n/a [1]" in cells and "inf, n/a, 0.50" in cells
    assert md.strip().endswith("[1] n/a: the gain does not decay")
    assert cells.count("n/a") == 2                   # the empty list and 'other': no reason known


def test_wide_tables_split_into_sections_that_repeat_the_keys():
    columns = ["top_modifiers", "subspace_dim", "dyn_span", "tau_start", "bow_acc",
               "perturb_acc_random", "mystery"]
    df = pd.DataFrame([{"dataset": "imdb", "arch": "gru", **{c: 1.0 for c in columns}}])
    md = sectioned_markdown(df, sections(df.columns), ["dataset", "arch"])
    headers = [line for line in md.splitlines() if line.startswith("| dataset")]
    assert len(headers) == 7                                # six stages and 'Other'
    assert all(h.startswith("| dataset | arch |") for h in headers)
    assert max(h.count("|") - 1 for h in headers) <= 7
    assert "### Other" in md and "mystery" in md.split("### Other")[1]


def test_official_data_is_na_for_a_dataset_without_an_official_release(tmp_path):
    metrics, sources = [], []
    for dataset, official in (("sst", True), ("synthetic", False)):
        folder = tmp_path / dataset
        (folder / "gru").mkdir(parents=True)
        pd.DataFrame([{"test_acc": 0.8, "valid_acc": 0.8}]).to_parquet(folder / "gru" /
                                                                      "metrics.parquet")
        pd.DataFrame([{"official_checksum": official}]).to_parquet(folder / "source.parquet")
        metrics.append(folder / "gru" / "metrics.parquet")
        sources.append(folder / "source.parquet")
    out = tmp_path / "accuracy.md"
    table = accuracy.write_accuracy_table(metrics, [], sources, table_path=tmp_path / "a.parquet",
                                          markdown_path=out)
    assert table["official_data"].dtype == bool                 # the Parquet table keeps a flag
    rows = {line.split("|")[1].strip(): line for line in out.read_text().splitlines()
            if line.startswith(("| sst", "| synthetic"))}
    assert rows["sst"].endswith("| yes |")
    last = rows["synthetic"].strip("| ").split("|")[-1].strip()
    assert last.startswith("n/a [")
    assert f"{last[4:]} n/a: a built-in dataset: there is no official release" in out.read_text()
