"""Markdown and standalone-HTML renderings of the small summary tables."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import atomic_path


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


def to_html(df: pd.DataFrame, note: str, digits: int = 2) -> str:
    """A self-contained HTML page of ``df`` under ``note`` (the page the HTML report embeds)."""
    shown = df.map(lambda v: _cell(v, digits)) if len(df) else df
    table = shown.to_html(index=False, escape=True, border=0, classes="summary")
    style = ("body{font-family:sans-serif;margin:1em}table.summary{border-collapse:collapse;"
             "font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
             "th{background:#f3f3f3}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{style}</style></head>"
            f"<body><p>{html.escape(note.strip())}</p>{table}</body></html>\n")


def write_renderings(df: pd.DataFrame, note: str, *, markdown_path: str | Path,
                     html_path: str | Path | None = None, digits: int = 2) -> None:
    """Write ``df`` as Markdown (note, blank line, table) and, if asked, as an HTML page."""
    with atomic_path(markdown_path) as tmp:
        tmp.write_text(note.strip() + "\n\n" + to_markdown(df, digits=digits), encoding="utf-8")
    if html_path is not None:
        with atomic_path(html_path) as tmp:
            tmp.write_text(to_html(df, note, digits=digits), encoding="utf-8")
