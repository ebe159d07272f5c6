"""Every derivation proves; a derivation with a wrong step is reported failing at that step."""
import ast
import pathlib

import pytest
import sympy as sp

from derivations import DERIVATIONS, RULES, Derivation, Step, check_step, derivations_matching
from derivations.core import expect_linear

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(DERIVATIONS))
def test_every_derivation_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]
    assert len(result.steps) >= 1


def test_the_five_families_of_the_card_are_registered():
    families = {name.split(".")[0] for name in DERIVATIONS}
    assert {"ema", "adam", "newton", "cg", "bias_variance"} <= families
    assert {"ema", "adam"} <= set(RULES)


@pytest.mark.parametrize("name", sorted(DERIVATIONS))
def test_every_derivation_cites_a_seed_or_paper_and_states_its_scope(name):
    d = DERIVATIONS[name]
    assert "seed 00" in d.source
    assert d.scope and d.assumptions and all(s.why for s in d.steps)


def _with_step_replaced(d: Derivation, index: int, step: Step) -> Derivation:
    steps = list(d.steps)
    steps[index] = step
    return Derivation(d.name + ".broken", d.claim, tuple(steps), d.assumptions, d.source, d.scope)


@pytest.mark.parametrize("name,index", [("ema.closed_form", 1), ("adam.unbiased_moments", 2),
                                        ("bias_variance.decomposition", 2), ("newton.step", 1)])
def test_a_wrong_step_is_reported_by_name_with_its_residual(name, index):
    d = DERIVATIONS[name]
    good = d.steps[index]
    wrong = Step(good.name, good.lhs, good.rhs + sp.Symbol("oops") if not isinstance(good.rhs, sp.MatrixBase)
                 else good.rhs + sp.ones(*good.rhs.shape) * sp.Symbol("oops"), good.why, rewrite=good.rewrite)
    result = _with_step_replaced(d, index, wrong).check()
    assert not result.ok
    assert [s.step.name for s in result.failed_steps] == [good.name]
    assert "oops" in str(result.failed_steps[0].residual)


def test_a_wrong_bias_correction_is_caught():
    # E[ŝ_t] with the correction off by one step, 1-β^(t-1), is not μ.
    d = DERIVATIONS["adam.unbiased_moments"]
    step = d.steps[2]
    beta1, t = sp.Symbol("beta_1", positive=True), sp.Symbol("t", integer=True, nonnegative=True)
    wrong = Step(step.name, step.lhs * (1 - beta1**t) / (1 - beta1 ** (t - 1)), step.rhs, step.why,
                 rewrite=step.rewrite)
    assert not check_step(wrong).ok


def test_inequality_needs_an_exact_nonnegative_certificate():
    x = sp.Symbol("x", real=True)
    assert check_step(Step("ok", 0, x**2 + 1, "square", relation="<", certificate=x**2 + 1)).ok
    assert not check_step(Step("gap mismatch", 0, x**2 + 1, "wrong", relation="<=", certificate=x**2)).ok
    assert not check_step(Step("not provably >= 0", 0, x, "x may be negative", relation="<=", certificate=x)).ok
    with pytest.raises(ValueError, match="certificate"):
        Step("missing", 0, x, "no certificate", relation="<=")


def test_solves_rejects_a_wrong_unique_solution():
    e, a = sp.symbols("e a", positive=True)
    assert check_step(Step("ok", e, a / 2, "", relation="solves", equation=2 * e - a)).ok
    assert not check_step(Step("wrong", e, a, "", relation="solves", equation=2 * e - a)).ok


def test_folded_epsilon_rejects_the_plain_epsilon():
    d = DERIVATIONS["adam.folded_epsilon"]
    step = d.steps[1]
    wrong = Step(step.name, step.lhs, sp.Symbol("epsilon", positive=True), step.why, relation="solves",
                 equation=step.equation)
    assert not check_step(wrong).ok


def test_expectation_refuses_nonlinear_expressions():
    g = sp.IndexedBase("g", real=True)
    with pytest.raises(ValueError, match="not linear"):
        expect_linear(g[1] * g[2], {g: sp.Symbol("mu")})


def test_family_selection():
    assert {d.name for d in derivations_matching(["ema"])} == {n for n in DERIVATIONS if n.startswith("ema.")}
    with pytest.raises(KeyError, match="no derivation"):
        derivations_matching(["nope"])


def test_rule_conventions_reject_unknown_axes_and_values():
    adam = RULES["adam"]
    with pytest.raises(ValueError, match="no convention axis"):
        adam.conventions(colour="red")
    with pytest.raises(ValueError, match="not one of"):
        adam.conventions(eps="outside")
    assert len(list(adam.variants())) == 3 * 2 * 3 * 3


def _imports(package: str) -> set[str]:
    names = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_import_rules_hold():
    assert "derivations" not in _imports("kernels")
    assert not {"verify", "kernels"} & _imports("derivations")
    assert not {"numpy", "cupy", "torch"} & _imports("derivations")
