"""The accuracy table puts our numbers next to the paper's and carries the data provenance flag."""

from __future__ import annotations

import pandas as pd

from rnn_dynamics.io import write_parquet
from rnn_dynamics.tables.accuracy import write_accuracy_table
from rnn_dynamics.tables.markdown import to_markdown


def test_accuracy_table_from_workflow_layout(tmp_path):
    models, bows, sources = [], [], []
    for dataset, official in (("imdb", True), ("yelp", False)):
        for arch, acc in (("gru", 0.87), ("lstm", 0.86)):
            path = tmp_path / "models" / dataset / arch / "metrics.parquet"
            write_parquet(pd.DataFrame([{"test_acc": acc, "valid_acc": acc + 0.01}]), path)
            models.append(path)
        path = tmp_path / "baselines" / dataset / "bow_metrics.parquet"
        write_parquet(pd.DataFrame([{"test_acc": 0.88, "valid_acc": 0.885}]), path)
        bows.append(path)
        path = tmp_path / "data" / dataset / "source.parquet"
        write_parquet(pd.DataFrame([{"official_checksum": official}]), path)
        sources.append(path)
    table = write_accuracy_table(models, bows, sources, table_path=tmp_path / "acc.parquet",
                                 markdown_path=tmp_path / "acc.md")
    imdb = table[table.dataset == "imdb"].set_index("model")
    assert list(imdb.index) == ["bow", "gru", "lstm"]
    assert abs(imdb.loc["gru", "test_acc"] - 87.0) < 1e-9
    assert abs(imdb.loc["gru", "paper_acc"] - 86.86) < 1e-9
    assert abs(imdb.loc["gru", "diff"] - (87.0 - 86.86)) < 1e-9
    assert imdb["official_data"].all()
    assert not table[table.dataset == "yelp"]["official_data"].any()
    markdown = (tmp_path / "acc.md").read_text()
    assert "| imdb | gru | 87.00 |" in markdown


def test_markdown_renders_missing_values_as_blank():
    text = to_markdown(pd.DataFrame({"a": [1.5, float("nan")], "b": ["x", "y"]}), digits=1)
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1.5 | x |", "|  | y |"]
