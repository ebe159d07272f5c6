"""Step lengths along a descent direction d from x, the objective read through the oracle.

Written from seed 004_11e585ad4da93776.txt ("Steepest Descent Method": the ε that gives the smallest
L(x - ε∇L); Algorithm 2: ε* = argmin_ε L(θ + ερ)) and, for the inexact rule, the sufficient-decrease
(Armijo) condition f(x + αd) ≤ f(x) + c₁α gᵀd of Nocedal & Wright, *Numerical Optimization*, Algorithm 3.1;
never from derivations/.

* ``exact``: α = -gᵀd / dᵀH d with one hvp: the minimiser along d of a quadratic (exact there only).
* both: d = 0 (g = 0, converged exactly) gives α = 0, so a run past convergence stays put instead of
  dividing 0 by 0.
* ``armijo``: backtracking α = α₀·shrinkᵏ for the first k ≥ 0 that meets the Armijo condition (at most
  ``max_backtracks`` halvings, then α = 0 is refused with a ValueError: d is no descent direction).
"""
from __future__ import annotations

from kernels.core import validate as check

LINE_SEARCHES = ("exact", "armijo")


def validate(line_search: str, c1: float, shrink: float, hvp, value) -> None:
    check.choice("line_search", line_search, LINE_SEARCHES)
    check.scalar("c1", c1, low=0.0, high=1.0, low_open=True, high_open=True)
    check.scalar("shrink", shrink, low=0.0, high=1.0, low_open=True, high_open=True)
    if line_search == "exact" and hvp is None:
        raise ValueError("hvp: the exact line search needs the oracle's Hessian-vector product")
    if line_search == "armijo" and value is None:
        raise ValueError("value: the Armijo line search needs the oracle's objective value")


def exact_step(xp, x, g, d, hvp):
    """α = -gᵀd / dᵀHd (one hvp); 0 for d = 0 (g = 0: converged exactly, where the quotient would be 0/0)."""
    if not bool(xp.any(d)):
        return x.dtype.type(0)
    q = xp.asarray(hvp(x, d), dtype=x.dtype)
    return -xp.dot(g, d) / xp.dot(d, q)


def armijo_step(xp, x, g, d, value, *, c1: float, shrink: float, start: float = 1.0, max_backtracks: int = 60):
    """The first α = start·shrinkᵏ with f(x + αd) ≤ f(x) + c₁α gᵀd."""
    f0, slope = float(value(x)), float(xp.dot(g, d))
    if slope == 0 and not bool(xp.any(d)):  # d = 0 (g = 0: converged): stay
        return x.dtype.type(0)
    if not slope < 0:
        raise ValueError(f"d is not a descent direction (gᵀd = {slope}): no Armijo step exists")
    alpha = start
    for _ in range(max_backtracks):
        if float(value(x + alpha * d)) <= f0 + c1 * alpha * slope:
            return x.dtype.type(alpha)
        alpha *= shrink
    raise ValueError(f"no Armijo step in {max_backtracks} backtracks (gᵀd = {slope})")


def step_length(xp, x, g, d, *, line_search: str, hvp=None, value=None, c1: float = 1e-4, shrink: float = 0.5):
    if line_search == "exact":
        return exact_step(xp, x, g, d, hvp)
    return armijo_step(xp, x, g, d, value, c1=c1, shrink=shrink)
