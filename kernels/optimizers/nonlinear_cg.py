"""Nonlinear conjugate gradients on NumPy or CuPy arrays, the objective read through an oracle.

Written from seed 004_11e585ad4da93776.txt ("Nonlinear Conjugate Gradients": FR and PR β, ρ_t = g_t + β_tρ_(t-1),
ε* = argmin_ε L(θ + ερ_t), and "occasionally set β_t = 0"), never from derivations/.  Descent form
d_t = -g_t + β_t d_(t-1) with β_1 = 0 (the seed's g_0 = 0 would divide by 0); PR+ is max(β_PR, 0).

Conventions as arguments: ``beta`` ("fletcher_reeves" | "polak_ribiere" | "pr_plus"), ``restart`` ("none" |
"every_n": β := 0 at iterations 1, n + 1, … | "descent": β := 0 when gᵀd ≥ 0), ``line_search`` ("exact" on a
quadratic, one hvp | "armijo", backtracking on ``value``; kernels/optimizers/line_search.py).  β for FR and PR is
linear CG's (kernels/optimizers/cg.py).  ``history=True`` also returns per iteration (x_t, g_t, d_t) (copies).
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee
from kernels.optimizers import line_search as ls
from kernels.optimizers.cg import beta_of as linear_beta

BETAS = ("fletcher_reeves", "polak_ribiere", "pr_plus")
RESTARTS = ("none", "every_n", "descent")
DTYPES = ("float32", "float64")


def beta_of(xp, g, g_prev, rule: str):
    if rule == "pr_plus":
        return max(linear_beta(xp, g, g_prev, "polak_ribiere"), 0)
    return linear_beta(xp, g, g_prev, rule)


def direction(xp, g, g_prev, d_prev, t: int, *, beta: str, restart: str):
    """d_t (t counted from 0) and whether it restarted."""
    n = g.shape[0]
    if t == 0 or (restart == "every_n" and t % n == 0) or not bool(xp.any(g)):  # g = 0: converged, d = 0
        return -g
    d = -g + beta_of(xp, g, g_prev, beta) * d_prev
    if restart == "descent" and not xp.dot(g, d) < 0:
        return -g
    return d


@ieee
def nonlinear_cg(x0, *, grad, hvp=None, value=None, iterations: int, beta: str = "polak_ribiere",
                 restart: str = "none", line_search: str = "exact", c1: float = 1e-4, shrink: float = 0.5,
                 history: bool = False):
    """``iterations`` iterations from ``x0`` (not modified); returns x_k, or (x_k, [(x_t, g_t, d_t)])."""
    check.choice("beta", beta, BETAS)
    check.choice("restart", restart, RESTARTS)
    ls.validate(line_search, c1, shrink, hvp, value)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations must be an integer >= 0, got {iterations!r}")
    xp = check.namespace(x0, "x0")
    if x0.ndim != 1 or str(x0.dtype) not in DTYPES:
        raise ValueError(f"x0 must be a 1-D float32 or float64 array, got shape {x0.shape} and dtype {x0.dtype}")
    if not bool(xp.isfinite(x0).all()):
        raise ValueError("x0 must be finite (no NaN or inf)")
    x = x0.copy()
    g = xp.asarray(grad(x), dtype=x.dtype)
    g_prev = d = None
    seen = []
    for t in range(iterations):
        d = direction(xp, g, g_prev, d, t, beta=beta, restart=restart)
        if history:
            seen.append((x.copy(), g.copy(), d.copy()))
        alpha = ls.step_length(xp, x, g, d, line_search=line_search, hvp=hvp, value=value, c1=c1, shrink=shrink)
        x = x + alpha * d
        g_prev, g = g, xp.asarray(grad(x), dtype=x.dtype)
    return (x, seen) if history else x
