"""BFGS and L-BFGS derivations: proved from the rules, and failing for planted changes to the rules."""
import dataclasses

import pytest
import sympy as sp

from derivations.core.proof import check_step
from derivations.optimizers import bfgs, nonlinear_cg
from derivations.registry import DERIVATIONS, derivations_about


@pytest.mark.parametrize("name", ["bfgs.secant", "lbfgs.two_loop", "bfgs.quadratic_termination",
                                  "nonlinear_cg.linear_on_quadratics"])
def test_each_derivation_is_proved(name):
    result = DERIVATIONS[name].check()
    assert result.ok, [s.message for s in result.failed_steps]


def _bfgs_with(update):
    def build(conv, x, oracle, state, first, hyper):
        out = dict(bfgs._build_bfgs(conv, x, oracle, state, first, hyper))
        if not first:
            out["M"] = update(state["M"], state["s"], state["y"])
        return tuple(out.items())

    return dataclasses.replace(bfgs.BFGS, build=build)


def _dfp_order(M, s, y):  # the factors swapped: (I - ρysᵀ)M(I - ρsyᵀ) + ρssᵀ
    rho = 1 / (y.T * s)[0]
    left = sp.eye(M.shape[0]) - rho * y * s.T
    return left * M * left.T + rho * s * s.T


def test_a_bfgs_rule_with_its_factors_swapped_fails_the_secant_equation():
    # only the steps in question are checked: a failing step's residual goes through simplify(), which is slow
    (step,) = [s for s in bfgs.positive_definite(_bfgs_with(_dfp_order)).steps if s.name.startswith("n=2, the rule: secant")]
    assert not check_step(step).ok
    (good,) = [s for s in bfgs.positive_definite().steps if s.name.startswith("n=2, the rule: secant")]
    assert check_step(good).ok


def _rho_over_ss(M, s, y):  # ρ = 1/sᵀs where the update needs 1/yᵀs
    rho = 1 / (s.T * s)[0]
    left = sp.eye(M.shape[0]) - rho * s * y.T
    return left * M * left.T + rho * s * s.T


def _bfgs_stepping_with(update):
    """BFGS whose step follows the planted M (``_bfgs_with`` changes the M it reports, not the step)."""
    def build(conv, x, oracle, state, first, hyper):
        M = state["M"] if first else update(state["M"], state["s"], state["y"])
        d = -M * oracle.g
        return (("M", M), ("d", d)) + bfgs._exact_step(x, oracle.g, oracle.H, d)

    return dataclasses.replace(bfgs.BFGS, build=build)


@pytest.mark.parametrize("update", [_rho_over_ss, _dfp_order])
def test_a_bfgs_rule_stepping_with_a_wrong_update_fails_quadratic_termination(update):
    """ρ = 1/sᵀs, or the factors swapped: the steps no longer make CG's iterates nor reach A⁻¹b in n steps."""
    first = bfgs.quadratic_termination(_bfgs_stepping_with(update)).steps[:2]  # n = 2: iterates, A⁻¹b
    assert [check_step(step).ok for step in first] == [False, False]
    assert all(check_step(step).ok for step in bfgs.quadratic_termination().steps[:2])


def test_an_lbfgs_rule_with_the_inverse_scaling_fails_the_gamma_step():
    def build(conv, x, oracle, state, first, hyper):
        out = dict(bfgs._build_lbfgs(conv, x, oracle, state, first, hyper))
        if not first and conv["scaling"] == "ratio":
            s, y = list(state["pairs"])[-1]
            out["gamma"] = (y.T * y)[0] / (s.T * y)[0]
        return tuple(out.items())

    broken = dataclasses.replace(bfgs.LBFGS, build=build)
    (derivation,) = derivations_about(broken)
    (step,) = [s for s in derivation.steps if s.name == "n=2, the rule: γ minimises ‖γy - s‖²"]
    assert not check_step(step).ok


def test_a_pr_plus_that_clips_from_above_fails_the_witness():
    def build(conv, x, oracle, state, first, hyper):
        out = dict(nonlinear_cg._build(conv, x, oracle, state, first, hyper))
        if conv["beta"] == "pr_plus" and not first:
            g, gp = oracle.g, state["g"]
            out["beta"] = sp.Min((g.T * (g - gp))[0] / (gp.T * gp)[0], 0)  # min instead of max
        return tuple(out.items())

    (derivation,) = derivations_about(dataclasses.replace(nonlinear_cg.RULE, build=build))
    (step,) = [s for s in derivation.steps if s.name == "witness: PR+ gives β = 0 there"]
    assert not check_step(step).ok
