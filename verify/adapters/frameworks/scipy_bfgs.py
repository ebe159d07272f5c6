"""scipy.optimize.minimize(method="BFGS" | "L-BFGS-B") as iterates on a quadratic, for
verify/checks/quasi_newton.py's ``check_trajectory`` (scipy keeps its inverse Hessian or compact L-BFGS matrices
to itself: only the iterates, through ``callback``, are observable).  Which scaling it follows is not written here:
``optverify crosscheck scipy`` finds it by running it under each (``survey_trajectory``)."""
from __future__ import annotations

import numpy as np


def _iterates(method, A, b, x0, k, options):
    from scipy.optimize import minimize

    xs = [np.array(x0, dtype=np.float64, copy=True)]
    minimize(lambda x: 0.5 * x @ A @ x - b @ x, xs[0].copy(), jac=lambda x: A @ x - b, method=method,
             callback=lambda xk: xs.append(np.array(xk, copy=True)), options=dict(maxiter=k, gtol=0.0, **options))
    return xs


def scipy_bfgs(A, b, x0, k, memory):
    return _iterates("BFGS", A, b, x0, k, {})


def scipy_lbfgsb(A, b, x0, k, memory):
    return _iterates("L-BFGS-B", A, b, x0, k, dict(maxcor=memory, ftol=0.0))
