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


def _rule_scripts() -> dict[str, str]:
    """Every workflow rule that runs a script, and that script's file name."""
    scripts = {}
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=rule \w+:)", smk.read_text()):
            rule = re.match(r"rule (\w+):", block)
            script = re.search(r'script:\s*\n\s*"\.\./scripts/([\w.]+)"', block)
            if rule and script:
                scripts[rule.group(1)] = script.group(1)
    return scripts


def test_readme_names_for_every_rule_the_function_its_script_calls():
    """The README's "function per rule" table is checked, not kept by hand: one row per rule
    with a script, naming the function that script imports and calls."""
    text = (REPO / "README.md").read_text()
    section = text.split("## What the workflow computes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| `(rnn_dynamics[\w.]+)` \|", section, flags=re.M))
    scripts = _rule_scripts()
    assert set(rows) == set(scripts), set(rows) ^ set(scripts)
    for rule, qualified in rows.items():
        module, _, function = qualified.rpartition(".")
        source = (REPO / "workflow" / "scripts" / scripts[rule]).read_text()
        assert re.search(rf"from {re.escape(module)} import .*\b{function}\b", source), rule
        assert re.search(rf"\b{function}\(|run_stage\({function},", source), rule
