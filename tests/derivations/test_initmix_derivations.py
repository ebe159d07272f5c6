"""Mixup, label smoothing, initialisation and bias–variance Monte Carlo derivations: each proves, and a planted
change to the estimator or convention object breaks exactly the derivations whose claim it changes."""
import initmix_mutants as M
import pytest

from derivations import DERIVATIONS, derivations_matching
from derivations.estimators import bias_variance_mc, initialization, label_smoothing, mixup

NAMES = ["mixup.linearity", "mixup.beta_moments", "mixup.moments", "label_smoothing.all", "label_smoothing.others",
         "initialization.variances", "initialization.relu_gain", "initialization.truncated_normal",
         "bias_variance_mc.unbiased", "bias_variance_mc.ridge_variance"]


@pytest.mark.parametrize("name", NAMES)
def test_derivation_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]


def test_families():
    assert [d.name for d in derivations_matching(["mixup", "label_smoothing", "initialization",
                                                  "bias_variance_mc"])] == NAMES


def _broken(builders, obj):
    return {name for name, build in builders.items() if not build(obj).check().ok}


MIXUP = {name: b for name, b in mixup.BUILDERS.items() if name != "mixup.beta_moments"}  # beta_moments reads no estimator
CHANGES = {
    "mixup: λ not mixed into the labels": (MIXUP, M.MIXUP_NOT_MIXED, {"mixup.linearity", "mixup.moments"}),
    "mixup: uniform Var[λ] = 1/12 claimed": (MIXUP, M.MIXUP_UNIFORM_VARIANCE, {"mixup.moments"}),
    "label smoothing: ε/(K − 1) in the 'all' form": ({"label_smoothing.all": label_smoothing.smoothing_all},
                                                     M.SMOOTHING_EPS_OVER_K_MINUS_1, {"label_smoothing.all"}),
    "He: gain missing from the claim": ({"initialization.variances": lambda he: initialization.variances((he,)),
                                         "initialization.relu_gain": initialization.relu_gain},
                                        M._he_without_gain(), {"initialization.variances", "initialization.relu_gain"}),
    "He uniform: bound from fan_out": ({"initialization.variances": lambda he: initialization.variances((he,))},
                                       M._he_fan_out(), {"initialization.variances"}),
    "bias–variance MC: the models' spread over R (n vs n − 1)": (
        {"bias_variance_mc.unbiased": bias_variance_mc.unbiased}, M._bvmc_estimator(M._statistic_over_R),
        {"bias_variance_mc.unbiased"}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_planted_change_breaks_its_proof(change):
    builders, obj, must_fail = CHANGES[change]
    assert _broken(builders, obj) == must_fail


def test_others_is_all_with_a_rescaled_eps():
    """The 'others' convention proved against ALL; against itself the rescaling step must fail."""
    d = label_smoothing.smoothing_others(reference=label_smoothing.OTHERS).check()
    assert {s.step.name.split(" (")[0] for s in d.failed_steps} == {"others with ε equals all with εK/(K − 1)"}


def test_claimed_variance_reads_the_layouts():
    import sympy as sp

    assert initialization.fans((8, 4, 3, 3), "torch") == (36, 72)
    assert initialization.fans((3, 3, 4, 8), "keras") == (36, 72)
    assert initialization.claimed_variance((30, 70), "fan_avg", "torch", 1) == sp.Rational(1, 50)
    assert initialization.claimed_variance((30, 70), "fan_in", "keras", 2) == sp.Rational(1, 15)
