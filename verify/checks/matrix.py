"""Checks of matrix rules (Newton, linear CG) against exact references, with normwise tolerances.

The model (issue 8): a matrix rule gets an objective oracle (``verify.strategies.objectives``) instead of a drawn
gradient stream.  The reference is exact: the objective's data are floats of the checked dtype, so
Fractions hold them exactly, and the reference solves, dots and line searches in rational arithmetic
(mpmath only for the condition number, a √ of eigenvalues of MᵀM, at 50 digits).

**Newton** (``check_newton``): the reference reads H and g as the implementation does — hvp(x, e_j)
and grad(x), each rounded once by the oracle — and computes x* = x - (H + λI)⁻¹g exactly.  Tolerance,
normwise in ‖·‖₂ (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.):

* the solve is backward stable: (M + ΔM)ŝ = g with ‖ΔM‖₂ ≤ ε‖M‖₂, where for Cholesky
  (Thm 10.3, 10.4: |ΔM| ≤ γ_{3n+1}|R̂ᵀ||R̂|, and ‖|R̂ᵀ||R̂|‖₂ ≤ n‖R̂‖₂² ≤ n‖M‖₂/(1 - nγ_{n+1}))
  ε = nγ_{3n+1}/(1 - nγ_{n+1}); for LU with partial pivoting (Thm 9.4: |ΔM| ≤ γ_{3n}|L̂||Û|; Lemma 9.6
  with growth factor ρ_n ≤ 2^{n-1}, Thm 9.7; ‖·‖₂ ≤ √n‖·‖_∞ both ways) ε = nγ_{3n}(1 + 2(n² - n)2^{n-1});
* plus u for the rounding of H + λI on the diagonal and 2√n·u for an implementation that reads H
  through other hvp calls (each correctly rounded: |ΔH| ≤ 2u|H|);
* then (Thm 7.2 with Δg = 0) ‖ŝ - s‖ ≤ εκ/(1 - εκ)·‖s‖, κ = κ₂(M) computed by the reference, and the
  final x - ŝ adds u‖x*‖.  Examples with εκ ≥ 1/2 (the bound says nothing: near-singular, singular)
  and, for the symmetric solve, with M not positive definite or 20n^{3/2}uκ ≥ 1 (Cholesky may break
  down, Thm 10.7) are discarded and counted, as elementwise checks do with undefined references.

**CG** (``check_cg``): per iteration, the reference is fed the implementation's own state (x_t, g_t,
d_t and the previous g, d, from its history), so errors cannot accumulate, and recomputes the
direction d_t, the next iterate x_{t+1} and (recursive convention) g_{t+1} exactly.  Tolerance,
componentwise, by a first-order running error analysis of the iteration's few operations: an n-term
dot product carries γ_n Σ|x_i y_i| (Higham §3.1), every other operation one rounding u of its result,
hvp u|Ad| (the oracle rounds once), a quotient the relative errors of its operands; the gradient the
oracle returns is within u(|Ax| + |b|) of the exact one.  The bound is doubled, as for elementwise
rules (verify/reference/tolerance.py), for implementations that evaluate in another order.  An iteration whose
dᵀAd or previous gᵀg is exactly 0 has no defined step: the example stops there (at t = 1 it is
discarded).

Entry points for the CLI: ``MATRIX_RULES``, ``kernel_for(name, conventions)`` and
``check_matrix(rule_name, implementation, conventions, examples=, seed=)``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import strategies as st

from derivations.registry import MATRIX_RULES
from verify.checks.common import Report, Tracker, conclude, label, to_numpy
from verify.checks.elementwise import property_run
from verify.core import options as options_
from verify.reference.tolerance import REASSOCIATION_FACTOR, unit_roundoff
from verify.strategies import objectives as obj

DTYPES = ("float32", "float64")


# --- exact linear algebra (Fractions; n ≤ 6) --------------------------------------------------------
def solve_exact(M, g):
    """x with Mx = g exactly, or None when M is singular."""
    n = len(g)
    a = [list(row) + [gi] for row, gi in zip(M, g)]
    for k in range(n):
        p = next((i for i in range(k, n) if a[i][k] != 0), None)
        if p is None:
            return None
        a[k], a[p] = a[p], a[k]
        for i in range(k + 1, n):
            f = a[i][k] / a[k][k]
            if f:
                a[i] = [x - f * y for x, y in zip(a[i], a[k])]
    x = [Fraction(0)] * n
    for i in reversed(range(n)):
        x[i] = (a[i][n] - sum((a[i][j] * x[j] for j in range(i + 1, n)), Fraction(0))) / a[i][i]
    return x


def positive_definite(M) -> bool:
    """Symmetric M ≻ 0 iff every pivot of elimination without pivoting is > 0 (exact LDLᵀ)."""
    a = [list(r) for r in M]
    n = len(a)
    for k in range(n):
        if a[k][k] <= 0:
            return False
        for i in range(k + 1, n):
            f = a[i][k] / a[k][k]
            a[i] = [x - f * y for x, y in zip(a[i], a[k])]
    return True


def condition_number(M) -> float:
    """κ₂(M) = σ_max/σ_min at 50 digits (inf when singular), rounded up."""
    with mpmath.workdps(50):
        s = mpmath.svd_r(mpmath.matrix([[mpmath.mpf(v.numerator) / v.denominator for v in r] for r in M]),
                         compute_uv=False)
        lo, hi = min(s), max(s)
        return math.inf if lo == 0 else float(hi / lo) * (1 + 1e-12)


def norm2(v) -> float:
    with mpmath.workdps(50):
        return float(mpmath.sqrt(mpmath.fsum((mpmath.mpf(x.numerator) / x.denominator) ** 2 for x in v)))


def gamma(k: int, u: float) -> float:
    return k * u / (1 - k * u)


def solve_backward_error(n: int, u: float, solve: str) -> float:
    """ε with ‖ΔM‖₂ ≤ ε‖M‖₂ for the solve (see the module docstring for the theorems)."""
    if solve == "symmetric":
        return n * gamma(3 * n + 1, u) / (1 - n * gamma(n + 1, u))
    return n * gamma(3 * n, u) * (1 + 2 * (n * n - n) * 2 ** (n - 1))


# --- the report ----------------------------------------------------------------------------------
@dataclass
class MatrixReport(Report):
    mode: str = "matrix"

    def failure_lines(self) -> list[str]:
        c = self.counterexample
        return [f"minimal counterexample: {c['problem']}", "reproduce with:", c["repro"]]


def _repro(rule: str, context: dict) -> str:
    return (f"    from verify.strategies.objectives import Objective  # objective: {context.get('objective')}\n"
            f"    # start x = {context.get('x')}, hyperparameters {context.get('hyperparameters', {})}\n"
            f"    # rebuild the objective from these floats and call the implementation with "
            f"verify.strategies.objectives.oracle(...)")


def _exact_or_none(a):
    a = to_numpy(a)
    return obj.exact(a) if np.isfinite(a).all() else None



# --- Newton ---------------------------------------------------------------------------------------
def newton_reference(objective, x, damping, solve: str):
    """(x*, s, M, g) exactly, from what the oracle gives at x; None when M is singular."""
    o = obj.oracle(objective)
    n = x.shape[0]
    H = [obj.exact(o["hvp"](x, np.eye(n, dtype=x.dtype)[j])) for j in range(n)]  # columns
    H = obj.transpose(H)
    if solve == "symmetric":  # Cholesky reads the lower triangle only
        H = [[H[max(i, j)][min(i, j)] for j in range(n)] for i in range(n)]
    g = obj.exact(o["grad"](x))
    lam = Fraction(float(damping))
    M = [[H[i][j] + (lam if i == j else 0) for j in range(n)] for i in range(n)]
    s = solve_exact(M, g)
    if s is None:
        return None
    xs = obj.exact(x)
    return [a - b for a, b in zip(xs, s)], s, M, g


def newton_bound(M, s, x_star, n: int, dtype: str, solve: str):
    """Allowed ‖x̂ - x*‖₂, or None when the bound is meaningless (the example is discarded)."""
    u = unit_roundoff(dtype)
    kappa = condition_number(M)
    if solve == "symmetric" and (not positive_definite(M) or 20 * n ** 1.5 * u * kappa >= 1):
        return None
    eps = solve_backward_error(n, u, solve) + u + 2 * math.sqrt(n) * u
    if not eps * kappa < 0.5:
        return None
    return norm2(s) * eps * kappa / (1 - eps * kappa) * (1 + u) + u * norm2(x_star)


NEWTON_KINDS = {"symmetric": ("quadratic", "logistic"), "general": ("quadratic", "field", "logistic")}


def check_newton(step, conventions=None, *, examples=60, seed=0, dtypes=DTYPES, max_size=5, name=None,
                 xp=np) -> MatrixReport:
    """``step(x, *, value, grad, hvp, damping) -> x_new`` against x - (H + λI)⁻¹g."""
    conv = {"solve": "symmetric", **(conventions or {})}
    solve = conv["solve"]
    tracker = Tracker()

    @property_run(seed, examples)
    def run(data):
        dtype = data.draw(st.sampled_from(dtypes), label="dtype")
        n = data.draw(st.integers(1, max_size), label="n")
        objective = data.draw(obj.objectives(dtype, n, NEWTON_KINDS[solve], weights=(6, 2, 1)), label="objective")
        x = data.draw(obj.point(n, dtype), label="x")
        damping = data.draw(st.sampled_from((0.0, 0.0, 0.5, 2.0, 0.125)), label="damping")
        tracker.examples += 1  # every draw made: the example runs (Hypothesis does not count an invalid draw)
        ref = newton_reference(objective, x, damping, solve)
        allowed = None if ref is None else newton_bound(ref[2], ref[1], ref[0], n, dtype, solve)
        if allowed is None:
            tracker.discard()
        x_star = ref[0]
        context = dict(objective=objective.describe(), x=x.tolist(), hyperparameters=dict(damping=damping),
                       dtype=dtype)
        try:
            got = to_numpy(step(xp.asarray(x), damping=damping, **obj.oracle(objective, xp)))
        except Exception as exc:
            tracker.mismatch(f"the implementation raised {type(exc).__name__}: {exc}", context)
        if got.shape != x.shape or got.dtype != x.dtype:
            tracker.mismatch(f"returned shape {got.shape}, dtype {got.dtype}; expected {x.shape}, {x.dtype}", context)
        if not np.isfinite(got).all():
            tracker.mismatch(f"returned {got.tolist()}, expected finite {[float(v) for v in x_star]}", context)
        error = norm2([a - b for a, b in zip(obj.exact(got), x_star)])
        tracker.compare_ratios(f"‖x̂ - x*‖₂ (x̂ = {got.tolist()}, x* ≈ {[float(v) for v in x_star]})", error, allowed,
                        context)

    return _finish(run, tracker, "newton", conv, name or label(step), dtypes)


# --- CG -------------------------------------------------------------------------------------------
@dataclass
class _Bounded:
    """An exact value and a bound on the implementation's error in it (componentwise for vectors)."""
    value: object
    err: object = field(default=0.0)


def _abs(v):
    return np.abs(np.asarray([float(x) for x in v]))


def _dot_bound(a, b, u, n, err_a=0.0, err_b=0.0):
    """Exact aᵀb and the error of computing it from a, b with errors err_a, err_b: γ_n Σ|a_i b_i| + ..."""
    value = sum((x * y for x, y in zip(a, b)), Fraction(0))
    A, B = _abs(a), _abs(b)
    err = gamma(n, u) * float(np.sum((A + err_a) * (B + err_b))) + float(np.sum(A * err_b + B * err_a + err_a * err_b))
    return value, err


def _quotient(top, e_top, bottom, e_bottom, u):
    """top/bottom exactly, and its error bound (inf when the denominator's error reaches it)."""
    q = top / bottom
    if not e_bottom < abs(float(bottom)) / 2:
        return q, math.inf
    return q, (e_top + abs(float(q)) * e_bottom) / (abs(float(bottom)) - e_bottom) + u * abs(float(q)) * 1.01


def cg_iteration(objective, conv, x, g, d, g_prev, d_prev, first: bool, u: float):
    """From the implementation's own x_t, g_t (and g_(t-1), d_(t-1)): the exact direction d_t with its
    bound; then, fed the implementation's d̂_t (``d``), exact x_(t+1), g_(t+1) (recursive) with bounds.
    Returns None where the step is undefined (a zero denominator)."""
    n = len(x)
    if first:
        beta, e_beta = Fraction(0), 0.0
    else:
        top, e_top = _dot_bound(g, g if conv["beta"] == "fletcher_reeves" else [a - b for a, b in zip(g, g_prev)],
                                u, n)
        if conv["beta"] == "polak_ribiere":  # charged at |g|(|g| + |g_prev|): either way of forming it
            e_top = gamma(n + 2, u) * float(np.sum(_abs(g) * (_abs(g) + _abs(g_prev))))
        bottom, e_bottom = _dot_bound(g_prev, g_prev, u, n)
        if bottom == 0:
            return None
        beta, e_beta = _quotient(top, e_top, bottom, e_bottom, u)
    dp = d_prev if not first else [Fraction(0)] * n
    d_star = [-a + beta * b for a, b in zip(g, dp)]
    P = abs(float(beta)) * _abs(dp)
    e_d = e_beta * _abs(dp) + 2 * u * P + u * _abs(g)
    # the step along the implementation's own direction d̂
    Ad = obj.matvec(objective.A, d)
    e_Ad = u * _abs(Ad)
    bottom, e_bottom = _dot_bound(d, Ad, u, n, 0.0, e_Ad)
    if bottom == 0:
        return dict(d=(d_star, e_d))
    if conv["alpha"] == "line_search":
        top, e_top = _dot_bound(g, d, u, n)
        top = -top
    else:
        top, e_top = _dot_bound(g, g, u, n)
    alpha, e_alpha = _quotient(top, e_top, bottom, e_bottom, u)
    a = abs(float(alpha))
    x_next = [xi + alpha * di for xi, di in zip(x, d)]
    e_x = e_alpha * _abs(d) + u * a * _abs(d) + u * (_abs(x) + a * _abs(d))
    out = dict(d=(d_star, e_d), x=(x_next, e_x))
    if conv["gradient"] == "recursive":
        g_next = [gi + alpha * q for gi, q in zip(g, Ad)]
        out["g"] = (g_next, e_alpha * _abs(Ad) + a * e_Ad + u * a * _abs(Ad) + u * (_abs(g) + a * _abs(Ad)))
    return out


def gradient_bound(objective, x, u):
    """The exact gradient at x and what a correctly rounded oracle, or b - A·x formed from one, may be off by."""
    g = objective.grad_exact(x)
    return g, 2 * u * (_abs(obj.matvec(objective.A, x)) + _abs(objective.b))


_NONE = object()  # no such value to compare (g after the last iteration)
CG_DEFAULTS = dict(beta="fletcher_reeves", alpha="line_search", gradient="oracle", first_step="zero")


def check_cg(run_fn, conventions=None, *, examples=60, seed=0, dtypes=DTYPES, max_size=5, name=None,
             xp=np, nonzero_rhs=False) -> MatrixReport:
    """``run_fn(x0, *, value, grad, hvp, iterations) -> (x_k, [(x_t, g_t, d_t), ...])`` per iteration.

    ``nonzero_rhs``: discard b = 0 (scipy's cg returns x = 0 at once there, without iterating)."""
    conv = {**CG_DEFAULTS, **(conventions or {})}
    tracker = Tracker()

    @property_run(seed, examples)
    def run(data):
        dtype = data.draw(st.sampled_from(dtypes), label="dtype")
        n = data.draw(st.integers(1, max_size), label="n")
        objective = data.draw(obj.objectives(dtype, n, ("quadratic",), ("positive", "singular"), (8, 1)),
                              label="objective")
        x0 = data.draw(obj.point(n, dtype), label="x0")
        k = data.draw(st.integers(1, n + 1), label="iterations")
        tracker.examples += 1  # every draw made: the example runs
        u = unit_roundoff(dtype)
        context = dict(objective=objective.describe(), x=x0.tolist(), hyperparameters=dict(iterations=k),
                       dtype=dtype)
        if not positive_definite(objective.A):  # CG's domain: A ≻ 0 (singular drawn: discarded)
            tracker.discard()
        if nonzero_rhs and not any(objective.b):
            tracker.discard()
        if not any(objective.grad_exact(obj.exact(x0))):  # x0 solves it: α_1 = 0/0, nothing to check
            tracker.discard()
        try:
            x_k, seen = run_fn(xp.asarray(x0), iterations=k, **obj.oracle(objective, xp))
        except Exception as exc:
            tracker.mismatch(f"the implementation raised {type(exc).__name__}: {exc}", context)
        seen = [tuple(_exact_or_none(v) for v in step) for step in seen]
        if len(seen) != k:
            tracker.mismatch(f"reported {len(seen)} iterations, expected {k}", context)
        iterates = [s[0] for s in seen] + [_exact_or_none(x_k)]
        g_prev = d_prev = None
        for t, (x, g, d) in enumerate(seen):
            where = dict(context, iteration=t + 1)
            if x is None or g is None or d is None:
                tracker.mismatch(f"x_{t + 1}, g_{t + 1} or d_{t + 1} is not finite", where)
            out = cg_iteration(objective, conv, x, g, d, g_prev, d_prev, t == 0, u)
            if out is None or "x" not in out:  # a zero denominator: no step defined from here on
                if t == 0:
                    tracker.discard()
                break
            if t == 0 or conv["gradient"] == "oracle":
                g_exact, e_g = gradient_bound(objective, x, u)
                tracker.compare_ratios(f"g_{t + 1}", _abs([a - b for a, b in zip(g, g_exact)]), e_g, where)
            nexts = (("d", t + 1, d), ("x", t + 2, iterates[t + 1]), ("g", t + 2, seen[t + 1][1] if t + 1 < k else _NONE))
            for key, index, got in nexts:
                if key not in out or got is _NONE:
                    continue
                if got is None:
                    tracker.mismatch(f"{key}_{index} is not finite", where)
                ref, e = out[key]
                tracker.compare_ratios(f"{key}_{index}", _abs([a - b for a, b in zip(got, ref)]),
                                REASSOCIATION_FACTOR * np.asarray(e), where)
            g_prev, d_prev = g, d

    return _finish(run, tracker, "cg", conv, name or label(run_fn), dtypes)


# --- shared -----------------------------------------------------------------------------------------
def _finish(run, tracker, rule, conv, name, dtypes) -> MatrixReport:
    return conclude(run, tracker, MatrixReport(rule, conv, name, dtypes=tuple(dtypes)), lambda f: _repro(rule, f),
                    "no meaningful bound or reference")


# --- kernels, peers and the entry points ---------------------------------------------------------------
class _NewtonKernel:
    """kernels.optimizers.newton.newton_step under one solve convention."""

    def __init__(self, solve: str):
        self.solve = solve
        self.__qualname__ = f"kernels.optimizers.newton.newton_step(solve={solve!r})"

    def __call__(self, x, *, damping, grad, hvp, value=None):
        from kernels.optimizers.newton import newton_step

        return newton_step(x, grad=grad, hvp=hvp, damping=damping, solve=self.solve)


class _CGKernel:
    """kernels.optimizers.cg.cg under one choice of conventions, with its history."""

    def __init__(self, conv: dict):
        self.conv = {k: conv[k] for k in ("beta", "alpha", "gradient")}
        self.__qualname__ = "kernels.optimizers.cg.cg(" + ", ".join(f"{k}={v!r}" for k, v in self.conv.items()) + ")"

    def __call__(self, x0, *, iterations, grad, hvp, value=None):
        from kernels.optimizers.cg import cg

        return cg(x0, grad=grad, hvp=hvp, iterations=iterations, history=True, **self.conv)


def _extensions():
    """Modules with more matrix rules, each with KERNELS {rule name: kernel(conventions)} and CHECKS {rule name: check}.
    Imported on use (they import this module).  One line per module."""
    from verify.checks import (
        descent,  # gradient, steepest and coordinate descent
        quasi_newton,  # bfgs, lbfgs, nonlinear_cg
    )

    return (quasi_newton, descent)


def kernel_for(name: str, conventions: dict | None = None):
    """Our kernel for matrix rule ``name`` under ``conventions`` (missing axes: the rule's defaults)."""
    rule = MATRIX_RULES[name]
    conv = rule.conventions(**(conventions or {}))
    kernels = {"newton": lambda c: _NewtonKernel(c["solve"]), "cg": _CGKernel}
    for module in _extensions():
        kernels.update(module.KERNELS)
    if name not in kernels:
        raise KeyError(f"matrix rule {name!r} has no kernel of ours registered (verify/checks/matrix.py _extensions)")
    return kernels[name](conv)


def check_matrix(rule_name: str, implementation=None, conventions=None, *, examples=60, seed=0, dtypes=DTYPES,
                 max_size=5, name=None, xp=np, **options) -> MatrixReport:
    """Check ``implementation`` (default: our kernel) against matrix rule ``rule_name``; see check_newton,
    check_cg for the calling conventions."""
    if rule_name not in MATRIX_RULES:
        raise ValueError(f"no matrix rule named {rule_name!r}; known: {sorted(MATRIX_RULES)}")
    dtypes = options_.dtype_names(dtypes)  # every option checked first, as for elementwise checks
    if set(dtypes) - set(DTYPES):
        raise ValueError(f"dtypes: matrix rules run in {DTYPES} (what numpy.linalg computes in), got {dtypes}")
    examples, seed = options_.positive_int("examples", examples), options_.seed(seed)
    max_size = options_.positive_int("max_size", max_size)
    conv = MATRIX_RULES[rule_name].conventions(**(conventions or {}))
    implementation = implementation or kernel_for(rule_name, conv)
    checkers = {"newton": check_newton, "cg": check_cg}
    for module in _extensions():
        checkers.update(module.CHECKS)
    if rule_name not in checkers:
        raise KeyError(f"matrix rule {rule_name!r} has no check registered (verify/checks/matrix.py _extensions)")
    checker = checkers[rule_name]
    return checker(implementation, conv, examples=examples, seed=seed, dtypes=tuple(dtypes), max_size=max_size,
                   name=name, xp=xp, **options)

