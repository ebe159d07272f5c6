"""A rule of your own, end to end: the README's sign-momentum example run as written, the usage errors of the
shared resolver (derivations/plugins.py), entry points of the group optverify.rules, and the framework versions a
crosscheck report records."""
from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from derivations import RULES
from derivations.plugins import ENTRY_POINT_GROUP
from verify.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Your own rule, end to end"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    return text[start:text.index("\n## ", start + len(SECTION))]


def _block(section: str, language: str) -> str:
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


def readme_module() -> str:
    return _block(_section(), "python")


def readme_transcript() -> list[tuple[str, list[str]]]:
    """(command, the output lines shown under it) for every `$ optverify …` of the README's console block."""
    runs: list[tuple[str, list[str]]] = []
    for line in _block(_section(), "console").splitlines():
        if line.startswith("$ "):
            runs.append((line[2:], []))
        else:
            runs[-1][1].append(line)
    return runs


def _shape(lines) -> list[str]:
    """Lines as a reader compares them: numbers (timings, ulps, counts) and column widths masked."""
    out = []
    for line in lines:
        line = re.sub(r"\d+(\.\d+)?(e[+-]?\d+)?", "#", line)
        line = re.sub(r"-{2,}", "--", line)
        line = " ".join(line.split())
        if line:
            out.append(line)
    return out


@pytest.fixture
def own_module(tmp_path, monkeypatch):
    """The README's signmom.py in the current directory, as a user has it; imported afresh by each test."""
    (tmp_path / "signmom.py").write_text(readme_module())
    monkeypatch.chdir(tmp_path)
    for name in ("signmom", "signmom_wrong", "clash", "broken_mod"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    yield tmp_path
    for name in ("signmom", "signmom_wrong", "clash", "broken_mod"):
        sys.modules.pop(name, None)


def test_readme_example_runs_as_shown(own_module, capsys):
    runs = readme_transcript()
    assert [c.split()[1] for c, _ in runs] == ["prove", "check", "check", "crosscheck", "docs"]
    for command, shown in runs:
        argv = shlex.split(command)
        assert argv[0] == "optverify"
        status = main(argv[1:])
        captured = capsys.readouterr()
        progress = re.compile(r"^\[\d+/\d+\] ")
        got = captured.out.splitlines() + [e for e in captured.err.splitlines() if not progress.match(e)]
        assert _shape(got) == _shape(shown), command
        assert status == (2 if got and got[0].startswith("optverify:") else 0), command
    assert (own_module / "site/rules/signmom.html").is_file()
    assert "proved" in (own_module / "site/derivations/signmom.constant_gradient.html").read_text()
    assert "signmom" not in RULES  # registered for one command only


def test_a_wrong_step_fails_and_a_wrong_derivation_does_not_prove(own_module, capsys):
    (own_module / "signmom_wrong.py").write_text(textwrap.dedent('''
        import numpy as np
        import sympy as sp
        from signmom import RULE, beta, g, m, p
        from derivations import Derivation, Step

        def step(p, g, m, t, lr, beta):  # the sign of g, not of m
            m = beta * m + (1 - beta) * g
            return p - lr * np.sign(g), m

        WRONG = Derivation(name="signmom.wrong", rule="signmom", source="-", claim="m_1 = g", assumptions=(),
                           steps=(Step("first", dict(RULE.assignments())[m].subs(m, 0), g, "no"),))
    '''))
    assert main(["check", "signmom:RULE", "--impl", "signmom_wrong:step", "--no-prove", "--examples", "20"]) == 1
    assert "FAILED" in capsys.readouterr().out
    assert main(["prove", "signmom_wrong:WRONG"]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_the_reproduction_of_a_user_rule_runs_in_a_fresh_interpreter(own_module, capsys):
    (own_module / "signmom_bad.py").write_text(textwrap.dedent('''
        import numpy as np

        def step(p, g, m, t, lr, beta):  # the sign of g, not of m
            m = beta * m + (1 - beta) * g
            return p - lr * np.sign(g), m
    '''))
    assert main(["check", "signmom:RULE", "--impl", "signmom_bad:step", "--no-prove", "--examples", "20"]) == 1
    out = capsys.readouterr().out
    repro = textwrap.dedent(out.split("reproduce with:\n")[1].split("\n\n0 derivations")[0])
    assert "plugins.load('signmom" in repro  # the rule is registered by importing the user's module
    done = subprocess.run([sys.executable, "-c", repro], cwd=own_module, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_impl_checks_one_variant_of_our_rules_too(own_module, capsys):
    (own_module / "myadam.py").write_text(textwrap.dedent('''
        import numpy as np

        def my_adam(p, g, m, v, t, lr, beta1, beta2, eps):
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
            return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    '''))
    sys.modules.pop("myadam", None)
    argv = ["check", "adam", "--impl", "myadam:my_adam", "--no-prove", "--examples", "10", "--json"]
    assert main(argv) == 0
    (only,) = json.loads(capsys.readouterr().out)["checks"]  # the defaults: Algorithm 1
    assert only["conventions"]["eps_mode"] == "after_correction" and only["passed"]
    assert main(argv + ["--convention", "eps_mode=inside_sqrt"]) == 1
    assert not json.loads(capsys.readouterr().out)["checks"][0]["passed"]
    sys.modules.pop("myadam", None)


@pytest.mark.parametrize("argv, message", [
    (["prove", "ghost_module_xyz:RULE"], "NAMES: no module named 'ghost_module_xyz'"),
    (["prove", "broken_mod"], "NAMES: importing 'broken_mod' failed: RuntimeError: boom"),
    (["check", "signmom:NOPE", "--impl", "signmom:step"], "NAMES: module 'signmom' has no attribute 'NOPE'"),
    (["check", "signmom:step"], "NAMES: signmom:step is a function, not a Rule or Derivation"),
    (["check", "signmom:RULE"], "not one of optverify's: there is no kernel of it to check"),
    (["check", "signmom:RULE", "--impl", "signmom:nope"], "--impl: module 'signmom' has no attribute 'nope'"),
    (["check", "signmom:RULE", "--impl", "signmom:RULE"], "--impl: signmom:RULE is a Rule object, not a function"),
    (["check", "signmom:RULE", "adam", "--impl", "signmom:step"], "--impl checks one rule"),
    (["check", "signmom:RULE", "--impl", "signmom:step", "--convention", "form=x"], "'signmom' has no axis 'form'"),
    (["check", "adam", "--convention", "eps_mode=inside_sqrt"], "--convention: the one variant an --impl"),
    (["crosscheck", "signmom:step", "--rule", "broken_mod:RULE"], "--rule: importing 'broken_mod' failed"),
    (["crosscheck", "signmom:step", "--rule", "signmom:np"], "--rule: signmom:np defines no Rule"),
    (["crosscheck", "signmom:nope", "--rule", "signmom:RULE"], "SOURCES: module 'signmom' has no attribute 'nope'"),
    (["crosscheck", "torch", "--rule", "signmom:RULE"], "no source is one"),
    (["docs", "broken_mod", "--out", "site"], "NAMES: importing 'broken_mod' failed"),
    (["prove", "clash"], "NAMES: a rule, estimator or schedule named 'adam' exists already"),
    (["prove", "adam", "1+1"], "no derivation or family named '1+1'"),  # never evaluated
])
def test_usage_errors_name_the_argument(own_module, capsys, argv, message):
    (own_module / "broken_mod.py").write_text("raise RuntimeError('boom')\n")
    (own_module / "clash.py").write_text("import dataclasses\nfrom signmom import RULE\n"
                                         "ADAM = dataclasses.replace(RULE, name='adam')\n")
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def _entry_points(monkeypatch, *points):
    """importlib.metadata.entry_points with ``points`` (name, value) in the optverify.rules group."""
    real = importlib.metadata.entry_points
    ours = [importlib.metadata.EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in points]

    def entry_points(**selection):
        return ours if selection.get("group") == ENTRY_POINT_GROUP else real(**selection)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def test_entry_point_rules_reach_every_command(own_module, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(own_module))  # installed, as an entry point's module is
    _entry_points(monkeypatch, ("signmom", "signmom:RULE"), ("broken", "no_such_package_xyz:RULES"))
    assert main(["list", "--json"]) == 0
    captured = capsys.readouterr()
    listed = json.loads(captured.out)
    assert "signmom" in listed["rules"] and listed["origins"]["signmom"] == "entry point signmom = signmom:RULE"
    assert "skipped entry point broken = no_such_package_xyz:RULES: loading failed" in captured.err
    assert main(["check", "signmom", "--impl", "signmom:step", "--examples", "10", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [c["rule"] for c in payload["checks"]] == ["signmom"] and payload["checks"][0]["passed"]
    assert main(["check", "signmom"]) == 2 and "--impl" in capsys.readouterr().err
    assert main(["crosscheck", "signmom:step", "--rule", "signmom", "--json", "--examples", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"][0]["status"] == "matched"
    assert main(["docs", "signmom", "--out", "site", "--jobs", "1"]) == 0
    assert (own_module / "site/rules/signmom.html").is_file()
    assert "signmom" not in RULES


def test_an_entry_point_module_brings_its_derivations(own_module, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(own_module))
    _entry_points(monkeypatch, ("signmom", "signmom"))
    assert main(["prove", "signmom", "--json"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["signmom.constant_gradient"]


def test_entry_point_of_an_installed_distribution(own_module, tmp_path):
    """A real dist-info directory on the path, as pip leaves it; the console script's own process reads it."""
    site = tmp_path / "site-packages"
    dist = site / "optverify_signmom-0.1.dist-info"
    dist.mkdir(parents=True)
    (site / "signmom_pkg.py").write_text(readme_module())
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: optverify-signmom\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nsignmom = signmom_pkg\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "verify", "list"], cwd=site.parent, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Sign momentum" in done.stdout and "signmom.constant_gradient" in done.stdout
    assert "entry point signmom = signmom_pkg" in done.stdout and "warning" not in done.stderr


def test_crosscheck_report_records_the_versions_that_ran(own_module, capsys):
    from verify.adapters.crosscheck import Row, framework_versions, package_version

    scipy = pytest.importorskip("scipy")
    rows = [Row("scipy", "scipy.sparse.linalg.cg", status="matched"), Row("torch", "(all)", status="not installed"),
            Row("user", "signmom:step", status="matched")]
    assert framework_versions(rows) == {"scipy": {"scipy": scipy.__version__}}
    assert package_version("no_such_package_xyz") is None
    assert main(["crosscheck", "signmom:step", "--rule", "signmom:RULE", "--json", "--examples", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["versions"] == {}  # a user's function: no framework ran
