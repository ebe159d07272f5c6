"""Hutchinson's trace estimator: tr̂(A) = (1/m) Σ_j x_jᵀ A x_j with random probes x_j, querying only Ax.

Source: seed 000_a2fbe8e070163c86.txt §1.4.1.1 "Trace": "draw x_1, ..., x_m from random {-1, 1}
(i.e., Rademacher distribution), then the estimator of tr(A) is (1/m) Σ_{i=1}^m x_j^T A x_j".  The seed
sums over i but indexes the probes by j (read: one term per probe j), and its exact form
tr(A) = Σ_i e_i A e_i drops the transpose (e_iᵀ A e_i).  The seed cites Hanson–Wright for concentration;
that is out of scope here: proved are unbiasedness and the exact variance.

Claims (COVERAGE D5, E26): E[xxᵀ] = I, so E[tr̂] = tr(A); per probe, Var[xᵀAx] = 2(‖S‖_F² − Σ S_ii²)
for Rademacher and 2‖S‖_F² for Gaussian probes, where S = (A + Aᵀ)/2 — since xᵀAx = xᵀSx, a
non-symmetric A has its *symmetric part's* variance (the symmetric-A formula applied to A itself is wrong:
a bug found in a published library); m independent probes divide the variance by m.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.estimator import Estimator, SampleSpace, enumerated_moments, expectation, sign_matrices
from derivations.core.proof import Derivation, Step

SOURCE = "seed 000_a2fbe8e070163c86.txt §1.4.1.1 (Trace, Hutchinson's method)"
CASES = ((2, 1), (3, 1), (2, 2))  # (n, m) proved: symbolic A, every outcome enumerated


def symmetric_part(A):
    return (A + A.T) / 2


def _statistic(data, X):
    """(1/m) Σ_j x_jᵀ A x_j, the probes x_j the rows of X (m×n)."""
    A, m = data["A"], X.shape[0]
    return sum(((X[j, :] * A * X[j, :].T)[0] for j in range(m)), sp.Integer(0)) / m


def _target(data):
    return data["A"].trace()


def _mean(data, space, sizes):
    return data["A"].trace()


def _variance(data, space, sizes):
    S, m = symmetric_part(data["A"]), sizes["m"]
    frobenius2 = sum((s**2 for s in S), sp.Integer(0))
    diagonal2 = sum((S[i, i] ** 2 for i in range(S.shape[0])), sp.Integer(0))
    per_probe = 2 * (frobenius2 - diagonal2) if space == "rademacher" else 2 * frobenius2
    return per_probe / m


ESTIMATOR = Estimator(
    name="hutchinson",
    title="Hutchinson trace estimator (1/m) Σ_j x_jᵀ A x_j",
    data=(("A", "n×n, any real (only Ax is queried)"),),
    sizes=("m",),
    spaces=(
        SampleSpace("rademacher", "x_j ∈ {±1}ⁿ uniform, independent (the seed's); ω = the m×n sign matrix",
                    lambda sizes: sign_matrices(sizes["m"], sizes["n"])),
        SampleSpace("gaussian", "x_j ~ N(0, I_n), independent; ω = the m×n matrix of normals"),
    ),
    statistic=_statistic,
    target=_target,
    mean=_mean,
    variance=_variance,
    output="scalar",
    source=SOURCE,
    notes="variance of the symmetric part S = (A + Aᵀ)/2, whatever A",
)


def _matrix(n):
    """A general (non-symmetric) symbolic n×n matrix."""
    return sp.Matrix(n, n, lambda i, k: sp.Symbol(f"a_{i}{k}", real=True))


def _probes(m, n):
    return sp.Matrix(m, n, lambda j, i: sp.Symbol(f"z_{j}{i}", real=True))


def gaussian_expectation(expr, variables):
    """E[expr] for a polynomial in independent N(0, 1) variables: each monomial Π z^k has mean Π (k-1)!! for
    all k even, else 0 (the moments of the standard normal)."""
    poly = sp.Poly(sp.expand(expr), *variables)
    total = sp.Integer(0)
    for powers, coefficient in poly.terms():
        if all(k % 2 == 0 for k in powers):
            total += coefficient * sp.Mul(*(sp.factorial2(k - 1) for k in powers))
    return total


def unbiased(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for n, m in CASES:
        A, sizes = _matrix(n), dict(n=n, m=m)
        data = dict(A=A)
        mean, _ = enumerated_moments(estimator, data, "rademacher", sizes)
        single = list(sign_matrices(1, n))
        second = expectation([x.T * x for x in single])  # E[xxᵀ] over the probe space
        label = f"n={n}, m={m}"
        steps += [
            Step(f"E[xxᵀ] = I ({label})", second, sp.eye(n), "E[x_i²] = 1, E[x_i x_k] = 0 for i ≠ k: independent ±1"),
            Step(f"E[tr̂] = Σ A_ik E[x_i x_k] ({label})", mean, sum(A[i, k] * second[i, k] for i in range(n)
                                                                  for k in range(n)),
                 "linearity of E over the enumerated outcomes"),
            Step(f"E[tr̂] is the claimed mean ({label})", mean, estimator.mean(data, "rademacher", sizes),
                 "the two steps above"),
            Step(f"claimed mean = target ({label})", estimator.mean(data, "rademacher", sizes), estimator.target(data),
                 "unbiased: E[tr̂] = tr(A)"),
        ]
    return Derivation(
        name="hutchinson.unbiased", claim="Rademacher probes: E[xxᵀ] = I, so E[(1/m)Σ x_jᵀAx_j] = tr(A)",
        steps=tuple(steps), assumptions=("probes independent, uniform on {±1}ⁿ",), source=SOURCE,
        scope="n, m ∈ {(2,1), (3,1), (2,2)}: symbolic general A, every outcome of {±1}^{mn} enumerated",
        notes="built from the estimator's own statistic and claimed mean")


def variance_rademacher(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for n, m in CASES:
        A, sizes = _matrix(n), dict(n=n, m=m)
        data = dict(A=A)
        S = symmetric_part(A)
        _, var = enumerated_moments(estimator, data, "rademacher", sizes)
        label = f"n={n}, m={m}"
        if m == 1:
            x = _probes(1, n)
            steps.append(Step(f"xᵀAx = xᵀSx ({label})", estimator.statistic(data, x), estimator.statistic(dict(A=S), x),
                              "xᵀAx is a scalar, = its transpose xᵀAᵀx; average the two"))
        off = sum((S[i, k] ** 2 for i in range(n) for k in range(n) if i != k), sp.Integer(0))
        steps += [
            Step(f"Var[tr̂] = 2Σ_{{i≠k}} S_ik² / m ({label})", var, 2 * off / m,
                 "x_i² = 1 exactly, so only off-diagonal pairs vary; E[x_i x_k x_p x_q] = 1 iff indices pair up"),
            Step(f"Var[tr̂] is the claimed variance ({label})", var, estimator.variance(data, "rademacher", sizes),
                 "the step above; S = (A + Aᵀ)/2, not A"),
        ]
    return Derivation(
        name="hutchinson.variance_rademacher",
        claim="Rademacher probes: Var[tr̂] = 2(‖S‖_F² − Σ S_ii²)/m with S = (A + Aᵀ)/2, for any A",
        steps=tuple(steps), assumptions=("probes independent, uniform on {±1}ⁿ",), source=SOURCE,
        scope="n, m ∈ {(2,1), (3,1), (2,2)}: symbolic general (non-symmetric) A, every outcome enumerated",
        notes="applied to a non-symmetric A, the symmetric-A formula 2(‖A‖_F² − Σ A_ii²)/m is wrong")


def variance_gaussian(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for n, m in CASES:
        A, sizes = _matrix(n), dict(n=n, m=m)
        data = dict(A=A)
        X = _probes(m, n)
        T = estimator.statistic(data, X)
        mean = gaussian_expectation(T, list(X))
        var = gaussian_expectation((T - mean) ** 2, list(X))
        label = f"n={n}, m={m}"
        steps += [
            Step(f"E[tr̂] = tr(A), Gaussian ({label})", mean, estimator.mean(data, "gaussian", sizes),
                 "E[z_i z_k] = δ_ik"),
            Step(f"Var[tr̂] = 2‖S‖_F²/m, Gaussian ({label})", var, estimator.variance(data, "gaussian", sizes),
                 "E[z⁴] = 3, E[z²] = 1, odd moments 0 (Isserlis); S = (A + Aᵀ)/2"),
        ]
    return Derivation(
        name="hutchinson.variance_gaussian",
        claim="Gaussian probes: E[tr̂] = tr(A) and Var[tr̂] = 2‖S‖_F²/m with S = (A + Aᵀ)/2",
        steps=tuple(steps), assumptions=("probes independent N(0, I_n)",), source=SOURCE,
        scope="n, m ∈ {(2,1), (3,1), (2,2)}: symbolic general A, exact Gaussian moments of the statistic's polynomial")


BUILDERS = {"hutchinson.unbiased": unbiased, "hutchinson.variance_rademacher": variance_rademacher,
            "hutchinson.variance_gaussian": variance_gaussian}
