"""NAdam's remembered product μ_1⋯μ_t gives the bits of the product taken from scratch, whatever order of steps
asks for it (consecutive steps, jumps back, other (β1, ψ) in between), and the memory stays bounded."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.optimizers.nadam import FLOAT_LOOP_UP_TO, MU_PRODUCT
from kernels.optimizers import nadam
from kernels.optimizers.nadam import _mu, running_product


def from_scratch(t, beta1, psi):
    """The product taken left to right from 1, as the kernel took it before it remembered: the rule's host product on
    floats, which is that loop up to FLOAT_LOOP_UP_TO (tests/verify/test_nadam_check.py holds the two equal)."""
    assert t <= FLOAT_LOOP_UP_TO
    return MU_PRODUCT._imp_(t, beta1, psi)


def resumed_one_factor_late(t, beta1, psi, memory):
    """A planted bug: continuing from a remembered (t0, product) at factor t0 + 2, so one factor is lost."""
    start, product = memory.get((beta1, psi), (0, 1.0))
    if start > t:
        start, product = 0, 1.0
    for i in range(start + 2 if start else 1, t + 1):
        product *= _mu(i, beta1, psi)
    memory[beta1, psi] = (t, product)
    return product


STEPS = st.lists(st.tuples(st.integers(1, 400), st.sampled_from((0.9, 0.5, 0.999, 0.3)),
                           st.sampled_from((4e-3, 1.0, 0.1))), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None, database=None)
@given(STEPS)
def test_the_remembered_product_has_the_bits_of_the_product_from_scratch(steps):
    nadam._PRODUCTS.clear()
    for t, beta1, psi in steps:
        assert running_product(t, beta1, psi) == from_scratch(t, beta1, psi)


def test_the_comparison_catches_a_product_that_loses_a_factor_when_resumed():
    memory = {}
    got = [resumed_one_factor_late(t, 0.9, 4e-3, memory) for t in (3, 4)]
    assert got[0] == from_scratch(3, 0.9, 4e-3)
    assert got[1] != from_scratch(4, 0.9, 4e-3)


def test_consecutive_steps_resume_and_a_step_back_starts_again():
    nadam._PRODUCTS.clear()
    running_product(10, 0.9, 4e-3)
    assert nadam._PRODUCTS[0.9, 4e-3] == (10, from_scratch(10, 0.9, 4e-3))
    assert running_product(3, 0.9, 4e-3) == from_scratch(3, 0.9, 4e-3)
    assert nadam._PRODUCTS[0.9, 4e-3][0] == 3


def test_the_memory_keeps_a_bounded_number_of_hyperparameter_pairs():
    nadam._PRODUCTS.clear()
    for beta1 in np.linspace(0.01, 0.99, 3 * nadam._PRODUCTS_KEPT):
        running_product(5, float(beta1), 4e-3)
    assert len(nadam._PRODUCTS) == nadam._PRODUCTS_KEPT
