"""``rnn-dynamics explain`` and ``predict`` on the shared synthetic GRU laid out as the workflow
writes it (model, vocabulary, analysis and context tables), and on the same model alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.image import imread

from rnn_dynamics.cli import main
from rnn_dynamics.explain import draw_explanations, explain_text, load_bundle, predict_texts
from rnn_dynamics.io import read_parquet, write_parquet
from rnn_dynamics.models import save_model
from rnn_dynamics.pipeline.training import vocab_fingerprint

from .figure_layout import assert_readable


@pytest.fixture(scope="module")
def results(tmp_path_factory, synthetic_gru, figure_tables) -> Path:
    """The shared GRU laid out as the workflow writes it."""
    cell, tables = synthetic_gru, figure_tables
    root = tmp_path_factory.mktemp("explain") / "results"
    model_dir = root / "models" / "synthetic" / "gru"
    model_dir.mkdir(parents=True)
    save_model(cell.model, model_dir / "model.pt",
               {"dataset": "synthetic", "vocab_hash": vocab_fingerprint(cell.vocab)})
    (root / "data" / "synthetic").mkdir(parents=True)
    write_parquet(cell.vocab, root / "data" / "synthetic" / "vocab.parquet")
    analysis = root / "analysis" / "synthetic" / "gru"
    analysis.mkdir(parents=True)
    for name in ("states", "fixed_points", "spectra"):
        shutil.copy(tables[name], analysis / f"{name}.parquet")
    context = root / "context" / "synthetic" / "gru"
    context.mkdir(parents=True)
    shutil.copy(tables["modifiers"], context / "modifiers.parquet")
    return root


@pytest.fixture(scope="module")
def model_path(results) -> Path:
    return results / "models" / "synthetic" / "gru" / "model.pt"


@pytest.fixture(scope="module")
def bare_model(results, tmp_path_factory) -> Path:
    """The same model and vocabulary without any analysis tables beside them."""
    root = tmp_path_factory.mktemp("bare") / "results"
    shutil.copytree(results / "models", root / "models")
    shutil.copytree(results / "data", root / "data")
    return root / "models" / "synthetic" / "gru" / "model.pt"


def test_contributions_add_up_to_the_models_own_logit(model_path):
    bundle = load_bundle(model_path)
    exp = explain_text(bundle, "the film was not good at all")
    ids = torch.tensor([[bundle.vocab.get(t, 1) for t in exp.tokens["token"]]])
    with torch.no_grad():
        fused = float(bundle.model(ids, torch.tensor([ids.shape[1]]))[0])
    assert exp.logit == pytest.approx(fused, abs=1e-4)             # step map == fused kernel
    assert exp.start_logit + exp.tokens["contribution"].sum() == pytest.approx(exp.logit)
    assert list(exp.tokens["known"]) == [t in bundle.vocab for t in exp.tokens["token"]]


def test_mode_steps_are_the_integrating_mode_projection_of_each_move(model_path):
    bundle = load_bundle(model_path)
    assert bundle.has_mode and not bundle.notes
    exp = explain_text(bundle, "a very good film , not bad")
    h = exp.states
    for t, step in enumerate(exp.tokens["mode_step"]):
        nearest = np.argmin(((bundle.points - h[t]) ** 2).sum(1))
        assert step == pytest.approx(bundle.left[nearest] @ (h[t + 1] - h[t]), rel=1e-6)
    assert np.allclose(exp.tokens["mode_position"], np.cumsum(exp.tokens["mode_step"]))


def test_modifiers_found_by_the_context_stage_are_marked(model_path, results):
    table = read_parquet(results / "context" / "synthetic" / "gru" / "modifiers.parquet")
    top = table[table["kind"] != "none"].sort_values("rank").iloc[0]
    exp = explain_text(load_bundle(model_path), f"{top.token} good")
    assert exp.tokens["modifier"].iloc[0].startswith(top.kind)
    assert exp.tokens["modifier"].iloc[1] == ""


def test_explain_cli_prints_each_token_and_writes_the_png(model_path, tmp_path, capsys):
    png = tmp_path / "why.png"
    assert main(["explain", str(model_path), "not good at all", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "prediction: negative" in out or "prediction: positive" in out
    rows = [line.split() for line in out.splitlines() if line.strip()[:2] in ("1 ", "2 ", "3 ", "4 ")]
    assert [r[1] for r in rows] == ["not", "good", "at", "all?"]   # 'all' is not in the language
    assert "negator" in rows[0][-2]
    assert imread(png).shape[0] > 200


def test_explain_says_what_an_unknown_only_and_an_empty_text_are(model_path, tmp_path, capsys):
    status = main(["explain", str(model_path), "qwxz zzyzx", "", "--png",
                   str(tmp_path / "x.png")])
    out = capsys.readouterr().out
    assert status == 1                                   # one text could not be explained
    assert "none of the 2 token(s) is in the model's vocabulary" in out
    assert "the text is empty" in out
    assert main(["explain", str(model_path), "   ", "--no-png"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == ("rnn-dynamics: no text could be explained "
                                    "(all were empty)")


def test_explain_without_analysis_tables_still_gives_the_readout(bare_model, tmp_path, capsys):
    assert main(["explain", str(bare_model), "very good", "--png", str(tmp_path / "b.png")]) == 0
    out = capsys.readouterr().out
    assert "the projection on the integrating mode needs the analysis stages" in out
    assert "mode step: n/a" in out
    exp = explain_text(load_bundle(bare_model), "very good")
    assert exp.tokens["mode_step"].isna().all() and exp.tokens["contribution"].notna().all()


def test_explanation_picture_is_readable(model_path, bare_model, tmp_path, monkeypatch):
    drawn = []
    from rnn_dynamics.explain import plot

    monkeypatch.setattr(plot, "save_figure", lambda fig, *a, **k: drawn.append(fig))
    for path in (model_path, bare_model):
        bundle = load_bundle(path)
        exps = [explain_text(bundle, t) for t in ("not good at all",
                                                   "the film was very good , not bad")]
        draw_explanations(exps, bundle, tmp_path / "p.png")
    for fig in drawn:
        assert_readable(fig)


def test_predict_scores_a_file_and_matches_explain(model_path, tmp_path, capsys):
    texts = ["a great film", "", "not good", "qwxz"]
    file = tmp_path / "reviews.txt"
    file.write_text("\n".join(texts) + "\n")
    out = tmp_path / "scores.csv"
    assert main(["predict", str(model_path), str(file), "--out", str(out)]) == 0
    scores = pd.read_csv(out)
    assert list(scores["line"]) == [1, 2, 3, 4]
    assert scores["p_positive"].isna().tolist() == [False, True, False, False]
    assert scores["prediction"].iloc[1] == "n/a (empty text)"
    assert scores["unknown"].tolist() == [0, 0, 0, 1]
    bundle = load_bundle(model_path)
    for i in (0, 2):
        assert scores["p_positive"].iloc[i] == pytest.approx(
            explain_text(bundle, texts[i]).probability, abs=1e-5)
    assert "1 empty line(s) not scored" in capsys.readouterr().err
    assert predict_texts(bundle, []).empty


def test_cli_user_mistakes_are_one_line_without_traceback(model_path, tmp_path):
    cases = [
        (["explain", str(tmp_path / "nope.pt"), "good"], "no such model file"),
        (["predict", str(model_path), str(tmp_path / "missing.txt")], "no such file"),
        (["predict", str(model_path), str(model_path), "--out", "x.csv"], "not a UTF-8"),
    ]
    for args, fragment in cases:
        proc = subprocess.run([sys.executable, "-m", "rnn_dynamics.cli", *args],
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 1, args
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("rnn-dynamics: ") and fragment in proc.stderr, proc.stderr
    lone = tmp_path / "lone" / "model.pt"
    lone.parent.mkdir()
    shutil.copy(model_path, lone)
    proc = subprocess.run([sys.executable, "-m", "rnn_dynamics.cli", "explain", str(lone), "x"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1 and "pass it with --vocab PATH" in proc.stderr
