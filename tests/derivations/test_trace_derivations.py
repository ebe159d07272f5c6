"""Hutch++, XTrace and Lanczos derivations prove, and a planted change to the estimator breaks the right ones."""
from __future__ import annotations

import pytest

from derivations import DERIVATIONS
from derivations.estimators import hutchpp, lanczos, xtrace
from tests.planted import trace_mutants as mut

NAMES = [*hutchpp.BUILDERS, *xtrace.BUILDERS, *lanczos.BUILDERS]


@pytest.mark.parametrize("name", NAMES)
def test_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.step.name for s in result.failed_steps]


def test_registered():
    from derivations import ESTIMATORS

    assert {"hutchpp", "xtrace"} <= set(ESTIMATORS)


def _fails(build, estimator) -> bool:
    return not build(estimator).check().ok


def test_missing_projection_breaks_unbiasedness():
    assert _fails(hutchpp.unbiased, mut.HUTCHPP_NO_PROJECTION)


def test_claims_planted_break_their_proofs():
    assert _fails(hutchpp.variance, mut.HUTCHPP_WRONG_VARIANCE)
    assert _fails(hutchpp.unbiased, mut.HUTCHPP_WRONG_MEAN)


def test_power_iteration_limit_is_the_dominant_eigenvalue():
    """The witness: power iteration's limit is λ_min = −3 on eig (−3, 1, 2); claiming λ_max = 2 would fail."""
    d = DERIVATIONS["lanczos.power_vs_lanczos"]
    assert d.steps[0].rhs == -3 and d.steps[1].rhs == 2
