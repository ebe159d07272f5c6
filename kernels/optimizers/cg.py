"""Linear conjugate gradients on a quadratic, the objective read through an oracle (grad, hvp).

Written from seed 004_11e585ad4da93776.txt ("Conjugate Gradients": d_t = -g_t + β_t d_(t-1), exact line
search α_t = -g_tᵀd_t / d_tᵀHd_t, Fletcher-Reeves and Polak-Ribière β; Algorithm 2), never from
derivations/.  Algorithm 2 starts from g_0 = 0, ρ_0 = 0, which makes β_1 = ‖g_1‖²/0 and β_1ρ_0 = NaN:
here β_1 = 0 (the first direction is steepest descent), as an explicit convention.

Conventions as arguments: ``beta`` ("fletcher_reeves" | "polak_ribiere"), ``alpha`` ("line_search":
-gᵀd/dᵀAd | "residual_norm": gᵀg/dᵀAd), ``gradient`` ("oracle": grad(x_t) each iteration |
"recursive": g_(t+1) = g_t + αAd_t).  ``history=True`` also returns, per iteration, the iterate x_t,
the gradient g_t the iteration used and the direction d_t it took (copies), so a check can feed its
reference the kernel's own state.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee

BETAS = ("fletcher_reeves", "polak_ribiere")
ALPHAS = ("line_search", "residual_norm")
GRADIENTS = ("oracle", "recursive")


def beta_of(xp, g, g_prev, rule: str):
    top = xp.dot(g, g) if rule == "fletcher_reeves" else xp.dot(g, g - g_prev)
    return top / xp.dot(g_prev, g_prev)


@ieee
def cg(x0, *, grad, hvp, iterations: int, beta: str = "fletcher_reeves", alpha: str = "line_search",
       gradient: str = "oracle", history: bool = False, value=None):
    """``iterations`` CG iterations from ``x0`` (not modified); returns x_k, or (x_k, [(x_t, g_t, d_t)])."""
    check.choice("beta", beta, BETAS)
    check.choice("alpha", alpha, ALPHAS)
    check.choice("gradient", gradient, GRADIENTS)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations must be an integer >= 0, got {iterations!r}")
    xp = check.namespace(x0, "x0")
    if x0.ndim != 1:
        raise ValueError(f"x0 must be a 1-D array, got shape {x0.shape}")
    x = x0.copy()
    g = xp.asarray(grad(x), dtype=x.dtype)
    g_prev = d = None
    seen = []
    for t in range(iterations):
        if t == 0:
            d = -g  # β_1 = 0: the explicit first-step convention
        else:
            d = -g + beta_of(xp, g, g_prev, beta) * d
        q = xp.asarray(hvp(x, d), dtype=x.dtype)
        top = -xp.dot(g, d) if alpha == "line_search" else xp.dot(g, g)
        a = top / xp.dot(d, q)
        if history:
            seen.append((x.copy(), g.copy(), d.copy()))
        x = x + a * d
        g_prev = g
        g = xp.asarray(grad(x), dtype=x.dtype) if gradient == "oracle" else g + a * q
    return (x, seen) if history else x
