"""The console view of an explanation: a header with the verdict, one row per token."""

from __future__ import annotations

import math

from .trajectory import Explanation


def _num(x: float, width: int, digits: int = 3) -> str:
    return f"{'n/a':>{width}}" if not math.isfinite(x) else f"{x:+{width}.{digits}f}"


def format_explanation(exp: Explanation, *, index: int | None = None,
                       has_mode: bool = True) -> str:
    """A compact, fixed-width table: token, what it added to the readout, the readout after it,
    its step along the integrating mode and the modifier mark."""
    prefix = f"[{index}] " if index is not None else ""
    lines = [f'{prefix}"{exp.text}"',
             (f"  prediction: {exp.label} (P(positive) = {exp.probability:.3f}, "
              f"logit {exp.logit:+.3f} = start {exp.start_logit:+.3f} + sum of token "
              "contributions)")]
    width = max([5] + [len(t) for t in exp.tokens["token"]])
    head = (f"  {'#':>3}  {'token':<{width}}  {'adds':>7}  {'readout':>7}  "
            f"{'mode step':>9}  {'along mode':>10}  modifier")
    lines += [head, "  " + "-" * (len(head) + 8)]
    for row in exp.tokens.itertuples():
        token = row.token if row.known else f"{row.token}?"
        lines.append(f"  {row.position:>3}  {token:<{width}}  {_num(row.contribution, 7)}  "
                     f"{_num(row.logit, 7)}  {_num(row.mode_step, 9)}  "
                     f"{_num(row.mode_position, 10)}  {row.modifier}".rstrip())
    if (~exp.tokens["known"]).any():
        lines.append("  ? = not in the vocabulary (read as <unk>)")
    if not has_mode:
        lines.append("  mode step: n/a, the analysis stages have not run for this model")
    lines += [f"  note: {note}" for note in exp.notes]
    return "\n".join(lines)
