"""Benchmarks of the trace estimators (a script, not a test): ``python -m verify.bench_estimators [--quick]``.

1. Block probes: 64 probes as one (n, 64) GEMM, A·V, against a loop of 64 matrix-vector products A·x (the same
   arithmetic; a GEMV reads all of A for 2n² flops, the GEMM once for 128n²); then our Hutchinson and SLQ
   kernels given the 64 probes as one block against the same kernels called once per probe.  All take turns, one
   call each per round; the figure is the ratio of the medians.  Run with OPENBLAS_NUM_THREADS=1 on a shared
   machine (threads fighting over busy cores make the GEMM, not the loop, erratic).
2. Matvecs for 1 % relative error on decaying PSD spectra, n = 1000 (eigenvalues i^{−2} and i^{−1}, a random
   orthogonal basis, fixed seed), Gaussian probes.  Hutchinson: from its exact variance 2‖A‖_F²/M (derived in
   derivations/estimators/hutchinson.py, checked by tests/verify/test_estimators.py) — the M with
   √(2‖A‖_F²/M)/tr(A) = 1 %; confirmed by a measured RMS at that M.  Hutch++ (budget M = sketch k + rank(AS) ≤ k
   + probes k) and XTrace (M = 2m): the smallest M on a doubling-then-bisecting grid whose RMS relative error over
   TRIALS independent draws is ≤ 1 %.  An RMS over TRIALS draws is itself uncertain by ~1/√(2·TRIALS) ≈ 7 %
   relative at 100 trials: read the budgets to that precision.
"""
from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

from kernels import hutchinson_trace, hutchpp_trace, slq, xtrace_trace

TRIALS = 100


def _median_time(fn, rounds):
    return statistics.median(_timed(fn) for _ in range(rounds))


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _alternating(fns: dict, rounds):
    """Median seconds of each function, called in turns (one of each per round) after a warm-up."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name].append(_timed(fn))
    return {name: statistics.median(t) for name, t in times.items()}


def block_probes(n=1000, probes=64, rounds=30, seed=0):
    """Median seconds: A·V as one GEMM and as a loop of matvecs; Hutchinson and SLQ given the block, and the same
    kernels called once per probe (each call then a matvec per product)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    A = (A + A.T) / 2
    X = rng.standard_normal((probes, n))
    assert math.isclose(float(hutchinson_trace(A, X)), sum(float(x @ (A @ x)) for x in X) / probes, rel_tol=1e-9,
                        abs_tol=1e-9 * n)
    return _alternating({
        "A·V, one GEMM": lambda: A @ X.T,
        "A·x, 64 matvecs": lambda: [A @ x for x in X],
        "hutchinson_trace, block": lambda: hutchinson_trace(A, X),
        "hutchinson_trace, per probe": lambda: [hutchinson_trace(A, x[None, :]) for x in X],
        "slq k=10, block": lambda: slq(A, X, 10, np.log1p),
        "slq k=10, per probe": lambda: [slq(A, x[None, :], 10, np.log1p) for x in X],
    }, rounds)


def decaying_psd(n, power, seed=0):
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    lam = 1.0 / np.arange(1, n + 1) ** power
    A = (Q * lam) @ Q.T
    return (A + A.T) / 2


def rms_relative_error(estimate, A, trials, rng):
    exact = float(np.trace(A))
    errors = [(float(estimate(A, rng)) - exact) / exact for _ in range(trials)]
    return math.sqrt(sum(e * e for e in errors) / trials)


def hutchpp_at(budget):
    k = max(1, budget // 3)
    return lambda A, rng: hutchpp_trace(A, rng.standard_normal((k, A.shape[0])), rng.standard_normal((k, A.shape[0])))


def xtrace_at(budget):
    m = max(2, budget // 2)
    return lambda A, rng: xtrace_trace(A, rng.standard_normal((m, A.shape[0])))


def smallest_budget(method, A, target, trials, seed, start=6, limit=3000):
    """The smallest budget (to the grid) with RMS relative error ≤ target: double, then bisect."""
    rng = np.random.default_rng(seed)
    low, high = 0, start
    while rms_relative_error(method(high), A, trials, rng) > target:
        low, high = high, 2 * high
        if high > limit:
            return None, None
    while high - low > max(3, high // 16):  # to ~6 %
        mid = (low + high) // 2
        if rms_relative_error(method(mid), A, trials, rng) <= target:
            high = mid
        else:
            low = mid
    return high, rms_relative_error(method(high), A, trials, rng)


def hutchinson_budget(A, target):
    frob2, tr = float(np.sum(A * A)), float(np.trace(A))
    return math.ceil(2 * frob2 / (target * tr) ** 2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and trials (a smoke run)")
    args = parser.parse_args(argv)
    rounds, trials = (5, 20) if args.quick else (30, TRIALS)
    import os

    print(f"BLAS threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, cores {os.cpu_count()}")
    for n in (1000, 2000):
        t = block_probes(n=n, rounds=rounds)
        print(f"1. 64 probes, n = {n} (medians of {rounds} alternating rounds):")
        names = list(t)
        for block, loop in zip(((b, t[b]) for b in names[0::2]), ((lp, t[lp]) for lp in names[1::2])):
            print(f"   {block[0]:28s} {block[1] * 1e3:8.2f} ms   {loop[0]:28s} {loop[1] * 1e3:8.2f} ms   "
                  f"ratio {loop[1] / block[1]:.1f}x")
    n, target = 1000, 0.01
    for power in (2, 1):
        A = decaying_psd(n, power)
        M_h = hutchinson_budget(A, target)
        rng = np.random.default_rng(1)
        check_trials = max(10, trials // 5)
        measured = rms_relative_error(lambda A, rng: hutchinson_trace(A, rng.standard_normal((M_h, n))), A,
                                      check_trials, rng)
        M_pp, e_pp = smallest_budget(hutchpp_at, A, target, trials, seed=2)
        M_x, e_x = smallest_budget(xtrace_at, A, target, trials, seed=3)
        print(f"2. spectrum i^-{power}, n = {n}, 1 % RMS relative error (Gaussian probes, {trials} trials):")
        print(f"   Hutchinson  {M_h:6d} matvecs (exact variance; measured RMS {measured * 100:.2f} % over {check_trials})")
        for name, M, e in (("Hutch++", M_pp, e_pp), ("XTrace", M_x, e_x)):
            if M is None:
                print(f"   {name:10s}  > 3000 matvecs")
            else:
                print(f"   {name:10s}  {M:6d} matvecs (RMS {e * 100:.2f} %): {M_h / M:.1f}x fewer than Hutchinson")


if __name__ == "__main__":
    main()
