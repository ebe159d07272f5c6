"""Every kind of check reports through one Report: the same fields, the same verdict, the same JSON keys,
and the CLI's budget (--examples) reaches every kind."""
import json

import pytest

from verify import check_steps
from verify.adapters.ours import kernel_for
from verify.checks.common import Report, Tracker, invalid
from verify.checks.elementwise import CheckReport
from verify.checks.estimators import EstimatorReport, check_exact
from verify.checks.matrix import MatrixReport, check_matrix
from verify.cli import main

SHARED = {"rule", "conventions", "implementation", "mode", "dtypes", "examples", "discarded", "compared",
          "unbounded", "worst_ratio", "seconds", "counterexample", "invalid", "passed"}


def _reports():
    return [check_steps("ema", kernel_for("ema", {"debias": False}), examples=3),
            check_matrix("newton", examples=3), check_exact("hutchinson", examples=3)]


def test_every_kind_of_report_is_a_report_with_the_same_keys():
    for report in _reports():
        assert isinstance(report, Report)
        # a per-step check adds its runs at scale (vector remainders, block edges, layouts, late steps) to the 3
        assert report.passed and report.examples >= 3 and report.compared > 0
        assert SHARED <= set(report.as_dict())
        json.dumps(report.as_dict(), default=str)  # JSON-ready
        assert "passed" in report.message()


@pytest.mark.parametrize("cls", [CheckReport, MatrixReport, EstimatorReport])
def test_a_report_without_examples_is_not_a_pass(cls):
    tracker = Tracker()
    report = cls("r", {}, "impl", "m", invalid=invalid(tracker))
    assert not report.passed and "no example ran" in report.message()
    tracker.examples, tracker.discarded = 2, 5
    assert "most drawn examples were discarded" in invalid(tracker, "why")


def test_a_counterexample_fails_every_kind():
    assert not MatrixReport("newton", {}, "impl", counterexample=dict(problem="x", repro="    pass")).passed
    report = EstimatorReport("hutchinson", {"space": "s"}, "impl", "exact", space="s", counterexample=dict(
        problem="mean off", what="mean", claimed=["1"], found=["2"], allowed=[0.0], data={}, sizes={}))
    assert not report.passed and "mean off" in report.message() and report.estimator == "hutchinson"


def test_check_examples_reach_the_estimators(capsys):
    assert main(["check", "hutchinson", "minibatch_gradient", "--no-prove", "--examples", "2", "--json"]) == 0
    checks = json.loads(capsys.readouterr().out)["checks"]
    assert checks and all(c["examples"] == 2 for c in checks)
