"""LAMB: our kernel under every convention, optax.lamb and pytorch_optimizer.Lamb against the near-exact per-step
reference, planted bugs, and the kernel's guarantees (every check before any write, a ValueError naming it)."""
import numpy as np
import pytest
from lamb_mutants import MUTANTS

from derivations import REDUCTION_RULES
from kernels import lamb_step
from verify.checks.catalogue import check_implementation
from verify.checks.elementwise import without_shrinking
from verify.checks.reduction import check_reduction, kernel_for_reduction

VARIANTS = list(REDUCTION_RULES["lamb"].variants())
OPTAX = dict(bias_correction="moments", ratio_eps="none", weight_norm_clip="none", decay="in_ratio")
TORCH = dict(bias_correction="step_size", ratio_eps="eps", weight_norm_clip="clamp_10")


def _id(conv):
    return "-".join(str(v) for v in conv.values())


@pytest.mark.parametrize("conventions", VARIANTS, ids=_id)
def test_the_kernel_passes_every_convention_with_no_false_alarm(conventions):
    report = check_reduction("lamb", conventions=conventions, examples=15)
    assert report.passed, report.message()
    assert report.examples >= 12 and report.mode == "reduction" and 0 < report.worst_ratio <= 1


@pytest.mark.parametrize("seed", range(20))
def test_the_default_kernel_passes_under_twenty_seeds(seed):
    report = check_reduction("lamb", examples=8, seed=seed)
    assert report.passed, report.message()


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_every_planted_bug_is_caught_with_default_settings(name):
    mutant, conventions = MUTANTS[name]
    with without_shrinking():  # caught or not is the question; shrinking cost seconds per mutant
        report = check_reduction("lamb", mutant, conventions)
    assert not report.passed, name
    problem = report.counterexample["problem"]
    assert "tensor" in problem and "expected" in problem or "not finite" in problem, problem
    assert "reproduce with" in report.message()


def test_first_step_is_ten_times_larger_under_step_size_correction():
    """pytorch_optimizer's convention: η/(1-β₁ᵗ) after the ratio, so ‖Δw‖ = 10·η·‖w‖ at t = 1, β₁ = 0.9."""
    sizes = {}
    for corr in ("moments", "step_size"):
        p, g, m, v = [np.array([3.0, 4.0])], [np.array([1.0, -2.0])], [np.zeros(2)], [np.zeros(2)]
        lamb_step(p, g, m, v, step=1, lr=0.01, b1=0.9, eps=0.0, bias_correction=corr)
        sizes[corr] = np.linalg.norm(p[0] - [3.0, 4.0])
    assert sizes["moments"] == pytest.approx(0.05, rel=1e-12)  # η·‖w‖
    assert sizes["step_size"] == pytest.approx(0.5, rel=1e-12)


def test_one_trust_ratio_per_tensor_and_ratio_one_at_zero():
    params = [np.array([3.0, 4.0]), np.zeros(2)]
    grads = [np.array([1.0, 2.0]), np.array([1.0, -1.0])]
    ms, vs = [np.zeros(2), np.zeros(2)], [np.zeros(2), np.zeros(2)]
    lamb_step(params, grads, ms, vs, step=1, lr=0.5, b1=0.5, b2=0.5, eps=0.0)
    # tensor 1: ‖w‖ = 0, r = 1: Adam's own first step η·m̂/√v̂ = η·sign(g)
    np.testing.assert_allclose(params[1], [-0.5, 0.5], rtol=0, atol=0)
    # tensor 0: d = sign(g) = (1, 1), r = ‖w‖/‖d‖ = 5/√2: Δw = -0.5·(5/√2)·(1, 1)
    np.testing.assert_allclose(params[0], np.array([3.0, 4.0]) - 2.5 / np.sqrt(2), rtol=1e-15)


_ARGS = dict(step=1, lr=0.1)


def _lists():
    rng = np.random.default_rng(0)
    return ([rng.standard_normal(4).astype(np.float32), rng.standard_normal((2, 2)).astype(np.float32)]
            for _ in range(4))


def _nan(p, g, m, v):
    g[1][0, 1] = np.nan


def _negative_v(p, g, m, v):
    v[0][0] = -1.0


BAD = {  # label: (spoil, extra keyword arguments, the name the message must start with)
    "list lengths": (lambda p, g, m, v: m.pop(), {}, "params, grads, ms and vs"),
    "NaN in grads[1]": (_nan, {}, "grads[1]"),
    "negative vs[0]": (_negative_v, {}, "vs[0]"),
    "step = 0": (None, dict(step=0), "step"),
    "step = 1.5": (None, dict(step=1.5), "step"),
    "lr = 0": (None, dict(lr=0.0), "lr"),
    "b1 = 1": (None, dict(b1=1.0), "b1"),
    "b2 < 0": (None, dict(b2=-0.1), "b2"),
    "negative eps": (None, dict(eps=-1e-8), "eps"),
    "unknown correction": (None, dict(bias_correction="adam"), "bias_correction"),
    "unknown decay": (None, dict(decay="l2"), "decay"),
}


@pytest.mark.parametrize("label", sorted(BAD))
def test_bad_input_is_a_value_error_naming_it_and_nothing_is_written(label):
    spoil, extra, named = BAD[label]
    params, grads, ms, vs = _lists()
    vs = [np.abs(v) for v in vs]
    if spoil:
        spoil(params, grads, ms, vs)
    before = [a.copy() for a in params + ms + vs]
    with pytest.raises(ValueError) as caught:
        lamb_step(params, grads, ms, vs, **dict(_ARGS, **extra))
    assert str(caught.value).startswith(named), str(caught.value)
    for old, new in zip(before, params + ms + vs):
        np.testing.assert_array_equal(old, new)


def test_our_kernel_is_named_by_its_conventions_and_reached_through_the_catalogue():
    kernel = kernel_for_reduction("lamb", {"decay": "decoupled"})
    assert kernel.__qualname__ == ("kernels.optimizers.lamb.lamb_step(bias_correction='moments', ratio_eps='none', "
                                   "weight_norm_clip='none', decay='decoupled')")
    report = check_implementation("lamb", None, {"weight_norm_clip": "clamp_10"}, examples=10)
    assert report.passed and report.conventions["weight_norm_clip"] == "clamp_10"


def _neighbours(conv):
    """``conv`` and each variant that differs from it on one axis."""
    return [v for v in VARIANTS if sum(v[k] != conv[k] for k in conv) <= 1]


# --- peers: which conventions they follow, found by running them ------------------------------------------------
@pytest.mark.parametrize("conventions", _neighbours(OPTAX), ids=_id)
def test_optax_lamb_is_the_rules_default(conventions):
    pytest.importorskip("optax")
    from verify.adapters.frameworks.optax_lamb import optax_lamb

    with without_shrinking():
        report = check_reduction("lamb", optax_lamb, conventions, examples=8)
    assert report.passed == (conventions == OPTAX), report.message()


@pytest.mark.parametrize("decouple", [True, False])
def test_pytorch_optimizer_lamb_corrects_the_step_size_clips_and_adds_eps_to_the_ratio(decouple):
    pytest.importorskip("pytorch_optimizer")
    from verify.adapters.frameworks.torch_lamb import torch_lamb, torch_lamb_coupled

    implementation = torch_lamb if decouple else torch_lamb_coupled
    match = dict(TORCH, decay="decoupled" if decouple else "in_ratio")
    for conv in _neighbours(match):
        with without_shrinking():
            report = check_reduction("lamb", implementation, conv, examples=8)
        assert report.passed == (conv == match), (conv, report.message())
