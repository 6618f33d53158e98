"""A dependency-free Markdown rendering of small tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _cell(value, digits: int) -> str:
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(_cell(v, digits) for v in value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def to_markdown(df: pd.DataFrame, digits: int = 2) -> str:
    """GitHub-flavoured Markdown table; floats rounded to ``digits``."""
    header = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(_cell(v, digits) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"
