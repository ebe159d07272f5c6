"""Families checked by their own modules (verify/checks/families.py): `optverify check` runs our kernels through them,
their reports read like every other check's, and a broken kernel fails the family's check."""
import pytest
from sam_mutants import MUTANTS as SAM_MUTANTS

from verify.checks import families
from verify.checks.catalogue import check_implementation, checkable, kind_of
from verify.checks.common import Report


def test_every_family_is_checkable_and_named_once():
    names = checkable()
    assert all(kind_of(name) == "family" for name in families.FAMILIES)
    assert len(names) == len(set(names))  # no family shadows a rule, estimator or schedule


@pytest.mark.parametrize("name", sorted(families.FAMILIES))
def test_our_kernels_pass_every_family_check(name):
    reports = check_implementation(name, examples=4, seed=1)
    assert reports and all(isinstance(r, Report) and r.rule for r in reports)
    assert all(r.passed for r in reports), [r.message() for r in reports if not r.passed]
    assert all(r.seconds > 0 and r.as_dict()["passed"] for r in reports)


def test_a_planted_sam_bug_fails_its_family_report():
    mutant, adaptive = SAM_MUTANTS["ε̂ subtracted (descent side)"]
    from verify.checks.sam import check_sam

    report = families._as_report("sam", {"adaptive": adaptive}, mutant, 40, check_sam(mutant, adaptive=adaptive))
    assert not report.passed and report.counterexample is not None and "FAILED" in report.message()
    assert 0 < report.examples <= 40


def test_the_crosscheck_finds_optax_sam_is_plain_sam():
    pytest.importorskip("optax")
    from verify.adapters import peers

    (peer,) = [p for p in peers.peers_of("optax") if p.rule == "sam"]
    found = peers.survey(peer, examples=4)
    assert found.matches == [{"adaptive": False}] and found.counterexample is None


def test_a_family_check_that_ran_no_example_does_not_pass():
    from verify.checks.spectral import spectral_report

    assert not families._as_report("sam", {}, print, 5, (True, 0.0, None, 5)).passed  # all 5 discarded
    assert not families._as_report("sam", {}, print, 5, (True, 0.0, None, 3)).passed  # most discarded
    assert families._as_report("sam", {}, print, 5, (True, 0.5, None, 1)).passed
    assert not spectral_report("nothing", "lanczos", print).passed
