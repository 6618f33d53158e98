"""Rule integration: the attractor-dimension analysis of one K-class grid cell, file to file."""

from __future__ import annotations

import logging
from pathlib import Path

from ..analysis.integration import analyse_integration
from ..data.prepare import MULTICLASS
from ..errors import ConfigError
from ..io import atomic_paths, read_parquet
from ..models import load_model

log = logging.getLogger(__name__)

OUTPUTS = ("summary", "projection", "spectrum", "words")


def run_integration(model_path: str | Path, train_path: str | Path, test_path: str | Path,
                    outputs: dict[str, str | Path], *, dataset: str, **params) -> None:
    """Load the model and splits, run :func:`analyse_integration`, write its four tables
    together (``outputs``: a path per name in :data:`OUTPUTS`). ``params`` go to the analysis;
    whether the labels are ordered follows from ``dataset``."""
    if dataset not in MULTICLASS:
        raise ConfigError(f"dataset {dataset!r} is not a multi-class dataset; "
                          f"the integration analysis runs on {sorted(MULTICLASS)}")
    model, _ = load_model(model_path)
    result = analyse_integration(model, read_parquet(train_path), read_parquet(test_path),
                                 ordered=MULTICLASS[dataset], **params)
    row = result.summary.iloc[0]
    log.info("%s: K = %d, measured dimension %d (participation ratio %.2f), predicted %d, "
             "from %d slow points", dataset, row["n_classes"], row["measured_dimension"],
             row["participation_ratio"], row["predicted_dimension"], row["n_slow_points"])
    with atomic_paths([outputs[name] for name in OUTPUTS]) as tmps:
        for name, tmp in zip(OUTPUTS, tmps):
            getattr(result, name).to_parquet(tmp, engine="pyarrow", index=False)
