"""`optverify docs` on the command line: formats, selections, usage errors, a user's own module."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest

from verify.cli import main
from verify.docs.latex import PROSE_AS_MATH


def test_latex_of_one_family(tmp_path, capsys):
    assert main(["docs", "ema", "--format", "latex", "--out", str(tmp_path), "--jobs", "1"]) == 0
    tex = (tmp_path / "optverify.tex").read_text()
    assert r"\section{Exponential moving average}" in tex and r"\hyperref[page:derivations:ema." in tex
    assert tex.count(r"\begin{document}") == 1 and tex.rstrip().endswith(r"\end{document}")
    assert "pages" in capsys.readouterr().out


def test_latex_prose_has_no_character_the_default_font_lacks(tmp_path):
    # Latin Modern has no Greek letters or ≤, ∇, ᵀ, ₁ …: in prose they are typeset as math instead
    assert main(["docs", "adam", "rmsprop", "--format", "latex", "--out", str(tmp_path), "--jobs", "1"]) == 0
    tex = (tmp_path / "optverify.tex").read_text()
    assert not set(tex) & set(PROSE_AS_MATH) and r"\ensuremath{\beta}" in tex


@pytest.mark.skipif(shutil.which("lualatex") is None, reason="no lualatex here (Debian: texlive-luatex)")
def test_latex_compiles_with_every_character_shown(tmp_path):
    assert main(["docs", "adam", "sgd", "cosine_decay", "--format", "latex", "--out", str(tmp_path), "--jobs", "1"]) == 0
    done = subprocess.run(["lualatex", "-interaction=nonstopmode", "-halt-on-error", "optverify.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    log = (tmp_path / "optverify.log").read_text(errors="replace")
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "optverify.pdf").stat().st_size > 0 and "Missing character" not in log


def test_unknown_name_and_missing_report_are_usage_errors(tmp_path, capsys):
    assert main(["docs", "no_such_rule_xyz", "--out", str(tmp_path)]) == 2
    assert "nothing to document named 'no_such_rule_xyz'" in capsys.readouterr().err
    assert main(["docs", "ema", "--crosscheck-json", str(tmp_path / "missing.json"), "--out", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_user_module_is_imported_and_documented(tmp_path, monkeypatch):
    module = tmp_path / "my_sign_rule.py"
    module.write_text(textwrap.dedent('''
        import sympy as sp
        from derivations.core.proof import Derivation, Step
        from derivations.core.rule import ConventionAxis, Hyperparameter, Rule, sym

        def _build(conv):
            p, g, m, lr, beta = (sym(n) for n in ("p", "g", "m", "lr", "beta"))
            return ((m, beta * m + (1 - beta) * g), (p, p - lr * sp.sign(m)))

        RULE = Rule(name="signum_demo", title="Sign momentum (demo)", inputs=("p", "g"), state=("m",),
                    outputs=("p", "m"), hyperparameters=(
                        Hyperparameter("lr", 0.0, float("inf"), True, True, 1e-3, "learning rate"),
                        Hyperparameter("beta", 0.0, 1.0, False, True, 0.9, "momentum")),
                    axes=(ConventionAxis("form", ("plain",), "plain", (("plain", "as written"),)),),
                    build=_build, source="a demo")

        def step_size(rule):
            m = sym("m")
            return Derivation(name="signum_demo.step", claim="|Δp| = lr for m ≠ 0",
                              steps=(Step("positive m", (sym("p") - dict(rule.assignments())[sym("p")]).subs(m, 1),
                                          sym("lr"), "sign(1) = 1"),),
                              assumptions=("m > 0",), source="a demo", rule=rule.name)

        BUILDERS = {"signum_demo.step": step_size}
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "site"
    assert main(["docs", "my_sign_rule", "--out", str(out), "--jobs", "1"]) == 0
    page = (out / "rules/signum_demo.html").read_text()
    assert "Sign momentum (demo)" in page and "derivations/signum_demo.step.html" in page
    assert "proved" in (out / "derivations/signum_demo.step.html").read_text()
    sys.modules.pop("my_sign_rule", None)
