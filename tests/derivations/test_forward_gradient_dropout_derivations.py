"""Forward gradient and dropout derivations: each proves, and a planted change in the estimator breaks exactly the
derivations whose claim it changes."""
import dataclasses

import estimator_mutants as M
import pytest
import sympy as sp

from derivations import DERIVATIONS, derivations_matching
from derivations.estimators import dropout, forward_gradient

NAMES = ["forward_gradient.unbiased", "forward_gradient.error_rademacher", "forward_gradient.error_gaussian",
         "forward_gradient.error_general", "dropout.moments", "dropout.stochastic_depth"]


@pytest.mark.parametrize("name", NAMES)
def test_derivation_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]


def test_families():
    assert [d.name for d in derivations_matching(["forward_gradient", "dropout"])] == NAMES


FG, DROPOUT = forward_gradient.ESTIMATOR, dropout.ESTIMATOR
CHANGES = {
    "forward gradient: Gaussian covariance claimed for Rademacher": (M.FORWARD_GRADIENT_GAUSSIAN_CLAIM,
                                                                     {"forward_gradient.error_rademacher"}),
    "forward gradient: statistic scaled by n": (
        dataclasses.replace(FG, statistic=lambda d, V: FG.statistic(d, V) * V.shape[1]),
        {"forward_gradient.unbiased", "forward_gradient.error_rademacher", "forward_gradient.error_gaussian"}),
    "forward gradient: (v·v)v": (
        dataclasses.replace(FG, statistic=lambda d, V: sum(((V[k, :] * V[k, :].T)[0] * V[k, :].T
                                                             for k in range(V.shape[0])), sp.zeros(V.shape[1], 1))),
        {"forward_gradient.unbiased", "forward_gradient.error_rademacher", "forward_gradient.error_gaussian"}),
    "forward gradient: statistic sums the tangents": (
        dataclasses.replace(FG, statistic=lambda d, V: FG.statistic(d, V) * V.shape[0]),
        {"forward_gradient.error_rademacher", "forward_gradient.error_gaussian"}),
    "dropout: unscaled variance claimed": (M.DROPOUT_UNSCALED_VARIANCE, {"dropout.moments"}),
    "dropout: p kept, not dropped": (M.DROPOUT_KEEP_WITH_P, {"dropout.moments", "dropout.stochastic_depth"}),
    "dropout: statistic scales by 1 − p": (
        dataclasses.replace(DROPOUT, statistic=lambda d, m: DROPOUT.statistic(d, m) * (1 - dropout._drop(d)) ** 2),
        {"dropout.moments", "dropout.stochastic_depth"}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_planted_change_breaks_its_proof(change):
    estimator, must_fail = CHANGES[change]
    assert M.broken_proofs(estimator) == must_fail


def test_stochastic_depth_schedule_values():
    assert dropout.linear_drop_rate(3, 12, sp.Rational(1, 2)) == sp.Rational(1, 8)
    assert sum(dropout.linear_drop_rate(k, 4, sp.Rational(1, 2)) for k in range(1, 5)) == sp.Rational(5, 4)
