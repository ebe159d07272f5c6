"""scipy.sparse.linalg.cg seen as a CG run with history, for the matrix check (verify/checks/matrix.py).

Which conventions it follows is not written here: ``optverify crosscheck scipy`` finds them by running
it under every convention of the ``cg`` rule (verify/adapters/peers.py).
"""
from __future__ import annotations

import numpy as np


def scipy_cg(x0, *, iterations, grad, hvp, value=None):
    """``scipy.sparse.linalg.cg`` with maxiter = iterations and rtol = atol = 0, as a CG run with history.

    scipy reports x_t (callback) and, through the operator, each direction p_t = d_t it multiplies; its
    residual r is not observable, so the adapter replays scipy's own recurrences (the same NumPy
    operations in the same order) from the recorded products, and refuses to report anything unless the
    replay reproduces every x_t scipy reported bit for bit (the replay mirrors scipy's loop, read from
    its source; which convention of the ``cg`` rule that loop is, the crosscheck finds by running it).
    """
    from scipy.sparse.linalg import LinearOperator, cg

    x0 = np.asarray(x0)
    n, dtype = x0.shape[0], x0.dtype
    b = -np.asarray(grad(np.zeros_like(x0)))  # grad(0) = -b, exact: b is the dtype's data
    products = []

    def matvec(v):
        v = np.asarray(v, dtype=dtype).ravel().copy()
        q = np.asarray(hvp(x0, v), dtype=dtype)
        products.append((v, q))
        return q.copy()

    xs = []
    with np.errstate(all="ignore"):  # NaN from a zero denominator is a finding, not a warning
        return _scipy_cg(cg, LinearOperator, x0, b, n, dtype, matvec, products, xs, iterations)


def _scipy_cg(cg, LinearOperator, x0, b, n, dtype, matvec, products, xs, iterations):
    x, info = cg(LinearOperator((n, n), matvec=matvec, dtype=dtype), b.copy(), x0=x0.copy(), rtol=0.0, atol=0.0,
                 maxiter=iterations, callback=lambda xk: xs.append(np.array(xk, copy=True)))
    # replay scipy's loop: r = b - A x0 (or b), p = r, then p = r + βp; α = ρ/pᵀq; x += αp; r -= αq
    if x0.any():
        r = b - products.pop(0)[1]
    else:
        r = b.copy()
    xr, history, rho_prev, p = x0.copy(), [], None, None
    for t, (v, q) in enumerate(products):
        rho = np.dot(r, r)
        p = r.copy() if t == 0 else p * (rho / rho_prev) + r
        if not np.array_equal(p, v, equal_nan=True):
            raise RuntimeError("the replay of scipy's cg diverged from it (direction): refusing to report its state")
        history.append((xr.copy(), -r, p.copy()))
        a = rho / np.dot(p, q)
        xr = xr + a * p
        r = r - a * q
        rho_prev = rho
        if not np.array_equal(xr, xs[t], equal_nan=True):
            raise RuntimeError("the replay of scipy's cg diverged from it (iterate): refusing to report its state")
    return x, history


# scipy's cg returns x = 0 at once for b = 0, without iterating: a check of it draws b ≠ 0
CHECK_OPTIONS = dict(nonzero_rhs=True)
