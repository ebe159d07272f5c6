"""Linear CG: our kernel and scipy's cg against the exact per-iteration reference, and planted bugs."""
from fractions import Fraction

import numpy as np
import pytest
from matrix_mutants import CG_MUTANTS

from derivations.optimizers import conjugate_gradient
from kernels.optimizers.cg import cg
from verify.adapters import peers
from verify.adapters.frameworks.scipy_cg import CHECK_OPTIONS, scipy_cg
from verify.checks.matrix import MATRIX_RULES, check_matrix, kernel_for
from verify.strategies.objectives import Objective, oracle

VARIANTS = list(MATRIX_RULES["cg"].variants())


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("conventions", VARIANTS, ids=lambda c: f"{c['beta']}-{c['alpha']}-{c['gradient']}")
def test_the_kernel_passes_every_convention_with_no_false_alarm(conventions, seed):
    report = check_matrix("cg", conventions=conventions, examples=30, seed=seed)
    assert report.passed, report.message()
    assert report.examples >= 25


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scipy_cg_is_fletcher_reeves_with_the_residual_recurrence(seed):
    pytest.importorskip("scipy")
    conventions = dict(beta="fletcher_reeves", alpha="residual_norm", gradient="recursive")
    report = check_matrix("cg", scipy_cg, conventions, examples=40, seed=seed, **CHECK_OPTIONS)
    assert report.passed, report.message()


def test_the_crosscheck_finds_scipys_convention_by_running_it():
    pytest.importorskip("scipy")
    (peer,) = [p for p in peers.peers_of("scipy") if p.rule == "cg"]
    found = peers.survey(peer, examples=15)
    assert found.matched and len(found.reports) == len(VARIANTS)
    # Fletcher-Reeves and the residual recurrence are found; α's two forms agree whenever gᵀd_(t-1) = 0,
    # which CG keeps to rounding, so the check cannot tell them apart on scipy's runs (both listed)
    assert found.summary() == dict(beta="fletcher_reeves", alpha=["line_search", "residual_norm"],
                                   gradient="recursive", first_step="zero")


def test_a_peer_that_breaks_the_rule_matches_nothing():
    broken = peers.Peer("planted", "β inverted", "cg", "matrix_mutants", "cg_beta_inverted", "numpy")
    found = peers.survey(broken, examples=15)
    assert not found.matched and found.counterexample is not None and not found.counterexample.passed
    # the variants were surveyed without shrinking; the closest one's counterexample is shrunk, as a check gives it
    alone = check_matrix("cg", broken.load(), found.closest, examples=15, name=broken.label)
    assert found.counterexample.counterexample == alone.counterexample


@pytest.mark.parametrize("name", sorted(CG_MUTANTS))
def test_every_planted_bug_is_caught_with_default_settings(name):
    report = check_matrix("cg", CG_MUTANTS[name])
    assert not report.passed, name


def test_the_literal_algorithm_2_is_caught_at_its_first_direction():
    report = check_matrix("cg", CG_MUTANTS["Algorithm 2 literally (g_0 = 0: β_1 = ‖g_1‖²/0)"])
    assert "d_1 is not finite" in report.counterexample["problem"]
    assert report.counterexample["iteration"] == 1


def test_n_iterations_reach_the_solution():
    F = Fraction
    quad = Objective("quadratic", "float64", A=((F(4), F(1)), (F(1), F(3))), b=(F(1), F(2)))
    x, seen = cg(np.zeros(2), iterations=2, history=True, **oracle(quad))
    assert np.allclose(x, np.linalg.solve([[4, 1], [1, 3]], [1, 2]), rtol=1e-14)
    assert len(seen) == 2 and np.dot(seen[1][2], np.array([[4, 1], [1, 3]]) @ seen[0][2]) == pytest.approx(0, abs=1e-15)


@pytest.mark.parametrize("bad", [dict(beta="hestenes"), dict(iterations=-1), dict(gradient="stale")])
def test_bad_arguments_are_value_errors(bad):
    quad = Objective("quadratic", "float64", A=((Fraction(1),),), b=(Fraction(1),))
    with pytest.raises(ValueError):
        cg(np.zeros(1), **{"iterations": 1, **bad}, **oracle(quad))


def test_the_rule_and_its_family_name():
    rule = MATRIX_RULES["cg"]
    assert rule.conventions()["first_step"] == "zero" and len(VARIANTS) == 8
    assert conjugate_gradient.ALIASES == {"conjugate_gradient": "cg"}
    assert kernel_for("cg", {"beta": "polak_ribiere"}).conv["beta"] == "polak_ribiere"
