"""Markdown and standalone-HTML renderings of the small summary tables.

The Markdown files are for people: no blank cells (a missing value reads 'n/a', with its
reason in a footnote when the table knows one), and wide tables split into sections of a few
columns each that repeat the row keys. The Parquet tables keep NaN.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import atomic_path

NA = "n/a"


def _missing(value) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and math.isnan(value))


def _cell(value, digits: int) -> str:
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(_cell(v, digits) for v in value) if len(value) else NA
    if _missing(value):
        return NA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def to_markdown(df: pd.DataFrame, digits: int = 2,
                reasons: Mapping[str, str] | None = None) -> str:
    """GitHub-flavoured Markdown table; floats rounded to ``digits``. A missing value reads
    'n/a'; where ``reasons`` names its column, 'n/a [k]' with the reason as footnote k."""
    reasons = reasons or {}
    notes: dict[str, int] = {}

    def cell(column: str, value) -> str:
        text = _cell(value, digits)
        if NA not in text.split(", ") or column not in reasons:
            return text
        k = notes.setdefault(reasons[column], len(notes) + 1)
        return f"{text} [{k}]"

    header = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(cell(c, v) for c, v in zip(df.columns, row)) + " |"
            for row in df.itertuples(index=False)]
    foot = [f"[{k}] n/a: {reason}" for reason, k in notes.items()]
    return "\n".join([header, rule, *rows]) + "\n" + ("\n" + "\n".join(foot) + "\n" if foot else "")


def sectioned_markdown(df: pd.DataFrame, sections: Mapping[str, Sequence[str]],
                       keys: Sequence[str], digits: int = 2,
                       reasons: Mapping[str, str] | None = None) -> str:
    """One small table per section (the ``keys`` columns first in each); columns no section
    names go into a last section 'Other'."""
    named = {c for cols in sections.values() for c in cols}
    rest = [c for c in df.columns if c not in named and c not in keys]
    parts = []
    for title, cols in [*sections.items(), *([("Other", rest)] if rest else [])]:
        cols = [c for c in cols if c in df.columns]
        if cols:
            parts.append(f"### {title}\n\n" + to_markdown(df[[*keys, *cols]], digits, reasons))
    return "\n".join(parts)


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
                     html_path: str | Path | None = None, digits: int = 2,
                     reasons: Mapping[str, str] | None = None,
                     sections: Mapping[str, Sequence[str]] | None = None,
                     keys: Sequence[str] = ("dataset", "arch"),
                     view: pd.DataFrame | None = None) -> None:
    """Write ``df`` as Markdown (note, blank line, table or ``sections``) and, if asked, as an
    HTML page. ``view`` replaces ``df`` in both renderings (a display form of the same rows)."""
    shown = df if view is None else view
    body = (sectioned_markdown(shown, sections, list(keys), digits, reasons) if sections
            else to_markdown(shown, digits, reasons))
    with atomic_path(markdown_path) as tmp:
        tmp.write_text(note.strip() + "\n\n" + body, encoding="utf-8")
    df = shown
    if html_path is not None:
        with atomic_path(html_path) as tmp:
            tmp.write_text(to_html(df, note, digits=digits), encoding="utf-8")
