"""MAML: our meta-gradient (second and first order) against the exact reference on drawn quadratic tasks (20 seeds),
planted bugs, bad input."""
import functools

import numpy as np
import pytest
from maml_mutants import MUTANTS

from kernels.optimizers.maml import maml_meta_gradient
from verify.checks.maml import check_maml


@pytest.mark.parametrize("first_order", [False, True])
@pytest.mark.parametrize("seed", range(20))
def test_the_kernel_passes_under_twenty_seeds(seed, first_order):
    passed, worst, counterexample = check_maml(functools.partial(maml_meta_gradient, first_order=first_order),
                                               first_order=first_order, examples=8, seed=seed)
    assert passed and 0 < worst <= 1, counterexample


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_every_planted_bug_is_caught(name):
    mutant, first_order = MUTANTS[name]
    passed, worst, counterexample = check_maml(mutant, first_order=first_order)
    assert not passed and worst > 1 and counterexample is not None, name


def test_one_quadratic_task_by_hand():
    A, b = np.diag([2.0, 1.0]), np.array([1.0, 0.0])
    tasks = [(lambda x: A @ x + b, lambda x, v: A @ v)]
    # θ = 0, α = 1/4: θ' = (-1/4, 0), ∇L(θ') = (1/2, 0); (I - αA)∇L(θ') = (1/4, 0)
    np.testing.assert_array_equal(maml_meta_gradient(np.zeros(2), tasks, alpha=0.25), [0.25, 0.0])
    np.testing.assert_array_equal(maml_meta_gradient(np.zeros(2), tasks, alpha=0.25, first_order=True), [0.5, 0.0])


@pytest.mark.parametrize("bad, named", [
    (dict(alpha=0.0), "alpha"), (dict(first_order="no"), "first_order"), (dict(tasks=[]), "tasks"),
    (dict(theta=np.array([np.inf, 0.0])), "theta"), (dict(theta=np.zeros((2, 1))), "theta"),
])
def test_bad_input_is_a_value_error_naming_it(bad, named):
    args = dict(theta=np.zeros(2), tasks=[(lambda x: x, lambda x, v: v)], alpha=0.1) | bad
    with pytest.raises(ValueError) as caught:
        maml_meta_gradient(args.pop("theta"), args.pop("tasks"), **args)
    assert str(caught.value).startswith(named), str(caught.value)
