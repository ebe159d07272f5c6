"""BFGS (explicit inverse-Hessian approximation) and L-BFGS (two-loop recursion) on NumPy or CuPy arrays.

Written from seed 004_11e585ad4da93776.txt ("BFGS": approximate H⁻¹ by M_t and step along -M_t g_t;
"L-BFGS lowers the memory cost") with the update of Nocedal & Wright, *Numerical Optimization*, 2nd ed.
(6.17) and Algorithm 7.4, never from derivations/:  s = x_(k+1) - x_k, y = g_(k+1) - g_k, ρ = 1/yᵀs,

    M ← (I - ρsyᵀ)M(I - ρysᵀ) + ρssᵀ = M - ρ(s(My)ᵀ + (My)sᵀ) + (ρ²yᵀMy + ρ)ssᵀ   (M symmetric),

which keeps M positive definite iff yᵀs > 0: a pair with yᵀs ≤ 0 is skipped (M and the memory unchanged).
L-BFGS keeps the newest ``memory`` pairs and forms -Hg by the two-loop recursion from H_0 = γI, with
``scaling="ratio"`` γ = sᵀy/yᵀy of the newest pair, or ``"identity"`` γ = 1.  Every operation is a dot, an
axpy, a matrix-vector product or a rank-1 update on whole arrays (BLAS level); CuPy takes the same path.

``history=True`` also returns, per iteration, the state that iteration read (copies): for L-BFGS
(x_t, g_t, d_t, S_t, Y_t, γ_t) with S_t, Y_t the pairs oldest first; for BFGS (x_t, g_t, d_t, M_t).
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee
from kernels.optimizers import line_search as ls

SCALINGS = ("ratio", "identity")
DTYPES = ("float32", "float64")


def _start(x0, iterations, grad):
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations must be an integer >= 0, got {iterations!r}")
    xp = check.namespace(x0, "x0")
    if x0.ndim != 1 or str(x0.dtype) not in DTYPES:
        raise ValueError(f"x0 must be a 1-D float32 or float64 array, got shape {x0.shape} and dtype {x0.dtype}")
    if not bool(xp.isfinite(x0).all()):
        raise ValueError("x0 must be finite (no NaN or inf)")
    x = x0.copy()
    return xp, x, xp.asarray(grad(x), dtype=x.dtype)


def two_loop(xp, g, S, Y, gamma):
    """H g for H = m BFGS updates of γI by the pairs (S[i], Y[i]), oldest first (Algorithm 7.4)."""
    q = g.copy()
    alphas = []
    for s, y in zip(reversed(S), reversed(Y)):
        a = xp.dot(s, q) / xp.dot(y, s)
        alphas.append(a)
        q = q - a * y
    r = gamma * q
    for s, y, a in zip(S, Y, reversed(alphas)):
        b = xp.dot(y, r) / xp.dot(y, s)
        r = r + (a - b) * s
    return r


def initial_scale(xp, S, Y, scaling: str, dtype):
    if not S or scaling == "identity":
        return dtype.type(1)
    return xp.dot(S[-1], Y[-1]) / xp.dot(Y[-1], Y[-1])


@ieee
def lbfgs(x0, *, grad, hvp=None, value=None, iterations: int, memory: int = 10, scaling: str = "ratio",
          line_search: str = "exact", c1: float = 1e-4, shrink: float = 0.5, history: bool = False):
    """``iterations`` L-BFGS iterations from ``x0`` (not modified); returns x_k, or (x_k, per-iteration state)."""
    if isinstance(memory, bool) or not isinstance(memory, int) or memory < 1:
        raise ValueError(f"memory must be an integer >= 1, got {memory!r}")
    check.choice("scaling", scaling, SCALINGS)
    ls.validate(line_search, c1, shrink, hvp, value)
    xp, x, g = _start(x0, iterations, grad)
    S, Y, seen = [], [], []
    for _ in range(iterations):
        gamma = initial_scale(xp, S, Y, scaling, x.dtype)
        d = -two_loop(xp, g, S, Y, gamma)
        if history:
            seen.append((x.copy(), g.copy(), d.copy(), [s.copy() for s in S], [y.copy() for y in Y], gamma))
        alpha = ls.step_length(xp, x, g, d, line_search=line_search, hvp=hvp, value=value, c1=c1, shrink=shrink)
        s = alpha * d
        x = x + s
        g_new = xp.asarray(grad(x), dtype=x.dtype)
        y = g_new - g
        g = g_new
        if xp.dot(s, y) > 0:  # the curvature condition; otherwise the pair would break H ≻ 0
            S, Y = (S + [s])[-memory:], (Y + [y])[-memory:]
    return (x, seen) if history else x


def bfgs_update(xp, M, s, y):
    """M ← (I - ρsyᵀ)M(I - ρysᵀ) + ρssᵀ for symmetric M, as one matvec and three rank-1 terms."""
    rho = 1 / xp.dot(y, s)
    My = M @ y
    c = rho * rho * xp.dot(y, My) + rho
    return M - rho * (xp.outer(s, My) + xp.outer(My, s)) + c * xp.outer(s, s)


@ieee
def bfgs(x0, *, grad, hvp=None, value=None, iterations: int, line_search: str = "exact", c1: float = 1e-4,
         shrink: float = 0.5, history: bool = False):
    """``iterations`` BFGS iterations from ``x0`` with M_0 = I; returns x_k, or (x_k, per-iteration state)."""
    ls.validate(line_search, c1, shrink, hvp, value)
    xp, x, g = _start(x0, iterations, grad)
    M, seen = xp.eye(x.shape[0], dtype=x.dtype), []
    for _ in range(iterations):
        d = -(M @ g)
        if history:
            seen.append((x.copy(), g.copy(), d.copy(), M.copy()))
        alpha = ls.step_length(xp, x, g, d, line_search=line_search, hvp=hvp, value=value, c1=c1, shrink=shrink)
        s = alpha * d
        x = x + s
        g_new = xp.asarray(grad(x), dtype=x.dtype)
        y = g_new - g
        g = g_new
        if xp.dot(s, y) > 0:
            M = bfgs_update(xp, M, s, y)
    return (x, seen) if history else x
