"""The check of a SAM step (kernels/optimizers/sam.py protocol) on drawn quadratics, against an exact reference.

Problems: L(x) = ½xᵀAx + bᵀx, A symmetric (entries drawn), the oracle ∇L(x) = Ax + b evaluated in float64 by
NumPy.  Reference: A, b, w exact as Fractions; ε̂ = ρ·g/‖g‖ (or ASAM's ρT²g/‖Tg‖), the second gradient and the
new w in mpmath at 200 bits.  Bound (componentwise, float64, u = 2⁻⁵³, γ_k = ku/(1-ku), Higham ch. 3):

* g = Aw + b: |ĝ - g| ≤ γ_{n+1}(|A||w| + |b|) =: e_g (a dot product of length n plus one sum);
* ε̂ = ρ·d/‖d‖ (d = g or T²g): ‖δε̂‖∞ ≤ 2ρ‖δd‖₂/‖d‖ + ρ·(γ_n/2 + 4u) — the direction's error
  (|δ(d/‖d‖)| ≤ 2‖δd‖/‖d‖) plus the norm's and three roundings; for ASAM δd adds 3u|T²g| for the products;
* w' = w + ε̂: + u|w'|; the second gradient: γ_{n+1}(|A||w'| + |b|) + |A|·‖δw'‖∞;
* w_new = w - η·g₂: η·δg₂ + 2u(|w| + η|g₂|).
Multiplied by 2 (other summation orders) and 1 + 64nu; examples with ‖g‖ under 1e-8·(|A||w| + |b|) are
discarded (the direction is rounding noise).  Draws: fixed seeds, n in 1..6.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

PRECISION = 200
U = 2.0**-53


def _gamma(k: int) -> float:
    return k * U / (1 - k * U)


def _problem(rng, n):
    A = rng.standard_normal((n, n))
    A = (A + A.T) / 2
    return A, rng.standard_normal(n), rng.standard_normal(n) * rng.choice([1.0, 10.0, 0.1])


def _reference(A, b, w, lr, rho, adaptive, eta):
    with mpmath.workprec(PRECISION):
        Am = mpmath.matrix([[mpmath.mpf(Fraction(x).numerator) / Fraction(x).denominator for x in row] for row in A])
        bm, wm = mpmath.matrix([mpmath.mpf(x) for x in b]), mpmath.matrix([mpmath.mpf(x) for x in w])
        g = Am * wm + bm
        T = [abs(x) + mpmath.mpf(eta) for x in wm] if adaptive else [mpmath.mpf(1)] * len(w)
        tg = mpmath.matrix([t * x for t, x in zip(T, g)])
        size = mpmath.sqrt(sum(x * x for x in tg))
        eps = mpmath.matrix([mpmath.mpf(rho) * t * x / size for t, x in zip(T, tg)]) if size else tg * 0
        w1 = wm + eps
        g2 = Am * w1 + bm
        new = wm - mpmath.mpf(lr) * g2
        return ([float(x) for x in g], [float(x) for x in w1], [float(x) for x in g2], new, float(size),
                [float(abs(t * t * x)) for t, x in zip(T, g)])


def _bound(A, b, w, lr, rho, adaptive, eta, ref):
    n = len(w)
    g, w1, g2, _, size, d = (np.array(x) if i != 3 else x for i, x in enumerate(ref))
    absA = np.abs(A)
    e_g = _gamma(n + 1) * (absA @ np.abs(w) + np.abs(b))
    e_d = e_g * (np.abs(w) + eta) ** 2 + 3 * U * d if adaptive else e_g
    e_eps = 2 * rho * np.linalg.norm(e_d) / np.linalg.norm(d if adaptive else g) + rho * (_gamma(n) / 2 + 4 * U)
    e_w1 = e_eps + U * np.abs(w1)
    e_g2 = _gamma(n + 1) * (absA @ np.abs(w1) + np.abs(b)) + absA @ np.full(n, np.max(e_w1))
    e_new = lr * e_g2 + 2 * U * (np.abs(w) + lr * np.abs(g2))
    return 2 * (1 + 64 * n * U) * e_new + 4 * 2.0**-1074, float(np.linalg.norm(e_g))


def check_sam(step, *, adaptive=False, examples=40, seed=0, eta=0.01):
    """``step(w, gradient, *, lr, rho)`` updates w in place.  Returns (passed, worst ratio, counterexample|None,
    discarded)."""
    rng = np.random.default_rng(seed)
    worst, discarded = 0.0, 0
    for k in range(examples):
        n = int(rng.integers(1, 7))
        A, b, w = _problem(rng, n)
        lr, rho = float(rng.choice([0.1, 0.01, 1.0])), float(rng.choice([0.05, 0.5, 2.0]))
        ref = _reference(A, b, w, lr, rho, adaptive, eta)
        allowed, e_g = _bound(A, b, w, lr, rho, adaptive, eta, ref)
        if ref[4] < 1e8 * e_g:
            discarded += 1
            continue
        got = w.copy()
        step(got, lambda x: A @ x + b, lr=lr, rho=rho)
        with mpmath.workprec(PRECISION):
            error = np.array([float(abs(mpmath.mpf(x) - e)) for x, e in zip(got, ref[3])])
        ratio = float(np.max(error / allowed))
        worst = max(worst, ratio)
        if not ratio <= 1:
            return False, ratio, dict(example=k, A=A.tolist(), b=b.tolist(), w=w.tolist(), lr=lr, rho=rho,
                                      got=got.tolist(), expected=[float(e) for e in ref[3]]), discarded
    return True, worst, None, discarded
