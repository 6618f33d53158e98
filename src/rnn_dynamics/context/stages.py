"""One function per workflow rule: take a model plus tables, write one Parquet table, return it.

The workflow reruns a stage when any code its script imports changes
(:mod:`rnn_dynamics.versioning`).

Shared inputs: ``model`` follows the model contract (``step``, ``embedding``, ``readout_logit``,
``readout_vector``, ``initial_state``, ``hidden_states``, ``state_dim``, ``input_dim``); splits
have columns ``ids`` (list<int32>), ``label``, ``length``; ``bow_coefs`` is the table of
:func:`rnn_dynamics.baselines.bow.fit_bow` (``token, id, coef, count``). ``probe_cfg`` holds the
keyword arguments of :func:`.probe.build_probe` (``n_states, n_valence, n_neutral, settle, far,
seed``); give every stage of one cell the same, so they measure from the same states. Stages
are deterministic for a given config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..analysis.kept_points import points_from_table
from ..io import write_parquet
from ..runtime import resolve_device
from .augmented_bow import VARIANTS, fit_augmented_bow
from .dynamics import gain_lookup, modifier_dynamics
from .modifiers import MIN_SCORE, candidate_words, modifier_table, top_modifiers
from .perturbation import perturbation_table
from .position import position_table
from .probe import Probe, build_probe, padded
from .subspace import basis_from_table, subspace_table

PathLike = str | os.PathLike


def _probe(model: Any, test: pd.DataFrame, bow_coefs: pd.DataFrame,
           probe_cfg: Mapping[str, Any] | None, device: str) -> Probe:
    model.to(resolve_device(device))
    model.eval()
    return build_probe(model, test, bow_coefs, **dict(probe_cfg or {}))


def run_modifier_stage(model: Any, test: pd.DataFrame, bow_coefs: pd.DataFrame,
                       out_path: PathLike, *, top_k: int | None = 200,
                       min_score: float = MIN_SCORE,
                       probe_cfg: Mapping[str, Any] | None = None,
                       device: str = "auto") -> pd.DataFrame:
    """Rank the ``top_k`` most frequent words (all if None) as modifiers (:mod:`.modifiers`).

    Schema (one row per candidate word, best ``score`` first)::

        rank          int64    1 = strongest rescaling of what follows
        token         str      word
        id            int64    vocabulary id
        count         int64    training count
        coef          float64  bag-of-words coefficient
        score         float64  |ratio - 1|
        ratio         float64  gain of valence effects right after the word (-1 flip, 2 double)
        kind          str      'negator' | 'intensifier' | 'attenuator' | 'none' (score < min)
        score_linear  float64  the same from l^T J_inp (e_v - e_n), l = readout pulled back
        ratio_linear  float64  through the settling steps
        effect_base   float64  mean |valence effect| from the attractor (logit units)
        relative_change         float64  sum|effect_after - effect_base| / sum|effect_base|
        relative_change_linear  float64  the same, linearised
    """
    probe = _probe(model, test, bow_coefs, probe_cfg, device)
    table = modifier_table(probe, candidate_words(bow_coefs, top_k), min_score=min_score)
    write_parquet(table, out_path)
    return table


def run_subspace_stage(model: Any, test: pd.DataFrame, bow_coefs: pd.DataFrame,
                       modifiers: pd.DataFrame, out_path: PathLike, *,
                       fixed_points: pd.DataFrame | None = None, n_modifiers: int = 10,
                       variance: float = 0.9, gaps: Sequence[int] = (0,), n_points: int = 30,
                       slow: float = 0.95, probe_cfg: Mapping[str, Any] | None = None,
                       device: str = "auto") -> pd.DataFrame:
    """Principal subspace of the top modifiers' deflections and its eigenmodes
    (:mod:`.subspace`); eigenmodes at the kept fixed points nearest to the probe states (at
    the probe states themselves, x = 0, when ``fixed_points`` is None or has none kept).

    Schema (one row per principal axis, up to 20)::

        component       int64          0-based axis index
        variance_ratio  float64        share of deflection energy (uncentred)
        cumulative      float64        cumulative share
        in_subspace     bool           component < dim
        dim             int64          axes needed for ``variance``
        share_r1        float64        eigen-share of mode 1 (the slowest, tau order; not
                                       necessarily the spectra stage's integrating mode)
        share_slow      float64        other modes with |lambda| >= slow
        share_fast      float64        modes with |lambda| < slow
        share_complex   float64        modes with Im lambda != 0
        tau_weighted    float64        effective time constant (tokens) of the non-r1 part
        r1_in_subspace  float64        mean ||Q^T r1||^2 (Q: the dim in-subspace axes)
        n_points        int64          expansion points used
        vector          list<float64>  the unit axis (length N)
    """
    probe = _probe(model, test, bow_coefs, probe_cfg, device)
    ids = top_modifiers(modifiers, n_modifiers)["id"].to_numpy(np.int64)
    pts = None
    if fixed_points is not None and len(fixed_points) and fixed_points["kept"].any():
        pts = points_from_table(fixed_points)
    table = subspace_table(probe, ids, fixed_points=pts, variance=variance, gaps=tuple(gaps),
                           n_points=n_points, slow=slow)
    write_parquet(table, out_path)
    return table


def run_dynamics_stage(model: Any, test: pd.DataFrame, bow_coefs: pd.DataFrame,
                       modifiers: pd.DataFrame, out_path: PathLike, *, n_modifiers: int = 10,
                       max_gap: int = 8, probe_cfg: Mapping[str, Any] | None = None,
                       device: str = "auto") -> pd.DataFrame:
    """Gain of a valence word ``gap`` neutral tokens after each top modifier (:mod:`.dynamics`).

    Schema (one row per (modifier, gap), gap 0..max_gap; max_gap < probe ``far``)::

        token           str      modifier
        id              int64    vocabulary id
        gap             int64    neutral tokens between modifier and valence word
        gain            float64  valence-effect gain relative to reading from the attractor
        deflection      float64  mean ||D(gap) - D(far)||: transient distance off the attractor
        strength        float64  gain at gap 0                     (per modifier, repeated)
        span            int64    leading gaps with |gain-1| >= 1/2 |gain(0)-1|   (repeated)
        tau_gain        float64  exponential time constant of |gain - 1| (tokens; repeated)
        tau_deflection  float64  exponential time constant of the deflection   (repeated)
    """
    probe = _probe(model, test, bow_coefs, probe_cfg, device)
    table = modifier_dynamics(probe, top_modifiers(modifiers, n_modifiers), max_gap=max_gap)
    write_parquet(table, out_path)
    return table


def run_position_stage(model: Any, test: pd.DataFrame, bow_coefs: pd.DataFrame,
                       subspace: pd.DataFrame | None, out_path: PathLike, *,
                       max_offset: int = 10, probe_cfg: Mapping[str, Any] | None = None,
                       device: str = "auto") -> pd.DataFrame:
    """Valence effects near the start (from h0 and, as control, from the attractor) and the end
    of a review, and whether h0 lies in the modifier subspace (:mod:`.position`).

    Schema (one row per (origin, offset))::

        origin                str      'h0' | 'attractor' (start, offset = tokens before the
                                       word) | 'end' (offset = tokens after it to the end)
        offset                int64
        effect                float64  mean |valence effect| (logit units)
        gain                  float64  relative to offset far (start) or settle (end)
        tau                   float64  exponential time constant of |gain - 1| (per origin)
        h0_subspace_fraction  float64  ||Q^T d||^2/||d||^2, d = h0 - nearest attractor state
        h0_distance           float64  ||d||
        random_fraction       float64  dim / N, the expected fraction for a random direction
    """
    probe = _probe(model, test, bow_coefs, probe_cfg, device)
    basis = basis_from_table(subspace) if subspace is not None and len(subspace) else None
    table = position_table(probe, basis, max_offset=max_offset)
    write_parquet(table, out_path)
    return table


@torch.no_grad()
def rnn_accuracy(model: Any, split: pd.DataFrame, batch_size: int = 256) -> float:
    """Accuracy of the model's fused forward pass on a split."""
    dev = next(model.parameters()).device
    correct = 0
    for s in range(0, len(split), batch_size):
        ids, lengths = padded(split["ids"], np.arange(s, min(s + batch_size, len(split))))
        logits = model(ids.to(dev), lengths.to(dev)).cpu().numpy()
        correct += int(((logits > 0).astype(int) == split["label"].to_numpy()[s:s + batch_size])
                       .sum())
    return correct / max(len(split), 1)


def run_augmented_bow_stage(model: Any, train: pd.DataFrame, valid: pd.DataFrame,
                            test: pd.DataFrame, vocab: pd.DataFrame, dynamics: pd.DataFrame,
                            position: pd.DataFrame | None, out_path: PathLike, *,
                            C_grid: Sequence[float] = (0.01, 0.1, 1.0, 10.0),
                            variants: Sequence[str] = VARIANTS, seed: int = 0,
                            device: str = "auto") -> pd.DataFrame:
    """Plain vs augmented bag-of-words with the measured modifier gains (``dynamics``) and
    start/end emphasis (``position``: origin 'h0' and 'end' gains), next to the RNN.

    Schema (one row per variant: bow, bow_counts, augmented_modifiers, augmented)::

        model          str      variant
        C              float64  chosen on validation
        train_acc      float64
        valid_acc      float64
        test_acc       float64
        bow_test_acc   float64  plain BoW test accuracy (repeated)
        rnn_test_acc   float64  the RNN's test accuracy (repeated)
        gap_recovered  float64  (test_acc - bow) / (rnn - bow); nan if rnn <= bow
        n_features     int64
    """
    model.to(resolve_device(device))
    model.eval()
    start = end = None
    if position is not None and len(position):
        start = position[position["origin"] == "h0"].sort_values("offset")["gain"].to_numpy()
        end = position[position["origin"] == "end"].sort_values("offset")["gain"].to_numpy()
    table = fit_augmented_bow(train, valid, test, int(vocab["id"].max()) + 1,
                              gain_lookup(dynamics), start=start, end=end,
                              rnn_test_acc=rnn_accuracy(model, test), C_grid=C_grid,
                              variants=variants, seed=seed)
    write_parquet(table, out_path)
    return table


def run_perturbation_stage(model: Any, test: pd.DataFrame, bow_coefs: pd.DataFrame,
                           modifiers: pd.DataFrame, subspace: pd.DataFrame, out_path: PathLike,
                           *, n_modifiers: int = 10, n_docs: int | None = 1000, seed: int = 0,
                           orthogonal_to_integration: bool = True,
                           probe_cfg: Mapping[str, Any] | None = None,
                           device: str = "auto") -> pd.DataFrame:
    """Project the modifier subspace (or a random one of the same dimension) out of the state,
    after modifier tokens or after every token (:mod:`.perturbation`).

    Schema (one row per (condition, modifier))::

        condition         str      'none' | '{modifier,random}_{after_modifiers,every_step}'
        subspace          str      'none' | 'modifier' | 'random'
        mode              str      'none' | 'after_modifiers' | 'every_step'
        dim               int64    dimension projected out (0 for 'none')
        accuracy          float64  test accuracy through the step map (n_docs sampled, seeded)
        accuracy_drop     float64  unperturbed minus this accuracy
        integration       float64  gain of plain valence effects vs unperturbed (~1: intact)
        token, id         str, int64  modifier
        gain              float64  its gain at gap 0 under the perturbation (1: effect gone)
        gain_unperturbed  float64  the same without perturbation
    """
    probe = _probe(model, test, bow_coefs, probe_cfg, device)
    table = perturbation_table(probe, test, basis_from_table(subspace),
                               top_modifiers(modifiers, n_modifiers), n_docs=n_docs, seed=seed,
                               orthogonal_to_integration=orthogonal_to_integration)
    write_parquet(table, out_path)
    return table


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
