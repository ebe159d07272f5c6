"""Soak: the whole ``optverify check`` (every kernel, every convention) under many seeds.

Our kernels are correct by construction of the tests, so every failure here is a false alarm —
a bug in a bound, a strategy or a reference — and is printed with its counterexample.  Not a
test (it takes minutes per seed); run it before trusting a change to the tolerance policy::

    python -m verify.soak --seeds 0 100 --jobs 2            # seeds 0..99, two processes
    python -m verify.soak --seeds 0 10 --dtypes float16 bfloat16

Exit status 0 when no seed failed.
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from multiprocessing import get_context

from verify.core.dtypes import SUPPORTED


def run_seed(seed: int, names: tuple, examples: int, dtypes: tuple) -> dict:
    """One full check at ``seed``: how many checks ran, and the message of each failure."""
    from verify.cli import run_checks

    start = time.perf_counter()
    reports = run_checks(list(names), "numpy", examples, seed, False, dtypes=dtypes)
    return dict(seed=seed, checks=len(reports), examples=sum(r.examples for r in reports),
                discarded=sum(r.discarded for r in reports), seconds=time.perf_counter() - start,
                failures=[r.message() for r in reports if not r.passed])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m verify.soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs=2, default=(0, 10), metavar=("FIRST", "STOP"),
                   help="seeds FIRST, FIRST+1, …, STOP-1 (default 0 10)")
    p.add_argument("--rules", nargs="*", default=(), help="rules to check (default: all)")
    p.add_argument("--examples", type=int, default=30, help="examples per convention (default 30, as `check`)")
    p.add_argument("--dtypes", nargs="+", choices=SUPPORTED, default=("float32", "float64"))
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    args = p.parse_args(argv)
    seeds = range(*args.seeds)
    start, failed, totals = time.perf_counter(), 0, dict(checks=0, examples=0, discarded=0)
    work = [(s, tuple(args.rules), args.examples, tuple(args.dtypes)) for s in seeds]
    # one process: in place; more: fresh interpreters ("spawn"), since forking a process that already
    # runs threads (JAX, the per-call deadline's worker) can deadlock
    pool = ProcessPoolExecutor(max_workers=args.jobs, mp_context=get_context("spawn")) if args.jobs > 1 else None
    with pool or nullcontext():
        futures = [pool.submit(run_seed, *w) for w in work] if pool else None
        for k, item in enumerate(work):
            result = futures[k].result() if pool else run_seed(*item)
            for key in totals:
                totals[key] += result[key]
            failed += bool(result["failures"])
            status = f"{len(result['failures'])} FAILED" if result["failures"] else "ok"
            print(f"seed {result['seed']}: {result['checks']} checks, {result['examples']} examples, "
                  f"{result['discarded']} discarded, {result['seconds']:.0f} s: {status}", flush=True)
            for message in result["failures"]:
                print(message, flush=True)
    print(f"\n{len(seeds)} seeds ({args.seeds[0]}..{args.seeds[1] - 1}), {totals['checks']} checks, "
          f"{totals['examples']} examples, {totals['discarded']} discarded, dtypes {' '.join(args.dtypes)}: "
          f"{failed} seeds with a failure, {time.perf_counter() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
