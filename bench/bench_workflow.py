"""Workflow overhead: dry-run time of the paper grid and peak memory per rule from benchmark files.

Two parts, both cheap (nothing is trained or written under the repository):

* ``dry run``: ``python -m snakemake -n`` of the full paper grid (``preset: paper``), run in a
  throw-away directory whose ``config.yaml`` sets ``preset: paper`` and ``data_dir`` to an
  empty temporary folder, best of ``--repeats`` runs (the issue's target: under 5 s). A
  ``plain`` baseline in the same run times ``python -c "import snakemake"`` (interpreter start
  plus importing Snakemake), the fixed cost every Snakemake call pays.
* ``benchmark files``: every ``*.tsv`` that a rule's ``benchmark:`` directive wrote under
  ``--benchmarks`` (default: the repository's ``benchmarks/``; columns ``s``, ``max_rss`` in
  MB, ...). Files are laid out as ``<rule>/<dataset>/<rest>.tsv``; this prints, per rule and
  dataset, the peak ``max_rss`` and the longest wall time over the files (and over the rows of a
  file, when a benchmark was repeated), flagging anything above ``--limit-gib`` (8 GiB).

    .venv/bin/python bench/bench_workflow.py
    .venv/bin/python bench/bench_workflow.py --skip-dry-run --benchmarks /path/to/benchmarks
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def time_command(cmd: list[str], cwd: Path, repeats: int) -> tuple[float, list[float], str]:
    """Best wall time of ``repeats`` runs of ``cmd`` (each must exit 0), all times, last output."""
    times, output = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        output = proc.stdout + proc.stderr
        if proc.returncode != 0:
            sys.stderr.write(output[-4000:])
            raise SystemExit(f"command failed (exit {proc.returncode}): {' '.join(cmd)}")
    return min(times), times, output


def count_jobs(output: str) -> int | None:
    """Total job count from the dry run's job-stats table (the ``total`` row), if printed."""
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "total" and parts[1].isdigit():
            return int(parts[1])
    return None


def dry_run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench_workflow_") as tmp:
        work, data = Path(tmp) / "work", Path(tmp) / "data"
        work.mkdir()
        data.mkdir()
        (work / "config.yaml").write_text(f"preset: paper\ndata_dir: {data}\n")
        snakefile = Path(args.snakefile).resolve()
        cmd = [sys.executable, "-m", "snakemake", "-s", str(snakefile), "-d", str(work),
               "--cores", "2", "-n", "--quiet=rules"]
        base_cmd = [sys.executable, "-c", "import snakemake, snakemake.api"]
        base, base_all, _ = time_command(base_cmd, work, args.repeats)
        best, all_times, output = time_command(cmd, work, args.repeats)
    jobs = count_jobs(output)
    print(f"dry run of the paper grid: {' '.join(cmd[1:])}")
    print(f"  jobs planned          {jobs if jobs is not None else '?'}")
    print(f"  dry run, best of {args.repeats}   {best:6.2f} s   (all: "
          + ", ".join(f"{t:.2f}" for t in all_times) + ")")
    print(f"  baseline: python -c 'import snakemake', best of {args.repeats}   {base:6.2f} s   "
          "(all: " + ", ".join(f"{t:.2f}" for t in base_all) + ")")
    print(f"  dry run / import baseline   {best / base:5.1f}x;  dry run minus baseline "
          f"{best - base:.2f} s")
    verdict = "met" if best < args.target_s else "NOT met"
    print(f"  target < {args.target_s:.0f} s: {verdict}")


def _float(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def read_benchmarks(root: Path) -> dict[tuple[str, str], dict]:
    """Per (rule, dataset): peak max_rss (MB), longest wall time (s), file count, worst file."""
    table: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"rss": -math.inf, "s": -math.inf, "files": 0, "rss_file": "", "rows": 0})
    for path in sorted(root.rglob("*.tsv")):
        rel = path.relative_to(root)
        parts = rel.parts
        rule = parts[0] if len(parts) > 1 else path.stem
        if len(parts) > 3:                       # e.g. analysis/<dataset>/<arch>/fixed_points
            rule = f"{parts[0]}/{path.stem}"
        dataset = parts[1] if len(parts) > 2 else (path.stem if len(parts) == 2 else "-")
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        entry = table[(rule, dataset)]
        entry["files"] += 1
        for row in rows:
            entry["rows"] += 1
            rss, sec = _float(row.get("max_rss", "")), _float(row.get("s", ""))
            if rss > entry["rss"]:
                entry["rss"], entry["rss_file"] = rss, str(rel)
            if sec > entry["s"]:
                entry["s"] = sec
    return dict(table)


def report_benchmarks(args: argparse.Namespace) -> None:
    root = Path(args.benchmarks)
    limit_mb = args.limit_gib * 1024
    print(f"\nSnakemake benchmark files under {root}")
    if not root.is_dir():
        print("  (folder does not exist)")
        return
    table = read_benchmarks(root)
    if not table:
        print("  (no .tsv files)")
        return
    print(f"  {'rule':24s} {'dataset':9s} {'files':>5s} {'peak max_rss MB':>16s} "
          f"{'max wall s':>11s}  flag   (file with the peak)")
    over = 0
    for (rule, dataset), e in sorted(table.items()):
        rss = e["rss"] if e["rss"] > -math.inf else math.nan
        sec = e["s"] if e["s"] > -math.inf else math.nan
        flag = "> LIMIT" if rss > limit_mb else "ok" if not math.isnan(rss) else "n/a"
        over += rss > limit_mb
        print(f"  {rule:24s} {dataset:9s} {e['files']:5d} {rss:16.1f} {sec:11.1f}  "
              f"{flag:6s} ({e['rss_file']})")
    peak = max((e["rss"] for e in table.values()), default=math.nan)
    print(f"  overall peak max_rss {peak:.1f} MB = {peak / 1024:.2f} GiB; limit "
          f"{args.limit_gib:g} GiB: {'all under' if not over else f'{over} rule/dataset over'}")
    rules_seen = sorted({rule for rule, _ in table})
    print(f"  rules with benchmark files: {', '.join(rules_seen)} (only rules that declare "
          "`benchmark:` and have run appear here)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snakefile", default=str(REPO / "Snakefile"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--target-s", type=float, default=5.0)
    parser.add_argument("--benchmarks", default=str(REPO / "benchmarks"))
    parser.add_argument("--limit-gib", type=float, default=8.0)
    parser.add_argument("--skip-dry-run", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs visible")
    if not args.skip_dry_run:
        dry_run(args)
    report_benchmarks(args)


if __name__ == "__main__":
    main()
