"""Planted bugs in the estimators: implementations (one line changed from the kernel, written out so that the
change is visible) and claims (a copy of the estimator with one formula changed).  Each must be caught."""
from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp
from rule_changes import first_failure

from derivations.core.estimator import SampleSpace, index_tuples
from derivations.estimators import dropout, forward_gradient, hutchinson, minibatch
from derivations.registry import derivations_about_estimator


def broken_proofs(estimator) -> set:
    """The derivations about ``estimator`` (a planted copy) that no longer prove."""
    return {d.name for d in derivations_about_estimator(estimator) if first_failure(d) is not None}


def failing_report(name, implementation, space, options):
    """The check of a planted implementation, claim or space, asserted to fail with a counterexample."""
    from verify.checks.estimators import check_estimator

    r = check_estimator(name, implementation, space, **options)
    assert not r.passed, r.message()
    c = r.counterexample
    assert c["data"] and c["claimed"] != c["found"]
    return r


def _trace(A, probes, divide_by=None):
    forms = np.sum(probes * (probes @ A.T), axis=1)
    return np.sum(forms) / (divide_by if divide_by is not None else probes.shape[0])


# ---- Hutchinson: implementations ----
def hutchinson_m_minus_1(A, probes):
    """Divides by m − 1, the sample-variance denominator, instead of m (m = 1 divides by 1)."""
    return _trace(A, probes, max(probes.shape[0] - 1, 1))


def hutchinson_unit_probes(A, probes):
    """Normalises each probe to unit length: E[xxᵀ] = I/n, so it estimates tr(A)/n."""
    return _trace(A, probes / np.linalg.norm(probes, axis=1, keepdims=True))


def hutchinson_01_probes(A, probes):
    """Probes in {0, 1} (rng.integers(0, 2) used as signs without 2b − 1): E[xxᵀ] = (I + 11ᵀ)/4."""
    return _trace(A, (probes > 0).astype(probes.dtype))


def hutchinson_one_probe(A, probes):
    """Reuses the first probe m times: still unbiased, but the variance is not divided by m."""
    return _trace(A, np.repeat(probes[:1], probes.shape[0], axis=0))


def hutchinson_variance_of_A(A, m, probes="rademacher"):
    """The symmetric-A variance formula applied to A itself, not to S = (A + Aᵀ)/2 (a published library's bug)."""
    total = np.sum(A * A) - (np.sum(np.diag(A) ** 2) if probes == "rademacher" else 0.0)
    return 2 * total / m


# ---- Hutchinson: claims ----
def _variance_of_A(data, space, sizes):
    A, m = data["A"], sizes["m"]
    total = sum(a**2 for a in A) - (sum(A[i, i] ** 2 for i in range(A.shape[0])) if space == "rademacher" else 0)
    return 2 * total / m


HUTCHINSON_CLAIM_OF_A = dataclasses.replace(hutchinson.ESTIMATOR, variance=_variance_of_A)


# ---- minibatch: implementations ----
def minibatch_divides_by_N(G, batch):
    """Divides the batch's sum by N (the full-data mean's denominator) instead of B."""
    return np.sum(G[batch], axis=0) / G.shape[0]


def minibatch_unique(G, batch):
    """Averages the distinct indices only: right without replacement, wrong with repeats."""
    return np.mean(G[np.unique(batch)], axis=0)


# ---- minibatch: claims ----
def _sample_covariance_claim(data, space, sizes):
    """Σ with 1/(N − 1) (the sample covariance) in place of the population covariance (1/N)."""
    G, B = data["G"], sizes["B"]
    N = G.shape[0]
    sigma = minibatch.population_covariance(G) * sp.Rational(N, max(N - 1, 1))
    return sigma / B if space == "with_replacement" else sigma / B * sp.Rational(N - B, max(N - 1, 1))


def _no_correction_claim(data, space, sizes):
    """Without replacement claimed as Σ/B: the finite-population correction (N − B)/(N − 1) missing."""
    return minibatch.population_covariance(data["G"]) / sizes["B"]


MINIBATCH_SAMPLE_COVARIANCE = dataclasses.replace(minibatch.ESTIMATOR, variance=_sample_covariance_claim)
MINIBATCH_NO_CORRECTION = dataclasses.replace(minibatch.ESTIMATOR, variance=_no_correction_claim)
# Sampling with replacement labelled as without: the "without" space draws index tuples, the claim keeps the
# finite-population correction.
MINIBATCH_WITH_AS_WITHOUT = dataclasses.replace(minibatch.ESTIMATOR, spaces=(
    SampleSpace("without_replacement", "mislabelled: B independent indices",
                lambda sizes: index_tuples(sizes["N"], sizes["B"])),
    minibatch.ESTIMATOR.spaces[1]))


# ---- forward gradient: implementations (ĝ = (1/K) Σ_k (g·v_k) v_k, tangents the rows of V) ----
def forward_gradient_divides_by_norm(g, V):
    """Normalises by ‖v‖²: E[vvᵀ/‖v‖²] = I/n, so it estimates ∇f/n."""
    return ((V @ g) / np.sum(V * V, axis=1)) @ V / V.shape[0]


def forward_gradient_v_dot_v(g, V):
    """(v·v)v in place of (∇f·v)v: no gradient in it at all, mean 0."""
    return np.sum(V * V, axis=1) @ V / V.shape[0]


def forward_gradient_sums_tangents(g, V):
    """Sums the K tangents' estimates, forgetting to average: K·∇f."""
    return (V @ g) @ V


def forward_gradient_scaled_by_n(g, V):
    """Scales by the dimension n (as if E[vvᵀ] = I/n, the unit-sphere convention, for ±1 or Gaussian tangents)."""
    return V.shape[1] * (V @ g) @ V / V.shape[0]


def forward_gradient_one_tangent(g, V):
    """Reuses the first tangent K times: still unbiased, but the error is not divided by K."""
    return forward_gradient_sums_tangents(g, np.repeat(V[:1], V.shape[0], axis=0)) / V.shape[0]


# ---- forward gradient: claims ----
def _gaussian_covariance_everywhere(data, space, sizes):
    """The Gaussian covariance claimed for Rademacher tangents too: (n + 1)‖∇f‖² where v_i⁴ = 1 gives n − 1."""
    return forward_gradient.ESTIMATOR.variance(data, "gaussian", sizes)


FORWARD_GRADIENT_GAUSSIAN_CLAIM = dataclasses.replace(forward_gradient.ESTIMATOR,
                                                      variance=_gaussian_covariance_everywhere)


# ---- dropout: implementations (y = m ⊙ x / (1 − p), m the keep mask) ----
def dropout_scales_by_keep(x, mask, p):
    """Scales the kept units by (1 − p) instead of 1/(1 − p) (the inference-time convention of the original
    paper applied while training): E[y] = (1 − p)²x."""
    return np.where(mask != 0, x * (1 - p), 0.0)


def dropout_p_as_keep(x, mask, p):
    """Reads p as the keep probability: scales by 1/p (p = 0 guarded as 'keep all', so that the mean, not a
    division by zero, is what catches it)."""
    return np.where(mask != 0, x / (p if p > 0 else 1.0), 0.0)


def dropout_no_scaling(x, mask, p):
    """Masks without scaling: E[y] = (1 − p)x."""
    return np.where(mask != 0, x, 0.0)


# ---- dropout: claims and sample spaces ----
def _variance_unscaled(data, space, sizes):
    """Var[y_i] claimed as p(1 − p)x_i², the variance of the unscaled m_i x_i."""
    p = dropout._drop(data)
    return sp.diag(*[p * (1 - p) * v**2 for v in data["x"]])


def _keep_with_p(mask, sizes):
    """p read as the keep probability by the sample space: p^{#kept}(1 − p)^{#dropped}."""
    return dropout.mask_probability(mask, dict(sizes, p=1 - sizes["p"]))


DROPOUT_UNSCALED_VARIANCE = dataclasses.replace(dropout.ESTIMATOR, variance=_variance_unscaled)
DROPOUT_KEEP_WITH_P = dataclasses.replace(dropout.ESTIMATOR, spaces=(
    dataclasses.replace(dropout.ESTIMATOR.spaces[0], probability=_keep_with_p),))
