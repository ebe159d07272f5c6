"""Derivations of LAMB, SAM, Newton beyond one step and MAML: they prove, they are about the rule itself, and a planted change
in a copy of the rule (tests/planted/lamb_mutants.py: RULE_MUTANTS) fails exactly the derivations it breaks."""
import pytest
import sympy as sp
from lamb_mutants import RULE_MUTANTS
from rule_changes import first_failure

from derivations import DERIVATIONS, REDUCTION_RULES, derivations_about
from derivations.core.reduction import norm
from derivations.optimizers import lamb, maml, newton_methods, sam

LAMB = sorted(n for n in DERIVATIONS if n.startswith("lamb."))


def test_the_lamb_family_is_registered_and_about_the_rule():
    assert LAMB == ["lamb.bias_correction_cancels", "lamb.first_step_sign", "lamb.relative_step", "lamb.zero_norm"]
    assert REDUCTION_RULES["lamb"] is lamb.RULE and lamb.RULE.shape == "reduction"
    assert all(DERIVATIONS[n].rule == "lamb" for n in LAMB)


@pytest.mark.parametrize("name", LAMB)
def test_every_lamb_derivation_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]


@pytest.mark.parametrize("label", sorted(RULE_MUTANTS))
def test_a_planted_change_fails_exactly_the_proofs_it_breaks(label):
    mutant, expected = RULE_MUTANTS[label]
    first = {d.name: first_failure(d) for d in derivations_about(mutant)}
    failed = {name for name, r in first.items() if r is not None}
    assert failed == expected, {name: r.message for name, r in first.items() if r is not None}


# --- SAM: the derivations read the perturbation they are given; planted ones must fail -------------------------
SAM = sorted(n for n in DERIVATIONS if n.startswith("sam."))


def test_the_sam_family_is_registered():
    assert SAM == ["sam.inner_maximiser", "sam.quadratic_sharpness"]


@pytest.mark.parametrize("name", SAM)
def test_every_sam_derivation_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]


def _unnormalised(g, radius, scale=None):  # ρ·g: the step not put on the sphere
    return sam.perturbation(g, radius, scale) * norm(g if scale is None else sp.Matrix(scale).multiply_elementwise(g))


def _asam_single_t(g, radius, scale=None):  # ASAM with T·g/‖Tg‖ instead of T²g/‖Tg‖
    if scale is None:
        return sam.perturbation(g, radius)
    tg = sp.Matrix([s * x for s, x in zip(scale, g)])
    return sp.Matrix([radius * x / norm(tg) for x in tg])


def _guarded(g, radius, scale=None):  # ε added to ‖g‖: never 0/0, so the witness does not hold
    return sp.Matrix([radius * x / (norm(g) + sp.Rational(1, 10**12)) for x in g])


@pytest.mark.parametrize("planted, fails", [
    (_unnormalised, {"sam.inner_maximiser", "sam.quadratic_sharpness"}),  # ρ·0 = 0 at g = 0: no 0/0 either
    (_asam_single_t, {"sam.inner_maximiser"}),
    (_guarded, {"sam.inner_maximiser", "sam.quadratic_sharpness"}),
], ids=["unnormalised", "asam_single_T", "eps_guarded"])
def test_a_planted_perturbation_fails_exactly_the_proofs_it_breaks(planted, fails):
    built = {name: build(planted) for name, build in sam.BUILDERS.items()}
    failed = {name for name, d in built.items() if first_failure(d) is not None}
    assert failed == fails


# --- Newton beyond the first step: the derivations read root_step / damped_step; planted ones must fail ---------
NEWTON = sorted(n for n in DERIVATIONS if n.startswith("newton_methods."))


def test_the_newton_methods_family_is_registered():
    assert NEWTON == ["newton_methods.quadratic_convergence", "newton_methods.root_and_minimisation",
                      "newton_methods.saddle_and_damping"]


@pytest.mark.parametrize("name", NEWTON)
def test_every_newton_methods_derivation_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]


def _second_derivative_step(h, at):  # h/h'' where h/h' belongs
    return at - (h / sp.diff(h, newton_methods.x, 2)).subs(newton_methods.x, at)


def _half_step(h, at):  # a damped 1-D step at - ½h/h': linear, not quadratic, convergence
    return at - (h / sp.diff(h, newton_methods.x)).subs(newton_methods.x, at) / 2


def _ascent_damped(H, g, damping):  # +(H + λI)⁻¹g: the sign lost
    return -newton_methods.damped_step(H, g, damping)


@pytest.mark.parametrize("name, planted, fails", [
    ("quadratic_convergence", _half_step, True),
    ("root_and_minimisation", _second_derivative_step, True),
    ("root_and_minimisation", _half_step, True),
    ("saddle_and_damping", _ascent_damped, True),
])
def test_a_planted_newton_step_fails(name, planted, fails):
    derivation = newton_methods.BUILDERS[f"newton_methods.{name}"](planted)
    assert (first_failure(derivation) is not None) == fails


# --- MAML: the derivations read meta_gradient; planted ones must fail -----------------------------------------
MAML = sorted(n for n in DERIVATIONS if n.startswith("maml."))


def test_the_maml_family_is_registered():
    assert MAML == ["maml.chain_rule", "maml.first_order_gap"]


@pytest.mark.parametrize("name", MAML)
def test_every_maml_derivation_proves(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]


def _hessian_at_inner(gradient, hessian, theta, step, convention="second_order"):  # ∇²L(θ') where ∇²L(θ) belongs
    inner = theta - step * gradient(theta)
    outer = gradient(inner)
    return outer if convention == "first_order" else outer - step * hessian(inner) * outer


def _always_first_order(gradient, hessian, theta, step, convention="second_order"):
    return maml.meta_gradient(gradient, hessian, theta, step, "first_order")


@pytest.mark.parametrize("planted, fails", [
    (_hessian_at_inner, {"maml.chain_rule"}),  # invisible on quadratics (constant Hessian): the 1-D step fails
    (_always_first_order, {"maml.chain_rule", "maml.first_order_gap"}),
], ids=["hessian_at_inner_point", "first_order_only"])
def test_a_planted_meta_gradient_fails_exactly_the_proofs_it_breaks(planted, fails):
    built = {name: build(planted) for name, build in maml.BUILDERS.items()}
    assert {name for name, d in built.items() if first_failure(d) is not None} == fails
