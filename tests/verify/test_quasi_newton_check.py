"""BFGS and L-BFGS: our kernels against the exact per-iteration references, planted bugs, peers and bad input."""
from fractions import Fraction

import numpy as np
import pytest
from quasi_newton_mutants import BFGS_MUTANTS, LBFGS_MUTANTS, NONLINEAR_CG_MUTANTS, bfgs_as_written

from kernels.optimizers.cg import cg
from kernels.optimizers.lbfgs import bfgs, lbfgs
from kernels.optimizers.nonlinear_cg import nonlinear_cg
from verify.checks.elementwise import without_shrinking
from verify.checks.matrix import MATRIX_RULES, check_matrix, kernel_for
from verify.strategies.objectives import Objective, oracle

SEEDS = range(20)  # the 20 seeds for correct variants, at a small budget each


@pytest.mark.parametrize("scaling", ["ratio", "identity"])
def test_the_lbfgs_kernel_passes_both_scalings_under_20_seeds(scaling):
    for seed in SEEDS:
        report = check_matrix("lbfgs", conventions=dict(scaling=scaling), examples=4, seed=seed)
        assert report.passed, report.message()


def test_the_bfgs_kernel_passes_under_20_seeds_and_so_does_the_product_form():
    # the product form (I - ρsyᵀ)M(I - ρysᵀ) + ρssᵀ (scipy's) rounds differently from our expanded form: the
    # bound covers both, so neither is a false alarm
    for seed in SEEDS:
        report = check_matrix("bfgs", examples=4, seed=seed)
        assert report.passed, report.message()
    for seed in range(5):
        report = check_matrix("bfgs", bfgs_as_written, examples=6, seed=seed)
        assert report.passed, report.message()


@pytest.mark.parametrize("name", sorted(LBFGS_MUTANTS))
def test_every_planted_lbfgs_bug_is_caught(name):
    with without_shrinking():  # caught is what matters here; shrinking exact Fractions is slow
        report = check_matrix("lbfgs", LBFGS_MUTANTS[name])
    assert not report.passed, name


@pytest.mark.parametrize("name", sorted(BFGS_MUTANTS))
def test_every_planted_bfgs_bug_is_caught(name):
    with without_shrinking():
        report = check_matrix("bfgs", BFGS_MUTANTS[name])
    assert not report.passed, name


def test_the_other_scaling_is_a_different_convention():
    with without_shrinking():
        report = check_matrix("lbfgs", kernel_for("lbfgs", dict(scaling="ratio")), dict(scaling="identity"))
    assert not report.passed and report.counterexample["problem"].startswith("d_")


def test_a_wrongly_skipped_pair_is_caught():
    def never_stores(x0, *, grad, hvp, iterations, memory, value=None):  # memory stays empty: steepest descent
        return _steepest(x0, grad, hvp, iterations)

    with without_shrinking():
        report = check_matrix("lbfgs", never_stores)
    assert not report.passed and "memory" in report.counterexample["problem"]


def _steepest(x0, grad, hvp, iterations):
    x, seen = x0.copy(), []
    for _ in range(iterations):
        g = grad(x)
        d = -g
        seen.append((x.copy(), g.copy(), d.copy(), [], [], 1.0))
        x = x + (-np.dot(g, d) / np.dot(d, hvp(x, d))) * d
    return x, seen


def _quadratic():
    F = Fraction
    return Objective("quadratic", "float64", A=((F(4), F(1), F(0)), (F(1), F(3), F(1)), (F(0), F(1), F(2))),
                     b=(F(1), F(2), F(-1)))


@pytest.mark.parametrize("run", [bfgs, lambda x0, **kw: lbfgs(x0, memory=3, **kw)])
def test_n_iterations_reach_the_solution_with_exact_line_search(run):
    A = np.array([[4, 1, 0], [1, 3, 1], [0, 1, 2]], dtype=float)
    x = run(np.zeros(3), iterations=4, **oracle(_quadratic()))  # converged exactly after 2: then stays
    assert np.allclose(x, np.linalg.solve(A, [1, 2, -1]), rtol=1e-13)


def test_armijo_line_search_converges_too():
    A = np.array([[4, 1, 0], [1, 3, 1], [0, 1, 2]], dtype=float)
    x = lbfgs(np.zeros(3), iterations=30, memory=3, line_search="armijo", **oracle(_quadratic()))
    assert np.allclose(x, np.linalg.solve(A, [1, 2, -1]), rtol=1e-8)


@pytest.mark.parametrize("bad", [dict(memory=0), dict(scaling="cubic"), dict(iterations=-1), dict(c1=1.5),
                                 dict(line_search="armijo", value=None), dict(line_search="wolfe")])
def test_bad_arguments_are_value_errors(bad):
    kw = {**oracle(_quadratic()), "iterations": 1, **bad}
    with pytest.raises(ValueError):
        lbfgs(np.zeros(3), **kw)


def test_non_finite_start_is_refused():
    with pytest.raises(ValueError, match="x0"):
        bfgs(np.array([np.nan, 0, 0]), iterations=1, **oracle(_quadratic()))


def test_the_rules():
    assert MATRIX_RULES["lbfgs"].conventions() == dict(scaling="ratio", line_search="exact")
    assert len(list(MATRIX_RULES["lbfgs"].variants())) == 4 and "bfgs" in MATRIX_RULES


def test_torch_lbfgs_scales_by_the_newest_pair_and_takes_its_own_step_length():
    pytest.importorskip("torch")
    from verify.adapters.frameworks import torch_lbfgs as t

    # what `crosscheck torch` finds by surveying all four variants (scaling=ratio, line_search=any), checked here
    # directly: the match passes, and each other value of an axis fails where it should
    with without_shrinking():
        for run in (t.torch_lbfgs, t.torch_lbfgs_strong_wolfe):
            assert check_matrix("lbfgs", run, dict(scaling="ratio", line_search="any"), examples=6,
                                **t.CHECK_OPTIONS).passed
        other = check_matrix("lbfgs", t.torch_lbfgs, dict(scaling="identity", line_search="any"), examples=6,
                             **t.CHECK_OPTIONS)
        exact = check_matrix("lbfgs", t.torch_lbfgs, dict(scaling="ratio", line_search="exact"), examples=6,
                             **t.CHECK_OPTIONS)
    assert other.counterexample["problem"].startswith("d_2") and exact.counterexample["problem"].startswith("x_")


def test_torch_strong_wolfe_with_max_iter_1_does_no_line_search_unless_max_eval_is_given():
    pytest.importorskip("torch")
    from verify.adapters.frameworks import torch_lbfgs as t

    F = Fraction
    steep = Objective("quadratic", "float64", A=((F(100), F(0)), (F(0), F(1))), b=(F(1), F(2)))
    runs = [f(np.array([3.0, 3.0]), iterations=4, memory=3, **oracle(steep))[0]
            for f in (t.torch_lbfgs, t.torch_lbfgs_strong_wolfe_default_max_eval, t.torch_lbfgs_strong_wolfe)]
    assert np.array_equal(runs[0], runs[1])  # max_eval = max_iter·5//4 = 1: the fixed step, bit for bit
    assert not np.array_equal(runs[0], runs[2])


# --- nonlinear CG ---------------------------------------------------------------------------------------
NCG_VARIANTS = list(MATRIX_RULES["nonlinear_cg"].variants())


@pytest.mark.parametrize("conventions", NCG_VARIANTS, ids=lambda c: "-".join(c.values()))
def test_the_nonlinear_cg_kernel_passes_every_convention(conventions):
    for seed in (0, 1):
        report = check_matrix("nonlinear_cg", conventions=conventions, examples=10, seed=seed)
        assert report.passed, report.message()


def test_the_default_nonlinear_cg_convention_passes_under_20_seeds():
    for seed in SEEDS:
        assert check_matrix("nonlinear_cg", examples=4, seed=seed).passed


@pytest.mark.parametrize("name", sorted(NONLINEAR_CG_MUTANTS))
def test_every_planted_nonlinear_cg_bug_is_caught(name):
    mutant, conventions = NONLINEAR_CG_MUTANTS[name]
    with without_shrinking():
        report = check_matrix("nonlinear_cg", mutant, conventions)
    assert not report.passed, name


def test_pr_after_an_armijo_step_may_not_descend_and_the_refusal_is_accepted_only_there():
    # PR without the descent restart, after an inexact (Armijo) step, can point uphill: our kernel then raises
    # (no Armijo step exists), which the check accepts only where the exact direction is indeed no descent
    def always_refuses_late(x0, *, grad, hvp, iterations, value=None):
        if iterations > 1:
            raise ValueError("refused")
        return nonlinear_cg(x0, grad=grad, hvp=hvp, value=value, iterations=iterations, line_search="armijo",
                            history=True)

    with without_shrinking():
        report = check_matrix("nonlinear_cg", always_refuses_late, dict(line_search="any"))
    assert not report.passed and "where d is a descent direction" in report.counterexample["problem"]


@pytest.mark.parametrize("beta", ["fletcher_reeves", "polak_ribiere", "pr_plus"])
def test_nonlinear_cg_with_exact_line_search_is_linear_cg_on_a_quadratic(beta):
    # 2 iterations: this quadratic is solved exactly after 2, where linear CG's next α is 0/0 (NaN, by convention)
    # and nonlinear CG stays put
    x_lin, seen_lin = cg(np.zeros(3), iterations=2, history=True, beta="fletcher_reeves", **oracle(_quadratic()))
    x_non, seen_non = nonlinear_cg(np.zeros(3), iterations=2, history=True, beta=beta, **oracle(_quadratic()))
    for a, b in zip(seen_lin, seen_non):
        assert np.allclose(a[0], b[0], rtol=1e-13, atol=1e-15) and np.allclose(a[2], b[2], rtol=1e-12, atol=1e-15)
    assert np.allclose(x_lin, x_non, rtol=1e-13)


# --- hidden-state peers: iterates against the rule's direction, within a conditioning-scaled band -----------
def test_scipy_bfgs_starts_from_the_identity_and_lbfgsb_scales_by_the_newest_pair():
    pytest.importorskip("scipy")
    from verify.adapters.frameworks.scipy_bfgs import scipy_bfgs, scipy_lbfgsb
    from verify.checks.quasi_newton import check_trajectory

    with without_shrinking():
        found = {(run.__name__, scaling): check_trajectory(run, dict(scaling=scaling), examples=4, memory=memory)
                 for run, memory in ((scipy_bfgs, 10**6), (scipy_lbfgsb, 3)) for scaling in ("ratio", "identity")}
    assert {key for key, report in found.items() if report.passed} == {("scipy_bfgs", "identity"),
                                                                        ("scipy_lbfgsb", "ratio")}
    # the wrong hypothesis is off by a large angle, not by a hair over the band
    assert all("sin∠" in r.counterexample["problem"] for r in found.values() if not r.passed)


def test_the_trajectory_check_catches_a_peer_keeping_too_many_pairs():
    pytest.importorskip("scipy")
    from verify.adapters.frameworks.scipy_bfgs import scipy_lbfgsb
    from verify.checks.quasi_newton import check_trajectory

    def keeps_five(A, b, x0, k, memory):  # told m = 2, keeps 5
        return scipy_lbfgsb(A, b, x0, k, 5)

    with without_shrinking():
        assert not check_trajectory(keeps_five, dict(scaling="ratio"), examples=10, memory=2).passed
