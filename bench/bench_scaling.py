"""Scaling: fixed-point search and training time against hidden size and number of starts.

Fixed points (GRU, the model of ``bench_fixed_points.py``: a ``SentimentRNN`` briefly trained on
the synthetic "sum the word valences" task, starts sampled from its visited states, tolerance
q = 1/N ||h - F(h,0)||^2 < 1e-8):

* against hidden size (``--hidden``, default 64 128 256 512) with ``--starts-fixed`` starts;
* against the number of starts (``--starts``, default 128 256 512 1024) at ``--starts-hidden``.

Each search is timed twice on the same starts: the library default
(:func:`rnn_dynamics.analysis.fixed_points.find_fixed_points` on ``model.step``: closed-form
Jacobians, as the workflow runs it) and the same solver on a plain callable wrapping the step,
which gets the generic ``vmap(jacrev)`` Jacobians (what a user's own cell gets). ``--cap``
bounds each search's Newton phase (``time_limit``); a capped run is marked and larger sizes of
that method are skipped.

Training (``rnn_dynamics.training.train_step``: embedding, fused RNN, loss, backward, clipping,
Adam) on IMDB-like length-bucketed batches of 64 (embedding 128), in microseconds per real token,
for each of ``--train-archs`` and hidden size; the bare fused module's forward + backward on the
same batches is the plain baseline (ratio ``full/bare``).

Prints both tables and saves a log-log plot (default ``bench/scaling.png``).

    .venv/bin/python bench/bench_scaling.py                  # ~5-10 min on 2 cores
    .venv/bin/python bench/bench_scaling.py --hidden 64 128 --starts 128 256 --train-steps 50
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_fixed_points import trained_model, visited_states  # noqa: E402
from bench_training import BATCH, EMBED, VOCAB, bare_module, imdb_like, timed  # noqa: E402

from rnn_dynamics.analysis.fixed_points import find_fixed_points, sample_starts  # noqa: E402
from rnn_dynamics.models import build_model  # noqa: E402
from rnn_dynamics.training import length_buckets, train_step  # noqa: E402

# --------------------------------------------------------------------------- fixed points

def search(model, starts, method: str, args) -> dict:
    step = model.step if method == "library" else (lambda h, x: model.step(h, x))
    t0 = time.perf_counter()
    table = find_fixed_points(step, starts, model.input_dim, tol=args.tol,
                              max_iters=args.newton_iters, time_limit=args.cap)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "converged": int(table["converged"].sum()), "k": len(table),
            "capped": seconds >= args.cap}


class Models:
    """Briefly trained GRUs, one per hidden size, with their visited states (built on demand)."""

    def __init__(self, args):
        self.args, self.cache = args, {}

    def get(self, hidden: int):
        if hidden not in self.cache:
            model, (ids, lengths) = trained_model("gru", hidden, self.args.train_steps,
                                                  self.args.seed)
            model.eval()
            self.cache[hidden] = (model, visited_states(model, ids, lengths))
        return self.cache[hidden]


def fixed_point_rows(args, models: Models) -> list[dict]:
    rows, skip = [], set()
    plan = [("hidden", n, args.starts_fixed) for n in args.hidden]
    plan += [("starts", args.starts_hidden, k) for k in args.starts]
    done = {}
    for sweep, hidden, k in plan:
        model, states = models.get(hidden)
        starts, _ = sample_starts(states, k, noise_std=0.0, seed=args.seed)
        for method in ("library", "jacrev"):
            key = (hidden, k, method)
            if key in done:                      # shared point of the two sweeps
                rows.append(dict(done[key], sweep=sweep))
                continue
            if (sweep, method) in skip:
                rows.append({"sweep": sweep, "hidden": hidden, "starts": k, "method": method,
                             "seconds": np.nan, "converged": -1, "k": k, "capped": True,
                             "skipped": True})
                continue
            torch.manual_seed(0)
            res = search(model, starts, method, args)
            row = {"sweep": sweep, "hidden": hidden, "starts": k, "method": method,
                   "skipped": False, **res}
            done[key] = row
            rows.append(row)
            print(f"  fixed points  sweep={sweep:6s} hidden {hidden:4d} starts {k:5d} {method:8s} "
                  f"{res['seconds']:7.2f} s  converged {res['converged']}/{k}"
                  f"{'  (capped)' if res['capped'] else ''}", flush=True)
            if res["capped"]:
                skip.add((sweep, method))
    return rows


# --------------------------------------------------------------------------- training

def training_batches(n_batches: int, target_len: int) -> tuple:
    split = imdb_like(4000)
    batches = [b for b in length_buckets(split.lengths, batch_size=BATCH, seed=0)
               if len(b) == BATCH]
    batches.sort(key=lambda b: abs(int(split.lengths[b].max()) - target_len))
    return split, batches[:n_batches]


def per_token_us(fn, split, batches, repeats: int) -> float:
    """Microseconds per real token (the inverse of bench_training's throughput)."""
    return 1e6 / timed(fn, batches, split, repeats)


def training_rows(args) -> list[dict]:
    split, batches = training_batches(args.train_batches, args.train_len)
    lens = [int(split.lengths[b].max()) for b in batches]
    print(f"  training: {len(batches)} batches of {BATCH}, T_max {min(lens)}..{max(lens)}, "
          f"embed {EMBED}, {args.train_threads} thread(s)")
    previous = torch.get_num_threads()
    torch.set_num_threads(args.train_threads)
    rows = []
    try:
        for arch in args.train_archs:
            for hidden in args.hidden:
                torch.manual_seed(0)
                model = build_model(arch, VOCAB, EMBED, hidden)
                optim = torch.optim.Adam(model.parameters(), lr=1e-3)

                def full(ids, lengths, labels, model=model, optim=optim):
                    train_step(model, optim, ids, lengths, labels, 5.0)

                module = bare_module(arch, hidden)

                def bare(ids, lengths, labels, module=module):
                    x = torch.randn(ids.shape[0], ids.shape[1], EMBED, requires_grad=True)
                    module(x)[0].sum().backward()

                f = per_token_us(full, split, batches, args.train_repeats)
                b = per_token_us(bare, split, batches, args.train_repeats)
                rows.append({"arch": arch, "hidden": hidden, "full_us": f, "bare_us": b})
                print(f"  training      {arch:7s} hidden {hidden:4d}  full {f:7.2f} us/token  "
                      f"bare {b:7.2f} us/token  full/bare {f / b:5.2f}", flush=True)
    finally:
        torch.set_num_threads(previous)
    return rows


# --------------------------------------------------------------------------- output

def slope(xs, ys) -> float:
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    ok = np.isfinite(ys) & (ys > 0)
    if ok.sum() < 2:
        return np.nan
    return float(np.polyfit(np.log(xs[ok]), np.log(ys[ok]), 1)[0])


def plot(fp_rows, tr_rows, args) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    labels = {"library": "library default (closed-form Jacobians)",
              "jacrev": "generic step (vmap(jacrev) Jacobians)"}
    for ax, sweep, xkey, xlabel, title in (
            (axes[0], "hidden", "hidden", "hidden size N",
             f"Fixed-point search vs hidden size\n(GRU, {args.starts_fixed} starts, q < "
             f"{args.tol:g})"),
            (axes[1], "starts", "starts", "number of starts K",
             f"Fixed-point search vs number of starts\n(GRU, hidden {args.starts_hidden}, q < "
             f"{args.tol:g})")):
        for method, marker in (("library", "o-"), ("jacrev", "s-")):
            pts = [r for r in fp_rows if r["sweep"] == sweep and r["method"] == method
                   and not r["skipped"]]
            if not pts:
                continue
            xs, ys = [r[xkey] for r in pts], [r["seconds"] for r in pts]
            free = [r for r in pts if not r["capped"]]
            fit = slope([r[xkey] for r in free], [r["seconds"] for r in free])
            line, = ax.plot(xs, ys, marker, label=f"{labels[method]} (slope {fit:.2f})")
            for r in pts:
                if r["capped"]:
                    ax.plot([r[xkey]], [r["seconds"]], marker[0], ms=11, mfc="none",
                            color=line.get_color())
                    ax.annotate(f"capped at {args.cap:g} s ({r['converged']}/{r['starts']} "
                                "converged)", (r[xkey], r["seconds"]),
                                textcoords="offset points", xytext=(-150, 6 if method ==
                                                                     "library" else -14),
                                fontsize=7, color=line.get_color())
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted({r[xkey] for r in fp_rows if r["sweep"] == sweep}))
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("wall time (s)")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    ax = axes[2]
    for arch in args.train_archs:
        pts = [r for r in tr_rows if r["arch"] == arch]
        if not pts:
            continue
        xs = [r["hidden"] for r in pts]
        full, bare = [r["full_us"] for r in pts], [r["bare_us"] for r in pts]
        line, = ax.plot(xs, full, "o-", label=f"{arch}: full train step (slope "
                        f"{slope(xs, full):.2f})")
        ax.plot(xs, bare, "x--", color=line.get_color(),
                label=f"{arch}: bare fused module fwd+bwd")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted({r["hidden"] for r in tr_rows}))
    ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.set_yscale("log")
    ax.set_xlabel("hidden size N")
    ax.set_ylabel("time per real token (µs)")
    ax.set_title(f"Training time per token vs hidden size\n(batch {BATCH}, embedding {EMBED}, "
                 f"{args.train_threads} thread(s))", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle(f"rnn-dynamics scaling on CPU, torch {torch.__version__}, "
                 f"{args.threads} thread(s) for fixed points", fontsize=11)
    fig.tight_layout()
    out = Path(args.plot)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"\nplot saved to {out}")


def print_tables(fp_rows, tr_rows) -> None:
    print("\nfixed-point search (GRU)")
    print(f"{'sweep':7s} {'hidden':>6s} {'starts':>6s} {'library s':>10s} {'conv':>6s} "
          f"{'jacrev s':>9s} {'conv':>6s} {'jacrev/library':>14s}")
    keys = []
    for r in fp_rows:
        key = (r["sweep"], r["hidden"], r["starts"])
        if key not in keys:
            keys.append(key)
    for sweep, hidden, k in keys:
        get = {r["method"]: r for r in fp_rows
               if (r["sweep"], r["hidden"], r["starts"]) == (sweep, hidden, k)}
        lib, cf = get.get("library"), get.get("jacrev")

        def cell(r):
            if r is None or r["skipped"]:
                return f"{'skipped':>10s} {'-':>6s}"
            mark = "*" if r["capped"] else " "
            return f"{r['seconds']:9.2f}{mark} {r['converged']:6d}"

        ratio = (cf["seconds"] / lib["seconds"] if lib and cf and not lib["skipped"]
                 and not cf["skipped"] else np.nan)
        print(f"{sweep:7s} {hidden:6d} {k:6d} {cell(lib)} {cell(cf)[1:]} {ratio:13.1f}x")
    print("(* = hit the --cap time limit; larger sizes of that method skipped)")
    for method in ("library", "jacrev"):
        for sweep, key in (("hidden", "hidden"), ("starts", "starts")):
            pts = [r for r in fp_rows if r["sweep"] == sweep and r["method"] == method
                   and not r["skipped"] and not r["capped"]]
            s = slope([r[key] for r in pts], [r["seconds"] for r in pts])
            print(f"log-log slope, {method:7s} time vs {sweep:6s}: {s:.2f}")
    if tr_rows:
        print("\ntraining time per real token")
        print(f"{'arch':7s} {'hidden':>6s} {'full us/tok':>12s} {'bare us/tok':>12s} "
              f"{'full/bare':>9s} {'full tok/s':>11s}")
        for r in tr_rows:
            print(f"{r['arch']:7s} {r['hidden']:6d} {r['full_us']:12.2f} {r['bare_us']:12.2f} "
                  f"{r['full_us'] / r['bare_us']:9.2f} {1e6 / r['full_us']:11.0f}")
        for arch in sorted({r["arch"] for r in tr_rows}):
            pts = [r for r in tr_rows if r["arch"] == arch]
            print(f"log-log slope, {arch} full step time/token vs hidden: "
                  f"{slope([r['hidden'] for r in pts], [r['full_us'] for r in pts]):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 128, 256, 512])
    parser.add_argument("--starts-fixed", type=int, default=256,
                        help="starts for the hidden-size sweep")
    parser.add_argument("--starts", type=int, nargs="+", default=[128, 256, 512, 1024])
    parser.add_argument("--starts-hidden", type=int, default=128,
                        help="hidden size for the starts sweep")
    parser.add_argument("--train-steps", type=int, default=100,
                        help="synthetic-task training steps per GRU before the search")
    parser.add_argument("--tol", type=float, default=1e-8)
    parser.add_argument("--newton-iters", type=int, default=100)
    parser.add_argument("--cap", type=float, default=60.0,
                        help="time limit (s) of one search's Newton phase")
    parser.add_argument("--threads", type=int, default=2, help="torch threads, fixed points")
    parser.add_argument("--train-archs", nargs="*", default=["gru", "lstm"])
    parser.add_argument("--train-threads", type=int, default=1)
    parser.add_argument("--train-batches", type=int, default=2)
    parser.add_argument("--train-len", type=int, default=150,
                        help="pick batches whose longest document is closest to this")
    parser.add_argument("--train-repeats", type=int, default=2)
    parser.add_argument("--plot", default=str(Path(__file__).resolve().parent / "scaling.png"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    print(f"torch {torch.__version__}, {args.threads} thread(s) for fixed points, "
          f"{args.train_threads} for training")
    fp_rows = fixed_point_rows(args, Models(args))
    tr_rows = training_rows(args) if args.train_archs else []
    print_tables(fp_rows, tr_rows)
    plot(fp_rows, tr_rows, args)
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
