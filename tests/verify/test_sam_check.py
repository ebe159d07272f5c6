"""SAM / ASAM: our kernel against the exact reference on drawn quadratics (20 seeds), planted bugs, bad input."""
import functools

import numpy as np
import pytest
from sam_mutants import MUTANTS

from kernels.optimizers.sam import sam_perturbation, sam_step
from verify.checks.sam import check_sam


@pytest.mark.parametrize("adaptive", [False, True])
@pytest.mark.parametrize("seed", range(20))
def test_the_kernel_passes_under_twenty_seeds(seed, adaptive):
    passed, worst, counterexample, discarded = check_sam(functools.partial(sam_step, adaptive=adaptive),
                                                         adaptive=adaptive, examples=10, seed=seed)
    assert passed, counterexample
    assert 0 < worst <= 1 and discarded <= 2


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_every_planted_bug_is_caught(name):
    mutant, adaptive = MUTANTS[name]
    passed, worst, counterexample, _ = check_sam(mutant, adaptive=adaptive)
    assert not passed and worst > 1 and counterexample is not None, name


def test_the_perturbation_is_on_the_sphere_and_zero_at_a_stationary_point():
    w, g = np.array([1.0, -2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(sam_perturbation(w, g, 0.5), [0.3, 0.4], rtol=1e-15)
    np.testing.assert_array_equal(sam_perturbation(w, np.zeros(2), 0.5), [0.0, 0.0])


@pytest.mark.parametrize("bad, named", [
    (dict(lr=0.0), "lr"), (dict(rho=-1.0), "rho"), (dict(adaptive="yes"), "adaptive"), (dict(w=np.zeros((2, 2))), "w"),
    (dict(w=np.array([np.nan, 1.0])), "w"), (dict(gradient=lambda x: x[:1]), "gradient"),
])
def test_bad_input_is_a_value_error_naming_it(bad, named):
    args = dict(w=np.ones(2), gradient=lambda x: 2 * x, lr=0.1) | bad
    before = args["w"].copy()
    with pytest.raises(ValueError) as caught:
        sam_step(args.pop("w"), args.pop("gradient"), **args)
    assert str(caught.value).startswith(named), str(caught.value)
    if before.shape == (2,) and not np.isnan(before).any():
        np.testing.assert_array_equal(before, np.ones(2))


def test_optax_contrib_sam_as_documented_is_sam_with_the_ascent_perturbation():
    """optax's docstring recipe adv = chain(normalize(), sgd(rho)) takes ε̂ = +ρg/‖g‖ (optax negates the adversarial
    update internally); sgd(-rho) there would be the descent-side bug, and the check says so."""
    pytest.importorskip("optax")
    from verify.adapters.frameworks.optax_sam import optax_sam, optax_sam_ascent

    assert check_sam(optax_sam, examples=6)[0]
    assert not check_sam(optax_sam_ascent, examples=6)[0]
