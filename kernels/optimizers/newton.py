"""Damped Newton step x ← x - (H + λI)⁻¹g on NumPy or CuPy arrays, the objective read through an oracle.

Written from seed 004_11e585ad4da93776.txt (Algorithm 1: Δθ = -H⁻¹g; "saddle point is problematic →
regularization strategy", here λ ≥ 0 on the diagonal) and seed 003_91c12aa291f221ab.txt (θ ← θ - H⁻¹∇f),
never from derivations/.  The oracle is optax-style: ``grad(x)`` and ``hvp(x, v)`` = H(x)·v.

H is read column by column, hvp(x, e_j): exact for a quadratic, and one call per column whatever the
objective.  ``solve="symmetric"`` factors H + λI = LLᵀ (Cholesky: only the lower triangle is read, and
it must be positive definite); ``solve="general"`` uses LU with partial pivoting (any nonsingular H,
e.g. the Jacobian of a root-finding problem).  Both go through ``xp.linalg``, so CuPy takes the same path.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee

SOLVES = ("symmetric", "general")
DTYPES = ("float32", "float64")  # what xp.linalg factors


def hessian(xp, x, hvp):
    """H(x) with column j = hvp(x, e_j)."""
    n = x.shape[0]
    H = xp.empty((n, n), dtype=x.dtype)
    for j in range(n):
        e = xp.zeros_like(x)
        e[j] = 1
        H[:, j] = xp.asarray(hvp(x, e), dtype=x.dtype)
    return H


def cholesky_solve(xp, M, g):
    """Solve Mz = g with M = LLᵀ: two triangular substitutions (Higham Thm 10.4's algorithm)."""
    try:
        L = xp.linalg.cholesky(M)
    except Exception as exc:  # numpy.linalg.LinAlgError, cupy's likewise
        raise ValueError(f"H + λI is not positive definite (Cholesky failed: {exc})") from None
    if not bool(xp.isfinite(L).all()):  # CuPy may return NaN instead of raising
        raise ValueError("H + λI is not positive definite (Cholesky gave NaN)")
    n = g.shape[0]
    y = xp.empty_like(g)
    for i in range(n):  # L y = g
        y[i] = (g[i] - L[i, :i] @ y[:i]) / L[i, i]
    z = xp.empty_like(g)
    for i in reversed(range(n)):  # Lᵀ z = y
        z[i] = (y[i] - L[i + 1:, i] @ z[i + 1:]) / L[i, i]
    return z


@ieee
def newton_step(x, *, grad, hvp, damping: float = 0.0, solve: str = "symmetric", value=None):
    """One damped Newton step from the 1-D array ``x``; returns the new iterate (x is not modified).

    ``value`` is accepted for the oracle protocol and not used."""
    damping = check.scalar("damping", damping, low=0.0)
    check.choice("solve", solve, SOLVES)
    xp = check.namespace(x, "x")
    if x.ndim != 1 or str(x.dtype) not in DTYPES:
        raise ValueError(f"x must be a 1-D float32 or float64 array, got shape {x.shape} and dtype {x.dtype}")
    H = hessian(xp, x, hvp)
    g = xp.asarray(grad(x), dtype=x.dtype)
    M = H.copy()
    idx = xp.arange(x.shape[0])
    M[idx, idx] += x.dtype.type(damping)  # one rounding per diagonal entry
    if solve == "symmetric":
        step = cholesky_solve(xp, M, g)
    else:
        step = xp.linalg.solve(M, g)
    return x - step
