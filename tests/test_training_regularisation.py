"""Regularisation and the cheaper search: L2 groups and forms, dropout, lr decay, recurrent
initialisation, search-then-final training, and L2's effect on frozen single-unit memories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rnn_dynamics.errors import ConfigError
from rnn_dynamics.models import build_model
from rnn_dynamics.models.sentiment import IDENTITY_SCALE
from rnn_dynamics.training import ModelConfig, TrainConfig, train_cell
from rnn_dynamics.training.loop import SEARCH_COLUMNS, l2_group, make_optimizer

from .test_training_loop import VOCAB, counting_task


@pytest.fixture(scope="module")
def data():
    return counting_task(400, 0), counting_task(150, 1), counting_task(150, 2)


def _train(data, work_dir, **cfg):
    base = {"epochs": 2, "batch_size": 32, "lr": 0.01, "patience": 5, "eval_batch_size": 128}
    return train_cell(*data, arch="gru", vocab_size=VOCAB, model_cfg=ModelConfig(8, 12),
                      train_cfg=TrainConfig.from_dict({**base, **cfg}), seed=0, device="cpu",
                      work_dir=work_dir, progress=False)


@pytest.mark.parametrize("cfg, message", [
    ({"l2_form": "adamw"}, "l2_form"),
    ({"l2_params": ["recurrent", "bias"]}, "unknown group"),
    ({"dropout_embed": 1.0}, "dropout_embed"),
    ({"lr_decay": 0.0}, "lr_decay"),
    ({"search_fraction": 1.5}, "search_fraction"),
    ({"search_space": {"dropout_final": [0.1, 1.0]}}, "below 1"),
])
def test_bad_regularisation_settings_are_named(cfg, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig.from_dict(cfg)


def test_bad_recurrent_init_is_named():
    with pytest.raises(ConfigError, match="recurrent_init"):
        ModelConfig.from_dict({"recurrent_init": "xavier"})


@pytest.mark.parametrize("arch", ["gru", "lstm", "ugrnn", "vanilla"])
def test_l2_covers_exactly_the_named_groups(arch):
    model = build_model(arch, 20, 4, 6)
    groups = {name: l2_group(name) for name, _ in model.named_parameters()}
    assert groups["embedding.weight"] == "embedding" and groups["readout.weight"] == "readout"
    assert groups["h0"] is None and groups["readout.bias"] is None
    assert {g for n, g in groups.items() if "weight_hh" in n} == {"recurrent"}
    assert {g for n, g in groups.items() if "weight_ih" in n} == {"input"}
    assert all(g is None for n, g in groups.items() if "bias" in n)
    for form, cls in (("coupled", torch.optim.Adam), ("decoupled", torch.optim.AdamW)):
        opt = make_optimizer(model, 1e-3, 0.5, l2_form=form, l2_params=("recurrent", "readout"))
        assert type(opt) is cls
        decayed = {id(p) for g in opt.param_groups if g["weight_decay"] > 0 for p in g["params"]}
        want = {id(p) for n, p in model.named_parameters() if groups[n] in ("recurrent", "readout")}
        assert decayed == want


def test_decoupled_decay_shrinks_weights_without_gradient():
    """AdamW with a zero loss gradient: theta <- theta (1 - lr wd) per step, exactly."""
    model = build_model("gru", 20, 4, 6)
    w = model.rnn[0].weight_hh_l0
    before = w.detach().clone()
    opt = make_optimizer(model, 0.1, 0.5, l2_form="decoupled", l2_params=("recurrent",))
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    torch.testing.assert_close(w.detach(), before * (1 - 0.1 * 0.5))


def test_recurrent_inits():
    for arch in ("gru", "vanilla", "lstm"):
        orth = build_model(arch, 20, 4, 6, recurrent_init="orthogonal").rnn[0].weight_hh_l0
        for block in orth.detach().split(6):
            torch.testing.assert_close(block @ block.T, torch.eye(6), atol=1e-5, rtol=0)
        ident = build_model(arch, 20, 4, 6, recurrent_init="identity").rnn[0].weight_hh_l0
        for block in ident.detach().split(6):
            torch.testing.assert_close(block, IDENTITY_SCALE * torch.eye(6))


def test_dropout_acts_in_training_only_and_not_on_the_step_map():
    torch.manual_seed(0)
    model = build_model("gru", 20, 4, 6, dropout_embed=0.5, dropout_final=0.5)
    ids, lengths = torch.randint(1, 20, (8, 5)), torch.full((8,), 5)
    model.train()
    assert not torch.equal(model(ids, lengths), model(ids, lengths))
    model.eval()
    torch.testing.assert_close(model(ids, lengths), model(ids, lengths))
    plain = build_model("gru", 20, 4, 6)
    plain.load_state_dict(model.state_dict())          # dropout adds no parameters
    h, x = torch.randn(3, 6), torch.randn(3, 4)
    model.train()
    torch.testing.assert_close(model.step(h, x), plain.step(h, x))


def test_lr_decays_per_epoch(data, tmp_path):
    result = _train(data, tmp_path, epochs=3, lr=0.02, lr_decay=0.5)
    np.testing.assert_allclose(result.history["lr"], [0.02, 0.01, 0.005])


def test_cheap_search_then_final_training_of_the_chosen_setting(data, tmp_path):
    result = _train(data, tmp_path, epochs=3, search_trials=3, search_epochs=1,
                    search_fraction=0.5, search_space={"lr": [0.003, 0.03],
                                                       "dropout_final": [0.0, 0.3]})
    search, history = result.search, result.history
    assert list(search.columns) == list(SEARCH_COLUMNS)
    assert list(search["phase"]) == ["search"] * 3 + ["final"]
    assert list(search["train_docs"]) == [200, 200, 200, 400]
    assert list(search["epochs"]) == [1, 1, 1, 3]
    assert search["chosen"].tolist() == [False, False, False, True]
    winner = search[search["phase"] == "search"].sort_values(
        ["valid_acc", "trial"], ascending=[False, True]).iloc[0]
    final = search.iloc[-1]
    for key in ("lr", "weight_decay", "dropout_embed", "dropout_final"):
        assert final[key] == winner[key]
    assert len(set(search["lr"].iloc[:3])) == 3         # the search did vary lr
    assert (history.groupby("trial").size().tolist()) == [1, 1, 1, 3]
    assert result.metrics.iloc[0]["best_trial"] == 3
    assert final["valid_acc"] == pytest.approx(result.metrics.iloc[0]["valid_acc"])


def test_cheap_search_resumes_inside_the_final_training(data, tmp_path):
    cfg = dict(epochs=3, search_trials=2, search_epochs=1, search_fraction=0.5,
               search_space={"lr": [0.003, 0.03]})
    whole = _train(data, tmp_path / "whole", **cfg)

    class Killed(Exception):
        pass

    def kill(trial, epoch):
        if trial == 2 and epoch == 2:
            raise Killed

    with pytest.raises(Killed):
        train_cell(*data, arch="gru", vocab_size=VOCAB, model_cfg=ModelConfig(8, 12),
                   train_cfg=TrainConfig.from_dict({"batch_size": 32, "lr": 0.01, "patience": 5,
                                                    "eval_batch_size": 128, **cfg}),
                   seed=0, device="cpu", work_dir=tmp_path / "killed", progress=False,
                   on_epoch_end=kill)
    resumed = _train(data, tmp_path / "killed", **cfg)
    pd.testing.assert_frame_equal(resumed.search, whole.search)
    for a, b in zip(resumed.model.state_dict().values(), whole.model.state_dict().values()):
        assert torch.equal(a, b)


@pytest.mark.slow
def test_l2_leaves_fewer_frozen_unit_memories_on_the_synthetic_language(tmp_path):
    """Without L2 a GRU keeps units whose update gate saturates: slow modes (tau >= 100 tokens,
    about a review) on one or two units. Decoupled L2 removes them, at the same accuracy."""
    from rnn_dynamics.analysis.fixed_points import find_fixed_points, sample_starts
    from rnn_dynamics.analysis.jacobians import recurrent_jacobians
    from rnn_dynamics.analysis.kept_points import points_from_table
    from rnn_dynamics.analysis.states import collect_states
    from rnn_dynamics.analysis.unit_modes import count_unit_slow_modes
    from rnn_dynamics.data import synthetic
    from rnn_dynamics.data.vocab import build_vocab, encode, vocab_map

    lang = synthetic.SyntheticLanguage(min_length=50, max_length=200)
    splits = [synthetic.generate(lang, n, seed) for n, seed in ((4000, 0), (500, 1), (500, 2))]
    mapping = vocab_map(build_vocab(splits[0]["tokens"], 1000))
    frames = []
    for df in splits:
        ids = [encode(tokens, mapping) for tokens in df["tokens"]]
        frames.append(pd.DataFrame({"ids": ids, "label": df["label"].astype(int),
                                    "length": [len(x) for x in ids]}))
    test = frames[2]
    lengths = torch.tensor(test["length"].to_numpy())
    ids = torch.zeros(len(test), int(lengths.max()), dtype=torch.long)
    for i, row in enumerate(test["ids"]):
        ids[i, :len(row)] = torch.as_tensor(np.asarray(row, dtype=np.int64))

    def frozen_units(weight_decay: float) -> tuple[float, float]:
        cfg = TrainConfig(epochs=8, batch_size=64, lr=0.01, patience=8, l2_form="decoupled",
                          weight_decay=weight_decay)
        res = train_cell(*frames, arch="gru", vocab_size=len(mapping) + 2,
                         model_cfg=ModelConfig(16, 32), train_cfg=cfg, seed=0, device="cpu",
                         work_dir=tmp_path / str(weight_decay), progress=False)
        model = res.model
        states, _, _ = collect_states(model, ids, lengths, 200)
        starts, _ = sample_starts(states, 128, noise_std=0.01, seed=0)
        points = points_from_table(find_fixed_points(model.step, starts, model.input_dim))
        assert len(points) >= 20
        j = recurrent_jacobians(model.step, torch.from_numpy(points), input_dim=model.input_dim)
        counts = count_unit_slow_modes(j, slow_tau=100.0)
        return float(np.median(counts)), float(res.metrics.iloc[0]["test_acc"])

    plain, plain_acc = frozen_units(0.0)
    regularised, reg_acc = frozen_units(1.0)
    assert plain >= 2 and regularised < plain, (plain, regularised)
    assert reg_acc > plain_acc - 0.03 and reg_acc > 0.85
