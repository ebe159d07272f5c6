"""The cross-check on a fake framework: planted conventions are named, planted bugs get a minimal
counterexample, a missing framework is reported as not installed, and user code runs as-is."""
import json
import sys
import types

import pytest
from fake_framework import BUGS, PLANTED

from verify.adapters import crosscheck, frameworks
from verify.cli import main


@pytest.fixture(scope="module")
def rows():
    frameworks.ADAPTERS["fake"] = "fake_framework"
    try:
        yield {r.optimizer: r for r in crosscheck.crosscheck(["fake"])}
    finally:
        frameworks.ADAPTERS.pop("fake", None)


@pytest.mark.parametrize("rule", sorted(PLANTED))
def test_planted_convention_is_named_exactly(rows, rule):
    row = rows[f"fake.{rule}"]
    assert row.status == "matched"
    assert row.fingerprint.summary() == PLANTED[rule]  # one value per axis: nothing left undecided
    assert row.fingerprint.matches == [PLANTED[rule]]
    assert row.fingerprint.edges.passed  # our kernels hold over the whole domain too


@pytest.mark.parametrize("bug", BUGS)
def test_bug_that_follows_no_convention_gets_a_short_counterexample(rows, bug):
    row = rows[f"fake.adam_with_{bug}"]
    assert row.status == "no convention" and not row.fingerprint.matched
    report = row.fingerprint.counterexample
    assert not report.passed
    c = report.counterexample
    assert c.t <= 3 and len(c.history["gradients"]) <= 3
    assert c.error_ulps > c.allowed_ulps
    assert "reference_trajectory('adam'" in report.repro


def test_repro_of_a_counterexample_replays_the_reference(rows):
    report = rows["fake.adam_with_drop_sqrt"].fingerprint.counterexample
    namespace = {}
    exec("\n".join(line[4:] for line in report.repro.splitlines()).replace("print(", "value = ("), namespace)
    assert namespace["value"] == pytest.approx(report.counterexample.expected, rel=1e-6)


def test_missing_framework_is_reported_not_installed(monkeypatch, capsys):
    ghost = types.ModuleType("ghost_framework")

    def require():
        raise ImportError("No module named 'ghost'")

    ghost.require = require
    monkeypatch.setitem(sys.modules, "ghost_framework", ghost)
    monkeypatch.setitem(frameworks.ADAPTERS, "ghost", "ghost_framework")
    monkeypatch.setitem(frameworks.EXTRAS, "ghost", "ghost")
    assert main(["crosscheck", "ghost"]) == 0
    out = capsys.readouterr().out
    assert "not installed" in out and "pip install 'optverify[ghost]'" in out


def test_user_step_function_from_the_command_line(capsys):
    assert main(["crosscheck", "fake_framework:user_adam", "--rule", "adam", "--json", "--examples", "15"]) == 0
    row, = json.loads(capsys.readouterr().out)["rows"]
    assert row["status"] == "matched"
    # It takes no weight_decay: pinned at the rule default 0, which the row says, so the decay axis stays undecided.
    assert row["fingerprint"]["conventions"] == {"eps_mode": "after_correction", "bias_correction": True,
                                                 "decay": ["none", "l2", "decoupled"], "amsgrad": "off"}
    assert any("no argument for weight_decay" in n for n in row["notes"])


def test_markdown_and_bad_usage(monkeypatch, capsys):
    monkeypatch.setitem(frameworks.ADAPTERS, "fake", "fake_framework")
    assert main(["crosscheck", "fake", "--only", "sgd", "--markdown", "--examples", "10"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| optimizer | rule |") and "lr_position=inside_buffer" in out
    assert main(["crosscheck", "fake_framework:user_adam"]) == 2  # which rule? --rule is needed
    assert "--rule" in capsys.readouterr().err
    assert main(["crosscheck", "nonsense"]) == 2


def test_crosscheck_scipy_surveys_cg_under_every_convention(capsys):
    pytest.importorskip("scipy")
    assert main(["crosscheck", "scipy", "--only", "cg", "--examples", "6", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    assert row["optimizer"] == "scipy.sparse.linalg.cg" and row["status"] == "matched"
    assert row["fingerprint"]["conventions"]["beta"] == "fletcher_reeves"
    assert row["fingerprint"]["conventions"]["gradient"] == "recursive"
    assert len(row["fingerprint"]["reports"]) == 8  # every variant of the cg rule was run


def test_crosscheck_only_takes_rules_not_estimators(capsys):
    assert main(["crosscheck", "scipy", "--only", "hutchinson"]) == 2
    assert "no rule named 'hutchinson'" in capsys.readouterr().err


def test_crosscheck_optax_finds_lars_conventions_by_running_it(capsys):
    pytest.importorskip("optax")
    assert main(["crosscheck", "optax", "--only", "lars", "--examples", "8", "--json"]) == 0
    rows = {r["optimizer"]: r["fingerprint"]["conventions"] for r in json.loads(capsys.readouterr().out)["rows"]}
    common = dict(trust_denominator="update_norm", zero_norm="ratio_one", lr_position="inside_buffer")
    assert rows == {"optax.lars()": dict(common, nesterov=False), "optax.lars(nesterov=True)": dict(common, nesterov=True)}
