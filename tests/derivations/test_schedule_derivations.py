"""Learning-rate schedules (derivations/core/schedule.py, derivations/schedules/): every derivation proves, each is
built from its schedule's own expression — a planted change in a copy of a schedule fails exactly the derivations
whose claim it breaks — and together the plants break every one of them."""
import dataclasses

import pytest
import sympy as sp
from rule_changes import first_failure
from schedule_mutants import SCHEDULE_PLANTS

from derivations import DERIVATIONS, SCHEDULES, Schedule, derivations_about_schedule
from derivations.core.rule import ConventionAxis
from derivations.core.schedule import COUNT, INDEX, STEP

SCHEDULE_DERIVATIONS = sorted(n for n in DERIVATIONS if n.split(".")[0] in SCHEDULES)


def test_every_schedule_has_derivations_and_the_index_axis():
    families = {n.split(".")[0] for n in SCHEDULE_DERIVATIONS}
    assert families == set(SCHEDULES)
    for s in SCHEDULES.values():
        assert s.axes[0] == INDEX and ("zero_based", "one_based") == INDEX.values
        assert set(s.integers) <= {h.name for h in s.hyperparameters}
        assert s.expression().free_symbols <= {STEP, *(s.symbol(h.name) for h in s.hyperparameters)}


@pytest.mark.parametrize("name", SCHEDULE_DERIVATIONS)
def test_schedule_derivation_proves(name):
    d = DERIVATIONS[name]
    result = d.check()
    assert result.ok, [s.message for s in result.failed_steps]
    assert result.seconds < 5
    # a Derivation's rule names update rules only: a schedule derivation says what it reads in its notes
    assert d.rule is None and d.notes.startswith(f"reads schedule {name.split('.')[0]!r}")
    assert "seed 00" in d.source and d.scope and d.assumptions and all(s.why for s in d.steps)


def test_the_index_axis_shifts_the_argument_by_one():
    s = SCHEDULES["cosine_decay"]
    assert s.expression(index="zero_based") == s.of_count().xreplace({COUNT: STEP - 1})
    assert s.expression(index="one_based") == s.of_count().xreplace({COUNT: STEP})
    with pytest.raises(ValueError, match="index"):
        s.expression(index="two_based")


def test_a_schedule_refuses_an_axis_named_like_a_hyperparameter():
    s = SCHEDULES["step_decay"]
    with pytest.raises(ValueError, match="share"):
        dataclasses.replace(s, axes=s.axes + (ConventionAxis("gamma", ("a", "b"), "a", ()),))
    with pytest.raises(ValueError, match="INDEX"):
        Schedule("x", "x", s.hyperparameters, s.integers, s.axes[1:], s.build, "")


@pytest.mark.parametrize("label", sorted(SCHEDULE_PLANTS))
def test_a_planted_change_fails_exactly_the_derivations_it_breaks(label):
    copy, expected = SCHEDULE_PLANTS[label]
    assert copy.expression() != SCHEDULES[copy.name].expression() or any(
        copy.expression(**c) != SCHEDULES[copy.name].expression(**c) for c in copy.variants())
    first = {d.name: first_failure(d) for d in derivations_about_schedule(copy)}
    failed = {name for name, r in first.items() if r is not None}
    assert failed == expected, {name: r.message for name, r in first.items() if r is not None}


def test_the_plants_together_break_every_schedule_derivation():
    broken = set().union(*(expected for _, expected in SCHEDULE_PLANTS.values()))
    assert broken == set(SCHEDULE_DERIVATIONS)


def test_derivations_about_a_schedule_read_it_and_only_what_reads_it():
    copy = SCHEDULES["step_decay"]
    names = {d.name for d in derivations_about_schedule(copy)}
    assert names == {n for n in SCHEDULE_DERIVATIONS if n.startswith("step_decay.")} | {
        "exponential_decay.staircase_is_step_decay"}
    with pytest.raises(KeyError):
        derivations_about_schedule(dataclasses.replace(copy, name="nope"))


def test_the_seeds_factor_of_ten():
    # seed 002's "LR decrease by factor of 10": step decay at its default γ = 0.1
    s = SCHEDULES["step_decay"]
    assert s.hyperparameter("gamma").default == 0.1
    S = s.symbol("step_size")
    at = s.of_count().xreplace({s.symbol("gamma"): sp.Rational(1, 10)})
    assert sp.simplify(at.xreplace({COUNT: COUNT + S}) / at) == sp.Rational(1, 10)
