"""LARS's derivations prove the rule itself: they hold for the rule, and a planted change in a copy of the rule
(tests/planted/lars_mutants.py: RULE_MUTANTS) fails exactly the derivations whose claim it breaks."""
import dataclasses

import pytest
import sympy as sp
from lars_mutants import RULE_MUTANTS
from rule_changes import first_failure

from derivations import DERIVATIONS, REDUCTION_RULES, derivations_about
from derivations.core.reduction import ReductionRule, norm, vector
from derivations.optimizers import lars

NAMES = sorted(n for n in DERIVATIONS if n.startswith("lars."))


def test_the_family_is_registered_and_about_the_rule():
    assert NAMES == ["lars.decay_bound", "lars.relative_step", "lars.scale_invariance", "lars.zero_norm"]
    assert REDUCTION_RULES["lars"] is lars.RULE and lars.RULE.shape == "reduction"
    assert all(DERIVATIONS[n].rule == "lars" for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_lars_derivation_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]


@pytest.mark.parametrize("label", sorted(RULE_MUTANTS))
def test_a_planted_change_fails_exactly_the_proofs_it_breaks(label):
    mutant, expected = RULE_MUTANTS[label]
    first = {d.name: first_failure(d) for d in derivations_about(mutant)}
    failed = {name for name, r in first.items() if r is not None}
    assert failed == expected, {name: r.message for name, r in first.items() if r is not None}


def test_the_rule_reads_like_optax_by_default():
    rule = lars.RULE
    assert rule.conventions() == dict(trust_denominator="update_norm", zero_norm="ratio_one",
                                      lr_position="inside_buffer", nesterov=False)
    assert len(list(rule.variants())) == 8
    assert not {a.name for a in rule.axes} & {h.name for h in rule.hyperparameters}
    assert rule.hyperparameter("trust_coefficient").default == 0.001 and rule.hyperparameter("eps").default == 0.0
    assert not rule.hyperparameter("momentum").contains(1.0) and not rule.hyperparameter("lr").contains(0.0)


def test_one_step_on_numbers():
    # w = (3, 4), g = (0, 1): ‖w‖ = 5, ‖g‖ = 1, r = tc·5; with buf = (1, 0), μ = 1/2, lr = 1/10, tc = 1/5
    w, g, buf = sp.Matrix([3, 4]), sp.Matrix([0, 1]), sp.Matrix([1, 0])
    hyper = dict(lr=sp.Rational(1, 10), trust_coefficient=sp.Rational(1, 5), weight_decay=0, eps=0,
                 momentum=sp.Rational(1, 2))
    out = lars.RULE.update(dict(w=w, g=g, buf=buf), hyper)
    assert out["ratio"] == 1 and out["buf"] == sp.Matrix([sp.Rational(1, 2), sp.Rational(1, 10)])
    assert out["w"] == w - out["buf"]
    outside = lars.RULE.update(dict(w=w, g=g, buf=buf), hyper, lr_position="outside_buffer", nesterov=True)
    assert outside["buf"] == sp.Matrix([sp.Rational(1, 2), 1])
    assert outside["w"] == w - sp.Rational(1, 10) * (sp.Rational(1, 2) * outside["buf"] + sp.Matrix([0, 1]))


def test_a_reduction_rule_checks_its_arguments():
    with pytest.raises(ValueError, match="needs the vectors"):
        lars.RULE.update(dict(w=vector("w", 2), g=vector("g", 2)))
    with pytest.raises(ValueError, match="not one of"):
        lars.RULE.update(dict(w=vector("w", 2), g=vector("g", 2), buf=vector("b", 2)), trust_denominator="global")
    assert norm(sp.Matrix([3, 4])) == 5
    assert isinstance(dataclasses.replace(lars.RULE, name="copy"), ReductionRule)


def test_the_unchanged_rule_proves_everything_about_it():
    failed = {d.name for d in derivations_about(lars.RULE) if not d.check().ok}
    assert not failed
