"""Hutch++, XTrace and Lanczos: our kernels pass every check under 20 seeds; every planted mutant is caught."""
from __future__ import annotations

import numpy as np
import pytest

from tests.planted import trace_mutants as mut
from verify.checks import spectral
from verify.checks.estimators import check_estimator, check_exact

SEEDS = range(20)


# ---- exact checks over sign sketches and probes (verify/checks/estimators.py with spectral.py's bindings) ----
@pytest.mark.parametrize("name", ["hutchpp", "xtrace"])
def test_exact_check_passes(name):
    report = check_exact(name)
    assert report.passed, report.message()


@pytest.mark.parametrize("name", ["hutchpp", "xtrace"])
def test_exact_check_no_false_alarm_under_20_seeds(name):
    for seed in SEEDS:
        report = check_exact(name, seed=seed, examples=3)
        assert report.passed, (seed, report.message())


@pytest.mark.parametrize("name, mutant", [(n, m) for n, ms in mut.IMPLEMENTATIONS.items() for m in ms],
                         ids=lambda x: getattr(x, "__name__", x))
def test_exact_check_catches_implementation(name, mutant):
    report = check_exact(name, mutant, examples=40)
    assert not report.passed, f"{mutant.__name__} passed"
    assert report.counterexample["data"]


@pytest.mark.parametrize("estimator", [mut.HUTCHPP_WRONG_VARIANCE, mut.HUTCHPP_WRONG_MEAN],
                         ids=["variance_of_A", "mean_n_minus_1"])
def test_exact_check_catches_claim(estimator):
    report = check_estimator("hutchpp", None, "rademacher", estimator=estimator, examples=40)
    assert not report.passed


# ---- probe axes: Gaussian, sphere, sign (statistical, false-alarm rate 10⁻⁶) ----
@pytest.mark.parametrize("name", ["hutchpp", "xtrace"])
@pytest.mark.parametrize("kind", spectral.PROBE_KINDS)
def test_probe_axes_pass(name, kind):
    report = spectral.check_probes(name, kind=kind, block=4)
    assert report.passed, report.message()
    assert report.false_alarm == 1e-6


def test_probe_check_no_false_alarm_under_20_seeds():
    for seed in SEEDS:
        report = spectral.check_probes("hutchpp", kind="gaussian", seed=seed, block=2)
        assert report.passed, (seed, report.message())


# XTrace's statistical check is the weaker one: its only variance bound, 2‖S‖_F² per estimate, ignores the averaging
# over the m terms; the I + decaying matrix (tr(A) large against ‖A‖_F) is where its mutants show.
@pytest.mark.parametrize("name, mutant", [("hutchpp", mut.hutchpp_no_projection), ("hutchpp", mut.hutchpp_unnormalised),
                                          ("xtrace", mut.xtrace_no_leave_out), ("xtrace", mut.xtrace_m_minus_1)],
                         ids=lambda x: getattr(x, "__name__", x))
def test_probe_check_catches(name, mutant):
    report = spectral.check_probes(name, mutant, kind="gaussian", block=8)
    assert not report.passed, report.message()


@pytest.mark.parametrize("name", ["hutchpp", "xtrace"])
@pytest.mark.parametrize("kind", spectral.PROBE_KINDS)
def test_exact_when_budget_covers_rank(name, kind):
    report = spectral.check_low_rank(name, kind=kind)
    assert report.passed, report.message()


# (a wrong remainder — m − 1, no leave-out — is invisible here: on rank ≤ budget the remainder is 0)
@pytest.mark.parametrize("name, mutant", [("hutchpp", mut.hutchpp_no_projection), ("hutchpp", mut.hutchpp_unnormalised),
                                          ("xtrace", mut.xtrace_m_minus_1)], ids=lambda x: getattr(x, "__name__", x))
def test_low_rank_check_catches(name, mutant):
    assert not spectral.check_low_rank(name, mutant).passed


# ---- Lanczos: quadrature, moment identity, λ_max ----
def test_quadrature_passes_under_20_seeds():
    for seed in SEEDS:
        report = spectral.check_quadrature(seed=seed, trials=6)
        assert report.passed, (seed, report.message())


@pytest.mark.parametrize("mutant", [mut.weights_unsquared, mut.weights_fourth_power, mut.weights_last_component],
                         ids=["unsquared", "fourth_power", "last_component"])
def test_quadrature_check_catches(mutant):
    assert not spectral.check_quadrature(mutant).passed


def test_lambda_max_passes_under_20_seeds():
    for seed in SEEDS:
        report = spectral.check_lambda_max(seed=seed)
        assert report.passed, (seed, report.message())


@pytest.mark.parametrize("mutant", [mut.lambda_max_by_power_iteration, mut.lambda_max_magnitude,
                                    mut.lambda_max_smallest_node], ids=lambda f: f.__name__)
def test_lambda_max_check_catches(mutant):
    assert not spectral.check_lambda_max(mutant).passed


def test_power_iteration_finds_largest_magnitude():
    """The kernel's power iteration is documented to return the signed dominant eigenvalue: λ_min here."""
    from kernels import power_iteration

    A, n = spectral.indefinite_matrices(0, 1)[0]
    eig = np.linalg.eigvalsh(A)
    assert abs(eig[0]) > eig[-1]
    assert abs(float(power_iteration(A, np.ones(n), 2000)) - eig[0]) < 1e-8


def test_sharpness_is_the_algebraic_max_of_the_hessian():
    """Sharpness from Hessian-vector products of f(x) = ½xᵀHx at an indefinite saddle: λ_max(H), not |λ_min|."""
    from kernels import sharpness

    A, n = spectral.indefinite_matrices(1, 1)[0]
    hvp = lambda V: A @ V  # noqa: E731  the Hessian of ½xᵀAx, applied to a block
    assert abs(float(sharpness(hvp, np.ones(n), n)) - np.linalg.eigvalsh(A)[-1]) < 1e-10


def test_eigsh_default_is_largest_magnitude():
    """scipy.sparse.linalg.eigsh(k=1) defaults to which='LM': on |λ_min| > λ_max it returns λ_min, not the sharpness."""
    pytest.importorskip("scipy")
    found = spectral.eigsh_survey()
    assert found == {"default (LM)": "λ_min", "LA": "λ_max", "LM": "λ_min", "SA": "λ_min"}


def test_slq_of_polynomial_is_hutchinson_of_the_polynomial():
    from kernels import hutchinson_trace, slq

    rng = np.random.default_rng(3)
    A = rng.standard_normal((9, 9))
    A = (A + A.T) / 2
    probes = 2.0 * rng.integers(0, 2, (5, 9)) - 1
    for p in range(6):  # degree ≤ 2k − 1 = 5 with k = 3 steps
        expected = hutchinson_trace(np.linalg.matrix_power(A, p), probes)
        assert abs(float(slq(A, probes, 3, lambda x: x**p)) - float(expected)) <= 1e-9 * max(1.0, 9 * 4.0**p)


# ---- bad input: ValueError naming the argument, before any work ----
@pytest.mark.parametrize("call, word", [
    (lambda k: k.lanczos(np.array([[1.0, 2.0], [0.0, 1.0]]), np.ones((1, 2)), 2), "symmetric"),
    (lambda k: k.lanczos(np.eye(2), np.ones((1, 2)), 0), "k"),
    (lambda k: k.lanczos(np.eye(2), np.zeros((1, 2)), 1), "nonzero"),
    (lambda k: k.slq(np.eye(2), np.ones((1, 2)), 1, "log"), "f"),
    (lambda k: k.xtrace_trace(np.eye(2), np.ones((1, 2))), "m >= 2"),
    (lambda k: k.hutchpp_trace(np.eye(2), np.ones((1, 3)), np.ones((1, 2))), "sketch"),
    (lambda k: k.hutchpp_trace(np.full((2, 2), np.nan), np.ones((1, 2)), np.ones((1, 2))), "A"),
    (lambda k: k.xtrace_trace(np.eye(3), np.ones((2, 2))), "A must be"),
    (lambda k: k.power_iteration(np.eye(2), np.ones((2, 2)), 3), "start"),
])
def test_bad_input(call, word):
    import kernels

    with pytest.raises(ValueError, match=word):
        call(kernels)


def test_block_probes_match_matvec_function():
    """A as an array and as a matmat function give the same estimates (one GEMM either way)."""
    from kernels import hutchpp_trace, slq, xtrace_trace

    rng = np.random.default_rng(1)
    A = rng.standard_normal((20, 20))
    S, G = rng.standard_normal((3, 20)), rng.standard_normal((4, 20))
    assert float(hutchpp_trace(A, S, G)) == pytest.approx(float(hutchpp_trace(lambda V: A @ V, S, G)), rel=1e-12)
    assert float(xtrace_trace(A, G)) == pytest.approx(float(xtrace_trace(lambda V: A @ V, G)), rel=1e-12)
    B = (A + A.T) / 2
    assert float(slq(B, G, 4, np.exp)) == pytest.approx(float(slq(lambda V: B @ V, G, 4, np.exp)), rel=1e-10)


def test_eigsh_crosscheck_rows():
    """The crosscheck rows: eigsh's default is the largest-magnitude eigenvalue, which='LA' the sharpness λ_max."""
    pytest.importorskip("scipy")
    from verify.adapters.peers import PEERS, survey

    rows = {p.label: survey(p) for p in PEERS if p.rule == "lambda_max"}
    assert rows["scipy.sparse.linalg.eigsh(k=1)"].matches == [{"eigenvalue": "largest magnitude"}]
    assert rows["scipy.sparse.linalg.eigsh(k=1, which='LA')"].matches == [{"eigenvalue": "algebraic max λ_max"}]
