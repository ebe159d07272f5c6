"""Estimators: the kernels pass the exact and statistical checks, every planted mutant (implementation, claim or
sample space) is caught, and a planted change in an estimator breaks its derivations."""
import dataclasses

import estimator_mutants as M
import numpy as np
import pytest

from derivations import DERIVATIONS, ESTIMATORS
from derivations.estimators.hutchinson import ESTIMATOR as HUTCHINSON
from kernels import epoch_batches, hutchinson_trace, hutchinson_variance, minibatch_gradient, rademacher_probes
from verify.checks.estimators import check_all, check_estimator, check_exact, check_statistical, claimed_moments

HERE = ("hutchinson", "minibatch_gradient")  # the others have test files of their own
ESTIMATOR_DERIVATIONS = [n for n in DERIVATIONS if n.split(".")[0] in HERE + ("forward_gradient", "dropout")]


def test_registry():
    from verify.checks.estimators import BINDINGS

    assert set(HERE) <= set(ESTIMATORS)
    assert set(ESTIMATORS) == set(BINDINGS)  # every estimator can be checked, and nothing else is bound
    assert len(ESTIMATOR_DERIVATIONS) == 12  # forward gradient and dropout: tests/verify/test_forward_gradient_dropout.py


@pytest.mark.parametrize("name", ESTIMATOR_DERIVATIONS)
def test_derivations_prove(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]


def test_kernels_pass_every_check():
    reports = check_all(["hutchinson", "minibatch_gradient"])
    assert [(r.estimator, r.space, r.mode) for r in reports] == [
        ("hutchinson", "rademacher", "exact"), ("hutchinson", "gaussian", "statistical"),
        ("minibatch_gradient", "without_replacement", "exact"), ("minibatch_gradient", "with_replacement", "exact")]
    for r in reports:
        assert r.passed, r.message()
        assert r.worst_ratio <= 1 and r.examples > 0
        assert r.as_dict()["passed"] is True


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_statistical_check_no_false_alarm_under_other_seeds(seed):
    r = check_statistical("hutchinson", seed=seed, examples=4, replications=2000)
    assert r.passed, r.message()


# (implementation, space, keyword arguments) that must fail
IMPLEMENTATION_MUTANTS = {
    "hutchinson: divides by m-1 (exact)": ("hutchinson", M.hutchinson_m_minus_1, "rademacher", {}),
    "hutchinson: divides by m-1 (statistical)": ("hutchinson", M.hutchinson_m_minus_1, "gaussian", {}),
    "hutchinson: unit-norm probes (exact)": ("hutchinson", M.hutchinson_unit_probes, "rademacher", {}),
    "hutchinson: unit-norm probes (statistical)": ("hutchinson", M.hutchinson_unit_probes, "gaussian", {}),
    "hutchinson: {0,1} probes": ("hutchinson", M.hutchinson_01_probes, "rademacher", {}),
    "hutchinson: one probe reused (exact)": ("hutchinson", M.hutchinson_one_probe, "rademacher", {}),
    "hutchinson: one probe reused (statistical)": ("hutchinson", M.hutchinson_one_probe, "gaussian", {}),
    "hutchinson: variance formula of A, not S": ("hutchinson", hutchinson_trace, "rademacher",
                                                 dict(variance=M.hutchinson_variance_of_A)),
    "hutchinson: variance formula of A, not S (gaussian)": ("hutchinson", hutchinson_trace, "gaussian",
                                                            dict(variance=M.hutchinson_variance_of_A)),
    "minibatch: divides by N": ("minibatch_gradient", M.minibatch_divides_by_N, "without_replacement", {}),
    "minibatch: drops repeated indices": ("minibatch_gradient", M.minibatch_unique, "with_replacement", {}),
    # claims and sample spaces, with our (correct) kernels
    "hutchinson claim: symmetric formula on A": ("hutchinson", None, "rademacher",
                                                 dict(estimator=M.HUTCHINSON_CLAIM_OF_A)),
    "minibatch claim: Σ with 1/(N-1)": ("minibatch_gradient", None, "with_replacement",
                                        dict(estimator=M.MINIBATCH_SAMPLE_COVARIANCE)),
    "minibatch claim: no finite-population correction": ("minibatch_gradient", None, "without_replacement",
                                                         dict(estimator=M.MINIBATCH_NO_CORRECTION)),
    "minibatch: with replacement labelled without": ("minibatch_gradient", None, "without_replacement",
                                                     dict(estimator=M.MINIBATCH_WITH_AS_WITHOUT)),
}


@pytest.mark.parametrize("mutant", IMPLEMENTATION_MUTANTS)
def test_mutant_caught(mutant):
    r = M.failing_report(*IMPLEMENTATION_MUTANTS[mutant])
    assert "minimal counterexample" in r.message() and r.as_dict()["passed"] is False


def test_counterexample_is_minimal_and_exact():
    r = check_exact("hutchinson", hutchinson_trace, "rademacher", estimator=M.HUTCHINSON_CLAIM_OF_A)
    c = r.counterexample
    assert c["sizes"] == {"n": 2, "m": 1}  # the smallest non-symmetric A
    assert c["what"] == "variance" and c["claimed"] == [["1/8"]] and c["found"] == [["1/16"]]
    assert "import hutchinson_trace" in c["repro"]


# A planted change in the estimator breaks exactly the derivations whose claim it changes.
DERIVATION_MUTANTS = {
    "variance of A, not S": (M.HUTCHINSON_CLAIM_OF_A, {"hutchinson.variance_rademacher", "hutchinson.variance_gaussian"}),
    "statistic divides by m+1": (dataclasses.replace(HUTCHINSON, statistic=lambda d, X: HUTCHINSON.statistic(d, X)
                                                     * X.shape[0] / (X.shape[0] + 1)),
                                 {"hutchinson.unbiased", "hutchinson.variance_rademacher",
                                  "hutchinson.variance_gaussian"}),
    "Σ with 1/(N-1)": (M.MINIBATCH_SAMPLE_COVARIANCE, {"minibatch_gradient.covariance"}),
    "no finite-population correction": (M.MINIBATCH_NO_CORRECTION, {"minibatch_gradient.covariance"}),
    "with replacement labelled without": (M.MINIBATCH_WITH_AS_WITHOUT,
                                          {"minibatch_gradient.covariance", "minibatch_gradient.sqrt_scaling"}),
}


@pytest.mark.parametrize("mutant", DERIVATION_MUTANTS)
def test_planted_change_breaks_its_proof(mutant):
    estimator, must_fail = DERIVATION_MUTANTS[mutant]
    assert M.broken_proofs(estimator) == must_fail


def test_claims_at_a_known_example():
    A = [[1, 2], [0, 3]]  # S = [[1, 1], [1, 3]]
    from fractions import Fraction as F
    data = dict(A=[[F(v) for v in row] for row in A])
    assert claimed_moments(HUTCHINSON, data, dict(n=2, m=1), "rademacher") == (4, 4)  # 2·(2·1²)
    assert claimed_moments(HUTCHINSON, data, dict(n=2, m=2), "gaussian") == (4, 12)  # 2·(1+1+1+9)/2
    assert float(hutchinson_variance(np.array(A, dtype=float), 1)) == 4.0


def test_kernels_take_randomness_as_arguments():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    probes = rademacher_probes(rng.integers(0, 2, (3, 4)))
    assert set(np.unique(probes)) <= {-1.0, 1.0}
    assert hutchinson_trace(A, probes) == pytest.approx(hutchinson_trace(lambda v: A @ v, probes))
    assert 4 * hutchinson_trace(A, np.eye(4)) == pytest.approx(np.trace(A))  # Σ e_iᵀAe_i, the seed's exact form
    G = rng.standard_normal((7, 2))
    batches = epoch_batches(rng.permutation(7), 3, drop_last=True)
    assert [len(b) for b in batches] == [3, 3]
    assert np.allclose(minibatch_gradient(G, batches[0]), G[batches[0]].mean(axis=0))


@pytest.mark.parametrize("call, match", [
    (lambda: hutchinson_trace(np.eye(3), np.ones((2, 4))), "A has shape .3, 3. but an n×n matrix"),
    (lambda: hutchinson_trace(np.eye(4, dtype=np.float32), np.ones((2, 4))), "A has dtype float32"),
    (lambda: hutchinson_trace([[1.0]], np.ones((2, 1))), "A must be a NumPy or CuPy array"),
    (lambda: hutchinson_trace(np.eye(3), np.ones(3)), "probes"),
    (lambda: hutchinson_trace(np.eye(2), np.array([[np.nan, 1.0]])), "probes"),
    (lambda: rademacher_probes(np.array([0, 2])), "bits"),
    (lambda: hutchinson_variance(np.eye(2), 0), "m"),
    (lambda: minibatch_gradient(np.ones((3, 2)), np.array([3])), "batch"),
    (lambda: minibatch_gradient(np.ones((3, 2)), np.array([], dtype=int)), "batch"),
    (lambda: epoch_batches(np.array([0, 0, 1]), 2), "permutation"),
])
def test_kernels_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_continuous_space_is_not_enumerated():
    with pytest.raises(ValueError, match="continuous"):
        check_exact("hutchinson", hutchinson_trace, "gaussian")
    with pytest.raises(KeyError, match="no sample space"):
        check_estimator("hutchinson", hutchinson_trace, "uniform")
