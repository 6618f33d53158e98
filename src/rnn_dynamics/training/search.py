"""Seeded random hyper-parameter search: which settings of ``SEARCHABLE`` each trial uses."""

from __future__ import annotations

import math

import numpy as np

from .config import SEARCHABLE, TrainConfig


def sample_trials(cfg: TrainConfig, seed: int) -> list[dict[str, float]]:
    """``cfg.search_trials`` settings; trial 0 is the configured one, later trials are drawn.

    A range with ``low > 0`` is sampled log-uniformly (learning rates and penalties span
    decades), a range starting at 0 uniformly. Keys without a range keep the configured value.
    The draws depend only on ``seed``, so a resumed or repeated run tries the same settings
    (and adding or removing a key of the space leaves the other keys' draws unchanged).
    """
    base = {key: float(getattr(cfg, key)) for key in SEARCHABLE}
    rng = np.random.default_rng([int(seed), 0x5EA2C4])
    trials = [dict(base)]
    for _ in range(1, cfg.search_trials):
        trial = dict(base)
        draws = rng.random(len(SEARCHABLE))  # one per key, used or not: see above
        for key, u in zip(SEARCHABLE, draws.tolist()):
            if key not in cfg.search_space:
                continue
            lo, hi = cfg.search_space[key]
            if lo > 0:
                trial[key] = float(math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))))
            else:
                trial[key] = float(lo + u * (hi - lo))
        trials.append(trial)
    return trials
