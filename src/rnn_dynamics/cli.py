"""The ``rnn-dynamics`` console script: ``explain`` a model's verdict on texts, ``predict`` a file.

A user mistake (no such model, a missing vocabulary, an empty text) prints one line starting
with ``rnn-dynamics:`` and exits with status 1; nothing prints a traceback for it.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import DataError, RnnDynamicsError

_MODEL_HELP = "a trained model, e.g. results/demo/models/synthetic/gru/model.pt"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rnn-dynamics", description=(
        "Explain and apply the sentiment RNNs trained by the rnn-dynamics workflow."))
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("model", help=_MODEL_HELP)
    common.add_argument("--vocab", help="the model's vocab.parquet (default: found beside "
                                        "the model in the workflow's results folder)")
    explain = sub.add_parser("explain", parents=[common], help="token-by-token account of "
                             "the prediction for each TEXT, as a table and a PNG")
    explain.add_argument("texts", nargs="+", metavar="TEXT")
    explain.add_argument("--png", default="explain.png",
                         help="where to draw the picture (default: explain.png)")
    explain.add_argument("--no-png", action="store_true", help="print the tables only")
    predict = sub.add_parser("predict", parents=[common], help="score every text of FILE "
                             "(one text per line; '-' reads standard input)")
    predict.add_argument("file", metavar="FILE")
    predict.add_argument("--out", help="write the scores as .csv or .parquet instead of "
                                       "printing them")
    return parser


def _explain(args: argparse.Namespace) -> int:
    from .explain import draw_explanations, explain_text, format_explanation, load_bundle

    bundle = load_bundle(args.model, vocab_path=args.vocab)
    print(f"model: {bundle.arch} on {bundle.dataset or 'unknown data'} ({args.model})")
    for note in bundle.notes:
        print(f"note: {note}")
    done, failed = [], 0
    for i, text in enumerate(args.texts, start=1):
        try:
            exp = explain_text(bundle, text)
        except DataError as err:
            print(f"\n[{i}] {text!r}: {err}")
            failed += 1
            continue
        print()
        print(format_explanation(exp, index=i, has_mode=bundle.has_mode))
        done.append(exp)
    if not done:
        raise DataError("no text could be explained (all were empty)")
    if not args.no_png:
        draw_explanations(done, bundle, args.png)
        print(f"\npicture: {args.png}")
    return 1 if failed else 0


def _read_texts(file: str) -> list[str]:
    if file == "-":
        return [line.rstrip("\n") for line in sys.stdin]
    path = Path(file)
    if not path.exists() or path.is_dir():            # a pipe (<(...)) is fine
        raise DataError(f"{file}: no such file (give one text per line, or '-' for stdin)")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise DataError(f"{file}: not a UTF-8 text file ({err.reason})") from err


def _predict(args: argparse.Namespace) -> int:
    from .explain import load_bundle, predict_texts

    bundle = load_bundle(args.model, vocab_path=args.vocab)
    texts = _read_texts(args.file)
    if not texts:
        raise DataError(f"{args.file}: holds no texts (one text per line)")
    scores = predict_texts(bundle, texts).rename(columns={"item": "line"})
    if args.out:
        out = Path(args.out)
        if out.suffix == ".parquet":
            scores.to_parquet(out, index=False)
        elif out.suffix == ".csv":
            scores.to_csv(out, index=False)
        else:
            raise DataError(f"--out {args.out}: use a .csv or .parquet file name")
        print(f"{len(scores)} texts scored: {out}")
    else:
        shown = scores.assign(text=scores["text"].str.slice(0, 60),
                              p_positive=scores["p_positive"].map(
                                  lambda p: "n/a" if math.isnan(p) else f"{p:.3f}"))
        print(shown.to_string(index=False))
    empty = int(scores["p_positive"].isna().sum())
    if empty:
        print(f"note: {empty} empty line(s) not scored", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _explain(args) if args.command == "explain" else _predict(args)
    except RnnDynamicsError as err:
        print(f"rnn-dynamics: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:                     # output piped into `head`: stop quietly
        sys.stderr.close()
        return 1


if __name__ == "__main__":
    sys.exit(main())
