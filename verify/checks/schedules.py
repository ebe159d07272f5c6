"""Checks of a learning-rate schedule's implementation against the schedule's exact expression
(derivations/core/schedule.py).

**Protocol.**  An implementation is ``impl(steps, **hyperparameters) -> rates``: ``steps`` an int64 array of
update numbers k = 1, …, N and the schedule's hyperparameters by name (step counts as ints, the rest as floats);
it returns the learning rate each of those updates uses, as an array of N floats (float32 or float64: the
error is measured in ulps of the dtype it returns).  A framework's adapter builds the framework's scheduler
and records the rate each update actually used (verify/adapters/frameworks/*_schedules.py).

**Reference.**  The schedule's expression under the chosen conventions, lambdified to mpmath and evaluated at
50 significant digits with the hyperparameters read exactly (every float is a dyadic rational), then compared
exactly with the implementation's value.  ⌊x⌋ of a value within 10⁻⁴⁰ of an integer is that integer: the
arguments of ⌊·⌋ here are quotients of small integers, or log_m(1 + n(m − 1)/T) for SGDR, which is either an
integer or at least ~10⁻⁶ away from one when n, T ≤ 10³ and m ≤ 10 (if a ≠ m^i for a = p/T then
|log_m a − i| ≥ |a − m^i|/(a·ln m·…) ≥ 1/(T·m^{i+1}·ln m)); so 50 digits decide every floor exactly.

**Tolerance.**  |impl − ref| ≤ allowed(k), a first-order running error bound counted over the expression's own
tree at the drawn inputs, in the unit roundoff u of the dtype the implementation returns (as
verify/reference/tolerance.py does for update rules):

* every +, ×, ÷, √ and the rounding of each float hyperparameter to the dtype (float32 only) costs one
  rounding, u × the magnitude it works at (a sum: the sum of its terms' magnitudes); errors propagate by
  their first-order derivatives (a product adds relative errors, 1/x and √x as their derivatives say);
* cos, exp and log are not correctly rounded in every library: glibc's are within 1 ulp, but vectorised ones
  (NumPy's SIMD loops, XLA's and SLEEF's float32 kernels) are documented at up to ~4 ulps, so each call is
  charged ``TRANSCENDENTAL_ULPS`` = 4 ulps, plus its argument's error times its derivative (cos: |sin x|·δx;
  an argument π·m/T carries the roundings of π, the quotient and the product);
* a power b^y is charged as exp(y·ln b): the roundings of ln b, of the product and of exp, the last two
  amplified by |y ln b| (what pow computes through), plus |y| roundings for an implementation that multiplies
  the factor in y times (γ^q by repeated ×γ); integer powers of small integers are exact;
* integer arithmetic on the step and step-count hyperparameters is exact, ⌊a/b⌋ of exact integers is exact
  (the float quotient of integers |a| < 1/u cannot cross an integer it is not equal to), and a Piecewise
  branch is chosen by comparing integers, so every implementation chooses the same one.  ⌊x⌋ of a rounded
  value whose error interval contains an integer may land on either side: no bound there (counted as
  ``unbounded``; it happens at SGDR's restarts for t_mult ≥ 2, where frameworks take a float logarithm);
* an additive schedule (a ramp between start and peak, a cosine between floor and peak) can be arranged so that
  its intermediate values reach the peak whatever the size of the result — optax's linear schedule computes
  (init − end)·(1 − n/W) + end, which at a start of 0 rounds quantities of size lr to return lr·n/W.  Each sum
  of step-dependent terms is therefore charged ``ADDITIVE_ROUNDINGS`` = 3 more roundings at the peak lr (the
  difference, the product and the sum of such an arrangement);
* a result below the dtype's smallest normal number may be flushed to zero (XLA on CPU does, as most GPU kernels
  do), so every rounding also costs that smallest normal;
* the bound is doubled (``REASSOCIATION_FACTOR``) for an implementation that evaluates the same formula in
  another order, as for update rules;
* ``form="recursive"``: an implementation that computes each rate from the previous one (torch) accumulates its
  roundings: ``RECURSION_ROUNDINGS`` = 16 roundings per update at the largest rate so far are added, counted
  from torch's CosineAnnealingLR step (the worst): ratio of two (1 + cos) terms, each within (T + 2π + 2)u ≈ 12u
  absolutely, times η − η_min, plus the subtraction, product and sum; the factor r ≤ 1 of a decreasing schedule
  never amplifies an earlier error.  A closed-form implementation passes the recursive variant too (its bound is
  looser), so the survey lists ``form=closed|recursive`` unless the accumulation is visible.

**Draws.**  Hypothesis (seeded) draws the hyperparameters inside their domains — ordinary values by default (rates
in [10⁻⁶, 10], fractions 0, 1 or in [2⁻¹⁰, 1], γ in [0.01, 1], step counts up to about ten) and, with
``edges=True``, the whole domain (rates from 10⁻³⁰ to 10³⁰, subnormal fractions) — and a number of updates N that
covers the warm-up, the end of the decay and what comes after (at most 64); the implementation is called once on
k = 1..N and every rate is compared.  A survey of a framework (verify/adapters/peers.py) checks every convention
variant on ordinary values, then its match with ``edges``.

A planted bug (tests/planted/schedule_mutants.py: an index off by one, a cosine over T − 1, a warm-up that never
reaches its peak, a staircase that rounds instead of flooring, …) misses by many orders of magnitude more.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

import mpmath
import numpy as np
import sympy as sp
from hypothesis import strategies as st

from derivations.core.schedule import STEP
from derivations.registry import SCHEDULES
from verify.checks.common import Report, Tracker, conclude, to_numpy
from verify.checks.elementwise import how_to_call, property_run
from verify.core import options as options_
from verify.core.dtypes import finfo
from verify.reference.tolerance import REASSOCIATION_FACTOR, unit_roundoff

DIGITS = 50  # significant digits of the reference
TRANSCENDENTAL_ULPS = 4  # cos, exp, log: ulps charged per call (see the module docstring)
ADDITIVE_ROUNDINGS = 3  # roundings at the peak lr per sum of step-dependent terms
RECURSION_ROUNDINGS = 16  # roundings per update at the largest rate so far, for form="recursive"
MAX_STEPS = 64  # updates per example at most
CAPS = {"warmup_steps": 10, "step_size": 8, "decay_steps": 12, "period": 6, "t_mult": 3}  # integer draws' ranges


# ---- the report -----------------------------------------------------------------------------------------
class Counterexample(dict):
    """The failing update and its context; ``t`` is the update number (how the cross-check table names a step)."""

    @property
    def t(self):
        return self.get("update")


@dataclass
class ScheduleReport(Report):
    mode: str = "schedule"
    worst_ulps: float = 0.0  # the largest error seen, in ulps of the returned dtype at the magnitude worked at

    @property
    def schedule(self) -> str:
        return self.rule

    def subject(self) -> str:
        return f"schedule {self.rule!r} {self.conventions}"

    def worst(self) -> str:
        return f"worst error {self.worst_ulps:.3g} ulp, {self.worst_ratio:.3g} of allowed"

    def failure_lines(self) -> list[str]:
        c = self.counterexample
        lines = [f"minimal counterexample: {c['problem']}",
                 f"hyperparameters: {c.get('hyperparameters')}, updates 1..{c.get('steps')}"]
        if "expected" in c:
            lines.append(f"update {c['update']}: got {c['got']!r} ({c['dtype']}), expected {c['expected']}, "
                         f"error {c['error_ulps']:.3g} ulp, allowed {c['allowed_ulps']:.3g} ulp")
        return lines + (["reproduce with:", c["repro"]] if c.get("repro") else [])

    def as_dict(self) -> dict:
        return dict(super().as_dict(), schedule=self.rule)


# ---- the reference --------------------------------------------------------------------------------------
def _schedule(name: str, schedule=None):
    if schedule is not None:
        return schedule
    try:
        return SCHEDULES[name]
    except KeyError:
        raise KeyError(f"no schedule named {name!r}; known schedules: {sorted(SCHEDULES)}") from None


def _robust_floor(x):
    r = mpmath.nint(x)
    return r if abs(x - r) < mpmath.mpf(10) ** -40 else mpmath.floor(x)


def _robust_ceiling(x):
    r = mpmath.nint(x)
    return r if abs(x - r) < mpmath.mpf(10) ** -40 else mpmath.ceil(x)


@cache
def _compiled(schedule, key: tuple):
    expr = schedule.expression(**dict(key))
    symbols = [STEP] + [schedule.symbol(h.name) for h in schedule.hyperparameters]
    return sp.lambdify(symbols, expr, modules=[{"floor": _robust_floor, "ceiling": _robust_ceiling}, "mpmath"])


def reference_lrs(name: str, conventions: dict | None, hyperparameters: dict, steps, *, schedule=None) -> list:
    """The exact learning rate of each update number in ``steps`` (mpmath numbers at 50 digits)."""
    s = _schedule(name, schedule)
    conv = s.conventions(**(conventions or {}))
    fn = _compiled(s, tuple(sorted(conv.items())))
    with mpmath.workdps(DIGITS):
        args = [mpmath.mpf(hyperparameters[h.name]) for h in s.hyperparameters]
        return [+fn(mpmath.mpf(int(k)), *args) for k in np.asarray(steps).ravel()]


# ---- the rounding-error bound ---------------------------------------------------------------------------
class _Value:
    """Values (float64 approximations), first-order error bounds, sums of step-dependent terms, per update."""
    __slots__ = ("adds", "dep", "e", "exact_int", "v")

    def __init__(self, v, e, adds, exact_int=False, dep=False):
        self.v, self.e, self.adds, self.exact_int, self.dep = v, e, adds, exact_int, dep


class _Bound:
    def __init__(self, schedule, hyperparameters: dict, steps: np.ndarray, u: float, rounded_inputs: bool,
                 tiny: float = 0.0):
        self.u, self.k, self.tiny = u, steps.astype(np.float64), tiny
        self.zero = np.zeros_like(self.k)
        self.symbols = {STEP: _Value(self.k, self.zero, self.zero, True, True)}
        for h in schedule.hyperparameters:
            x = float(hyperparameters[h.name])
            integer = h.name in schedule.integers
            e = 0.0 if integer or not rounded_inputs else u * abs(x) + tiny
            self.symbols[schedule.symbol(h.name)] = _Value(self.zero + x, self.zero + e, self.zero, integer)

    def const(self, x: float, exact: bool, integer: bool = False) -> _Value:
        return _Value(self.zero + x, self.zero + (0.0 if exact else self.r(x)), self.zero, integer)

    def r(self, x):
        """One rounding of a result of size |x|: u|x|, and the smallest normal number where it underflows."""
        return self.u * np.abs(x) + self.tiny

    def ev(self, node) -> _Value:
        u = self.u
        if node in self.symbols:
            return self.symbols[node]
        if node.is_Integer:
            return self.const(float(node), True, True)
        if node.is_Rational:
            return self.const(float(node), Fraction(float(node)) == Fraction(int(node.p), int(node.q)))
        if node is sp.pi:
            return self.const(math.pi, False)
        if node.is_Float:
            return self.const(float(node), True)
        args = [self.ev(a) for a in node.args] if not isinstance(node, sp.Piecewise) else None
        if node.is_Add:
            v = sum(a.v for a in args)
            dep = any(a.dep for a in args)
            if all(a.exact_int for a in args):
                return _Value(v, self.zero, sum(a.adds for a in args), True, dep)
            # a term that is exactly 0 costs no rounding: 1 + 0 is 1 (log(1 + 0·…) = 0 exactly at n = 0)
            live = sum(((a.v != 0) | (a.e != 0)).astype(np.float64) for a in args)
            e = sum(a.e for a in args) + np.maximum(live - 1, 0) * self.r(sum(np.abs(a.v) for a in args))
            return _Value(v, e, sum(a.adds for a in args) + (1.0 if dep else 0.0), False, dep)
        if node.is_Mul:
            out = args[0]
            for a in args[1:]:
                v = out.v * a.v
                if out.exact_int and a.exact_int:
                    out = _Value(v, self.zero, out.adds + a.adds, True, out.dep or a.dep)
                else:
                    e = np.abs(out.v) * a.e + np.abs(a.v) * out.e + out.e * a.e + self.r(v)
                    out = _Value(v, e, out.adds + a.adds, False, out.dep or a.dep)
            return out
        if node.is_Pow:
            return self.power(node, *args)
        if isinstance(node, (sp.Min, sp.Max)):
            pick = np.minimum if isinstance(node, sp.Min) else np.maximum
            v = args[0].v
            for a in args[1:]:
                v = pick(v, a.v)
            return _Value(v, np.maximum.reduce([a.e for a in args]), np.maximum.reduce([a.adds for a in args]),
                          all(a.exact_int for a in args), any(a.dep for a in args))
        if isinstance(node, sp.cos):
            (x,) = args
            return _Value(np.cos(x.v), np.abs(np.sin(x.v)) * x.e + TRANSCENDENTAL_ULPS * u + self.tiny, x.adds, False,
                          x.dep)
        if isinstance(node, sp.exp):
            (x,) = args
            v = np.exp(x.v)
            return _Value(v, v * (x.e + TRANSCENDENTAL_ULPS * u) + self.tiny, x.adds, False, x.dep)
        if isinstance(node, sp.log):
            (x,) = args
            with np.errstate(all="ignore"):
                v = np.log(x.v)
                e = np.where(x.exact_int & (x.v == 1), 0.0, x.e / np.abs(x.v) + TRANSCENDENTAL_ULPS * u * np.abs(v))
            return _Value(v, e, x.adds, False, x.dep)
        if isinstance(node, (sp.floor, sp.ceiling)):
            return self.rounding(node, args[0])
        if isinstance(node, sp.Piecewise):
            return self.piecewise(node)
        raise NotImplementedError(f"no rounding-error bound for {type(node).__name__} in a schedule: {node}")

    def power(self, node, b: _Value, x: _Value) -> _Value:
        u, ex = self.u, node.exp
        with np.errstate(all="ignore"):
            v = np.power(b.v, x.v)
            if ex == -1:
                e = np.where(b.e < np.abs(b.v), b.e / (b.v * b.v) * (1 + b.e / np.abs(b.v)), np.inf) + self.r(v)
            elif ex == sp.Rational(1, 2) or ex == sp.Rational(-1, 2):
                ok = b.v - b.e >= 0
                e = np.where(ok, b.e / (2 * np.sqrt(np.maximum(b.v - b.e, 0.0))) * (np.abs(v) / np.sqrt(b.v) if ex < 0
                                                                                    else 1.0), np.inf)
                e = e + (2 if ex < 0 else 1) * self.r(v)
            elif b.exact_int and x.exact_int:
                exact = (x.v >= 0) & (np.abs(v) < 2.0**53)
                return _Value(v, np.where(exact, 0.0, 2 * self.r(v)), b.adds + x.adds, bool(np.all(exact)),
                              b.dep or x.dep)
            elif ex.is_Integer and ex > 1:
                e = int(ex) * np.abs(b.v) ** (int(ex) - 1) * b.e + (int(ex) - 1) * self.r(v)
            else:  # b^y as exp(y·ln b): ln, ×, exp each rounded, and |y| roundings for repeated multiplication
                lnb = np.log(np.abs(b.v))
                dz = (np.abs(x.v) * b.e / np.abs(b.v) + np.abs(lnb) * x.e
                      + (TRANSCENDENTAL_ULPS + 1) * u * np.abs(x.v * lnb))
                e = np.abs(v) * (dz + TRANSCENDENTAL_ULPS * u + np.abs(x.v) * u) + (np.abs(x.v) + 2) * self.tiny
                e = np.where((b.v == 1) & (b.e == 0), 0.0, e)  # pow(1, y) = 1 exactly
        return _Value(v, e, b.adds + x.adds, False, b.dep or x.dep)

    def rounding(self, node, x: _Value) -> _Value:
        """⌊x⌋ (⌈x⌉): exact when x is, or is a quotient of exact integers below 1/u, or its error interval holds
        no integer; otherwise either side may come out: no bound (∞)."""
        f = np.floor if isinstance(node, sp.floor) else np.ceil
        v = f(x.v)
        arg = node.args[0]
        quotient = False
        if arg.is_Mul and len(arg.args) == 2:
            num, den = (a for a in sorted(arg.args, key=lambda a: a.is_Pow))
            if den.is_Pow and den.exp == -1:
                a, b = self.ev(num), self.ev(den.base)
                quotient = a.exact_int and b.exact_int and bool(np.all(np.abs(a.v) * self.u < 1))
        if x.exact_int or quotient or not np.any(x.e):
            return _Value(v, self.zero, x.adds, True, x.dep)
        same = (f(x.v - x.e) == v) & (f(x.v + x.e) == v)
        return _Value(v, np.where(same, 0.0, np.inf), x.adds, False, x.dep)

    def condition(self, cond) -> np.ndarray:
        if cond is sp.true:
            return np.ones(self.k.shape, dtype=bool)
        if cond is sp.false:
            return np.zeros(self.k.shape, dtype=bool)
        if isinstance(cond, sp.And):
            return np.logical_and.reduce([self.condition(c) for c in cond.args])
        if isinstance(cond, sp.Or):
            return np.logical_or.reduce([self.condition(c) for c in cond.args])
        lhs, rhs = self.ev(cond.lhs), self.ev(cond.rhs)
        if not (lhs.exact_int and rhs.exact_int):
            raise NotImplementedError(f"a schedule's branch must be chosen by comparing integers, not {cond}")
        ops = {sp.Eq: np.equal, sp.Ne: np.not_equal, sp.StrictLessThan: np.less, sp.LessThan: np.less_equal,
               sp.StrictGreaterThan: np.greater, sp.GreaterThan: np.greater_equal}
        return ops[type(cond)](lhs.v, rhs.v)

    def piecewise(self, node) -> _Value:
        taken = np.zeros(self.k.shape, dtype=bool)
        v, e, adds = self.zero.copy(), self.zero.copy(), self.zero.copy()
        exact, dep = True, False
        for expr, cond in node.args:
            here = self.condition(cond) & ~taken
            if not here.any():
                continue
            with np.errstate(all="ignore"):
                branch = self.ev(expr)
            v, e, adds = np.where(here, branch.v, v), np.where(here, branch.e, e), np.where(here, branch.adds, adds)
            exact, dep, taken = exact and branch.exact_int, dep or branch.dep, taken | here
        return _Value(v, e, adds, exact, dep)


def allowed_errors(name: str, conventions: dict | None, hyperparameters: dict, steps, dtype: str, reference=None, *,
                   schedule=None):
    """(allowed error, magnitude worked at) per update in ``steps`` for an implementation returning ``dtype``
    (see the module docstring); ``reference``: the exact rates, for the recursive allowance."""
    s = _schedule(name, schedule)
    conv = s.conventions(**(conventions or {}))
    k = np.asarray(steps, dtype=np.int64).ravel()
    u = unit_roundoff(dtype)
    # results below the smallest normal number may be flushed to zero (XLA on CPU does, as most GPU kernels do): each
    # rounding may cost that much on top of u·|result|
    b = _Bound(s, hyperparameters, k, u, rounded_inputs=np.dtype(dtype) != np.float64, tiny=float(finfo(dtype).tiny))
    with np.errstate(all="ignore"):
        out = b.ev(s.expression(**conv))
    out.e = np.where(np.isnan(out.e), np.inf, out.e)  # ∞ × 0 downstream of an unbounded floor: still unbounded
    peak = abs(float(hyperparameters[s.peak]))
    allowed = REASSOCIATION_FACTOR * (out.e + ADDITIVE_ROUNDINGS * out.adds * u * peak)
    ref = np.abs(np.array([float(r) for r in reference])) if reference is not None else np.abs(out.v)
    if conv.get("form") == "recursive":  # updates k = 1..N in order: the largest rate so far
        allowed = allowed + RECURSION_ROUNDINGS * k * (u * np.maximum.accumulate(ref) + b.tiny)
    magnitude = np.where(out.adds > 0, np.maximum(ref, peak), ref)
    return allowed * (1 + 1e-9), magnitude


# ---- drawing examples -----------------------------------------------------------------------------------
def _strategy(h, schedule, fixed: dict, positive: tuple, edges: bool):
    """Ordinary values (rates in [1e-6, 10], fractions 0, 1 or in [2⁻¹⁰, 1]), or with ``edges`` the whole domain:
    rates from 1e-30 to 1e30, fractions down to the subnormals, γ down to 1e-30."""
    if h.name in fixed:
        return st.just(fixed[h.name])
    if h.name in schedule.integers:
        return st.integers(int(h.low), CAPS.get(h.name, 10))
    if h.name == "lr":
        if edges:
            return st.one_of(st.sampled_from((1.0, 1e-30, 1e30, 2.0**-126)), st.floats(1e-30, 1e30))
        return st.one_of(st.sampled_from((1.0, 0.1, 3e-4, 2.5)), st.floats(1e-6, 10.0))
    low = (h.low if not h.low_open else 1e-30) if edges else (h.low if not h.low_open else 0.01)
    tiny = (5e-324, 2.0**-1022, 2.0**-126) if edges else ()  # the subnormals, float64's and float32's least normal
    special = [x for x in (h.low, *tiny, 0.1, 1 / 3, 0.5, 0.9, 0.99, h.high) if low <= x <= h.high and h.contains(x)]
    between = st.floats(low, h.high) if edges else st.floats(max(low, 2.0**-10), h.high)
    # the edges' special values (subnormals, the least normals) twice as likely as any other draw
    drawn = st.one_of(st.sampled_from(special), st.sampled_from(special), between) if edges else \
        st.one_of(st.sampled_from(special), between)
    # drawn > 0 where asked: the same draws with 0 moved to 2⁻¹⁰, so that every convention variant of a survey sees
    # the same examples (and a framework's memoised rates serve them all)
    return drawn.map(lambda x: x if x > 0 else 2.0**-10) if h.name in positive else drawn


def _horizon(schedule, hyper: dict) -> int:
    spans = sum(hyper[n] for n in schedule.integers if n != "t_mult")
    grow = hyper.get("t_mult", 1) ** 2 if "t_mult" in schedule.integers else 1
    return max(1, min(MAX_STEPS, 2 * spans * grow + 4))


def _fixed(schedule, values) -> dict:
    """``values`` checked against the schedule: known names, inside their domains, integers where they count steps."""
    out = options_.fixed_hyperparameters(schedule, values)
    for name, value in out.items():
        if name in schedule.integers:
            if float(value) != int(value):
                raise ValueError(f"hyperparameters: {name} counts steps and must be an integer, got {value!r}")
            out[name] = int(value)
    return out


# ---- the check --------------------------------------------------------------------------------------------
def _exact_error(got: float, ref) -> float:
    with mpmath.workdps(DIGITS):
        return float(abs(mpmath.mpf(got) - ref))


def _repro(name: str, conv: dict, failure: dict, implementation) -> str:
    import_line, expression = how_to_call(implementation)
    at = "" if failure.get("update") is None else f"[{failure['update'] - 1}]"
    return (f"    import numpy as np\n"
            f"    {import_line}\n"
            f"    from verify.checks.schedules import reference_lrs\n"
            f"    steps, hyper = np.arange(1, {failure['steps'] + 1}), {failure['hyperparameters']!r}\n"
            f"    print({expression}(steps, **hyper){at})\n"
            f"    print(reference_lrs({name!r}, {conv!r}, hyper, steps){at})")


def check_schedule(name: str, implementation=None, conventions: dict | None = None, *, examples: int = 50,
                   seed: int = 0, hyperparameters: dict | None = None, positive=(), edges: bool = False,
                   label: str | None = None, schedule=None) -> ScheduleReport:
    """Check ``implementation(steps, **hyperparameters)`` (default: our kernel) against schedule ``name``.

    ``hyperparameters``: values held fixed (inside their domains; a dict or (name, value) pairs); ``positive``: hyperparameters drawn > 0 where
    their domain allows 0 (torch's LinearLR refuses start_factor = 0).  Under ``form="recursive"`` a start
    factor is drawn > 0 too: a recursion from 0 stays at 0.  ``edges``: draw over the whole domain (huge and tiny
    rates, subnormal fractions) instead of ordinary values: where a survey checks a match everywhere."""
    s = _schedule(name, schedule)
    conv = s.conventions(**(conventions or {}))  # an unknown axis or value: ValueError
    examples, seed = options_.positive_int("examples", examples), options_.seed(seed)
    fixed = _fixed(s, dict(hyperparameters) if isinstance(hyperparameters, tuple) else hyperparameters)
    names = {h.name for h in s.hyperparameters}
    if isinstance(positive, str) or sorted(set(positive) - names):
        raise ValueError(f"positive: a tuple of schedule {s.name!r}'s hyperparameters ({', '.join(names)}), "
                         f"got {positive!r}")
    if conv.get("form") == "recursive" and "start_factor" in names:
        positive = tuple(positive) + ("start_factor",)
    if implementation is None:
        implementation = kernel_for(s.name, conv)
    if not callable(implementation):
        raise ValueError(f"implementation must be callable (steps, **hyperparameters) -> rates, got {implementation!r}")
    tracker = Tracker()
    worst = {"ulps": 0.0, "dtypes": set()}
    strategies = {h.name: _strategy(h, s, fixed, positive, bool(edges)) for h in s.hyperparameters}

    @property_run(seed, examples)
    def run(data):
        hyper = {n: data.draw(strategy, label=n) for n, strategy in strategies.items()}
        N = data.draw(st.integers(1, _horizon(s, hyper)), label="updates")
        tracker.examples += 1
        steps = np.arange(1, N + 1, dtype=np.int64)
        context = dict(hyperparameters=hyper, steps=N, conventions=conv, update=None)
        try:
            got = np.asarray(to_numpy(implementation(steps.copy(), **hyper)))
        except Exception as exc:
            tracker.fail(Counterexample(problem=f"the implementation raised {type(exc).__name__}: {exc}", **context))
        if got.shape != (N,):
            tracker.fail(Counterexample(problem=f"returned shape {got.shape}, expected ({N},): one rate per update",
                                        **context))
        if got.dtype.kind != "f":
            tracker.fail(Counterexample(problem=f"returned dtype {got.dtype}, expected a floating dtype", **context))
        dtype = str(got.dtype)
        worst["dtypes"].add(dtype)
        ref = reference_lrs(s.name, conv, hyper, steps, schedule=s)
        allowed, magnitude = allowed_errors(s.name, conv, hyper, steps, dtype, ref, schedule=s)
        spacing = np.spacing(np.abs(magnitude).astype(got.dtype)).astype(np.float64)
        for k in range(N):
            value = float(got[k])
            error = _exact_error(value, ref[k]) if math.isfinite(value) else math.inf
            tracker.compared += 1
            if math.isinf(allowed[k]):
                tracker.unbounded += 1
                continue
            ulps = error / spacing[k] if spacing[k] > 0 else (0.0 if error == 0 else math.inf)
            if not error <= allowed[k]:
                tracker.fail(Counterexample(
                    {**context, "update": k + 1}, problem=f"update {k + 1}: error {error:.6g} > allowed {allowed[k]:.6g}",
                    got=value, expected=mpmath.nstr(ref[k], 20), dtype=dtype, error=error, allowed=float(allowed[k]),
                    error_ulps=ulps, allowed_ulps=float(allowed[k] / spacing[k]) if spacing[k] > 0 else math.inf))
            worst["ulps"] = max(worst["ulps"], ulps)
            tracker.worst_ratio = max(tracker.worst_ratio, error / allowed[k] if allowed[k] > 0 else 0.0)

    report = ScheduleReport(s.name, conv, label or _describe(implementation), mode="schedule, edges" if edges else
                            "schedule")
    report = conclude(run, tracker, report, lambda failure: _repro(s.name, conv, failure, implementation))
    report.worst_ulps = worst["ulps"]
    report.dtypes = tuple(sorted(worst["dtypes"]))
    return report


def _describe(fn) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


# ---- our kernels ---------------------------------------------------------------------------------------------
class ScheduleKernel:
    """``kernels.<schedule>`` under one choice of conventions, with the check's protocol."""

    def __init__(self, name: str, conventions: dict):
        self.name, self.conventions = name, dict(conventions)
        args = ", ".join(f"{k}={v!r}" for k, v in self.conventions.items())
        self.__qualname__ = f"kernels.{name}({args})"
        self.__optverify_call__ = ("from verify.checks.schedules import ScheduleKernel",
                                   f"ScheduleKernel({name!r}, {self.conventions!r})")

    def __repr__(self) -> str:
        return self.__qualname__

    def __call__(self, steps, **hyperparameters):
        import kernels.schedules as ks

        return getattr(ks, self.name)(steps, **hyperparameters, **self.conventions)


def kernel_for(name: str, conventions: dict | None = None) -> ScheduleKernel:
    s = _schedule(name)
    return ScheduleKernel(s.name, s.conventions(**(conventions or {})))

