"""verify.check on Adamax: our kernel passes under every convention, every planted bug is caught, and the
faithful copy raises no false alarm under 20 seeds."""
import pytest
from adamax_mutants import MUTANTS, adamax, conventions_for

from derivations import rule
from verify import check
from verify.adapters.ours import kernel_for
from verify.checks.elementwise import without_shrinking

VARIANTS = list(rule("adamax").variants())


@pytest.mark.parametrize("conventions", VARIANTS, ids=lambda c: ",".join(map(str, c.values())))
def test_numpy_kernel_passes_every_convention(conventions):
    report = check("adamax", kernel_for("adamax", conventions), conventions, examples=15)
    assert report.passed and report.examples >= 15
    assert report.worst_ratio <= 1.0


@pytest.mark.parametrize("mutation", MUTANTS)
def test_each_planted_bug_is_caught_with_default_settings(mutation):
    conv = conventions_for(mutation)
    with without_shrinking():
        report = check("adamax", adamax(mutation, **conv), conv, raise_on_failure=False)
    assert not report.passed, f"mutant {mutation} was not caught"
    assert "reference_step('adamax'" in report.repro


@pytest.mark.parametrize("seed", range(20))
def test_no_false_alarm_under_20_seeds(seed):
    conv = VARIANTS[seed % len(VARIANTS)]
    assert check("adamax", adamax(None, **conv), conv, seed=seed, examples=20).passed


def test_the_two_eps_placements_differ():
    # ε inside the max (torch, optax) and outside it (Keras) are different rules: each kernel fails the other's check
    inside, outside = ({"eps_mode": mode} for mode in ("inside_max", "outside_max"))
    assert not check("adamax", kernel_for("adamax", inside), outside, raise_on_failure=False).passed
    assert not check("adamax", kernel_for("adamax", outside), inside, raise_on_failure=False).passed
