"""Planted bugs in the estimators: implementations (one line changed from the kernel, written out so that the
change is visible) and claims (a copy of the estimator with one formula changed).  Each must be caught."""
from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp

from derivations.core.estimator import SampleSpace, index_tuples
from derivations.estimators import hutchinson, minibatch


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
