"""Safe loading: every checkpoint read uses ``weights_only=True``, a pickle payload never runs,
and a checkpoint of another model or vocabulary is refused with a clear CheckpointError."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest
import torch

from rnn_dynamics.errors import CheckpointError
from rnn_dynamics.models import build_model, load_model, save_model
from rnn_dynamics.training.resume import load_state

SRC = Path(__file__).resolve().parents[1] / "src" / "rnn_dynamics"


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            yield name, node


def test_every_torch_load_in_the_library_is_weights_only():
    loads, unsafe = [], []
    for path in sorted(SRC.rglob("*.py")):
        for name, node in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            if name == "load" and ast.unparse(node.func).startswith("torch."):
                loads.append(where)
                flag = [k for k in node.keywords if k.arg == "weights_only"]
                value = flag[0].value if flag else None
                if not (isinstance(value, ast.Constant) and value.value is True):
                    unsafe.append(where)
            if name in ("read_pickle", "loads") and "pickle" in ast.unparse(node.func):
                unsafe.append(where)
            if ast.unparse(node.func) in ("pickle.load", "joblib.load", "dill.load"):
                unsafe.append(where)
            if any(k.arg == "allow_pickle" for k in node.keywords):
                unsafe.append(where)
    assert len(loads) >= 2  # models/checkpoint.py and training/resume.py at least
    assert unsafe == [], unsafe


class _Payload:
    """Unpickling this would call ``builtins.exec`` and write ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return builtins.exec, (f"open({str(self.marker)!r}, 'w').write('payload ran')",)


def _malicious(path: Path, marker: Path, where: str) -> Path:
    model = build_model("gru", 20, 4, 6, 1)
    blob = {"state_dict": model.state_dict(),
            "meta": {"arch": "gru", "vocab_size": 20, "embed_dim": 4, "hidden_size": 6,
                     "num_layers": 1}}
    if where == "meta":
        blob["meta"]["note"] = _Payload(marker)
    elif where == "top":
        blob["extra"] = _Payload(marker)
    else:  # the whole file is the payload
        blob = _Payload(marker)
    torch.save(blob, path)
    return path


@pytest.mark.parametrize("where", ["meta", "top", "whole"])
def test_pickle_payload_in_a_checkpoint_is_refused_and_never_runs(tmp_path, where):
    marker = tmp_path / "pwned"
    path = _malicious(tmp_path / "model.pt", marker, where)
    with pytest.raises(CheckpointError, match="not a readable model checkpoint") as info:
        load_model(path)
    assert str(path) in str(info.value)
    assert not marker.exists()
    torch.load(path, weights_only=False)  # control: the payload is real when pickle is trusted
    assert marker.read_text() == "payload ran"


def test_pickle_payload_in_resume_state_is_ignored_and_never_runs(tmp_path, caplog):
    marker = tmp_path / "pwned"
    path = tmp_path / "resume.pt"
    torch.save({"fingerprint": "abc", "history": {}, "evil": _Payload(marker)}, path)
    assert load_state(path, "abc") is None  # unreadable: training starts from scratch
    assert not marker.exists()
    assert "unreadable" in caplog.text


@pytest.mark.parametrize("saved, meta_arch", [("lstm", "gru"), ("vanilla", "ugrnn"),
                                              ("gru", "lstm")])
def test_weights_of_another_architecture_are_refused(tmp_path, saved, meta_arch):
    """Meta that claims one architecture over another's weights: a CheckpointError, not a crash."""
    model = build_model(saved, 20, 4, 6, 1)
    path = tmp_path / "m.pt"
    torch.save({"state_dict": model.state_dict(),
                "meta": {"arch": meta_arch, "vocab_size": 20, "embed_dim": 4, "hidden_size": 6,
                         "num_layers": 1}}, path)
    with pytest.raises(CheckpointError, match="weights do not match"):
        load_model(path)


def test_another_vocabulary_or_size_is_refused(tmp_path):
    path = tmp_path / "m.pt"
    save_model(build_model("gru", 20, 4, 6, 1), path, {"vocab_hash": "aaaa"})
    with pytest.raises(CheckpointError, match="vocab_hash: checkpoint has 'aaaa'"):
        load_model(path, expect={"arch": "gru", "vocab_size": 20, "vocab_hash": "bbbb"})
    with pytest.raises(CheckpointError, match="vocab_size"):
        load_model(path, expect={"vocab_size": 21})
    blob = torch.load(path, weights_only=True)
    blob["meta"]["hidden_size"] = 7  # meta that disagrees with the stored weights
    torch.save(blob, path)
    with pytest.raises(CheckpointError, match="weights do not match"):
        load_model(path)
