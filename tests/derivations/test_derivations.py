"""Every derivation proves; a derivation with a wrong step is reported failing at that step."""
import ast
import dataclasses
import pathlib
import subprocess
import sys

import pytest
import sympy as sp

from derivations import (
    DERIVATIONS,
    MATRIX_RULES,
    REDUCTION_RULES,
    RULES,
    Derivation,
    Step,
    check_step,
    derivations_about,
    derivations_matching,
)
from derivations.core.about import about, update
from derivations.core.proof import expect_linear

ROOT = pathlib.Path(__file__).resolve().parents[2]


# In the group of the tests that build the docs site (tests/docs/conftest.py), and collected before them: the site
# proves every derivation again, and on the worker that has just proved them here the proof steps are memoised
# (derivations/core/proof.py), so the build takes about 11 s instead of 27.
@pytest.mark.xdist_group("docs-site")
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


def _step_named(d: Derivation, name: str) -> int:
    return [s.name for s in d.steps].index(name)


@pytest.mark.parametrize("name,step", [("ema.closed_form", "inductive step"), ("adam.unbiased_moments", "E[ŝ_t] = μ"),
                                       ("bias_variance.decomposition", "first cross term vanishes"),
                                       ("newton.step", "n=2: Δ = -H⁻¹g is stationary")])
def test_a_wrong_step_is_reported_by_name_with_its_residual(name, step):
    d = DERIVATIONS[name]
    index = _step_named(d, step)
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
    step = d.steps[_step_named(d, "E[ŝ_t] = μ")]
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
    step = d.steps[_step_named(d, "the only ε̂ that makes them equal")]
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
        adam.conventions(eps_mode="outside")
    assert len(list(adam.variants())) == 3 * 2 * 3 * 3


ALL_RULES = {**RULES, **MATRIX_RULES, **REDUCTION_RULES}


@pytest.mark.parametrize("name", sorted(ALL_RULES))
def test_no_convention_axis_shares_a_name_with_a_hyperparameter(name):
    # {"weight_decay": ...} would otherwise read as a convention or a hyperparameter alike
    rule = ALL_RULES[name]
    assert not {a.name for a in rule.axes} & {h.name for h in rule.hyperparameters}


@pytest.mark.parametrize("name", sorted(DERIVATIONS))
def test_a_derivation_names_the_rule_and_conventions_it_is_built_from(name):
    d, family = DERIVATIONS[name], name.split(".")[0]
    if family not in ALL_RULES:
        assert d.rule is None and d.conventions == ()
        return
    assert d.rule == family
    for axis, values in d.conventions:
        assert values and all(ALL_RULES[family].conventions(**{axis: v}) for v in values)
    if family in RULES:  # matrix rules' steps hold SymPy matrices, which are not hashable
        hash(d)  # still a frozen, hashable record


def test_conventions_need_a_rule_and_valid_values():
    with pytest.raises(ValueError, match="conventions without a rule"):
        Derivation("x.y", "claim", (), ("a",), "seed 000", conventions=(("lr_position", ("inside_buffer",)),))
    with pytest.raises(ValueError, match="not one of"):
        about(RULES["sgd"], lr_position="nowhere")
    with pytest.raises(ValueError, match="no convention axis"):
        about(RULES["sgd"], colour="red")


def test_a_rule_is_read_with_every_symbol_named():
    ema = RULES["ema"]
    alpha = sp.Symbol("alpha", positive=True)
    assert update(ema, "v", {"v": 0, "g": 1, "alpha": alpha}) == 1 - alpha
    with pytest.raises(ValueError, match=r"\['alpha'\]"):  # left as the rule's real-only symbol, it would never cancel
        update(ema, "v", {"v": 0, "g": 1})


def test_derivations_are_built_on_first_use():
    # in a fresh interpreter: importing verify, listing names and testing membership build nothing
    code = (
        "import verify; from derivations import DERIVATIONS, derivation, derivations_matching\n"
        "assert not DERIVATIONS.built, DERIVATIONS.built\n"
        "assert 'newton.step' in DERIVATIONS and len(list(DERIVATIONS)) == len(DERIVATIONS) and not DERIVATIONS.built\n"
        "derivation('ema.closed_form'); derivations_matching(['sgd'])\n"
        "assert DERIVATIONS.built == {'ema.closed_form', *(n for n in DERIVATIONS if n.startswith('sgd.'))}\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_derivations_about_a_rule_are_built_afresh_from_it():
    built = derivations_about(RULES["adam"])
    assert [d.name for d in built] == [n for n in DERIVATIONS if n.startswith("adam.")]
    with pytest.raises(KeyError, match="no derivations about"):
        derivations_about(dataclasses.replace(RULES["adam"], name="adam_with_no_derivations"))


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
