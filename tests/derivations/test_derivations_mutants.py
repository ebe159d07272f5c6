"""A derivation about a rule proves that rule: plant a change in a copy of the rule, rebuild the derivations
from the copy, and exactly those whose claim the change breaks fail.  A proof that restated the formula in
its own symbols would pass here, and this test would catch it."""
import dataclasses

import pytest
import sympy as sp
from adadelta_mutants import RULE_MUTANTS as ADADELTA_MUTANTS
from adamax_mutants import RULE_MUTANTS as ADAMAX_MUTANTS
from lars_mutants import RULE_MUTANTS as LARS_MUTANTS
from lion_mutants import RULE_MUTANTS as LION_MUTANTS
from nadam_mutants import RULE_MUTANTS as NADAM_MUTANTS
from radam_mutants import RULE_MUTANTS as RADAM_MUTANTS
from rule_changes import changes_anything, first_failure, ignoring, planted

from derivations import DERIVATIONS, MATRIX_RULES, RULES, derivations_about
from derivations.core.rule import FIRST_STEP, STEP, sym

alpha, tau, mu, b1, b2 = (sym(n) for n in ("alpha", "dampening", "momentum", "beta1", "beta2"))
v, gavg, buf = sym("v"), sym("gavg"), sym("buf")
EMA, SGD, RMSPROP, ADAM, ADAGRAD = (RULES[n] for n in ("ema", "sgd", "rmsprop", "adam", "adagrad"))
g, p, wd = sym("g"), sym("p"), sym("weight_decay")

# mutant: (the changed copy, the derivations that must fail; every other one about the rule must still prove)
MUTANTS = {
    "ema: v without (1-α)": (planted(EMA, "v", 1 - alpha, 1),
                             {"ema.closed_form", "ema.weight_sum", "ema.stationary_mean", "ema.mean_age",
                              "ema.stationary_variance", "ema.polyak_mean", "ema.first_sample_unbiased"}),
    "ema: the first sample weighted 1-α (init=first_sample ignored)": (
        planted(EMA, "v", FIRST_STEP, 0), {"ema.first_sample_unbiased"}),
    "ema: debiased by 1-α^(t+1)": (planted(EMA, "average", alpha**STEP, alpha ** (STEP + 1)),
                                   {"ema.stationary_mean"}),
    "sgd: buffer without dampening": (planted(SGD, "buf", 1 - tau, 1), {"sgd.momentum_forms"}),
    "sgd: lr always outside the buffer": (ignoring(SGD, lr_position="outside_buffer"),
                                          {"sgd.momentum_forms", "sgd.lr_position_witness"}),
    "sgd: Nesterov looks ahead by buf, not α·buf": (planted(SGD, "p", mu * buf, buf), {"sgd.nesterov_lookahead"}),
    "sgd: L2 decay of the gradient, λ·g, not λ·p": (planted(SGD, "buf", wd * p, wd * g), {"sgd.decay_forms"}),
    "sgd: the gradient enters the buffer times τ, not 1-τ": (
        planted(SGD, "buf", 1 - tau, tau),
        {"sgd.decay_forms", "sgd.linear_scaling", "sgd.lr_position_witness", "sgd.momentum_forms",
         "sgd.nesterov_lookahead"}),
    "rmsprop: centered without the ḡ² term": (planted(RMSPROP, "buf", v - gavg**2, v), {"rmsprop.centered_variance"}),
    "rmsprop: ḡ without (1-ρ)": (planted(RMSPROP, "gavg", 1 - alpha, 1), {"rmsprop.centered_variance"}),
    "adam: v without (1-β2)": (planted(ADAM, "v", 1 - b2, 1),
                               {"adam.closed_form", "adam.unbiased_moments", "adam.scale_invariance",
                                "adam.step_bound", "adam.decay_forms"}),
    "adam: m corrected by 1-β1^(t-1)": (planted(ADAM, "p", b1**STEP, b1 ** (STEP - 1)),
                                        {"adam.unbiased_moments", "adam.correction_vanishes", "adam.folded_epsilon",
                                         "adam.scale_invariance", "adam.step_bound", "adam.decay_forms"}),
    "adam: decoupled decay ignored": (ignoring(ADAM, decay="none"), {"adam.decay_forms"}),
    "adam: uncorrected ε without the √(1-β2^t) fold": (planted(ADAM, "p", sp.sqrt(1 - b2**STEP), 1),
                                                      {"adam.folded_epsilon"}),
    "adagrad: G ← G + g, not g²": (planted(ADAGRAD, "G", g**2, g),
                                  {"adagrad.closed_form", "adagrad.rate_nonincreasing", "adagrad.rate_limit"}),
    "adagrad: lr decayed by t, not t-1": (planted(ADAGRAD, "p", STEP - 1, STEP), {"adagrad.rate_nonincreasing"}),
    "adagrad: ε always outside √": (ignoring(ADAGRAD, eps_mode="outside_sqrt"), {"adagrad.rate_nonincreasing"}),
}


def matrix_planted(rule, output: str, change):
    """A copy of matrix rule ``rule`` whose ``output`` is replaced by ``change(outputs)``."""
    def build(conv, x, oracle, state, first, hyper):
        built = dict(rule.build(conv, x, oracle, state, first, hyper))
        return tuple((name, change(built) if name == output else value) for name, value in built.items())

    return dataclasses.replace(rule, build=build)


NEWTON, CG = (MATRIX_RULES[n] for n in ("newton", "cg"))
MATRIX_MUTANTS = {
    "newton: x + Δ (the sign)": (matrix_planted(NEWTON, "x", lambda o: o["x"] + 2 * o["delta"]), {"newton.step"}),
    "cg: the next direction twice as long": (matrix_planted(CG, "d", lambda o: 2 * o["d"]), {"cg.conjugacy"}),
}


@pytest.mark.parametrize("label", sorted(MATRIX_MUTANTS))
def test_a_planted_change_in_a_matrix_rule_fails_its_proof(label):
    mutant, expected = MATRIX_MUTANTS[label]
    failed = {d.name for d in derivations_about(mutant) if not d.check().ok}
    assert failed == expected


# the newer rules keep their planted changes beside their kernel mutants (tests/planted/<rule>_mutants.py)
ALL_MUTANTS = {**MUTANTS, **NADAM_MUTANTS, **RADAM_MUTANTS, **ADAMAX_MUTANTS, **LION_MUTANTS, **ADADELTA_MUTANTS}


@pytest.mark.parametrize("label", sorted(ALL_MUTANTS))
def test_a_planted_change_fails_exactly_the_proofs_it_breaks(label):
    mutant, expected = ALL_MUTANTS[label]
    assert changes_anything(RULES[mutant.name], mutant), "the planted change changed nothing: the test would be vacuous"
    first = {d.name: first_failure(d) for d in derivations_about(mutant)}
    failed = {name for name, r in first.items() if r is not None}
    assert failed == expected, {name: r.message for name, r in first.items() if r is not None}


@pytest.mark.parametrize("name", sorted(RULES))
def test_the_unchanged_rule_proves_everything_about_it(name):
    derivations = derivations_about(RULES[name])
    assert derivations and all(d.rule == name for d in derivations)
    results = {d.name: d.check() for d in derivations}
    assert not {name: [s.message for s in r.failed_steps] for name, r in results.items() if not r.ok}
    assert not {name: r.seconds for name, r in results.items() if r.seconds > 5}, "a derivation slower than 5 s"


# broken by planted rules inside tests/derivations/test_quasi_newton_derivations.py (built inline there), or by
# planted witness data (the standardisation witness reads no rule: a claim of seed 002 about κ, filed under GD)
BROKEN_ELSEWHERE = {"bfgs.secant", "lbfgs.two_loop", "bfgs.quadratic_termination", "nonlinear_cg.linear_on_quadratics",
                    "gradient_descent.standardisation_witness"}
# about a rule, but no planted change to the rule breaks them yet: a known gap (none today), listed so that a new
# derivation without a mutant still fails this test
NOT_YET_PLANTED: set = set()


def test_every_derivation_about_a_rule_is_broken_by_some_mutant():
    from descent_mutants import RULE_MUTANTS as DESCENT_RULE_MUTANTS
    from lamb_mutants import RULE_MUTANTS as LAMB_RULE_MUTANTS

    about_rules = {n for n, d in DERIVATIONS.items() if d.rule is not None}
    planted = (*ALL_MUTANTS.values(), *MATRIX_MUTANTS.values(), *LARS_MUTANTS.values(),  # LARS's: test_lars_derivations
               *DESCENT_RULE_MUTANTS.values(), *LAMB_RULE_MUTANTS.values())  # theirs: their own derivation tests
    broken = set().union(*(expected for _, expected in planted))
    assert not broken & NOT_YET_PLANTED, "planted now: remove it from NOT_YET_PLANTED"
    assert about_rules == broken | BROKEN_ELSEWHERE | NOT_YET_PLANTED
