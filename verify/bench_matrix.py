"""Benchmark (a script, not a test): our Newton, linear CG, nonlinear CG and L-BFGS kernels against scipy on the
same problems, n = 10³ and 10⁴: iterations, wall time (median of repeats) and the ratio ours/scipy, from one run.

    python -m verify.bench_matrix [--sizes 1000 10000] [--repeats 3]

Problem: f(x) = ½xᵀAx - bᵀx with A = tridiag(-1, 2 + c, -1) (scipy.sparse CSR; c = 10⁻², κ ≈ 400) and b drawn
once (seed 0).  The oracle's hvp is A @ v; our kernels only ever see grad and hvp.  Each method runs a fixed
iteration count k: scipy's own count to rtol = 10⁻⁸ (cg, L-BFGS-B); our kernel then runs the same k, so the
times compare equal work, and the final ‖g‖/‖b‖ of both is printed.  Newton is one step at n = 10³ only (it
reads H by n hvp calls and factors a dense n×n matrix: 800 MB and O(n³) at n = 10⁴), against
scipy.linalg.cho_factor/cho_solve on the same dense H.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def problem(n: int, c: float = 1e-2, seed: int = 0):
    import scipy.sparse as sparse

    A = sparse.diags([-np.ones(n - 1), (2 + c) * np.ones(n), -np.ones(n - 1)], [-1, 0, 1], format="csr")
    b = np.random.default_rng(seed).standard_normal(n)
    oracle = dict(value=lambda x: 0.5 * x @ (A @ x) - b @ x, grad=lambda x: A @ x - b, hvp=lambda x, v: A @ v)
    return A, b, oracle


def timed(fn, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def residual(A, b, x) -> float:
    return float(np.linalg.norm(A @ x - b) / np.linalg.norm(b))


def bench_cg(A, b, oracle, repeats):
    from scipy.sparse.linalg import cg as scipy_cg

    from kernels.optimizers.cg import cg

    count = [0]
    scipy_cg(A, b, rtol=1e-8, callback=lambda _: count.__setitem__(0, count[0] + 1))
    k = count[0]
    t_s, (x_s, _) = timed(lambda: scipy_cg(A, b, rtol=0.0, atol=0.0, maxiter=k), repeats)
    t_o, x_o = timed(lambda: cg(np.zeros_like(b), iterations=k, **oracle), repeats)
    return ("linear CG", "scipy.sparse.linalg.cg", k, t_o, t_s, residual(A, b, x_o), residual(A, b, x_s))


def bench_nonlinear_cg(A, b, oracle, repeats, k):
    from scipy.optimize import minimize

    from kernels.optimizers.nonlinear_cg import nonlinear_cg

    run = lambda: minimize(oracle["value"], np.zeros_like(b), jac=oracle["grad"], method="CG",  # noqa: E731
                           options=dict(maxiter=k, gtol=0.0))
    t_s, res = timed(run, repeats)
    t_o, x_o = timed(lambda: nonlinear_cg(np.zeros_like(b), iterations=k, **oracle), repeats)
    return ("nonlinear CG (PR, exact l.s.)", "scipy.optimize.minimize(CG, Wolfe)", k, t_o, t_s, residual(A, b, x_o),
            residual(A, b, res.x))


def bench_lbfgs(A, b, oracle, repeats, memory=10):
    from scipy.optimize import minimize

    from kernels.optimizers.lbfgs import lbfgs

    first = minimize(oracle["value"], np.zeros_like(b), jac=oracle["grad"], method="L-BFGS-B",
                     options=dict(maxcor=memory, gtol=1e-8 * np.linalg.norm(b) / np.sqrt(len(b)), ftol=0.0,
                                  maxiter=100000))
    k = int(first.nit)
    run = lambda: minimize(oracle["value"], np.zeros_like(b), jac=oracle["grad"], method="L-BFGS-B",  # noqa: E731
                           options=dict(maxcor=memory, gtol=0.0, ftol=0.0, maxiter=k))
    t_s, res = timed(run, repeats)
    out = []
    for ls in ("exact", "armijo"):
        t_o, x_o = timed(lambda: lbfgs(np.zeros_like(b), iterations=k, memory=memory, line_search=ls, **oracle),
                         repeats)
        out.append((f"L-BFGS m={memory} ({ls} l.s.)", "scipy L-BFGS-B (maxcor=10)", k, t_o, t_s, residual(A, b, x_o),
                    residual(A, b, res.x)))
    return out


def bench_newton(A, b, oracle, repeats):
    from scipy.linalg import cho_factor, cho_solve

    from kernels.optimizers.newton import hessian, newton_step

    x0 = np.zeros_like(b)

    def scipy_newton():
        H = hessian(np, x0, oracle["hvp"])  # the same n hvp calls as ours
        return x0 - cho_solve(cho_factor(H, lower=True), oracle["grad"](x0))

    t_s, x_s = timed(scipy_newton, repeats)
    t_o, x_o = timed(lambda: newton_step(x0, **oracle), repeats)
    return ("Newton (one step)", "scipy.linalg.cho_factor/cho_solve", 1, t_o, t_s, residual(A, b, x_o),
            residual(A, b, x_s))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    for n in args.sizes:
        A, b, oracle = problem(n)
        if n <= 2000:
            rows.append((n, *bench_newton(A, b, oracle, args.repeats)))
        cg_row = bench_cg(A, b, oracle, args.repeats)
        rows.append((n, *cg_row))
        rows.append((n, *bench_nonlinear_cg(A, b, oracle, args.repeats, cg_row[2])))
        rows += [(n, *r) for r in bench_lbfgs(A, b, oracle, args.repeats)]
    head = ("n", "ours", "peer", "iterations", "ours s", "peer s", "ours/peer", "ours ‖g‖/‖b‖", "peer ‖g‖/‖b‖")
    print(" | ".join(head))
    for n, ours, peer, k, t_o, t_s, r_o, r_s in rows:
        print(" | ".join((str(n), ours, peer, str(k), f"{t_o:.4f}", f"{t_s:.4f}", f"{t_o / t_s:.2f}", f"{r_o:.2e}",
                          f"{r_s:.2e}")))


if __name__ == "__main__":
    main()
