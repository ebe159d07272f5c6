"""verify.check on Lion: our kernel passes under every convention, every planted bug is caught, and the
faithful copy raises no false alarm under 20 seeds."""
import numpy as np
import pytest
from lion_mutants import MUTANTS, conventions_for, lion

from derivations import rule
from kernels import lion_step
from verify import check
from verify.adapters.ours import kernel_for
from verify.checks.elementwise import without_shrinking

VARIANTS = list(rule("lion").variants())


@pytest.mark.parametrize("conventions", VARIANTS, ids=lambda c: ",".join(map(str, c.values())))
def test_numpy_kernel_passes_every_convention(conventions):
    report = check("lion", kernel_for("lion", conventions), conventions, examples=15)
    assert report.passed and report.examples >= 15
    assert report.worst_ratio <= 1.0


@pytest.mark.parametrize("mutation", MUTANTS)
def test_each_planted_bug_is_caught_with_default_settings(mutation):
    conv = conventions_for(mutation)
    with without_shrinking():
        report = check("lion", lion(mutation, **conv), conv, raise_on_failure=False)
    assert not report.passed, f"mutant {mutation} was not caught"
    assert "reference_step('lion'" in report.repro


@pytest.mark.parametrize("seed", range(20))
def test_no_false_alarm_under_20_seeds(seed):
    conv = VARIANTS[seed % len(VARIANTS)]
    assert check("lion", lion(None, **conv), conv, seed=seed, examples=20).passed


def test_sign_of_zero_is_zero():
    # c = 0 exactly (m = g = 0): the coordinate does not move (NumPy's, JAX's and Keras's sign(0) = 0)
    p, g, m = np.array([0.5, 0.5, 0.5]), np.array([0.0, 1.0, -1.0]), np.zeros(3)
    lion_step(p, g, m, 1, lr=0.25, beta2=0.5)
    assert p.tolist() == [0.5, 0.25, 0.75] and m.tolist() == [0.0, 0.5, -0.5]


def test_c_keeps_its_sign_where_m_dwarfs_g():
    # β1 = 0: c = g exactly; the form m + (1-β1)(g - m) would round g - m to -m and give c = 0
    p, g, m = np.array([0.0], np.float32), np.array([1e-6], np.float32), np.array([1e3], np.float32)
    lion_step(p, g, m, 1, lr=0.5, beta1=0.0)
    assert p.tolist() == [-0.5]
