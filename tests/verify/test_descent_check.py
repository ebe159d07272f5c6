"""Gradient, steepest and coordinate descent: our kernels against the exact per-iteration references, the
measured contraction against the derived rates, planted bugs, and bad input."""
from fractions import Fraction

import numpy as np
import pytest
from descent_mutants import MUTANTS, RATE_MUTANT

from kernels.optimizers.descent import coordinate_descent, gradient_descent, steepest_descent
from verify.checks.descent import _GDKernel, check_gd_rate
from verify.checks.elementwise import without_shrinking
from verify.checks.matrix import MATRIX_RULES, check_matrix, kernel_for
from verify.strategies.objectives import Objective, oracle

RULES = ("gradient_descent", "steepest_descent", "coordinate_descent")
VARIANTS = [(name, conv) for name in RULES for conv in MATRIX_RULES[name].variants()]


def _id(item):
    name, conv = item
    return name + "-" + "-".join(conv.values())


@pytest.mark.parametrize("item", VARIANTS, ids=_id)
def test_the_kernel_passes_every_convention(item):
    name, conv = item
    report = check_matrix(name, conventions=conv, examples=30, seed=0)
    assert report.passed, report.message()
    assert report.examples >= 25


@pytest.mark.parametrize("seed", range(20))
def test_the_default_variants_pass_under_20_seeds(seed):
    for name in RULES:  # a few examples per seed: 20 seeds × 3 rules stays cheap
        report = check_matrix(name, examples=3, seed=seed + 1)
        assert report.passed, report.message()


CAUGHT = [(rule, label) for rule in MUTANTS for label in MUTANTS[rule]]


@pytest.mark.parametrize("rule,label", CAUGHT, ids=[f"{r}: {m}" for r, m in CAUGHT])
def test_every_planted_bug_is_caught_with_default_settings(rule, label):
    mutant, conventions = MUTANTS[rule][label]
    with without_shrinking():  # finding is the generation phase's; shrinking only makes it minimal (and slow)
        report = check_matrix(rule, mutant, conventions)
    assert not report.passed, label


def test_a_shrunk_counterexample_names_the_first_wrong_value():
    mutant, conventions = MUTANTS["coordinate_descent"]["Jacobi: g not refreshed within a sweep"]
    report = check_matrix("coordinate_descent", mutant, conventions, examples=30)
    assert report.counterexample["problem"].startswith("g after update 1")
    assert len(report.counterexample["x"]) == 2  # the smallest problem with a second coordinate to update


@pytest.mark.parametrize("step", ["fixed", "line_search"])
@pytest.mark.parametrize("seed", [0, 1])
def test_the_measured_contraction_is_within_the_derived_rate(step, seed):
    report = check_gd_rate(_GDKernel({"step": step}), step, examples=15, seed=seed)
    assert report.passed, report.message()
    assert report.worst_ratio > 0.5  # the rates are tight: on n = 2 the bound is (nearly) attained


def test_a_kernel_that_overshoots_the_best_step_breaks_the_rate():
    report = check_gd_rate(RATE_MUTANT, "fixed", examples=15)
    assert not report.passed


F = Fraction
BAD_CASE = Objective("quadratic", "float64", A=((F(4), F(-2)), (F(-2), F(4))), b=(F(0), F(0)))  # α = 1


def test_the_bad_case_contracts_by_one_over_one_plus_alpha_squared_per_sweep():
    # (w1 - w2)² + (w1² + w2²): Hessian [[4, -2], [-2, 4]]; after a sweep w = (w2/2, w2/4), then ×1/4 per sweep
    x = coordinate_descent(np.array([0.0, 1.0]), sweeps=3, **oracle(BAD_CASE))
    assert x.tolist() == [1 / 2 / 16, 1 / 4 / 16]


def test_coordinate_descent_is_not_rotation_invariant_and_gradient_descent_is():
    D = Objective("quadratic", "float64", A=((F(8), F(0)), (F(0), F(2))), b=(F(0), F(0)))
    R = Objective("quadratic", "float64", A=((F(5), F(3)), (F(3), F(5))), b=(F(0), F(0)))  # 45° rotation of D
    start = np.array([1.0, 1.0])
    assert coordinate_descent(start, sweeps=1, **oracle(D)).tolist() == [0.0, 0.0]
    assert coordinate_descent(start, sweeps=1, **oracle(R)).tolist() == pytest.approx([-0.6, 0.36], rel=1e-15)
    Q = np.array([[1.0, -1.0], [1.0, 1.0]]) / np.sqrt(2)
    y = Q.T @ start
    gd_r = gradient_descent(start, iterations=3, lr=0.1, **oracle(R))
    gd_d = gradient_descent(y, iterations=3, lr=0.1, **oracle(D))
    assert np.allclose(Q @ gd_d, gd_r, rtol=0, atol=1e-15)


def test_steepest_directions_under_each_norm():
    quad = Objective("quadratic", "float64", A=((F(1), F(0)), (F(0), F(1))), b=(F(3), F(-4)))
    x0 = np.zeros(2)  # g = (-3, 4)
    for norm, v in (("l2", [0.6, -0.8]), ("linf", [1.0, -1.0]), ("l1", [0.0, -1.0])):
        _, seen = steepest_descent(x0, iterations=1, lr=1.0, norm=norm, history=True, **oracle(quad))
        assert seen[0][2].tolist() == pytest.approx(v, abs=1e-16), norm


def test_a_line_search_at_the_minimiser_stays_there():
    quad = Objective("quadratic", "float64", A=((F(2),),), b=(F(2),))
    assert gradient_descent(np.ones(1), iterations=2, step="line_search", **oracle(quad)).tolist() == [1.0]


QUAD = Objective("quadratic", "float64", A=((F(1),),), b=(F(1),))


@pytest.mark.parametrize("call", [
    lambda: gradient_descent(np.zeros(1), iterations=1, lr=-0.1, **oracle(QUAD)),
    lambda: gradient_descent(np.zeros(1), iterations=1, lr=0.1, momentum=1.0, step="heavy_ball", **oracle(QUAD)),
    lambda: gradient_descent(np.zeros(1), iterations=-1, lr=0.1, **oracle(QUAD)),
    lambda: gradient_descent(np.array([np.nan]), iterations=1, lr=0.1, **oracle(QUAD)),
    lambda: gradient_descent(np.zeros(1), iterations=1, step="nesterov", **oracle(QUAD)),
    lambda: steepest_descent(np.zeros(1), iterations=1, lr=0.1, norm="l3", **oracle(QUAD)),
    lambda: steepest_descent(np.zeros((1, 1)), iterations=1, lr=0.1, **oracle(QUAD)),
    lambda: coordinate_descent(np.zeros(1), sweeps=1, block=0, **oracle(QUAD)),
    lambda: coordinate_descent(np.zeros(1, dtype=np.int64), sweeps=1, **oracle(QUAD)),
    lambda: coordinate_descent(np.zeros(1), sweeps=1, order="random", **oracle(QUAD)),
    lambda: gradient_descent(np.zeros(2), iterations=1, lr=0.1, grad=lambda x: np.zeros(3)),
])
def test_bad_arguments_are_value_errors(call):
    with pytest.raises(ValueError):
        call()


def test_kernel_for_names_the_conventions():
    assert kernel_for("steepest_descent", {"norm": "l1"}).conv == {"norm": "l1", "step": "fixed"}
    assert kernel_for("coordinate_descent", {"block": "pairs"}).block == 2
    assert kernel_for("gradient_descent").step == "fixed"


@pytest.mark.xdist_group("gpu")
@pytest.mark.parametrize("item", VARIANTS, ids=_id)
def test_cupy_arrays_take_the_same_path(item):
    from verify.adapters.ours import gpu_available

    if not gpu_available():
        pytest.skip("CuPy with a CUDA GPU is not available")
    import cupy

    name, conv = item
    report = check_matrix(name, conventions=conv, examples=10, seed=0, xp=cupy)
    assert report.passed, report.message()


def test_the_crosscheck_finds_optax_sgd_is_heavy_ball_and_plain_gd_at_zero_momentum():
    pytest.importorskip("optax")
    from verify.adapters import peers

    (peer,) = [p for p in peers.peers_of("optax") if p.rule == "gradient_descent"]
    found = peers.survey(peer, examples=15)
    # optax's trace m_t = g_t + βm_(t-1), x -= ηm_t is Polyak's heavy ball; at β = 0 (momentum=None) plain GD;
    # it never line-searches
    assert found.matched and found.summary() == {"step": ["fixed", "heavy_ball"]}
