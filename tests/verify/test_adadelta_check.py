"""verify.check on Adadelta: our kernel passes under every convention, every planted bug is caught, and the
faithful copy raises no false alarm under 20 seeds."""
import numpy as np
import pytest
from adadelta_mutants import MUTANTS, adadelta, conventions_for

from derivations import rule
from kernels import adadelta_step
from verify import check
from verify.adapters.ours import kernel_for
from verify.checks.elementwise import without_shrinking

VARIANTS = list(rule("adadelta").variants())


@pytest.mark.parametrize("conventions", VARIANTS, ids=lambda c: ",".join(map(str, c.values())))
def test_numpy_kernel_passes_every_convention(conventions):
    report = check("adadelta", kernel_for("adadelta", conventions), conventions, examples=15)
    assert report.passed and report.examples >= 15
    assert report.worst_ratio <= 1.0


@pytest.mark.parametrize("mutation", MUTANTS)
def test_each_planted_bug_is_caught_with_default_settings(mutation):
    conv = conventions_for(mutation)
    with without_shrinking():
        report = check("adadelta", adadelta(mutation, **conv), conv, raise_on_failure=False)
    assert not report.passed, f"mutant {mutation} was not caught"
    assert "reference_step('adadelta'" in report.repro


@pytest.mark.parametrize("seed", range(20))
def test_no_false_alarm_under_20_seeds(seed):
    conv = VARIANTS[seed % len(VARIANTS)]
    assert check("adadelta", adadelta(None, **conv), conv, seed=seed, examples=20).passed


def test_zeilers_first_step_and_the_two_lr_positions():
    # from zero state, g = 2, ρ = 0.75, ε = 1/4: v = 1, Δ = √(1/4)/√(5/4)·2 = 2/√5, u = (1/4)·(4/5) = 1/5
    for lr_position, u_expected in (("outside_buffer", 0.2), ("inside_buffer", 0.2 * 0.25)):
        p, g, v, u = np.array([1.0]), np.array([2.0]), np.zeros(1), np.zeros(1)
        adadelta_step(p, g, v, u, 1, lr=0.5, rho=0.75, eps=0.25, lr_position=lr_position)
        assert v.tolist() == [1.0]
        assert p[0] == pytest.approx(1.0 - 0.5 * 2 / np.sqrt(5.0), rel=1e-15)
        assert u[0] == pytest.approx(u_expected, rel=1e-15)


def test_bad_arguments_are_rejected_before_anything_is_written():
    p, g, v, u = np.ones(3), np.ones(3), np.zeros(3), np.zeros(3)
    for kwargs in (dict(rho=1.0), dict(eps=0.0), dict(lr=0.0), dict(lr_position="nowhere"), dict(decay="l1")):
        with pytest.raises(ValueError):
            adadelta_step(p, g, v, u, 1, **kwargs)
    with pytest.raises(ValueError, match="u must be finite and >= 0"):
        adadelta_step(p, g, v, -np.ones(3), 1)
    assert p.tolist() == [1.0] * 3 and v.tolist() == [0.0] * 3 and u.tolist() == [0.0] * 3
