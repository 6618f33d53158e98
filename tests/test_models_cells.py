"""The step map, the fused forward pass and PyTorch's reference cells agree."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnn_dynamics.errors import CheckpointError
from rnn_dynamics.models import ARCHS, CELLS, build_model, load_model, save_model

CASES = [(a, 1) for a in ARCHS] + [("lstm", 2), ("gru", 2), ("ugrnn", 2)]


def _model(arch: str, layers: int = 1, seed: int = 0, dtype=torch.float64):
    torch.manual_seed(seed)
    model = build_model(arch, vocab_size=30, embed_dim=6, hidden_size=5, num_layers=layers)
    with torch.no_grad():
        model.h0.normal_(0, 0.5)  # a non-zero initial state catches layout mistakes
    return model.to(dtype)


def _batch(B: int = 4, T: int = 9, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([T, 1, 5, 3][:B])
    ids = torch.randint(2, 30, (B, T), generator=g)
    ids[torch.arange(T)[None] >= lengths[:, None]] = 0
    return ids, lengths


def _iterate(model, ids):
    h = model.initial_state(ids.shape[0])
    states = []
    for t in range(ids.shape[1]):
        h = model.step(h, model.embedding(ids[:, t]))
        states.append(h)
    return torch.stack(states, dim=1)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("arch,layers", CASES)
def test_step_map_matches_fused_forward(arch, layers, dtype):
    model = _model(arch, layers, dtype=dtype)
    ids, lengths = _batch()
    with torch.no_grad():
        by_step = _iterate(model, ids)
        fused = model.hidden_states(ids, lengths)
        logits = model(ids, lengths)
    assert fused.shape == (4, 9, model.state_dim)
    torch.testing.assert_close(fused, by_step, atol=1e-5, rtol=0)
    last = by_step[torch.arange(4), lengths - 1]
    torch.testing.assert_close(logits, model.readout_logit(last), atol=1e-5, rtol=0)


def test_state_dim_and_layout():
    assert _model("lstm", 2).state_dim == 20 and _model("gru", 2).state_dim == 10
    model = _model("lstm", 2)
    w = model.readout_vector()
    assert torch.equal(w[15:20], torch.zeros(5, dtype=w.dtype))  # c of the last layer
    assert torch.equal(w[10:15], model.readout.weight[0])  # h of the last layer


@pytest.mark.parametrize("arch,ref", [("lstm", nn.LSTMCell), ("gru", nn.GRUCell),
                                      ("vanilla", nn.RNNCell)])
def test_cells_match_torch_cells(arch, ref):
    torch.manual_seed(0)
    ours, theirs = CELLS[arch](6, 5), ref(6, 5)
    ours.load_state_dict(theirs.state_dict())
    x, h = torch.randn(3, 6), torch.randn(3, ours.state_size)
    with torch.no_grad():
        if arch == "lstm":
            hr, cr = theirs(x, (h[:, :5], h[:, 5:]))
            expected = torch.cat([hr, cr], dim=-1)
        else:
            expected = theirs(x, h)
        torch.testing.assert_close(ours(h, x), expected, atol=1e-6, rtol=0)
        torch.testing.assert_close(ours(h[0], x[0]), expected[0], atol=1e-6, rtol=0)


def test_ugrnn_cell_equations():
    torch.manual_seed(0)
    cell = CELLS["ugrnn"](6, 5)
    x, h = torch.randn(6), torch.randn(5)
    pre = cell.weight_ih @ x + cell.bias_ih + cell.weight_hh @ h + cell.bias_hh
    u, c = torch.sigmoid(pre[:5]), torch.tanh(pre[5:])
    torch.testing.assert_close(cell(h, x), u * h + (1 - u) * c)


@pytest.mark.parametrize("arch,layers", [(a, 1) for a in ARCHS] + [("lstm", 2)])
def test_batched_jacobian_matches_finite_differences(arch, layers):
    model = _model(arch, layers)
    N, E = model.state_dim, model.input_dim
    h, x = torch.randn(3, N, dtype=torch.float64), torch.randn(3, E, dtype=torch.float64)
    jac = torch.func.vmap(torch.func.jacrev(model.step, argnums=0))(h, x)
    assert jac.shape == (3, N, N)
    eps = 1e-6
    with torch.no_grad():
        for j in range(N):
            d = torch.zeros(N, dtype=torch.float64)
            d[j] = eps
            fd = (model.step(h + d, x) - model.step(h - d, x)) / (2 * eps)
            torch.testing.assert_close(jac[:, :, j], fd, atol=1e-7, rtol=1e-6)
    jx = torch.func.vmap(torch.func.jacrev(model.step, argnums=1))(h, x)
    assert jx.shape == (3, N, E)


@pytest.mark.parametrize("arch", ARCHS)
def test_readout_vector_reproduces_readout_logit(arch):
    model = _model(arch, 2)
    h = torch.randn(7, model.state_dim, dtype=torch.float64)
    expected = model.readout_logit(h)
    torch.testing.assert_close(h @ model.readout_vector() + model.readout.bias, expected)


def test_gradients_reach_every_parameter():
    for arch in ARCHS:
        model = _model(arch, 2)
        ids, lengths = _batch()
        model(ids, lengths).sum().backward()
        for name, p in model.named_parameters():
            assert p.grad is not None and p.grad.abs().sum() > 0 or name == "embedding.weight", name


def test_save_load_round_trip(tmp_path):
    model = _model("lstm", 2).float()
    path = tmp_path / "m.pt"
    save_model(model, path, {"vocab_hash": "abc", "dataset": "imdb"})
    loaded, meta = load_model(path, expect={"arch": "lstm", "vocab_hash": "abc"})
    assert meta["vocab_hash"] == "abc" and meta["num_layers"] == 2 and not loaded.training
    for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), k


@pytest.mark.parametrize("expect", [{"arch": "gru"}, {"vocab_size": 31}, {"vocab_hash": "zzz"}])
def test_load_with_wrong_expectation_raises(tmp_path, expect):
    path = tmp_path / "m.pt"
    save_model(_model("lstm"), path, {"vocab_hash": "abc"})
    with pytest.raises(CheckpointError, match=next(iter(expect))):
        load_model(path, expect=expect)


def test_corrupt_or_missing_checkpoint_raises(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable"):
        load_model(bad)
    with pytest.raises(CheckpointError, match="not found"):
        load_model(tmp_path / "absent.pt")
    torch.save({"something": 1}, bad)
    with pytest.raises(CheckpointError):
        load_model(bad)
