"""The check of a MAML meta-gradient (kernels/optimizers/maml.py protocol) on drawn quadratic tasks.

Tasks L_i(x) = ½xᵀA_ix + b_iᵀx (A_i symmetric, drawn), oracles ∇L_i(x) = A_ix + b_i and hvp(x, v) = A_iv in
float64.  Reference: A_i, b_i, θ exact, everything after in mpmath at 200 bits.  Bound (componentwise,
u = 2⁻⁵³, γ_k = ku/(1-ku), Higham ch. 3), per task, each line one operation's rounding or an input error carried
through |A|:

* g = Aθ + b: γ_{n+1}(|A||θ| + |b|);  θ' = θ - αg: α·e_g + 2u(|θ| + α|g|);
* g' = Aθ' + b: γ_{n+1}(|A||θ'| + |b|) + |A|e_θ';  hv = Ag': γ_n|A||g'| + |A|e_g';
* out = g' - α·hv: e_g' + α·e_hv + 2u(|g'| + α|hv|);  the mean over k tasks: Σe/k + γ_k·Σ|out|/k + u·|mean|.
Times 2 (other summation orders) and 1 + 64nu.  Note: on quadratic tasks ∇²L is constant, so an implementation
that takes the Hessian at θ' instead of θ is *not* distinguishable here (it is by maml.chain_rule's 1-D step).
"""
from __future__ import annotations

import mpmath
import numpy as np

PRECISION = 200
U = 2.0**-53


def _gamma(k: int) -> float:
    return k * U / (1 - k * U)


def _tasks(rng, n, k):
    out = []
    for _ in range(k):
        A = rng.standard_normal((n, n)) * rng.choice([0.5, 1.0, 3.0])
        out.append(((A + A.T) / 2, rng.standard_normal(n)))
    return out


def _reference_and_bound(tasks, theta, alpha, first_order):
    n, k = len(theta), len(tasks)
    total_err, total_abs = np.zeros(n), np.zeros(n)
    with mpmath.workprec(PRECISION):
        th, a = mpmath.matrix([mpmath.mpf(x) for x in theta]), mpmath.mpf(alpha)
        acc = mpmath.matrix(n, 1)
        for A, b in tasks:
            Am = mpmath.matrix([[mpmath.mpf(x) for x in row] for row in A])
            bm = mpmath.matrix([mpmath.mpf(x) for x in b])
            g = Am * th + bm
            inner = th - a * g
            outer = Am * inner + bm
            hv = Am * outer
            out = outer if first_order else outer - a * hv
            acc += out
            f = lambda m: np.array([float(x) for x in m])  # noqa: E731
            absA = np.abs(A)
            e_g = _gamma(n + 1) * (absA @ np.abs(theta) + np.abs(b))
            e_in = alpha * e_g + 2 * U * (np.abs(theta) + alpha * np.abs(f(g)))
            e_out = _gamma(n + 1) * (absA @ np.abs(f(inner)) + np.abs(b)) + absA @ e_in
            if first_order:
                e = e_out
            else:
                e_hv = _gamma(n) * (absA @ np.abs(f(outer))) + absA @ e_out
                e = e_out + alpha * e_hv + 2 * U * (np.abs(f(outer)) + alpha * np.abs(f(hv)))
            total_err += e
            total_abs += np.abs(f(out))
        mean = acc / k
        bound = total_err / k + _gamma(k) * total_abs / k + U * np.abs(np.array([float(x) for x in mean]))
        return mean, 2 * (1 + 64 * n * U) * bound + 4 * 2.0**-1074


def check_maml(meta_gradient, *, first_order=False, examples=30, seed=0):
    """``meta_gradient(theta, tasks, *, alpha)`` returns the mean meta-gradient.  Returns (passed, worst ratio,
    counterexample or None)."""
    rng = np.random.default_rng(seed)
    worst = 0.0
    for example in range(examples):
        n, k = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        tasks = _tasks(rng, n, k)
        theta = rng.standard_normal(n)
        alpha = float(rng.choice([0.01, 0.1, 0.5]))
        expected, allowed = _reference_and_bound(tasks, theta, alpha, first_order)
        oracles = [(lambda x, A=A, b=b: A @ x + b, lambda x, v, A=A: A @ v) for A, b in tasks]
        got = np.asarray(meta_gradient(theta.copy(), oracles, alpha=alpha))
        with mpmath.workprec(PRECISION):
            error = np.array([float(abs(mpmath.mpf(float(x)) - e)) for x, e in zip(got, expected)])
        ratio = float(np.max(error / allowed)) if got.shape == theta.shape else float("inf")
        worst = max(worst, ratio)
        if not ratio <= 1:
            return False, ratio, dict(example=example, theta=theta.tolist(), alpha=alpha, got=got.tolist(),
                                      expected=[float(e) for e in expected])
    return True, worst, None
