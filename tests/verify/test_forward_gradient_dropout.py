"""Forward gradient and dropout: the kernels pass the exact and statistical checks (the statistical one under 20
seeds), every planted mutant is caught, the predicted error is the enumerated one, and torch's dropout follows
the kernel's inverted-scaling convention bit for bit under the same mask."""
import itertools
from fractions import Fraction

import estimator_mutants as M
import numpy as np
import pytest

from derivations import ESTIMATORS
from kernels import (
    dropout_mask,
    forward_gradient,
    forward_gradient_error,
    inverted_dropout,
    rademacher_probes,
    stochastic_depth_rates,
)
from verify.checks.elementwise import without_shrinking
from verify.checks.estimators import check_all, check_estimator, check_statistical


def test_kernels_pass_every_check():
    reports = check_all(["forward_gradient", "dropout"])
    assert [(r.estimator, r.space, r.mode) for r in reports] == [
        ("forward_gradient", "rademacher", "exact"), ("forward_gradient", "gaussian", "statistical"),
        ("dropout", "bernoulli", "exact")]
    for r in reports:
        assert r.passed, r.message()
        assert r.worst_ratio <= 1 and r.examples > 0


@pytest.mark.parametrize("seed", range(1, 21))
def test_statistical_check_no_false_alarm_under_20_seeds(seed):
    r = check_statistical("forward_gradient", seed=seed, examples=3, replications=1000)
    assert r.passed, r.message()


@pytest.mark.parametrize("seed", [1, 2])
def test_exact_checks_under_other_seeds(seed):
    for name in ("forward_gradient", "dropout"):
        r = check_estimator(name, seed=seed, examples=15)
        assert r.passed, r.message()


# (estimator, implementation, space, keyword arguments) that must fail
MUTANTS = {
    **{f"forward gradient: {what} ({space})": ("forward_gradient", fn, space, {})
       for what, fn in (("divides by ‖v‖²", M.forward_gradient_divides_by_norm),
                        ("(v·v)v", M.forward_gradient_v_dot_v),
                        ("sums the K tangents", M.forward_gradient_sums_tangents),
                        ("scaled by n", M.forward_gradient_scaled_by_n),
                        ("one tangent reused", M.forward_gradient_one_tangent))
       for space in ("rademacher", "gaussian")},
    "dropout: scales by (1-p)": ("dropout", M.dropout_scales_by_keep, "bernoulli", {}),
    "dropout: p as the keep probability": ("dropout", M.dropout_p_as_keep, "bernoulli", {}),
    "dropout: no scaling": ("dropout", M.dropout_no_scaling, "bernoulli", {}),
    # claims and sample spaces, with our (correct) kernels
    "forward gradient claim: Gaussian error for Rademacher": ("forward_gradient", None, "rademacher",
                                                              dict(estimator=M.FORWARD_GRADIENT_GAUSSIAN_CLAIM)),
    "dropout claim: unscaled variance p(1-p)x²": ("dropout", None, "bernoulli",
                                                  dict(estimator=M.DROPOUT_UNSCALED_VARIANCE)),
    "dropout space: p kept, not dropped": ("dropout", None, "bernoulli", dict(estimator=M.DROPOUT_KEEP_WITH_P)),
}


@pytest.mark.parametrize("mutant", MUTANTS)
def test_mutant_caught(mutant):
    with without_shrinking():  # caught is the generation phase's (the minimal ones: the tests below)
        r = M.failing_report(*MUTANTS[mutant])
    assert "raised" not in r.counterexample["problem"]  # caught by a moment, not by a crash


def test_dropout_counterexample_is_exact_and_minimal():
    r = check_estimator("dropout", M.dropout_no_scaling, "bernoulli")
    c = r.counterexample
    assert c["sizes"]["n"] == 1 and c["what"] == "mean"
    p, x = Fraction(c["data"]["p"][0][0]), Fraction(c["data"]["x"][0][0])
    assert Fraction(c["found"][0]) == (1 - p) * x and Fraction(c["claimed"][0]) == x  # E[m·x] = (1 − p)x


@pytest.mark.parametrize("n, K", [(1, 1), (3, 1), (4, 2), (2, 4)])
def test_predicted_error_is_the_enumerated_one(n, K):
    """E‖ĝ − ∇f‖² over all 2^{Kn} sign matrices, exact (dyadic g): (n − 1)‖∇f‖²/K, as forward_gradient_error says."""
    g = np.array([0.5, -1.25, 2.0, 0.75][:n])
    errors = [sum((Fraction(float(a)) - Fraction(float(b))) ** 2
                  for a, b in zip(forward_gradient(g, np.array(s, dtype=float).reshape(K, n)), g))
              for s in itertools.product((-1, 1), repeat=K * n)]
    exact = sum(errors) / len(errors)
    assert exact == Fraction(n - 1, K) * sum(Fraction(float(v)) ** 2 for v in g)
    assert Fraction(float(forward_gradient_error(g, K, "rademacher"))) == exact
    assert forward_gradient_error(g, K, "gaussian") == pytest.approx((n + 1) * float(g @ g) / K)


def test_kernels_take_randomness_as_arguments():
    rng = np.random.default_rng(0)
    g = rng.standard_normal(5)
    V = rademacher_probes(rng.integers(0, 2, (3, 5)))
    assert np.allclose(forward_gradient(g, V), forward_gradient(lambda v: g @ v, V))  # only ∇f·v queried
    assert np.allclose(forward_gradient(g, np.eye(5)), g / 5)  # the coordinate directions: Σ g_i e_i / K
    u = rng.random((4, 6))
    mask = dropout_mask(u, 0.25)
    assert mask.dtype == bool and np.array_equal(mask, u >= 0.25)
    x = rng.standard_normal((4, 6))
    assert np.array_equal(inverted_dropout(x, mask, 0.25), np.where(mask, x * (1 / 0.75), 0.0))
    assert np.array_equal(inverted_dropout(x, mask.astype(float), 0.25), inverted_dropout(x, mask, 0.25))
    assert np.array_equal(inverted_dropout(x, np.ones_like(x), 0.0), x)  # p = 0: the identity
    assert np.allclose(stochastic_depth_rates(4, 0.5), [0.125, 0.25, 0.375, 0.5])


@pytest.mark.parametrize("call, match", [
    (lambda: forward_gradient(np.ones(3), np.ones((2, 4))), "grad"),
    (lambda: forward_gradient(np.ones(3), np.ones(3)), "tangents"),
    (lambda: forward_gradient_error(np.ones(3), 0), "K"),
    (lambda: inverted_dropout(np.ones(3), np.ones(3), 1.0), "p"),
    (lambda: inverted_dropout(np.ones(3), np.array([0, 2, 1]), 0.5), "mask"),
    (lambda: inverted_dropout(np.ones(3), np.ones(2), 0.5), "mask"),
    (lambda: dropout_mask(np.array([0.5, 1.0]), 0.5), "uniforms"),
    (lambda: stochastic_depth_rates(0, 0.5), "layers"),
])
def test_kernels_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_torch_dropout_is_inverted_dropout(dtype):
    """torch.nn.functional.dropout (training): p is the *drop* probability, kept units scaled by 1/(1 − p) — the
    inverted convention — and eval mode is the identity.  Its mask, read off dropout(ones), fed to our kernel
    with random x under the same seed gives torch's output bit for bit (float64 and float32)."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    p, n = 0.3, 2000
    torch.manual_seed(7)
    ones = F.dropout(torch.ones(n, dtype=torch.float64 if dtype == np.float64 else torch.float32), p, training=True)
    mask = ones.numpy() != 0
    assert set(np.unique(ones.numpy())) == {0.0, dtype(1) / dtype(1 - p)}  # kept: 1/(1 − p), not 1 − p nor 1
    assert 0.25 < 1 - mask.mean() < 0.35  # p drops, not keeps
    x = np.random.default_rng(1).standard_normal(n).astype(dtype)
    torch.manual_seed(7)  # the same stream: the same mask
    out = F.dropout(torch.from_numpy(x), p, training=True).numpy()
    assert np.array_equal(out, inverted_dropout(x, mask, p))
    assert np.array_equal(F.dropout(torch.from_numpy(x), p, training=False).numpy(), x)


def test_catalogue_names():
    assert ESTIMATORS["forward_gradient"].output == "vector" and ESTIMATORS["dropout"].output == "vector"
    assert [s.name for s in ESTIMATORS["forward_gradient"].spaces] == ["rademacher", "gaussian"]
    assert [s.name for s in ESTIMATORS["dropout"].spaces] == ["bernoulli"]
