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
    # an untrained GRU cell is contractive: one fixed point, however many starts converge
    assert re.search(r"256/256 starts converged, 1 distinct fixed point\(s\)", proc.stdout), proc.stdout
