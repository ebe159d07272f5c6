"""Planted bugs in the Newton and CG kernels: each must be caught by verify.checks.matrix with default
settings.  Each mutant is the kernel with one line changed, written out so that the change is visible."""
from __future__ import annotations

import numpy as np

from kernels.optimizers.newton import cholesky_solve, hessian


def _newton(x, grad, hvp, damping, solve="symmetric", *, transpose=False, multiply=False, sign=1.0,
            damp_gradient=False):
    H = hessian(np, x, hvp)
    if transpose:
        H = H.T.copy()  # Hᵀ: invisible on symmetric H, so only the general solve can catch it
    g = np.asarray(grad(x), dtype=x.dtype)
    M = H.copy()
    if damp_gradient:
        g = g + x.dtype.type(damping)  # λ added to g instead of to H's diagonal
    else:
        M[np.diag_indices_from(M)] += x.dtype.type(damping)
    if multiply:
        step = M @ g  # H instead of H⁻¹
    elif solve == "symmetric":
        step = cholesky_solve(np, M, g)
    else:
        step = np.linalg.solve(M, g)
    return x - sign * step


def newton_multiplies_by_H(x, *, grad, hvp, damping, value=None):
    return _newton(x, grad, hvp, damping, multiply=True)


def newton_missing_sign(x, *, grad, hvp, damping, value=None):
    return _newton(x, grad, hvp, damping, sign=-1.0)


def newton_transposed_general(x, *, grad, hvp, damping, value=None):
    return _newton(x, grad, hvp, damping, "general", transpose=True)


def newton_damping_on_gradient(x, *, grad, hvp, damping, value=None):
    return _newton(x, grad, hvp, damping, damp_gradient=True)


NEWTON_MUTANTS = {  # name: (mutant, conventions it is checked under)
    "H instead of H⁻¹": (newton_multiplies_by_H, {"solve": "symmetric"}),
    "missing sign": (newton_missing_sign, {"solve": "symmetric"}),
    "Hᵀ on a non-symmetric H": (newton_transposed_general, {"solve": "general"}),
    "λ added to g instead of H": (newton_damping_on_gradient, {"solve": "symmetric"}),
}


def _cg(x0, grad, hvp, iterations, *, literal=False, alpha_sign=-1.0, inverted_beta=False):
    with np.errstate(all="ignore"):
        x = x0.copy()
        g = np.asarray(grad(x))
        # Algorithm 2 (seed 004) read literally: g_0 = 0, ρ_0 = 0, and β_1 computed like any other
        g_prev, d = (np.zeros_like(x), np.zeros_like(x)) if literal else (None, None)
        seen = []
        for t in range(iterations):
            if t == 0 and not literal:
                d = -g
            else:
                top, bottom = np.dot(g, g), np.dot(g_prev, g_prev)
                d = -g + (bottom / top if inverted_beta else top / bottom) * d
            q = np.asarray(hvp(x, d))
            a = alpha_sign * np.dot(g, d) / np.dot(d, q)
            seen.append((x.copy(), g.copy(), d.copy()))
            x = x + a * d
            g_prev, g = g, np.asarray(grad(x))
        return x, seen


def cg_literal_algorithm_2(x0, *, grad, hvp, iterations, value=None):
    return _cg(x0, grad, hvp, iterations, literal=True)


def cg_alpha_without_minus(x0, *, grad, hvp, iterations, value=None):
    return _cg(x0, grad, hvp, iterations, alpha_sign=1.0)


def cg_beta_inverted(x0, *, grad, hvp, iterations, value=None):
    return _cg(x0, grad, hvp, iterations, inverted_beta=True)


CG_MUTANTS = {
    "Algorithm 2 literally (g_0 = 0: β_1 = ‖g_1‖²/0)": cg_literal_algorithm_2,
    "α without the minus sign": cg_alpha_without_minus,
    "β = ‖g_(t-1)‖²/‖g_t‖²": cg_beta_inverted,
}
