"""`snakemake --report report.html` after a tiny demo run: every figure is in the report with its
caption and labels, the file is self-contained, and headless Chromium renders it.

Shares the demo run (target `all`) with tests/test_rerun_semantics.py. The Chromium part is
skipped, with the reason, where no `chromium` is installed (.ci/run installs Debian's).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from .conftest import REPO
from .test_rerun_semantics import ARCHS, full_demo_run

pytestmark = pytest.mark.slow

CELL_FIGURES = {"fig2": "Line attractor (NeurIPS 2019)", "fig3": "Line attractor (NeurIPS 2019)",
                "fig4": "Line attractor (NeurIPS 2019)", "fig5": "Line attractor (NeurIPS 2019)",
                "context": "Contextual processing (ICML 2020)"}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-extensions", "--hide-scrollbars", "--window-size=1400,1000"]


def _caption_title(name: str) -> str:
    """The caption's bold title, e.g. 'Figure 3 — linearised dynamics at the fixed points'."""
    first = (REPO / "workflow" / "report" / f"{name}.rst").read_text().splitlines()[0]
    return re.match(r"\*\*(.+?)\*\*", first).group(1)


def _embedded_json(html: str, name: str):
    pattern = rf'<script id="{name}">\s*var \w+ = (.*?);\s*</script>'
    match = re.search(pattern, html, flags=re.DOTALL)
    assert match, f"no <script id={name}> in the report"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, Path]:
    demo = full_demo_run(tmp_path_factory)
    path = demo / "report.html"
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(demo),
           "--cores", "1", "--workflow-profile", "none", "--report", str(path)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=demo, timeout=600)
    assert proc.returncode == 0, f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    print(f"report: {time.perf_counter() - start:.1f} s, {path.stat().st_size / 1e6:.1f} MB")
    return demo, path


def test_report_holds_every_figure_with_its_caption_and_labels(report):
    demo, path = report
    html = path.read_text(encoding="utf-8")
    results = _embedded_json(html, "results")
    expected = {f"results/figures/synthetic/{arch}/{name}.png": (arch, name)
                for arch in ARCHS for name in CELL_FIGURES}
    expected["results/figures/fig6_summary.png"] = (None, "fig6")
    assert set(results) >= set(expected), sorted(set(expected) - set(results))
    for png, (arch, name) in expected.items():
        entry = results[png]
        assert entry["mime_type"] == "image/png"
        caption_file = "fig6" if name == "fig6" else name
        assert _caption_title(caption_file) in entry["caption"], png
        assert "{{" not in entry["caption"], f"{png}: caption template not rendered"
        if arch is not None:
            assert "synthetic" in entry["caption"] and arch in entry["caption"]
            assert entry["labels"] == {"dataset": "synthetic", "arch": arch, "figure": name}
        else:
            assert entry["labels"] == {"figure": "fig6"}
        # self-contained: the PNG itself is embedded, byte for byte
        header, _, data = entry["data_uri"].partition(",")
        assert header.startswith("data:image/png;") and header.endswith(";base64"), png
        assert base64.b64decode(data) == (demo / png).read_bytes()

    categories = _embedded_json(html, "categories")
    for category in CELL_FIGURES.values():
        assert category in categories
        assert "synthetic" in categories[category]       # subcategory = dataset
    assert "Summary" in categories


SUMMARY_TABLES = ("accuracy", "line_attractor", "context")


def test_report_holds_the_summary_tables(report):
    """Each summary table as an HTML page of its own in the report's `Tables` category."""
    _, path = report
    html = path.read_text(encoding="utf-8")
    results, categories = _embedded_json(html, "results"), _embedded_json(html, "categories")
    if "Tables" not in categories:
        pytest.skip("the table rules put no output into the report yet (proposed: an HTML "
                    "rendering of each summary table wrapped in report(..., category='Tables'))")
    for name in SUMMARY_TABLES:
        entry = results.get(f"results/tables/{name}.html")
        assert entry is not None, f"results/tables/{name}.html not in the report"
        assert entry["mime_type"] == "text/html"
        assert entry["caption"].strip()
        page = base64.b64decode(entry["data_uri"].split(",", 1)[1]).decode()
        assert "<table" in page


def test_report_refers_to_nothing_outside_itself(report):
    _, path = report
    html = path.read_text(encoding="utf-8")
    external = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:[^"]+)"', html)
    assert external == []


@pytest.fixture()
def chromium() -> str:
    """A headless Chromium; requested before ``report`` so a missing one skips the test
    before the demo run it would otherwise wait for."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("no headless Chromium on PATH (Debian: apt-get install chromium; .ci/run does)")


def _run_chromium(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, HOME=str(tmp_path)))


def test_report_renders_in_headless_chromium(chromium, report, tmp_path):
    _, path = report
    url = path.resolve().as_uri()

    # the page the JavaScript app builds lists the report's categories (static HTML does not)
    dom = _run_chromium(chromium, tmp_path, "--virtual-time-budget=10000", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Please enable Javascript" not in dom.stdout or "Line attractor" in dom.stdout
    for category in set(CELL_FIGURES.values()) | {"Summary"}:
        assert category in dom.stdout, f"category {category!r} not rendered"

    screenshot = tmp_path / "report.png"
    shot = _run_chromium(chromium, tmp_path, "--virtual-time-budget=10000",
                         f"--screenshot={screenshot}", url)
    assert shot.returncode == 0 and screenshot.exists(), shot.stderr[-2000:]
    from PIL import Image

    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=np.float64)
    assert pixels.shape == (1000, 1400)
    assert pixels.std() > 5.0, f"blank screenshot (pixel std {pixels.std():.2f})"
    # more than a couple of colours: text, menu and logo, not a single error line
    assert len(np.unique(pixels)) > 20
