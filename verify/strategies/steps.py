"""Where a per-step check starts counting: early steps, and late ones up to the ranges users reach.

The main run starts from zero state at t = 1 or a few steps in (EARLY_OFFSETS).  Separate runs start late:
at each counter's edge so that the steps cross it — 2^24, where a float32 counter stops counting
(16777216 + 1 = 16777216), 2^31 where an int32 wraps, 2^32 where a uint32 does — and at t drawn
log-uniformly from 10^3 to 10^7.5.  A late step only shows a bug if the rule still depends on t there: β^t
has underflowed long before t = 2^24 for β = 0.9, so a late example draws every rate raised to the power t
close enough to 1 that β^t is neither 0 nor 1 (β = 1 - c/t, c from 10^-2 to 10^2).  An early example draws those
rates, a quarter of the time, so that β^t is log-uniform from 0.1 to 10^-16 (``rate_by_power``).
"""
from __future__ import annotations

import math
from functools import lru_cache

import sympy as sp
from hypothesis import strategies as st

EARLY_OFFSETS = (0, 0, 0, 9, 999)  # most examples start from zero state at t = 1
COUNTER_EDGES = (2**24, 2**31, 2**32)
# The largest start for a rule with a host function that an implementation may take from scratch at a cost ∝ t
# (NAdam's product Π μ_i: our kernel's loop takes 0.1 s at 10^6; the reference's series costs the same at any t).
# The counter edges (2^24 and beyond) are left out for such rules: a loop there takes seconds a call.
SLOW_T = 10**6


def early(extra=()) -> st.SearchStrategy[int]:
    return st.sampled_from(EARLY_OFFSETS + tuple(extra))


def crossing(edge: int) -> st.SearchStrategy[int]:
    """Starts one before, at or one after ``edge``: the steps that follow cross it."""
    return st.integers(edge - 1, edge + 1)


def late(cheap_in_t: bool = True) -> st.SearchStrategy[int]:
    """Log-uniform from 10^3 to 10^7.5 (SLOW_T at most where a function of t costs ∝ t)."""
    top = 7.5 if cheap_in_t else math.log10(SLOW_T)
    return st.floats(3.0, top).map(lambda e: int(10.0**e))


def is_late(offset: int) -> bool:
    return offset >= 1000 and offset not in EARLY_OFFSETS


def rate_near_one(t: int) -> st.SearchStrategy[float]:
    """A rate β with β^t in neither 0 nor 1: 1 - c/t for c log-uniform in [10^-2, 10^2]."""
    return st.floats(-2.0, 2.0).map(lambda e: 1.0 - 10.0**e / t)


@lru_cache(maxsize=256)  # one strategy per start: a new strategy object costs a draw's time
def rate_by_power(t: int) -> st.SearchStrategy[float]:
    """A rate β with β^t = 10^-k, k uniform in [1, 16]: β^t log-uniform from 0.1 down to 10^-16, where 1 - β^t is 1
    to within float64's rounding.  A correction 1/(1 - β^t) that is skipped, cached or approximated once β^t is "small enough"
    (β^t < 1e-8, say) is wrong by a relative β^t: millions of float64 ulps for β^t in [1e-13, 1e-8], a window
    that the whole-domain draws seldom reach (the typical β = 0.9 passes through it between t = 175 and 284, where
    no start lies).  A third of these draws land in it, whatever the start.  Held-out bugs that skip the
    correction there were caught by 4 of 5 seeds (Adam) and 3 of 5 (EMA) before, 5 of 5 with these draws."""
    return _POWERS.map(lambda k: 10.0 ** (-k / t))


_POWERS = st.floats(1.0, 16.0)
BY_POWER = st.sampled_from((True, False, False, False))  # a quarter of the early examples draw their powered rates so


THRESHOLD_OFFSETS = (2, 3, 4)  # with up to 4 steps: t = 3 … 8, across RAdam's ρ_t tests (ρ_t → t - 1 as β2 → 1)


def rate_where_tests_cancel(t: int) -> st.SearchStrategy[float]:
    """A rate β = 1 - 10^-e, e in [5, 10], whatever the first step t: so close to 1 that a host-side test on t read
    in float64 cancels.  RAdam's ρ_t = ρ_∞ - 2tβ2^t/(1 - β2^t) takes ρ_∞ ≈ 2/(1 - β2) down to about t - 1, and
    1 - β2^t carries a relative error u/(1 - β2^t): torch's RAdam rectifies at t = 5 for β2 = 1 - 5.2·10⁻⁹ where the
    exact ρ_5 < 5 says not to.  The whole-domain draws (strategies/arrays.py) reach no closer to 1 than 1 - 10⁻⁶,
    except at the odd edge value Hypothesis picks (1 - 2⁻⁵³)."""
    return _CANCELLING_RATES


_CANCELLING_RATES = st.floats(5.0, 10.0).map(lambda e: 1.0 - 10.0**-e)  # built once: a new strategy costs a draw's time


@lru_cache(maxsize=None)
def powered_by_t(expressions: tuple) -> tuple[str, ...]:
    """Names of the hyperparameters raised to a power that depends on t (β1, β2 in 1 - β^t)."""
    names = {str(node.base) for e in expressions for node in sp.preorder_traversal(e)
             if isinstance(node, sp.Pow) and node.base.is_Symbol and "t" in map(str, node.exp.free_symbols)}
    names |= {str(node.args[i]) for e in expressions for node in sp.preorder_traversal(e)
              for i in getattr(getattr(node, "func", None), "_powered_", ()) if node.args[i].is_Symbol}
    return tuple(sorted(names))


def cheap_in_t(expressions: tuple) -> bool:
    """Whether every function of t in the rule costs O(1): no host function (NAdam's Π μ_i loops over t)."""
    return not any(hasattr(type(node), "_roundings_") or hasattr(node.func, "_roundings_")
                   for e in expressions for node in sp.preorder_traversal(e) if isinstance(node, sp.Function))
