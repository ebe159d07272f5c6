"""First-order descent on NumPy or CuPy arrays: gradient descent (fixed step, exact line search, heavy ball),
steepest descent under the ℓ2, ℓ∞ and ℓ1 norms, and cyclic / greedy (block) coordinate descent.

Written from seed 002_affcfe6d2abfd93d.txt ("Gradient Descent", "Gradient Descent is Steepest Descent",
"Steepest Descent under Euclidean Norm": x_t = x_(t-1) + ηv, "we may choose a different norm"; the
condition-number slides; "Diagonal Hessian", "Hessian = Diagonal × Rotation": coordinate descent on
4x_1² + x_2²) and seed 004_11e585ad4da93776.txt ("Steepest Descent Method": a constant ε or the ε that
minimises L(x - ε∇L); "Coordinate Descent": minimise over one variable, then another; block coordinate
descent over a subset), never from derivations/.

The objective is read through an optax-style oracle: ``grad(x)`` and ``hvp(x, v)`` = H(x)·v.  Each
iteration is a few BLAS-level operations on whole vectors (dot, axpy, a column of H): the only Python
loops are over iterations and, for coordinate descent, over the (inherently sequential) coordinate
updates of a sweep.  CuPy arrays take the same path.  ``history=True`` also returns, per iteration, the
state the iteration read (copies), so that a check can feed its reference the kernel's own state.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee

STEPS = ("fixed", "line_search", "heavy_ball")
NORMS = ("l2", "linf", "l1")
SD_STEPS = ("fixed", "line_search")
ORDERS = ("cyclic", "greedy")
DTYPES = ("float32", "float64")


def _start(x0, iterations: int, name: str = "iterations"):
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {iterations!r}")
    xp = check.namespace(x0, "x0")
    if x0.ndim != 1 or str(x0.dtype) not in DTYPES:
        raise ValueError(f"x0 must be a 1-D float32 or float64 array, got shape {x0.shape} and dtype {x0.dtype}")
    if not bool(xp.isfinite(x0).all()):
        raise ValueError("x0 must be finite (no NaN or inf)")
    return xp


def _vector(xp, value, x, name: str):
    """What the oracle returned, as an array of x's dtype; ValueError when its shape is not x's."""
    out = xp.asarray(value, dtype=x.dtype)
    if out.shape != x.shape:
        raise ValueError(f"{name} returned shape {out.shape}, expected {x.shape} (the shape of x)")
    return out


def _lr(lr, step: str, needed: tuple):
    if step in needed:
        return check.scalar("lr", lr, low=0.0, low_open=True)
    return None


def exact_step(xp, g, d, q):
    """α minimising f(x + αd) on a quadratic with Hd = q: α = -gᵀd / dᵀHd (seed 004's line search); 0 when d = 0
    (at a stationary point: stay there rather than take 0/0).  No host synchronisation (xp.where)."""
    return xp.where(xp.dot(d, d) == 0, 0, -xp.dot(g, d) / xp.dot(d, q)).astype(d.dtype)


@ieee
def gradient_descent(x0, *, grad, hvp=None, iterations: int, lr=None, step: str = "fixed", momentum: float = 0.0,
                     history: bool = False, value=None):
    """``iterations`` steps from ``x0`` (not modified); returns x_k, or (x_k, [(x_t, g_t), ...]).

    ``step="fixed"``: x ← x - lr·g.  ``"line_search"``: x ← x - α·g with the exact α = gᵀg / gᵀHg (hvp
    needed).  ``"heavy_ball"``: x_(t+1) = x_t - lr·g_t + momentum·(x_t - x_(t-1)), with x_(-1) = x_0 (Polyak)."""
    check.choice("step", step, STEPS)
    lr = _lr(lr, step, ("fixed", "heavy_ball"))
    momentum = check.scalar("momentum", momentum, low=0.0, high=1.0, high_open=True)
    xp = _start(x0, iterations)
    dt = x0.dtype.type
    x, x_prev = x0.copy(), x0.copy()
    seen = []
    for _ in range(iterations):
        g = _vector(xp, grad(x), x, "grad(x)")
        if history:
            seen.append((x.copy(), g.copy()))
        if step == "line_search":
            x_new = x + exact_step(xp, g, -g, _vector(xp, hvp(x, -g), x, "hvp(x, v)")) * -g
        elif step == "heavy_ball":
            x_new = x - dt(lr) * g + dt(momentum) * (x - x_prev)
        else:
            x_new = x - dt(lr) * g
        x_prev, x = x, x_new
    return (x, seen) if history else x


def steepest_direction(xp, g, norm: str):
    """The unit-norm v minimising gᵀv: ℓ2 -g/‖g‖₂, ℓ∞ -sign(g), ℓ1 -sign(g_i)e_i at the first i with the
    largest |g_i| (a coordinate step)."""
    if norm == "l2":
        return -g / xp.sqrt(xp.dot(g, g))
    if norm == "linf":
        return -xp.sign(g)
    i = int(xp.argmax(xp.abs(g)))
    v = xp.zeros_like(g)
    v[i] = -xp.sign(g[i])
    return v


@ieee
def steepest_descent(x0, *, grad, hvp=None, iterations: int, norm: str = "l2", step: str = "fixed", lr=None,
                     history: bool = False, value=None):
    """``iterations`` steps x ← x + α·v along the steepest unit direction v under ``norm``; α = lr (fixed) or
    the exact α = -gᵀv / vᵀHv (line_search).  Returns x_k, or (x_k, [(x_t, g_t, v_t), ...])."""
    check.choice("norm", norm, NORMS)
    check.choice("step", step, SD_STEPS)
    lr = _lr(lr, step, ("fixed",))
    xp = _start(x0, iterations)
    x = x0.copy()
    seen = []
    for _ in range(iterations):
        g = _vector(xp, grad(x), x, "grad(x)")
        v = steepest_direction(xp, g, norm)
        if history:
            seen.append((x.copy(), g.copy(), v.copy()))
        a = x.dtype.type(lr) if step == "fixed" else exact_step(xp, g, v, _vector(xp, hvp(x, v), x, "hvp(x, v)"))
        x = x + a * v
    return (x, seen) if history else x


def hessian_columns(xp, x, hvp):
    """H(x) with column j = hvp(x, e_j) (one oracle call per column)."""
    n = x.shape[0]
    eye = xp.eye(n, dtype=x.dtype)
    return xp.stack([_vector(xp, hvp(x, eye[j]), x, "hvp(x, e_j)") for j in range(n)], axis=1)


def blocks_of(n: int, block: int):
    return [list(range(s, min(s + block, n))) for s in range(0, n, block)]


@ieee
def coordinate_descent(x0, *, grad, hvp, sweeps: int, order: str = "cyclic", block: int = 1,
                       history: bool = False, value=None):
    """``sweeps`` sweeps of exact minimisation over one block of coordinates at a time (on a quadratic; for
    another objective, the Newton step in the block with H read at the sweep's start).

    The blocks are consecutive runs of ``block`` coordinates (the last may be shorter).  ``order="cyclic"``
    visits them in turn (Gauss-Seidel when block = 1); ``"greedy"`` (Gauss-Southwell) visits, as many times
    per sweep as there are blocks, the block with the largest ‖g_B‖₂ (the first on ties).  Per block:
    δ = -H_BB⁻¹g_B, x_B ← x_B + δ, g ← g + H[:, B]δ.  Returns x, or (x, [(x, g, block index, δ), ...]) per update."""
    check.choice("order", order, ORDERS)
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise ValueError(f"block must be an integer >= 1, got {block!r}")
    xp = _start(x0, sweeps, "sweeps")
    x = x0.copy()
    parts = blocks_of(x.shape[0], block)
    H = hessian_columns(xp, x, hvp) if sweeps else None
    seen = []
    for _ in range(sweeps):
        g = _vector(xp, grad(x), x, "grad(x)")
        for k in range(len(parts)):
            if order == "greedy":
                k = int(xp.argmax(xp.stack([xp.dot(g[p], g[p]) for p in parts])))
            p = parts[k]
            delta = -xp.linalg.solve(H[p][:, p], g[p]) if len(p) > 1 else -g[p] / H[p[0], p[0]]
            if history:
                seen.append((x.copy(), g.copy(), k, delta.copy()))
            x[p] += delta
            g = g + H[:, p] @ delta
    return (x, seen) if history else x
