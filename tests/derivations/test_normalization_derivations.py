"""The normalisation statistics' derivations prove, and a planted change to the estimator's claim, the normalising
map or the running average makes the derivation about it fail."""
import normalization_mutants as M
import pytest

from derivations import DERIVATIONS, ESTIMATORS
from derivations.estimators import normalization as N


@pytest.mark.parametrize("name", sorted(N.BUILDERS))
def test_derivation_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, result


def test_registered_with_an_alias():
    assert "batch_statistics" in ESTIMATORS
    from derivations.registry import derivations_matching

    assert {d.name for d in derivations_matching(["normalization"])} == set(N.BUILDERS)


def test_claim_that_sigma_b_is_unbiased_is_caught():
    """The claim E[σ_B²] = σ² breaks the moments derivation (which compares the enumeration with the claim)."""
    result = N.moments(M.STATISTICS_CLAIM_UNBIASED).check()
    assert not result.ok and all("mean" in s.step.name for s in result.failed_steps)


def test_eps_outside_breaks_the_output_variance():
    assert not N.output_moments(normalise=M.normalize_eps_outside, batches=(2,)).check().ok


def test_swapped_momentum_breaks_the_running_average():
    assert not N.running_average(update=M.running_update_swapped).check().ok
