"""Gradient, steepest and coordinate descent: every derivation proves, and a planted change in a copy of a rule
(tests/planted/descent_mutants.py: RULE_MUTANTS) fails exactly the derivations whose claim it breaks."""
import pytest
import sympy as sp
from descent_mutants import RULE_MUTANTS
from rule_changes import first_failure

from derivations import DERIVATIONS, MATRIX_RULES, check_step, derivations_about
from derivations.optimizers import coordinate_descent, gradient_descent, steepest_descent

FAMILIES = ("gradient_descent", "steepest_descent", "coordinate_descent")
NAMES = sorted(n for n in DERIVATIONS if n.split(".")[0] in FAMILIES)


def test_the_families_are_registered_and_about_their_rules():
    assert NAMES == ["coordinate_descent.bad_case", "coordinate_descent.gauss_seidel",
                     "coordinate_descent.rotation_witness", "gradient_descent.rates",
                     "gradient_descent.rotation_invariance", "gradient_descent.standardisation_witness",
                     "steepest_descent.directions", "steepest_descent.line_search",
                     "steepest_descent.seed_ratio_witness"]
    for module in (gradient_descent, steepest_descent, coordinate_descent):
        assert MATRIX_RULES[module.RULE.name] is module.RULE and module.RULE.shape == "matrix"
    assert all(DERIVATIONS[n].rule == n.split(".")[0] for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_descent_derivation_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]


@pytest.mark.parametrize("label", sorted(RULE_MUTANTS))
def test_a_planted_change_fails_exactly_the_proofs_it_breaks(label):
    mutant, expected = RULE_MUTANTS[label]
    first = {d.name: first_failure(d) for d in derivations_about(mutant)}
    failed = {name for name, r in first.items() if r is not None}
    assert failed == expected, {name: r.message for name, r in first.items() if r is not None}


def test_the_witnesses_say_what_the_notes_get_wrong():
    claim = DERIVATIONS["gradient_descent.standardisation_witness"].claim
    assert "raise κ" in claim
    assert gradient_descent.WITNESS_BOUNDS[1] / gradient_descent.WITNESS_BOUNDS[0] == 152


def test_rule_axes_and_defaults():
    assert gradient_descent.RULE.conventions() == {"step": "fixed"}
    assert steepest_descent.RULE.conventions() == {"norm": "l2", "step": "fixed"}
    assert coordinate_descent.RULE.conventions() == {"order": "cyclic", "block": "single"}
    assert len(list(steepest_descent.RULE.variants())) == 6
    assert not gradient_descent.RULE.hyperparameter("momentum").contains(1.0)


def test_the_standardisation_witness_fails_where_standardising_does_not_raise_kappa(monkeypatch):
    """Planted witness data: C = diag(50, 1, 1) standardises to R = I (κ = 1 < κ(C)); the bounds on C still hold,
    so exactly the κ(R) > κ(C) step fails."""
    monkeypatch.setattr(gradient_descent, "WITNESS_C", sp.diag(50, 1, 1))
    failed = [s.name for s in gradient_descent.whitening().steps if not check_step(s).ok]
    assert failed == ["κ(R) ≥ ratio of two Rayleigh quotients of R > 152 ≥ κ(C)"]
