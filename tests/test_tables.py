"""The accuracy table puts our numbers next to the paper's and carries the data provenance flag."""

from __future__ import annotations

import pandas as pd

from rnn_dynamics.io import write_parquet
from rnn_dynamics.tables.accuracy import write_accuracy_table
from rnn_dynamics.tables.markdown import to_markdown, write_renderings


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


def test_markdown_renders_missing_values_as_na():
    text = to_markdown(pd.DataFrame({"a": [1.5, float("nan")], "b": ["x", "y"]}), digits=1)
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1.5 | x |", "| n/a | y |"]


def test_html_rendering_is_a_standalone_page_with_the_note(tmp_path):
    """The page the HTML report embeds: the note, a real table, values rounded, HTML escaped."""
    df = pd.DataFrame({"model": ["gru", "<b>"], "acc": [87.123, float("nan")]})
    write_renderings(df, "Test accuracy (%) & more.", markdown_path=tmp_path / "t.md",
                     html_path=tmp_path / "t.html", digits=1)
    page = (tmp_path / "t.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<table" in page
    assert "Test accuracy (%) &amp; more." in page
    assert "<td>87.1</td>" in page and "&lt;b&gt;" in page
    assert (tmp_path / "t.md").read_text().startswith("Test accuracy (%) & more.\n\n| model | acc |")
