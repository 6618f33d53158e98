"""Every report caption is valid reStructuredText (Snakemake renders them with docutils; a stray
`|x|` would be read as an undefined substitution and printed as an error in the report)."""

from __future__ import annotations

import io
import re

import docutils.core
import pytest

from .conftest import REPO

CAPTIONS = sorted((REPO / "workflow" / "report").glob("*.rst"))


@pytest.mark.parametrize("caption", CAPTIONS, ids=lambda p: p.name)
def test_caption_renders_without_docutils_warnings(caption):
    text = re.sub(r"\{\{.*?\}\}", "X", caption.read_text(encoding="utf-8"))  # Jinja fields
    warnings = io.StringIO()
    html = docutils.core.publish_string(
        text, writer="html",
        settings_overrides={"warning_stream": warnings, "report_level": 2, "halt_level": 5})
    assert warnings.getvalue() == "", warnings.getvalue()
    assert b"<p>" in html


def test_there_is_a_caption_per_figure_and_table():
    names = {p.stem for p in CAPTIONS}
    assert {"fig2", "fig3", "fig4", "fig5", "fig6", "context"} <= names
    assert {"table_accuracy", "table_line_attractor", "table_context"} <= names
