"""Closed-form cell Jacobians equal jacrev of the step they differentiate (all four cells,
one and two layers), and the analysis picks them up for a model's ``step``."""

from __future__ import annotations

import pytest
import torch
from torch.func import jacrev, vmap

from rnn_dynamics.analysis.jacobians import closed_form_of, jacobians, recurrent_jacobians
from rnn_dynamics.models.sentiment import build_model

ARCHS = ["vanilla", "gru", "ugrnn", "lstm"]


def _model(arch: str, layers: int) -> torch.nn.Module:
    torch.manual_seed(1)
    model = build_model(arch, vocab_size=11, embed_dim=5, hidden_size=6, num_layers=layers)
    with torch.no_grad():                       # make the trained-looking h0 and weights nonzero
        model.h0.normal_(0, 0.5)
        for p in model.rnn.parameters():
            p.mul_(2.0)
    return model.double()


def _points(model, k: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(2)
    h = torch.randn(k, model.state_dim, generator=gen, dtype=torch.float64)
    x = torch.randn(k, model.input_dim, generator=gen, dtype=torch.float64)
    return h, x


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("arch", ARCHS)
def test_closed_form_equals_jacrev(arch, layers):
    model = _model(arch, layers)
    h, x = _points(model)
    j_rec, j_inp = model.step_jacobians(h, x)
    ref_rec, ref_inp = vmap(jacrev(model.step, argnums=(0, 1)))(h, x)
    assert j_rec.shape == (4, model.state_dim, model.state_dim)
    assert j_inp.shape == (4, model.state_dim, model.input_dim)
    torch.testing.assert_close(j_rec, ref_rec, atol=1e-12, rtol=1e-10)
    torch.testing.assert_close(j_inp, ref_inp, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("arch", ARCHS)
def test_analysis_uses_the_models_closed_form(arch, monkeypatch):
    model = _model(arch, 1)
    h, x = _points(model)
    assert closed_form_of(model.step) is not None
    assert closed_form_of(lambda a, b: model.step(a, b)) is None      # any callable: jacrev
    expected = vmap(jacrev(model.step, argnums=(0, 1)))(h, x)
    calls = []
    original = model.step_jacobians
    monkeypatch.setattr(model, "step_jacobians", lambda a, b, **kw: calls.append(1) or original(a, b, **kw))
    j_rec, j_inp = jacobians(model.step, h, x, chunk_size=3)
    assert calls                                                      # closed form was used
    torch.testing.assert_close(j_rec, expected[0])
    torch.testing.assert_close(j_inp, expected[1])
    torch.testing.assert_close(recurrent_jacobians(model.step, h, x), expected[0])
