"""Checks of gradient descent, steepest descent and coordinate descent against exact references.

The pattern of ``check_cg`` (verify/checks/matrix.py): the implementation returns its history, and per
iteration the reference is fed the implementation's own state (x_t, its gradient ĝ_t, its direction or block
step), so errors cannot accumulate; it recomputes the next iterate exactly in Fractions, and the error allowed
is a componentwise first-order running error analysis of the iteration's few operations (Higham, *Accuracy
and Stability of Numerical Algorithms*, 2nd ed.): a k-term dot product carries γ_k Σ|x_i y_i| (§3.1), a
quotient the relative errors of its operands plus u, hvp u|Hv| (the oracle rounds once), and the gradient the
oracle returns is within 2u(|Ax| + |b|) of the exact one (``gradient_bound``).  The bound on each iterate is
doubled (REASSOCIATION_FACTOR) for implementations that evaluate in another order.

* gradient descent: fixed x - ηg: fl(x - fl(ηg)) is within γ_2(|x| + η|g|); heavy ball x - ηg + β(x - x_prev):
  three terms, each with at most two roundings before the two additions, within γ_4(|x| + η|g| + β|x - x_prev|);
  exact line search α = gᵀg / gᵀHg as CG's α.
* steepest descent: the direction from ĝ_t — ℓ∞ -sign(ĝ) and ℓ1 -sign(ĝ_i)e_i are exact (bound 0); ℓ2
  -ĝ/‖ĝ‖₂: fl(ĝᵀĝ) is within γ_n, the square root halves that and adds u, the quotient adds u, so each
  component is within γ_(n+3)|v_i| (the reference √ is taken at 60 digits: 10⁻⁴⁰|v_i| more).  Then x_(t+1)
  from the implementation's own v̂_t as for gradient descent.
* coordinate descent: per block update, the block chosen (cyclic: in turn; greedy: a largest ‖ĝ_B‖² up to
  γ_|B| of each), δ = -H_BB⁻¹ĝ_B (one coordinate: one quotient, u|δ|; a 2×2 block by LU with partial
  pivoting: normwise εκ/(1 - εκ)‖δ‖, ε as for Newton's general solve), x_B + δ̂ (u each), and the carried
  gradient ĝ + H[:, B]δ̂ (γ_(|B|+1)(|ĝ| + |H[:, B]||δ̂|)).

``check_gd_rate`` checks the *measured contraction* of our kernel against the derived rates on drawn spectra
(gradient_descent.rates): with the best fixed step, ‖e_(t+1)‖₂ ≤ ρ‖e_t‖₂ + 2‖r_t‖₂, ρ = max|1 - ηλ_i| ≈
(κ-1)/(κ+1) (plus η‖Â - A‖₂ for the rounding of A to the dtype), r_t the rounding bound of the step; with
exact line search, f - f* contracts by ((κ̂-1)/(κ̂+1))² up to what the step's rounding can add.
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import strategies as st

from verify.checks.common import Tracker, conclude, label, to_numpy
from verify.checks.elementwise import property_run
from verify.checks.matrix import (
    DTYPES,
    MatrixReport,
    _abs,
    _dot_bound,
    _quotient,
    _repro,
    condition_number,
    gamma,
    gradient_bound,
    positive_definite,
    solve_backward_error,
    solve_exact,
)
from verify.reference.tolerance import REASSOCIATION_FACTOR, unit_roundoff
from verify.strategies import objectives as obj

F = Fraction


def _exact_or_none(a):
    a = to_numpy(a)
    return obj.exact(a) if np.isfinite(a).all() else None


def _finish(run, tracker, rule, conv, name, dtypes) -> MatrixReport:
    return conclude(run, tracker, MatrixReport(rule, conv, name, dtypes=tuple(dtypes)), lambda f: _repro(rule, f),
                    "no meaningful bound or reference")


def _compare(tracker, what, got, ref, bound, where, factor=REASSOCIATION_FACTOR):
    if got is None:
        tracker.mismatch(f"{what} is not finite", where)
    tracker.compare_ratios(what, _abs([a - b for a, b in zip(got, ref)]), factor * np.asarray(bound, dtype=float),
                           where)


def _fixed_lr(draw, objective):
    """A dyadic step (exact in every dtype) below 2/max|λ|: the iterates stay bounded whatever the spectrum."""
    top = max(abs(x) for x in objective.spectrum)
    base = 2.0 ** -math.ceil(math.log2(float(top)))
    return base * draw(st.sampled_from((1.0, 0.5, 1.5, 0.125)), label="lr factor")


def _line_step(objective, g, d, x, u, n):
    """From the implementation's g and direction d: α = -gᵀd/dᵀHd exactly, x + αd, and their bounds; None when
    dᵀHd = 0 (no step defined)."""
    Hd = obj.matvec(objective.A, d)
    bottom, e_bottom = _dot_bound(d, Hd, u, n, 0.0, u * _abs(Hd))
    if bottom == 0:
        return None
    top, e_top = _dot_bound(g, d, u, n)
    alpha, e_alpha = _quotient(-top, e_top, bottom, e_bottom, u)
    a, ad = abs(float(alpha)), _abs(d)
    return [xi + alpha * di for xi, di in zip(x, d)], e_alpha * ad + u * a * ad + u * (_abs(x) + a * ad)


# --- gradient descent -----------------------------------------------------------------------------------
def gd_next(objective, step: str, x, g, x_prev, lr, momentum, u, n):
    """Exact x_(t+1) from the implementation's x_t, ĝ_t (and x_(t-1)), with its bound; None: undefined."""
    if step == "line_search":
        return _line_step(objective, g, [-v for v in g], x, u, n)
    eta = F(lr)
    ref = [xi - eta * gi for xi, gi in zip(x, g)]
    terms = _abs(x) + float(eta) * _abs(g)
    if step == "fixed":
        return ref, gamma(2, u) * terms
    beta = F(momentum)
    diff = [a - b for a, b in zip(x, x_prev)]
    return [r + beta * dv for r, dv in zip(ref, diff)], gamma(4, u) * (terms + float(beta) * _abs(diff))


def _spectra(conv):
    return ("positive",) if conv.get("step") == "line_search" else ("positive", "indefinite")


def _draw_run(data, dtypes, max_size, spectra, most_iterations, label="iterations"):
    """(dtype, n, a quadratic objective with ``spectra``, x0, iterations): what every descent check draws first."""
    dtype = data.draw(st.sampled_from(dtypes), label="dtype")
    n = data.draw(st.integers(1, max_size), label="n")
    objective = data.draw(obj.objectives(dtype, n, ("quadratic",), spectra), label="objective")
    x0 = data.draw(obj.point(n, dtype), label="x0")
    return dtype, n, objective, x0, data.draw(st.integers(1, most_iterations), label=label)


def check_gradient_descent(run_fn, conventions=None, *, examples=40, seed=0, dtypes=DTYPES, max_size=5, name=None,
                           xp=np) -> MatrixReport:
    """``run_fn(x0, *, iterations, lr, momentum, value, grad, hvp) -> (x_k, [(x_t, g_t), ...])``."""
    conv = {"step": "fixed", **(conventions or {})}
    step = conv["step"]
    tracker = Tracker()

    @property_run(seed, examples)
    def run(data):
        dtype, n, objective, x0, k = _draw_run(data, dtypes, max_size, _spectra(conv), 4)
        lr = _fixed_lr(data.draw, objective)
        momentum = data.draw(st.sampled_from((0.0, 0.5, 0.875, 0.25)), label="momentum") if step == "heavy_ball" else 0.0
        tracker.examples += 1
        u = unit_roundoff(dtype)
        context = dict(objective=objective.describe(), x=x0.tolist(),
                       hyperparameters=dict(iterations=k, lr=lr, momentum=momentum), dtype=dtype)
        if step == "line_search" and not any(objective.grad_exact(obj.exact(x0))):
            tracker.discard()  # x0 solves it: α = 0/0
        try:
            x_k, seen = run_fn(xp.asarray(x0), iterations=k, lr=lr, momentum=momentum, **obj.oracle(objective, xp))
        except Exception as exc:
            tracker.mismatch(f"the implementation raised {type(exc).__name__}: {exc}", context)
        seen = [tuple(_exact_or_none(v) for v in s) for s in seen]
        if len(seen) != k:
            tracker.mismatch(f"reported {len(seen)} iterations, expected {k}", context)
        iterates = [s[0] for s in seen] + [_exact_or_none(x_k)]
        for t, (x, g) in enumerate(seen):
            where = dict(context, iteration=t + 1)
            if x is None or g is None:
                tracker.mismatch(f"x_{t + 1} or g_{t + 1} is not finite", where)
            g_exact, e_g = gradient_bound(objective, x, u)
            tracker.compare_ratios(f"g_{t + 1}", _abs([a - b for a, b in zip(g, g_exact)]), e_g, where)
            x_prev = seen[t - 1][0] if t else x  # x_(-1) = x_0
            out = gd_next(objective, step, x, g, x_prev, lr, momentum, u, n)
            if out is None:  # ĝ = 0 under line search: no step defined from here on
                if t == 0:
                    tracker.discard()
                break
            _compare(tracker, f"x_{t + 2}", iterates[t + 1], *out, where)

    return _finish(run, tracker, "gradient_descent", conv, name or label(run_fn), dtypes)


# --- steepest descent -----------------------------------------------------------------------------------
def sd_direction(norm: str, g, u, n):
    """The exact steepest unit direction from ĝ and its componentwise bound; None when ĝ = 0 under ℓ2."""
    if norm == "linf":
        return [F(-np.sign(float(v))) for v in g], np.zeros(n)
    if norm == "l1":
        i = max(range(n), key=lambda j: (abs(g[j]), -j))  # the first index of the largest |g_j|
        return [F(-np.sign(float(g[i]))) if j == i else F(0) for j in range(n)], np.zeros(n)
    s = sum((v * v for v in g), F(0))
    if s == 0:
        return None
    with mpmath.workdps(60):
        root = mpmath.sqrt(mpmath.mpf(s.numerator) / s.denominator)
        # to a Fraction within 2⁻²⁰⁰ (|v_i| ≤ 1): far below the bound for any component the dtype can hold
        v = [F(int(mpmath.nint(-(mpmath.mpf(x.numerator) / x.denominator) / root * 2 ** 200)), 2 ** 200) for x in g]
    return v, (gamma(n + 3, u) + 1e-40) * _abs(v) + 2.0 ** -199


def check_steepest_descent(run_fn, conventions=None, *, examples=40, seed=0, dtypes=DTYPES, max_size=5, name=None,
                           xp=np) -> MatrixReport:
    """``run_fn(x0, *, iterations, lr, value, grad, hvp) -> (x_k, [(x_t, g_t, v_t), ...])``."""
    conv = {"norm": "l2", "step": "fixed", **(conventions or {})}
    tracker = Tracker()

    @property_run(seed, examples)
    def run(data):
        dtype, n, objective, x0, k = _draw_run(data, dtypes, max_size, _spectra(conv), 4)
        lr = data.draw(st.sampled_from((0.5, 0.125, 1.0, 2.0 ** -10)), label="lr")
        tracker.examples += 1
        u = unit_roundoff(dtype)
        context = dict(objective=objective.describe(), x=x0.tolist(), hyperparameters=dict(iterations=k, lr=lr),
                       dtype=dtype)
        if not any(objective.grad_exact(obj.exact(x0))):
            tracker.discard()  # x0 solves it: no steepest direction (ℓ2: 0/0)
        try:
            x_k, seen = run_fn(xp.asarray(x0), iterations=k, lr=lr, **obj.oracle(objective, xp))
        except Exception as exc:
            tracker.mismatch(f"the implementation raised {type(exc).__name__}: {exc}", context)
        seen = [tuple(_exact_or_none(v) for v in s) for s in seen]
        if len(seen) != k:
            tracker.mismatch(f"reported {len(seen)} iterations, expected {k}", context)
        iterates = [s[0] for s in seen] + [_exact_or_none(x_k)]
        for t, (x, g, v) in enumerate(seen):
            where = dict(context, iteration=t + 1)
            if x is None or g is None:
                tracker.mismatch(f"x_{t + 1} or g_{t + 1} is not finite", where)
            g_exact, e_g = gradient_bound(objective, x, u)
            tracker.compare_ratios(f"g_{t + 1}", _abs([a - b for a, b in zip(g, g_exact)]), e_g, where)
            direction = sd_direction(conv["norm"], g, u, n)
            if direction is None:  # ĝ = 0: no direction from here on
                if t == 0:
                    tracker.discard()
                break
            _compare(tracker, f"v_{t + 1}", v, *direction, where)
            if conv["step"] == "fixed":
                eta = F(lr)
                out = [xi + eta * vi for xi, vi in zip(x, v)], gamma(2, u) * (_abs(x) + lr * _abs(v))
            else:
                out = _line_step(objective, g, v, x, u, n)
                if out is None:
                    break
            _compare(tracker, f"x_{t + 2}", iterates[t + 1], *out, where)

    return _finish(run, tracker, "steepest_descent", conv, name or label(run_fn), dtypes)


# --- coordinate descent ---------------------------------------------------------------------------------
BLOCK_SIZES = {"single": 1, "pairs": 2}


def blocks_of(n: int, size: int):
    return [list(range(s, min(s + size, n))) for s in range(0, n, size)]


def block_delta(A, g, p, u):
    """δ = -A_BB⁻¹g_B exactly and its componentwise bound (inf where the solve's bound says nothing)."""
    if len(p) == 1:
        delta = [-g[p[0]] / A[p[0]][p[0]]]
        return delta, u * _abs(delta)
    M = [[A[i][j] for j in p] for i in p]
    delta = [-v for v in solve_exact(M, [g[i] for i in p])]
    eps, kappa = solve_backward_error(len(p), u, "general"), condition_number(M)
    if not eps * kappa < 0.5:
        return delta, np.full(len(p), math.inf)
    size = math.sqrt(sum(float(v) ** 2 for v in delta))
    return delta, np.full(len(p), size * eps * kappa / (1 - eps * kappa) * (1 + u) + u * size)


def block_allowed(order: str, g, parts, j: int, k, u) -> bool:
    """Whether block k may be the j-th update of a sweep."""
    if order == "cyclic":
        return k == j % len(parts)
    if not isinstance(k, (int, np.integer)) or not 0 <= k < len(parts):
        return False
    size = [sum((g[i] * g[i] for i in p), F(0)) for p in parts]
    slack = [gamma(len(p), u) * float(s) for p, s in zip(parts, size)]
    return float(size[k]) + slack[k] >= max(float(s) - e for s, e in zip(size, slack))


def check_coordinate_descent(run_fn, conventions=None, *, examples=40, seed=0, dtypes=DTYPES, max_size=5, name=None,
                             xp=np) -> MatrixReport:
    """``run_fn(x0, *, sweeps, value, grad, hvp) -> (x, [(x, g, block index, δ), ...])`` per block update."""
    conv = {"order": "cyclic", "block": "single", **(conventions or {})}
    size = BLOCK_SIZES[conv["block"]]
    tracker = Tracker()

    @property_run(seed, examples)
    def run(data):
        dtype, n, objective, x0, sweeps = _draw_run(data, dtypes, max_size, ("positive",), 3, "sweeps")
        tracker.examples += 1
        u = unit_roundoff(dtype)
        context = dict(objective=objective.describe(), x=x0.tolist(), hyperparameters=dict(sweeps=sweeps), dtype=dtype)
        if not positive_definite(objective.A):  # rounding A to the dtype may break definiteness: CD's domain
            tracker.discard()
        parts = blocks_of(n, size)
        try:
            x_end, seen = run_fn(xp.asarray(x0), sweeps=sweeps, **obj.oracle(objective, xp))
        except Exception as exc:
            tracker.mismatch(f"the implementation raised {type(exc).__name__}: {exc}", context)
        if len(seen) != sweeps * len(parts):
            tracker.mismatch(f"reported {len(seen)} block updates, expected {sweeps * len(parts)}", context)
        seen = [(_exact_or_none(x), _exact_or_none(g), int(k), _exact_or_none(d)) for x, g, k, d in seen]
        nexts = [(s[0], s[1]) for s in seen[1:]] + [(_exact_or_none(x_end), None)]
        A = objective.A
        for t, ((x, g, k, delta), (x_next, g_next)) in enumerate(zip(seen, nexts)):
            j = t % len(parts)
            where = dict(context, update=t + 1, block=k)
            if x is None or g is None or delta is None:
                tracker.mismatch(f"x, g or δ of update {t + 1} is not finite", where)
            if j == 0:  # a sweep starts from the oracle's gradient
                g_exact, e_g = gradient_bound(objective, x, u)
                tracker.compare_ratios(f"g at update {t + 1}", _abs([a - b for a, b in zip(g, g_exact)]), e_g, where)
            if not block_allowed(conv["order"], g, parts, j, k, u):
                tracker.mismatch(f"update {t + 1} chose block {k}, not allowed under order={conv['order']}", where)
            p = parts[k]
            _compare(tracker, f"δ at update {t + 1}", delta, *block_delta(A, g, p, u), where)
            ref, e = list(x), np.zeros(n)
            for i, di in zip(p, delta):
                ref[i] = x[i] + di
                e[i] = u * (abs(float(x[i])) + abs(float(di)))
            _compare(tracker, f"x after update {t + 1}", x_next, ref, e, where)
            if g_next is not None and j + 1 < len(parts):  # the carried gradient within a sweep
                step = [sum((A[i][c] * di for c, di in zip(p, delta)), F(0)) for i in range(n)]
                bound = gamma(len(p) + 1, u) * (_abs(g) + np.asarray([sum(abs(float(A[i][c])) * abs(float(di))
                                                                          for c, di in zip(p, delta))
                                                                      for i in range(n)]))
                _compare(tracker, f"g after update {t + 1}", g_next, [a + b for a, b in zip(g, step)], bound, where)

    return _finish(run, tracker, "coordinate_descent", conv, name or label(run_fn), dtypes)


# --- measured contraction against the derived rates -------------------------------------------------------
def _norm(v) -> float:
    with mpmath.workdps(40):
        return float(mpmath.sqrt(mpmath.fsum((mpmath.mpf(x.numerator) / x.denominator) ** 2 for x in v)))


def _value(objective, x):
    return objective.value_exact(x)


def check_gd_rate(run_fn, step: str = "fixed", *, examples=20, seed=0, iterations=6, name=None, xp=np) -> MatrixReport:
    """The measured per-step contraction of ``run_fn`` (as for check_gradient_descent) on drawn positive definite
    spectra, against gradient_descent.rates: ``step="fixed"`` runs η = fl(2/(λ_min + λ_max)) and checks
    ‖e_(t+1)‖ ≤ ρ‖e_t‖ + 2‖r_t‖; ``"line_search"`` checks f(x_(t+1)) - f* ≤ ((κ̂-1)/(κ̂+1))²(f(x_t) - f*) plus what
    the step's rounding can add (float64)."""
    tracker = Tracker()
    dtype, u = "float64", unit_roundoff("float64")

    @property_run(seed, examples)
    def run(data):
        n = data.draw(st.integers(2, 5), label="n")
        objective = data.draw(obj.objectives(dtype, n, ("quadratic",), ("positive",)), label="objective")
        x0 = data.draw(obj.point(n, dtype), label="x0")
        tracker.examples += 1
        lam = sorted(objective.spectrum)
        lo, hi = lam[0], lam[-1]
        A = objective.A
        # ‖Â - A‖₂ ≤ ‖Â - A‖_F ≤ u‖Â‖_F/(1 - u): every entry of Â is the exact entry rounded once
        shift = u / (1 - u) * math.sqrt(sum(float(a) ** 2 for row in A for a in row))
        lr = float(F(2) / (lo + hi))
        context = dict(objective=objective.describe(), x=x0.tolist(), hyperparameters=dict(iterations=iterations, lr=lr),
                       dtype=dtype)
        x_star = solve_exact([list(r) for r in A], list(objective.b))
        if x_star is None or not positive_definite(A):
            tracker.discard()
        try:
            x_k, seen = run_fn(xp.asarray(x0), iterations=iterations, lr=lr, momentum=0.0, **obj.oracle(objective, xp))
        except Exception as exc:
            tracker.mismatch(f"the implementation raised {type(exc).__name__}: {exc}", context)
        iterates = [_exact_or_none(s[0]) for s in seen] + [_exact_or_none(x_k)]
        grads = [_exact_or_none(s[1]) for s in seen]
        f_star = _value(objective, x_star)
        if step == "fixed":
            eta = F(lr)
            rho = float(max(abs(1 - eta * v) for v in lam)) + lr * shift
        else:
            k_hat = (float(hi) + shift) / (float(lo) - shift)
            rho = ((k_hat - 1) / (k_hat + 1)) ** 2 * (1 + 1e-12)  # the float evaluation, rounded up
        for t in range(len(seen)):
            x, x_next, g = iterates[t], iterates[t + 1], grads[t]
            where = dict(context, iteration=t + 1, rate=rho)
            if g is not None and not any(g):  # at the minimiser (to rounding): nothing left to contract
                break
            if x is None or x_next is None or g is None:
                tracker.mismatch(f"x_{t + 1}, g_{t + 1} or x_{t + 2} is not finite", where)
            g_exact, e_g = gradient_bound(objective, x, u)
            if step == "fixed":
                e_now, e_next = _norm([a - b for a, b in zip(x, x_star)]), _norm([a - b for a, b in zip(x_next, x_star)])
                r = np.linalg.norm(lr * e_g + REASSOCIATION_FACTOR * gamma(2, u) * (_abs(x) + lr * _abs(g)))
                tracker.compare_ratios(f"‖e_{t + 2}‖", [e_next], [(rho * e_now + r) * (1 + 1e-12)], where)  # float rounding
                continue
            exact = _line_step(objective, g_exact, [-v for v in g_exact], x, u, n)
            fed = _line_step(objective, g, [-v for v in g], x, u, n)
            if exact is None or fed is None:
                break
            r = _norm([a - b for a, b in zip(fed[0], exact[0])]) + REASSOCIATION_FACTOR * float(np.linalg.norm(fed[1]))
            g_ls = _norm(objective.grad_exact(exact[0]))
            slack = g_ls * r + (float(hi) + shift) * r * r / 2
            now, nxt = float(_value(objective, x) - f_star), float(_value(objective, x_next) - f_star)
            tracker.compare_ratios(f"f(x_{t + 2}) - f*", [nxt], [rho * now * (1 + 1e-12) + slack * (1 + 1e-9)], where)

    return _finish(run, tracker, "gradient_descent", {"step": step, "check": "rate"}, name or label(run_fn), (dtype,))


# --- our kernels and the dispatch -------------------------------------------------------------------------
class _GDKernel:
    """kernels.optimizers.descent.gradient_descent under one step convention, with its history."""

    def __init__(self, conv: dict):
        self.step = conv["step"]
        self.__qualname__ = f"kernels.optimizers.descent.gradient_descent(step={self.step!r})"

    def __call__(self, x0, *, iterations, lr, momentum=0.0, grad, hvp, value=None):
        from kernels.optimizers.descent import gradient_descent

        return gradient_descent(x0, grad=grad, hvp=hvp, iterations=iterations, lr=lr, momentum=momentum,
                                step=self.step, history=True)


class _SDKernel:
    def __init__(self, conv: dict):
        self.conv = {k: conv[k] for k in ("norm", "step")}
        self.__qualname__ = "kernels.optimizers.descent.steepest_descent(" + ", ".join(
            f"{k}={v!r}" for k, v in self.conv.items()) + ")"

    def __call__(self, x0, *, iterations, lr, grad, hvp, value=None):
        from kernels.optimizers.descent import steepest_descent

        return steepest_descent(x0, grad=grad, hvp=hvp, iterations=iterations, lr=lr, history=True, **self.conv)


class _CDKernel:
    def __init__(self, conv: dict):
        self.order, self.block = conv["order"], BLOCK_SIZES[conv["block"]]
        self.__qualname__ = f"kernels.optimizers.descent.coordinate_descent(order={self.order!r}, block={self.block})"

    def __call__(self, x0, *, sweeps, grad, hvp, value=None):
        from kernels.optimizers.descent import coordinate_descent

        return coordinate_descent(x0, grad=grad, hvp=hvp, sweeps=sweeps, order=self.order, block=self.block,
                                  history=True)


KERNELS = {"gradient_descent": _GDKernel, "steepest_descent": _SDKernel, "coordinate_descent": _CDKernel}
CHECKS = {"gradient_descent": check_gradient_descent, "steepest_descent": check_steepest_descent,
          "coordinate_descent": check_coordinate_descent}
