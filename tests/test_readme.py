"""The README's library example runs as written."""

from __future__ import annotations

import re
import subprocess
import sys

from .conftest import REPO


def test_library_example_in_readme_runs():
    text = (REPO / "README.md").read_text()
    section = text.split("## Use the library on your own model", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"\d+/256 starts converged, \d+ distinct fixed points", proc.stdout)
