"""Checks of the bias–variance Monte Carlo kernel against the exact decomposition, and of ridge's covariance against
its closed form (derivations/estimators/bias_variance_mc.py).

* ``check_exact``: a finite distribution is drawn — N_D ∈ {2, 3} training sets with probabilities r, N_X ∈ {1, 2}
  test inputs with weights p = k/8 (exact in float64), two labels per input with probabilities q, and dyadic
  predictions h and labels y (k/4, |k| ≤ 16).  The kernel is run on *every* outcome (R ∈ {2, 3} dataset indices,
  J = 2 label indices per input: ≤ 27·16 outcomes), its outputs read exactly as Fractions and averaged with the
  outcomes' exact probabilities; the mean must be the estimator's claimed mean, the exact (Variance, Noise, Bias²).
  Nothing is sampled: the only allowance is rounding.  Every output is Σ_x p_x times three pieces — s_h², s_y²
  and (h̄̂ − ȳ̂)² − s_h²/R − s_y²/J — each a sum of at most R + J + 2 terms no larger than 8(H_x + Y_x)² (H_x, Y_x
  the largest |h|, |y| at x; Σ_i (v_i − v̄)²/(n − 1) ≤ n/(n − 1)·(2 max|v|)²), so (Higham ch. 3, sums in any order)
  δ = γ_{4(R+J)+16}·24·Σ_x p_x(H_x + Y_x)² bounds each output's error, and the mean's.
* ``check_ridge``: ``impl(X, σ², λ)`` against σ²(G + λI)⁻¹G(G + λI)⁻¹ evaluated exactly (SymPy Rationals) on
  dyadic X (n × p, p ≤ 3), λ = k/4, σ² = k/4.  Two backward-stable solves with G + λI: relative error
  ≲ c_p·κ²·u (Higham ch. 7: each solve's forward error is ≤ c·p·κ·u relative, the second amplifies the first's
  by κ); allowed 64·p·κ²·u·max|C| entrywise, κ the 2-norm condition number of G + λI (rounded up 2×).
  Singular G + λI (λ = 0, X rank-deficient) is discarded.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from verify.checks.common import conclude, label, to_numpy
from verify.checks.elementwise import property_run
from verify.checks.estimators import DYADIC, EstimatorReport, MomentTracker, U, gamma


def _kernel(predictions, labels, weights):
    from kernels.estimators.bias_variance import bias_variance_mc

    return bias_variance_mc(predictions, labels, weights)


def _ridge_kernel(X, sigma2, lam):
    from kernels.estimators.bias_variance import ridge_covariance

    return ridge_covariance(X, sigma2, lam)


def _probabilities(draw, n, tag):
    weights = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n), label=tag)
    return [Fraction(w, sum(weights)) for w in weights]


def _rational(v):
    return sp.Rational(v.numerator, v.denominator)


def check_exact(implementation=None, *, examples: int = 25, seed: int = 0, estimator=None) -> EstimatorReport:
    from derivations.estimators.bias_variance_mc import ESTIMATOR

    estimator = estimator or ESTIMATOR
    implementation = implementation or _kernel
    space = estimator.space("resampled")
    tracker = MomentTracker()

    @property_run(seed, examples)
    def run(data):
        n_d, R = data.draw(st.integers(2, 3), label="N_D"), data.draw(st.integers(2, 3), label="R")
        n_x, J = data.draw(st.integers(1, 2), label="N_X"), 2
        r = _probabilities(data.draw, n_d, "r")
        q = [_probabilities(data.draw, 2, f"q_{x}") for x in range(n_x)]
        p = [Fraction(4, 8)] * 2 if n_x == 2 and data.draw(st.booleans(), label="p even") else \
            [Fraction(k, 8) for k in ((8,) if n_x == 1 else (data.draw(st.integers(1, 7), label="p·8"),))]
        if len(p) < n_x:
            p.append(1 - p[0])
        h = data.draw(st.lists(st.lists(DYADIC, min_size=n_x, max_size=n_x), min_size=n_d, max_size=n_d), label="h")
        y = data.draw(st.lists(st.lists(DYADIC, min_size=2, max_size=2), min_size=n_x, max_size=n_x), label="y")
        tracker.examples += 1
        context = dict(data=dict(h=[[str(v) for v in row] for row in h], y=[[str(v) for v in row] for row in y],
                                 p=[str(v) for v in p]),
                       sizes=dict(R=R, J=J, r=[str(v) for v in r], q=[[str(v) for v in row] for row in q]))
        sizes = dict(N_D=n_d, R=R, J=J, N_X=n_x, N_Y=2, r=[_rational(v) for v in r],
                     q=[[_rational(v) for v in row] for row in q])
        sym = dict(h=sp.Matrix(h).applyfunc(_rational), y=sp.Matrix(y).applyfunc(_rational),
                   p=sp.Matrix([_rational(v) for v in p]))
        claimed = [Fraction(int(sp.numer(v)), int(sp.denom(v))) for v in estimator.mean(sym, "resampled", sizes)]
        hf, yf, pf = np.array(h, dtype=float), np.array(y, dtype=float), np.array([float(v) for v in p])
        mean = [Fraction(0)] * 3
        for omega in space.outcomes(sizes):
            datasets, labels = omega
            weight = Fraction(str(space.probability(omega, sizes)))
            out = to_numpy(implementation(hf[list(datasets)], np.array([yf[x, list(labels[x])] for x in range(n_x)]),
                                          pf))
            if out.shape != (3,):
                tracker.fail_moments("output", 3, out.shape, 0, context, f"output of shape {out.shape}, expected (3,)")
            mean = [m + weight * Fraction(float(v)) for m, v in zip(mean, out)]
        scale = sum(px * (max(abs(h[d][x]) for d in range(n_d)) + max(abs(v) for v in y[x])) ** 2
                    for x, px in enumerate(p))
        allowed = gamma(4 * (R + J) + 16) * 24 * scale
        for i, what in enumerate(("variance", "noise", "bias²")):
            tracker.compare(f"E[{what} estimate]", [claimed[i]], [mean[i]], [allowed], context)

    return conclude(run, tracker, EstimatorReport("bias_variance_mc", {"space": "resampled"}, label(implementation),
                                                  "exact", space="resampled"))


def check_ridge(implementation=None, *, examples: int = 30, seed: int = 0) -> EstimatorReport:
    implementation = implementation or _ridge_kernel
    tracker = MomentTracker()

    @property_run(seed, examples)
    def run(data):
        p = data.draw(st.integers(1, 3), label="p")
        n = data.draw(st.integers(p, p + 3), label="n")
        X = data.draw(st.lists(st.lists(DYADIC, min_size=p, max_size=p), min_size=n, max_size=n), label="X")
        lam = Fraction(data.draw(st.integers(0, 8), label="λ·4"), 4)
        sigma2 = Fraction(data.draw(st.integers(1, 8), label="σ²·4"), 4)
        Xs = sp.Matrix(X).applyfunc(_rational)
        G = Xs.T * Xs
        A = G + _rational(lam) * sp.eye(p)
        if A.det() == 0:
            tracker.discard()
        tracker.examples += 1
        context = dict(data=dict(X=[[str(v) for v in row] for row in X]), sizes=dict(lam=str(lam), sigma2=str(sigma2)))
        C = _rational(sigma2) * A.inv() * G * A.inv()
        claimed = [[Fraction(int(sp.numer(v)), int(sp.denom(v))) for v in C.row(i)] for i in range(p)]
        kappa = 2 * float(np.linalg.cond(np.array(A.tolist(), dtype=float)))
        peak = max(abs(v) for row in claimed for v in row)
        allowed = Fraction(64 * p * kappa * kappa) * U * peak + Fraction(1, 2**1074)
        found = to_numpy(implementation(np.array(X, dtype=float), float(sigma2), float(lam)))
        if found.shape != (p, p):
            tracker.fail_moments("covariance", (p, p), found.shape, 0, context, f"covariance of shape {found.shape}")
        tracker.compare("covariance", claimed, [[Fraction(float(v)) for v in row] for row in found],
                        [[allowed] * p for _ in range(p)], context)

    return conclude(run, tracker, EstimatorReport("ridge_covariance", {}, label(implementation), "exact",
                                                  space="fixed design, Cov y = σ²I"))
