"""Checks of BFGS, L-BFGS and nonlinear CG runs against exact per-iteration references, fed the implementation's
own state.

As ``check_cg`` (verify/checks/matrix.py) does, each iteration is checked from the state the implementation
reports for it, so rounding errors cannot accumulate over the run and the tolerance does not grow with it:

* **L-BFGS** (``check_lbfgs``): from the reported g_t and pairs (S_t, Y_t), the exact two-loop direction
  d_t = -H g_t, with H = |S_t| BFGS updates of γI, γ per the ``scaling`` convention computed exactly from the
  reported newest pair (derivations/optimizers/bfgs.py proves the two-loop equals those updates); at most
  ``memory`` pairs; the pairs carried over bit for bit, the newest pair within rounding of (x_t - x_(t-1),
  g_t - g_(t-1)); a pair skipped only where yᵀs ≤ 0 (or ≤ ``skip_below``, e.g. torch's 10⁻¹⁰).
* **BFGS** (``check_bfgs``): M_0 = I; M_t the exact update of the reported M_(t-1) by the pair of reported
  iterates and gradients; d_t = -M_t g_t.
* **nonlinear CG** (``check_nonlinear_cg``): from the reported g_t, g_(t-1), d_(t-1), the exact d_t under the
  β (FR, PR, PR+) and restart conventions; where the descent restart's test gᵀd ≥ 0 is within rounding of 0,
  either outcome passes.
* all: g_t within the oracle's rounding of ∇f(x_t), and x_(t+1) = x_t + αd̂_t with the exact line search
  α = -ĝᵀd̂/d̂ᵀAd̂ (the ``line_search = exact`` convention; drawn objectives are SPD quadratics); under
  L-BFGS's ``line_search = any`` (a peer's fixed step, Armijo or strong Wolfe) only that x_(t+1) - x_t lies
  along d̂_t, with τ > 0 (normwise, ``_along``).

Tolerance: a first-order running error analysis of the iteration's operations, componentwise, built by the
small interval-like arithmetic below (``Bounded``): an n-term dot product carries γ_n Σ(|a|+e_a)(|b|+e_b)
plus the inputs' errors (Higham §3.1), every other operation one rounding u of its result, a quotient the
relative errors of its operands (``_quotient``), the oracle's hvp u|Ad|.  The bound is doubled
(REASSOCIATION_FACTOR) for implementations that evaluate in another order (ρ = 1/yᵀs then a product, as torch
does, costs one rounding more per quotient).  So the allowed error grows with the sizes of the intermediate
terms — with κ(A) through |α| and |H| — but not with the iteration count.  An iteration whose dᵀAd is 0 (g_t = 0:
converged exactly) has no defined step: the example stops there (at t = 1 it is discarded).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from verify.checks.common import Mismatch, Tracker, conclude, label, to_numpy
from verify.checks.elementwise import property_run
from verify.checks.matrix import (
    DTYPES,
    MatrixReport,
    _abs,
    _dot_bound,
    _exact_or_none,
    _quotient,
    _repro,
    gradient_bound,
    positive_definite,
)
from verify.checks.matrix import (
    gamma as gamma_n,
)
from verify.reference.tolerance import REASSOCIATION_FACTOR, unit_roundoff
from verify.strategies import objectives as obj

MEMORIES = (1, 2, 3, 5)


# --- bounded exact arithmetic: an exact value and a bound on the implementation's error in it -----------
@dataclass
class Bounded:
    value: object  # a Fraction, or a list of Fractions
    err: object  # a float, or a numpy array of floats

    @property
    def mag(self):  # |value| + err, componentwise: a bound on the magnitude of the computed value
        return _abs(self.value) + self.err if isinstance(self.value, list) else abs(float(self.value)) + self.err


def given_vector(v) -> Bounded:
    return Bounded(list(v), np.zeros(len(v)))


def bdot(a: Bounded, b: Bounded, u: float) -> Bounded:
    with np.errstate(invalid="ignore"):  # an unbounded (inf) input error times 0: still unbounded
        value, err = _dot_bound(a.value, b.value, u, len(a.value), a.err, b.err)
    return Bounded(value, math.inf if math.isnan(err) else err)


def bquot(top: Bounded, bottom: Bounded, u: float) -> Bounded:
    return Bounded(*_quotient(top.value, top.err, bottom.value, bottom.err, u))


def bsub(a: Bounded, b: Bounded, u: float) -> Bounded:
    """a - b for scalars, rounded once."""
    value = a.value - b.value
    return Bounded(value, a.err + b.err + u * (abs(float(value)) + a.err + b.err))


def bscale(c: Bounded, w: Bounded, u: float) -> Bounded:
    """c·w (scalar times vector), rounded once per component."""
    value = [c.value * x for x in w.value]
    with np.errstate(invalid="ignore"):  # an unbounded (inf) error times 0: still unbounded
        err = abs(float(c.value)) * w.err + c.err * w.mag + u * c.mag * w.mag
    return Bounded(value, np.where(np.isnan(err), np.inf, err))


def baxpy(v: Bounded, c: Bounded, w: Bounded, u: float) -> Bounded:
    """v + c·w: the product rounded, then the sum rounded (an FMA rounds less)."""
    p = bscale(c, w, u)
    value = [a + b for a, b in zip(v.value, p.value)]
    return Bounded(value, v.err + p.err + u * (v.mag + p.mag))


def two_loop_bounded(g: Bounded, S, Y, gamma: Bounded, u: float) -> Bounded:
    """r = H g by the two-loop recursion (pairs oldest first), with its error bound."""
    q, alphas = g, []
    for s, y in zip(reversed(S), reversed(Y)):
        a = bquot(bdot(s, q, u), bdot(y, s, u), u)
        alphas.append(a)
        q = baxpy(q, Bounded(-a.value, a.err), y, u)
    r = bscale(gamma, q, u)
    for s, y, a in zip(S, Y, reversed(alphas)):
        b = bquot(bdot(y, r, u), bdot(y, s, u), u)
        r = baxpy(r, bsub(a, b, u), s, u)
    return r


def initial_scale(S, Y, scaling: str, u: float) -> Bounded:
    if not S or scaling == "identity":
        return Bounded(Fraction(1), 0.0)
    return bquot(bdot(S[-1], Y[-1], u), bdot(Y[-1], Y[-1], u), u)


def exact_line_search_step(objective, x, g, d, u):
    """x + αd̂ with α = -ĝᵀd̂/d̂ᵀAd̂ from the implementation's own x, g, d; None when d̂ᵀAd̂ = 0."""
    n = len(x)
    Ad = obj.matvec(objective.A, d)
    e_Ad = u * _abs(Ad)
    bottom, e_bottom = _dot_bound(d, Ad, u, n, 0.0, e_Ad)
    if bottom == 0:
        return None
    top, e_top = _dot_bound(g, d, u, n)
    alpha, e_alpha = _quotient(-top, e_top, bottom, e_bottom, u)
    a = abs(float(alpha))
    x_next = [xi + alpha * di for xi, di in zip(x, d)]
    return x_next, e_alpha * _abs(d) + u * a * _abs(d) + u * (_abs(x) + a * _abs(d))


def _compare(tracker, what, got, ref: Bounded, where):
    tracker.compare_ratios(what, _abs([a - b for a, b in zip(got, ref.value)]), REASSOCIATION_FACTOR * ref.err,
                           where)


def _difference(a, b):
    return [p - q for p, q in zip(a, b)]


# --- the drawn problem and the per-iteration loop shared by both checks --------------------------------
def _problems(data, dtypes, max_size, tracker):
    dtype = data.draw(st.sampled_from(dtypes), label="dtype")
    n = data.draw(st.integers(1, max_size), label="n")
    objective = data.draw(obj.objectives(dtype, n, ("quadratic",), ("positive", "singular"), (8, 1)), label="objective")
    x0 = data.draw(obj.point(n, dtype), label="x0")
    k = data.draw(st.integers(1, n + 2), label="iterations")
    tracker.examples += 1  # every draw made: the example runs
    if not positive_definite(objective.A):  # the exact line search's domain: A ≻ 0 (singular drawn: discarded)
        tracker.discard()
    if not any(objective.grad_exact(obj.exact(x0))):  # x0 solves it: α_1 = 0/0, nothing to check
        tracker.discard()
    return dtype, n, objective, x0, k


def _context(objective, x0, dtype, **hyperparameters) -> dict:
    """What every mismatch of an example reports: the objective, x_0, the hyperparameters and the dtype."""
    return dict(objective=objective.describe(), x=x0.tolist(), hyperparameters=hyperparameters, dtype=dtype)


_last_error = [None]  # what the implementation last raised (for _run_until_refused)


def _run_checked(tracker, run_fn, x0, k, objective, context, xp, **options):
    try:
        x_k, seen = run_fn(xp.asarray(x0), iterations=k, **options, **obj.oracle(objective, xp))
    except Exception as exc:
        _last_error[0] = exc
        tracker.mismatch(f"the implementation raised {type(exc).__name__}: {exc}", context)
    if len(seen) != k:
        tracker.mismatch(f"reported {len(seen)} iterations, expected {k}", context)
    return _exact_or_none(x_k), seen


def _exact_list(vs):
    out = [_exact_or_none(v) for v in vs]
    return None if any(v is None for v in out) else out


def _pair_bounds(x, x_prev, g, g_prev, u):
    """The exact (x_t - x_(t-1), g_t - g_(t-1)) and how far the implementation's rounded s = fl(αd),
    y = fl(g_t - g_(t-1)) may be from them: x_t = fl(x_(t-1) + αd) with αd rounded first or not (torch's
    add_(d, alpha=t) fuses it), so |x_t - x_(t-1) - s| ≤ u|x_t| + u|αd| ≤ u(|x_t| + |s|)/(1 - u);
    |y - (g_t - g_(t-1))| ≤ u|y|/(1 - u)."""
    s, y = _difference(x, x_prev), _difference(g, g_prev)
    return Bounded(s, u * (_abs(x) + _abs(s)) * (1 + 3 * u)), Bounded(y, u * _abs(y) * (1 + 2 * u))


def _skip_allowed(s: Bounded, y: Bounded, u: float, skip_below: float) -> bool:
    sy = bdot(s, y, u)
    return float(sy.value) - sy.err <= skip_below


# --- L-BFGS -------------------------------------------------------------------------------------------
LBFGS_DEFAULTS = dict(scaling="ratio", line_search="exact")


def check_lbfgs(run_fn, conventions=None, *, examples=40, seed=0, dtypes=DTYPES, max_size=4, name=None, xp=np,
                skip_below=0.0) -> MatrixReport:
    """``run_fn(x0, *, value, grad, hvp, iterations, memory) -> (x_k, [(x_t, g_t, d_t, S_t, Y_t, γ_t), ...])``."""
    conv = {**LBFGS_DEFAULTS, **(conventions or {})}
    tracker = Tracker()

    @property_run(seed, examples)
    def run(data):
        dtype, n, objective, x0, k = _problems(data, dtypes, max_size, tracker)
        m = data.draw(st.sampled_from(MEMORIES), label="memory")
        u = unit_roundoff(dtype)
        context = _context(objective, x0, dtype, iterations=k, memory=m)
        x_k, seen = _run_checked(tracker, run_fn, x0, k, objective, context, xp, memory=m)
        previous = None
        for t, (x, g, d, S, Y, _gamma) in enumerate(seen):
            where = dict(context, iteration=t + 1)
            x, g, d, S, Y = _exact_or_none(x), _exact_or_none(g), _exact_or_none(d), _exact_list(S), _exact_list(Y)
            if x is None or g is None or d is None or S is None or Y is None:
                tracker.mismatch(f"x_{t + 1}, g_{t + 1}, d_{t + 1} or a pair is not finite", where)
            if len(S) != len(Y) or len(S) > m:
                tracker.mismatch(f"{len(S)} s and {len(Y)} y vectors kept with memory m = {m}", where)
            g_exact, e_g = gradient_bound(objective, x, u)
            tracker.compare_ratios(f"g_{t + 1}", _abs(_difference(g, g_exact)), e_g, where)
            if not any(g):  # converged exactly: d must be 0, and nothing after it is defined (torch stops at once,
                tracker.compare_ratios(f"d_{t + 1}", _abs(d), np.zeros(len(d)), where)  # before storing the pair)
                break
            if previous is not None:
                _check_pairs(tracker, previous, (x, g, S, Y), m, u, skip_below, where)
            Sb, Yb = [given_vector(s) for s in S], [given_vector(y) for y in Y]
            r = two_loop_bounded(given_vector(g), Sb, Yb, initial_scale(Sb, Yb, conv["scaling"], u), u)
            _compare(tracker, f"d_{t + 1}", d, Bounded([-v for v in r.value], r.err), where)
            got = _exact_or_none(seen[t + 1][0]) if t + 1 < len(seen) else x_k
            if conv["line_search"] == "any":
                if not any(d):  # g = 0: nothing to step along
                    if t == 0:
                        tracker.discard()
                    break
                if got is None:
                    tracker.mismatch(f"x_{t + 2} is not finite", where)
                _along(tracker, x, got, d, u, t, where)
                previous = (x, g, S, Y)
                continue
            step = exact_line_search_step(objective, x, g, d, u)
            if step is None:
                if t == 0:
                    tracker.discard()
                break
            if got is None:
                tracker.mismatch(f"x_{t + 2} is not finite", where)
            _compare(tracker, f"x_{t + 2}", got, Bounded(*step), where)
            previous = (x, g, S, Y)

    return conclude(run, tracker, MatrixReport("lbfgs", conv, name or label(run_fn), dtypes=tuple(dtypes)),
                    lambda f: _repro("lbfgs", f), "no meaningful bound or reference")


def _along(tracker, x, x_next, d, u, t, where):
    """x_(t+1) - x_t ∥ d̂_t, whatever the step length: with the least-squares τ* = (Δx)ᵀd̂/d̂ᵀd̂,
    ‖Δx - τ*d̂‖₂ ≤ ‖Δx - τd̂‖₂ for the implementation's τ, and Δx = fl(x_t + fl(τd̂)) - x_t is within
    u|τd̂| + u|x_(t+1)| (each /(1 - u)) of τd̂ componentwise: so the allowed norm is 2u(‖x_(t+1)‖₂ + ‖Δx‖₂)·(1 + 3u),
    Δx's own size standing in for ‖τd̂‖ (within the same rounding)."""
    step = _difference(x_next, x)
    tau = sum((a * b for a, b in zip(step, d)), Fraction(0)) / sum((b * b for b in d), Fraction(0))
    off = float(np.sqrt(np.sum(_abs([a - tau * b for a, b in zip(step, d)]) ** 2)))
    allowed = 2 * u * (float(np.linalg.norm(_abs(x_next))) + float(np.linalg.norm(_abs(step)))) * (1 + 3 * u)
    tracker.compare_ratios(f"x_{t + 2} - x_{t + 1} along d_{t + 1} (normwise)", off, REASSOCIATION_FACTOR * allowed,
                           where)
    if not tau > 0 and any(step):
        tracker.mismatch(f"x_{t + 2} - x_{t + 1} points against d_{t + 1} (τ = {float(tau):.6g})", where)


def _check_pairs(tracker, previous, current, m, u, skip_below, where):
    """The memory after the previous iteration: carried pairs bit for bit, the newest within rounding."""
    x_prev, g_prev, S_prev, Y_prev = previous
    x, g, S, Y = current
    s, y = _pair_bounds(x, x_prev, g, g_prev, u)
    if S == S_prev and Y == Y_prev and _skip_allowed(s, y, u, skip_below):  # the pair was skipped, rightly
        return
    kept = (S_prev + [None])[-m:][:-1], (Y_prev + [None])[-m:][:-1]
    if not S or (S[:-1], Y[:-1]) != kept:
        tracker.mismatch(f"memory: expected the newest {m} pairs (the older ones unchanged), got {len(S)} pairs "
                         f"that do not continue the previous {len(S_prev)}", where)
    _compare(tracker, "s (newest pair)", S[-1], s, where)
    _compare(tracker, "y (newest pair)", Y[-1], y, where)


# --- BFGS ---------------------------------------------------------------------------------------------
def bfgs_update_bounded(M, s: Bounded, y: Bounded, u: float):
    """Rows of M - ρ(s(My)ᵀ + (My)sᵀ) + (ρ²yᵀMy + ρ)ssᵀ, each a Bounded, from the exact M (the reported one)."""
    n = len(s.value)
    rows = [given_vector(r) for r in M]
    My = [bdot(row, y, u) for row in rows]
    My = Bounded([v.value for v in My], np.asarray([v.err for v in My]))
    rho = bquot(Bounded(Fraction(1), 0.0), bdot(y, s, u), u)
    yMy = bdot(y, My, u)
    rho2 = Bounded(rho.value * rho.value, 2 * abs(float(rho.value)) * rho.err + rho.err ** 2 + u * rho.mag ** 2)
    c = Bounded(rho2.value * yMy.value, abs(float(rho2.value)) * yMy.err + rho2.err * yMy.mag + u * rho2.mag * yMy.mag)
    c = Bounded(c.value + rho.value, c.err + rho.err + u * (c.mag + rho.mag))
    out = []
    for i in range(n):
        si, myi = Bounded(s.value[i], float(s.err[i])), Bounded(My.value[i], float(My.err[i]))
        # -ρ(s_i My + My_i s) + c s_i s: the products s_i·My etc. each rounded, summed, then added to M's row
        t1 = bscale(si, My, u)
        t2 = bscale(myi, s, u)
        inner = Bounded([a + b for a, b in zip(t1.value, t2.value)], t1.err + t2.err + u * (t1.mag + t2.mag))
        row = baxpy(rows[i], Bounded(-rho.value, rho.err), inner, u)
        out.append(baxpy(row, c, bscale(si, s, u), u))
    return out


def bfgs_product_bounded(M, s: Bounded, y: Bounded, u: float):
    """Rows of (I - ρsyᵀ)M(I - ρysᵀ) + ρssᵀ evaluated as written (scipy's form): two matrix products."""
    n = len(s.value)
    rho = bquot(Bounded(Fraction(1), 0.0), bdot(y, s, u), u)
    rs = bscale(rho, s, u)
    minus_one = Bounded(Fraction(-1), 0.0)
    L = [baxpy(given_vector([Fraction(int(i == j)) for j in range(n)]),
               minus_one, bscale(Bounded(rs.value[i], float(rs.err[i])), y, u), u) for i in range(n)]
    columns = [given_vector([M[i][j] for i in range(n)]) for j in range(n)]
    LM = [_row([bdot(L[i], columns[j], u) for j in range(n)]) for i in range(n)]
    out = []
    for i in range(n):
        row = _row([bdot(LM[i], L[j], u) for j in range(n)])
        out.append(baxpy(row, Bounded(rs.value[i], float(rs.err[i])), s, u))
    return out


def _row(entries) -> Bounded:
    return Bounded([e.value for e in entries], np.asarray([e.err for e in entries]))


def bfgs_update_either(M, s: Bounded, y: Bounded, u: float):
    """The update (the product form's exact value) with a bound valid whichever of the two algebraic forms an
    implementation evaluates: the larger of the two forms' bounds, per entry.  The forms agree exactly for a
    symmetric M only; a reported M a rounding off symmetric (the product form's) moves the expanded form's exact
    value, and that difference is added to its bound."""
    out = []
    for a, b in zip(bfgs_update_bounded(M, s, y, u), bfgs_product_bounded(M, s, y, u)):
        apart = _abs([p - q for p, q in zip(a.value, b.value)])
        out.append(Bounded(b.value, np.maximum(a.err + apart, b.err)))
    return out


def check_bfgs(run_fn, conventions=None, *, examples=40, seed=0, dtypes=DTYPES, max_size=4, name=None, xp=np,
               skip_below=0.0) -> MatrixReport:
    """``run_fn(x0, *, value, grad, hvp, iterations) -> (x_k, [(x_t, g_t, d_t, M_t), ...])``."""
    conv = {"line_search": "exact", **(conventions or {})}
    tracker = Tracker()

    @property_run(seed, examples)
    def run(data):
        dtype, n, objective, x0, k = _problems(data, dtypes, max_size, tracker)
        u = unit_roundoff(dtype)
        context = _context(objective, x0, dtype, iterations=k)
        x_k, seen = _run_checked(tracker, run_fn, x0, k, objective, context, xp)
        previous = None
        for t, (x, g, d, M) in enumerate(seen):
            where = dict(context, iteration=t + 1)
            x, g, d = _exact_or_none(x), _exact_or_none(g), _exact_or_none(d)
            M = None if not np.isfinite(to_numpy(M)).all() else [obj.exact(r) for r in to_numpy(M)]
            if x is None or g is None or d is None or M is None:
                tracker.mismatch(f"x_{t + 1}, g_{t + 1}, d_{t + 1} or M_{t + 1} is not finite", where)
            g_exact, e_g = gradient_bound(objective, x, u)
            tracker.compare_ratios(f"g_{t + 1}", _abs(_difference(g, g_exact)), e_g, where)
            if previous is None:
                identity = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
                if M != identity:
                    tracker.mismatch("M_1 is not the identity", where)
            else:
                x_prev, g_prev, M_prev = previous
                s, y = _pair_bounds(x, x_prev, g, g_prev, u)
                # M unchanged: skipped (yᵀs ≤ 0), or an update that gives M back (M = I, y = s); else the update
                if M != M_prev or not _skip_allowed(s, y, u, skip_below):
                    for i, ref in enumerate(bfgs_update_either(M_prev, s, y, u)):
                        _compare(tracker, f"M_{t + 1} row {i}", M[i], ref, where)
            direction = [bdot(given_vector(row), given_vector(g), u) for row in M]
            _compare(tracker, f"d_{t + 1}", d, Bounded([-v.value for v in direction],
                                                       np.asarray([v.err for v in direction])), where)
            step = exact_line_search_step(objective, x, g, d, u)
            if step is None:
                if t == 0:
                    tracker.discard()
                break
            got = _exact_or_none(seen[t + 1][0]) if t + 1 < len(seen) else x_k
            if got is None:
                tracker.mismatch(f"x_{t + 2} is not finite", where)
            _compare(tracker, f"x_{t + 2}", got, Bounded(*step), where)
            previous = (x, g, M)

    return conclude(run, tracker, MatrixReport("bfgs", conv, name or label(run_fn), dtypes=tuple(dtypes)),
                    lambda f: _repro("bfgs", f), "no meaningful bound or reference")


# --- nonlinear CG -----------------------------------------------------------------------------------------
NONLINEAR_CG_DEFAULTS = dict(beta="polak_ribiere", restart="none", line_search="exact")


def nonlinear_cg_direction(conv, g, g_prev, d_prev, t: int, u: float):
    """The exact d_t from the implementation's own g_t, g_(t-1), d_(t-1) (t from 0), as a list of candidates
    (Bounded): two where the descent restart's test gᵀd ≥ 0 is within rounding of 0 (either is right)."""
    n = len(g)
    G = given_vector(g)
    minus_g = Bounded([-v for v in g], np.zeros(n))
    if t == 0 or (conv["restart"] == "every_n" and t % n == 0):
        return [minus_g]
    Gp = given_vector(g_prev)
    bottom = bdot(Gp, Gp, u)
    if bottom.value == 0:
        return None
    if conv["beta"] == "fletcher_reeves":
        top = bdot(G, G, u)
    else:  # gᵀ(g - g_prev), formed either way: charged at γ_(n+2)Σ|g|(|g| + |g_prev|) as check_cg does
        diff = [a - b for a, b in zip(g, g_prev)]
        top = bdot(G, Bounded(diff, u * _abs(diff)), u)
        top = Bounded(top.value, max(top.err, gamma_n(n + 2, u) * float(np.sum(_abs(g) * (_abs(g) + _abs(g_prev))))))
    beta = bquot(top, bottom, u)
    if conv["beta"] == "pr_plus":  # max(·, 0) is 1-Lipschitz: the same error bound
        beta = Bounded(max(beta.value, Fraction(0)), beta.err)
    d = baxpy(minus_g, beta, given_vector(d_prev), u)
    if conv["restart"] != "descent":
        return [d]
    slope = bdot(G, d, u)
    if float(slope.value) < -slope.err:
        return [d]
    return [minus_g] if float(slope.value) > slope.err else [d, minus_g]


def _run_until_refused(tracker, run_fn, x0, k, objective, context, xp, conv):
    """The run, and None; or, under an inexact line search without the descent restart, where the implementation
    raises a ValueError, the longest run of fewer iterations that completes and the error: PR's direction need not
    be a descent direction after an inexact step, and then no Armijo step exists (checked by _refusal_justified)."""
    try:
        return (*_run_checked(tracker, run_fn, x0, k, objective, context, xp), None)
    except Mismatch:
        if conv["line_search"] != "any" or conv["restart"] == "descent" or not isinstance(_last_error[0], ValueError):
            raise
    error, tracker.failure = _last_error[0], None
    for j in range(k - 1, 0, -1):
        try:
            return (*_run_checked(tracker, run_fn, x0, j, objective, context, xp), error)
        except Mismatch:
            tracker.failure = None
    tracker.mismatch(f"the implementation raised {type(error).__name__}: {error} at its first iteration", context)


def _refusal_justified(tracker, error, conv, objective, x, g_prev, d_prev, t, u, context):
    """The implementation refused iteration t + 1: only right where that iteration's exact direction (from the
    oracle's g there and the implementation's last g, d) is no descent direction."""
    g = obj.exact(obj.oracle(objective)["grad"](np.asarray([float(v) for v in x], dtype=objective.dtype)))
    (d, *_) = nonlinear_cg_direction(conv, g, g_prev, d_prev, t, u) or [None]
    slope = None if d is None else bdot(given_vector(g), d, u)
    if slope is not None and float(slope.value) < -slope.err:
        tracker.mismatch(f"the implementation raised {type(error).__name__}: {error} at iteration {t + 1}, where "
                         f"d is a descent direction (gᵀd = {float(slope.value):.6g})", dict(context, iteration=t + 1))


def check_nonlinear_cg(run_fn, conventions=None, *, examples=40, seed=0, dtypes=DTYPES, max_size=4, name=None,
                       xp=np) -> MatrixReport:
    """``run_fn(x0, *, value, grad, hvp, iterations) -> (x_k, [(x_t, g_t, d_t), ...])``, fed its own state."""
    conv = {**NONLINEAR_CG_DEFAULTS, **(conventions or {})}
    tracker = Tracker()

    @property_run(seed, examples)
    def run(data):
        dtype, n, objective, x0, k = _problems(data, dtypes, max_size, tracker)
        u = unit_roundoff(dtype)
        context = _context(objective, x0, dtype, iterations=k)
        x_k, seen, raised = _run_until_refused(tracker, run_fn, x0, k, objective, context, xp, conv)
        g_prev = d_prev = None
        for t, (x, g, d) in enumerate(seen):
            where = dict(context, iteration=t + 1)
            x, g, d = _exact_or_none(x), _exact_or_none(g), _exact_or_none(d)
            if x is None or g is None or d is None:
                tracker.mismatch(f"x_{t + 1}, g_{t + 1} or d_{t + 1} is not finite", where)
            g_exact, e_g = gradient_bound(objective, x, u)
            tracker.compare_ratios(f"g_{t + 1}", _abs(_difference(g, g_exact)), e_g, where)
            candidates = nonlinear_cg_direction(conv, g, g_prev, d_prev, t, u)
            if candidates is None or not any(g):  # β's denominator 0, or converged exactly: nothing defined after
                if t == 0:
                    tracker.discard()
                break
            fits = [c for c in candidates
                    if np.all(_abs(_difference(d, c.value)) <= REASSOCIATION_FACTOR * c.err)]
            _compare(tracker, f"d_{t + 1}", d, fits[0] if fits else candidates[0], where)
            got = _exact_or_none(seen[t + 1][0]) if t + 1 < len(seen) else x_k
            if got is None:
                tracker.mismatch(f"x_{t + 2} is not finite", where)
            if conv["line_search"] == "any":
                _along(tracker, x, got, d, u, t, where)
            else:
                step = exact_line_search_step(objective, x, g, d, u)
                if step is None:
                    if t == 0:
                        tracker.discard()
                    break
                _compare(tracker, f"x_{t + 2}", got, Bounded(*step), where)
            g_prev, d_prev = g, d
        else:
            if raised is not None:
                _refusal_justified(tracker, raised, conv, objective, x_k, g_prev, d_prev, len(seen), u, context)

    return conclude(run, tracker, MatrixReport("nonlinear_cg", conv, name or label(run_fn), dtypes=tuple(dtypes)),
                    lambda f: _repro("nonlinear_cg", f), "no meaningful bound or reference")


# --- peers whose state is hidden: their iterates against the rule's direction, a conditioning-scaled band ---
TRAJECTORY_FLOOR = 1e-6  # stop comparing once ‖g_k‖ ≤ this·‖g_0‖: the pairs are then mostly rounding


def trajectory_sines(xs, grad, conv: dict, memory: int):
    """Per iteration k: sin∠(x_(k+1) - x_k, d_k) (1 when Δx points uphill), d_k the rule's exact direction (two-loop over the last ``memory``
    pairs formed from the peer's own iterates and the oracle's gradients, γ per ``conv["scaling"]``), and the
    band that sine is allowed (see ``check_trajectory``).  Exact (Fractions) but for the final norms."""
    xs = [obj.exact(x) for x in xs]
    gs = [obj.exact(grad(np.asarray([float(v) for v in x]))) for x in xs]
    g0 = float(np.linalg.norm(_abs(gs[0])))
    out, S, Y = [], [], []
    for k in range(len(xs) - 1):
        if k:
            S.append(given_vector(_difference(xs[k], xs[k - 1])))
            Y.append(given_vector(_difference(gs[k], gs[k - 1])))
        if float(np.linalg.norm(_abs(gs[k]))) <= TRAJECTORY_FLOOR * g0 or not any(_difference(xs[k + 1], xs[k])):
            break
        Sm, Ym = S[-memory:], Y[-memory:]
        if any(bdot(s, y, 0.0).value <= 0 for s, y in zip(Sm, Ym)):
            break  # a pair the peer would skip: its memory is no longer ours to reconstruct
        d = two_loop_bounded(given_vector(gs[k]), Sm, Ym, initial_scale(Sm, Ym, conv["scaling"], 0.0), 0.0).value
        step = _difference(xs[k + 1], xs[k])
        tau = sum((a * b for a, b in zip(step, d)), Fraction(0)) / sum((b * b for b in d), Fraction(0))
        off = float(np.linalg.norm(_abs([a - tau * b for a, b in zip(step, d)])))  # the part of Δx off the line of r
        if tau >= 0:  # Δx along +r = +Hg: uphill
            off = max(off, float(np.linalg.norm(_abs(step))))
        size = float(np.linalg.norm(_abs(step)))
        # how far the peer's rounded s, y may be from ours, relatively: u(‖x‖/‖s‖ + ‖g‖/‖y‖) per pair
        spread = max([1.0] + [float(np.linalg.norm(_abs(xs[k]))) / max(float(np.linalg.norm(_abs(s.value))), 1e-300)
                              + float(np.linalg.norm(_abs(gs[k]))) / max(float(np.linalg.norm(_abs(y.value))), 1e-300)
                              for s, y in zip(Sm, Ym)])
        out.append((off / size, spread))
    return out


def check_trajectory(iterates, conventions=None, *, examples=10, seed=0, max_size=5, memory=10**6, name=None,
                     **_options) -> MatrixReport:
    """``iterates(A, b, x0, k, memory) -> [x_0, …, x_k]`` of a peer whose state is hidden (scipy, jax, optax), against
    the ``lbfgs`` rule under ``conventions`` (line_search must be "any": the peers choose their own steps;
    ``memory`` large: BFGS).  Not fed the peer's state, so the tolerance is a band, not a bound: per iteration,
    sin∠(Δx, d_k) ≤ 10³·n·u·κ(A)·spread_k, spread_k = max over the pairs of ‖x‖/‖s‖ + ‖g‖/‖y‖ (how much the
    peer's own rounded s, y can differ from the ones reconstructed here, relatively), κ(A) for the rounding the
    peer's H (or compact matrices) accumulates.  A wrong scaling or memory gives sines of 10⁻² to 1 (measured:
    scipy BFGS against γ = ratio, 0.1–0.7), far above the band (≤ 10⁻⁸ on the drawn κ ≤ 10⁴).  float64 only."""
    from verify.checks.matrix import condition_number

    conv = {**LBFGS_DEFAULTS, "line_search": "any", **(conventions or {})}
    tracker = Tracker()
    u = unit_roundoff("float64")

    @property_run(seed, examples)
    def run(data):
        n = data.draw(st.integers(2, max_size), label="n")
        objective = data.draw(obj.objectives("float64", n, ("quadratic",), ("positive",)), label="objective")
        x0 = data.draw(obj.point(n, "float64"), label="x0")
        tracker.examples += 1
        if not any(objective.grad_exact(obj.exact(x0))):
            tracker.discard()
        k = 2 * n + 2
        context = dict(objective=objective.describe(), x=x0.tolist(), hyperparameters=dict(iterations=k, memory=memory),
                       dtype="float64")
        if conv["line_search"] == "exact":
            tracker.mismatch("a peer with its own line search is checked under line_search = any", context)
        A = np.asarray([[float(v) for v in r] for r in objective.A])
        b = np.asarray([float(v) for v in objective.b])
        try:
            xs = iterates(A, b, x0, k, memory)
        except Exception as exc:
            tracker.mismatch(f"the peer raised {type(exc).__name__}: {exc}", context)
        kappa = condition_number(objective.A)
        for i, (sine, spread) in enumerate(trajectory_sines(xs, obj.oracle(objective)["grad"], conv, memory)):
            tracker.compare_ratios(f"sin∠(x_{i + 2} - x_{i + 1}, d_{i + 1})", sine, 1e3 * n * u * kappa * spread,
                                   dict(context, iteration=i + 1))

    return conclude(run, tracker, MatrixReport("lbfgs", conv, name or label(iterates), dtypes=("float64",)),
                    lambda f: _repro("lbfgs", f), "no meaningful bound or reference")


def survey_trajectory(peer, *, examples: int = 10, seed: int = 0):
    """A Peer.surveyor for hidden-state peers: ``check_trajectory`` under every scaling (line_search = any)."""
    import time as time_

    from derivations.registry import MATRIX_RULES
    from verify.adapters.peers import Survey
    from verify.checks.elementwise import without_shrinking

    start = time_.perf_counter()
    iterates = peer.load()
    options = dict(peer.options)
    variants = [c for c in MATRIX_RULES["lbfgs"].variants() if c["line_search"] == "any"]
    with without_shrinking():
        reports = [check_trajectory(iterates, c, examples=examples, seed=seed, name=peer.label, **options)
                   for c in variants]
    return Survey("lbfgs", peer.label, reports, "", time_.perf_counter() - start, list(peer.notes))


# --- our kernels under one choice of conventions ---------------------------------------------------------
class LBFGSKernel:
    """kernels.optimizers.lbfgs.lbfgs under one scaling convention, with its history; line_search = any runs our
    Armijo backtracking."""

    def __init__(self, conv: dict):
        self.scaling = conv.get("scaling", "ratio")
        self.line_search = "exact" if conv.get("line_search", "exact") == "exact" else "armijo"
        self.__qualname__ = (f"kernels.optimizers.lbfgs.lbfgs(scaling={self.scaling!r}, "
                             f"line_search={self.line_search!r})")

    def __call__(self, x0, *, iterations, memory, grad, hvp, value=None):
        from kernels.optimizers.lbfgs import lbfgs

        return lbfgs(x0, grad=grad, hvp=hvp, value=value, iterations=iterations, memory=memory,
                     scaling=self.scaling, line_search=self.line_search, history=True)


class BFGSKernel:
    __qualname__ = "kernels.optimizers.lbfgs.bfgs(line_search='exact')"

    def __init__(self, conv: dict | None = None):
        pass

    def __call__(self, x0, *, iterations, grad, hvp, value=None):
        from kernels.optimizers.lbfgs import bfgs

        return bfgs(x0, grad=grad, hvp=hvp, iterations=iterations, history=True)


class NonlinearCGKernel:
    """kernels.optimizers.nonlinear_cg.nonlinear_cg under one choice of conventions (line_search any: Armijo)."""

    def __init__(self, conv: dict):
        self.conv = dict(beta=conv["beta"], restart=conv["restart"],
                         line_search="exact" if conv["line_search"] == "exact" else "armijo")
        self.__qualname__ = ("kernels.optimizers.nonlinear_cg.nonlinear_cg("
                             + ", ".join(f"{k}={v!r}" for k, v in self.conv.items()) + ")")

    def __call__(self, x0, *, iterations, grad, hvp, value=None):
        from kernels.optimizers.nonlinear_cg import nonlinear_cg

        return nonlinear_cg(x0, grad=grad, hvp=hvp, value=value, iterations=iterations, history=True, **self.conv)


CHECKS = {"lbfgs": check_lbfgs, "bfgs": check_bfgs, "nonlinear_cg": check_nonlinear_cg}
KERNELS = {"lbfgs": LBFGSKernel, "bfgs": BFGSKernel, "nonlinear_cg": NonlinearCGKernel}
