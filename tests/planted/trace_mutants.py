"""Planted bugs in Hutch++, XTrace and Lanczos: implementations (copies of the kernels' maths with one change, written
out so that the change is visible) and claims (a copy of an estimator with one formula changed).  Each must be
caught by verify/checks/spectral.py or verify/checks/estimators.py."""
from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp

from derivations.estimators import hutchinson, hutchpp


def _basis(Y):
    U, s, _ = np.linalg.svd(Y, full_matrices=False)
    if s.size == 0:
        return U[:, :0]
    return U[:, s > max(Y.shape) * np.finfo(float).eps * s[0]]


def _hutchpp(A, sketch, probes, *, project=True, divide=None, unnormalised=False, symmetric_remainder=False):
    Y = A @ sketch.T
    Q = Y if unnormalised else _basis(Y)
    G = probes.T
    m = probes.shape[0]
    exact = np.sum(Q * (A @ Q))
    if symmetric_remainder:  # gᵀ(I−P)A(I−P)g expanded as if A = Aᵀ: gᵀAg − 2gᵀPAg + gᵀPAPg
        PG = Q @ (Q.T @ G)
        rest = np.sum(G * (A @ G)) - 2 * np.sum(PG * (A @ G)) + np.sum(PG * (A @ PG))
    else:
        X = G - Q @ (Q.T @ G) if project else G
        rest = np.sum(X * (A @ X))
    return exact + rest / (divide(m) if divide else m)


def hutchpp_no_projection(A, sketch, probes):
    """Hutchinson on A itself after computing tr(QᵀAQ): counts range(Q)'s part twice (biased by tr(PA))."""
    return _hutchpp(A, sketch, probes, project=False)


def hutchpp_m_minus_1(A, sketch, probes):
    """Divides the Hutchinson part by m − 1 (the sample-variance denominator)."""
    return _hutchpp(A, sketch, probes, divide=lambda m: max(m - 1, 1))


def hutchpp_unnormalised(A, sketch, probes):
    """Uses Y = A·Sᵀ itself as the basis (no orthonormalisation): tr(YᵀAY) is not tr(PA)."""
    return _hutchpp(A, sketch, probes, unnormalised=True)


def hutchpp_symmetric_remainder(A, sketch, probes):
    """The symmetric formula gᵀAg − 2gᵀPAg + gᵀPAPg on a non-symmetric A: the mean survives, the variance not."""
    return _hutchpp(A, sketch, probes, symmetric_remainder=True)


def _xtrace(A, probes, *, leave_out=True, divide=None):
    m = probes.shape[0]
    total = 0.0
    for i in range(m):
        others = np.delete(probes, i, axis=0) if leave_out else probes
        Q = _basis(A @ others.T)
        w = probes[i]
        x = w - Q @ (Q.T @ w)
        total += np.sum(Q * (A @ Q)) + x @ (A @ x)
    return total / (divide(m) if divide else m)


def xtrace_no_leave_out(A, probes):
    """Deflates every term with all m probes, ω_i included: ω_i is no longer independent of P (biased)."""
    return _xtrace(A, probes, leave_out=False)


def xtrace_m_minus_1(A, probes):
    """Averages the m terms with m − 1."""
    return _xtrace(A, probes, divide=lambda m: m - 1)


# ---- Lanczos quadrature ----
def quadratures_with(weight):
    """Our kernel's Lanczos, with the weights ``weight(first components)`` instead of their squares."""
    from kernels.estimators.lanczos import lanczos

    def quadratures(A, probes, k):
        alpha, beta, steps = lanczos(A, probes, k)
        out = []
        for j in range(probes.shape[0]):
            s = int(steps[j])
            T = np.diag(alpha[j, :s]) + np.diag(beta[j, :s - 1], 1) + np.diag(beta[j, :s - 1], -1)
            nodes, vectors = np.linalg.eigh(T)
            out.append((nodes, weight(vectors[0]), probes[j] @ probes[j]))
        return out
    return quadratures


weights_unsquared = quadratures_with(np.abs)  # |e₁ᵀu_j|: do not sum to 1
weights_fourth_power = quadratures_with(lambda u: u**4)  # squared twice


def weights_last_component(A, probes, k):
    """(e_kᵀu_j)², the last components: the Gauss rule of the wrong end of the Krylov space."""
    from kernels.estimators.lanczos import lanczos

    alpha, beta, steps = lanczos(A, probes, k)
    out = []
    for j in range(probes.shape[0]):
        s = int(steps[j])
        T = np.diag(alpha[j, :s]) + np.diag(beta[j, :s - 1], 1) + np.diag(beta[j, :s - 1], -1)
        nodes, vectors = np.linalg.eigh(T)
        out.append((nodes, vectors[-1] ** 2, probes[j] @ probes[j]))
    return out


# ---- λ_max ----
def lambda_max_by_power_iteration(A, start, k):
    """Power iteration as λ_max: the dominant (largest-magnitude) eigenvalue, λ_min here."""
    from kernels.estimators.lanczos import power_iteration

    return power_iteration(A, start, 200 * k)


def lambda_max_magnitude(A, start, k):
    """|λ| of the dominant eigenvalue: the positive number a 'largest eigenvalue' label suggests."""
    return abs(lambda_max_by_power_iteration(A, start, k))


def lambda_max_smallest_node(A, start, k):
    """The first (smallest) Ritz value: eigh's ascending order read as descending."""
    from kernels.estimators.lanczos import probe_quadratures

    return probe_quadratures(A, start[None, :], k)[0][0][0]


# ---- claims ----
def _variance_of_A(data, space, sizes):
    """Hutchinson's variance of A itself: the deflation forgotten in the claim."""
    return hutchinson._variance(dict(A=data["A"]), "rademacher", dict(m=sizes["m"]))


def _mean_n_minus_1(data, space, sizes):
    """(n − 1)/n · tr(A): an n vs n − 1 slip in the claim."""
    n = data["A"].shape[0]
    return data["A"].trace() * sp.Rational(n - 1, n)


HUTCHPP_WRONG_VARIANCE = dataclasses.replace(hutchpp.ESTIMATOR, variance=_variance_of_A)
HUTCHPP_WRONG_MEAN = dataclasses.replace(hutchpp.ESTIMATOR, mean=_mean_n_minus_1)


def _statistic_no_projection(data, omega):
    S, G = omega
    A = data["A"]
    P = hutchpp.projector(A * S.T)
    return (P * A).trace() + hutchinson._statistic(dict(A=A), G)


HUTCHPP_NO_PROJECTION = dataclasses.replace(hutchpp.ESTIMATOR, statistic=_statistic_no_projection)

IMPLEMENTATIONS = {
    "hutchpp": (hutchpp_no_projection, hutchpp_m_minus_1, hutchpp_unnormalised, hutchpp_symmetric_remainder),
    "xtrace": (xtrace_no_leave_out, xtrace_m_minus_1),
}
