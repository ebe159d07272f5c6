"""verify.check on NAdam: our kernel passes under every convention (per step and from the start), every planted
bug is caught with default settings, and the faithful copy raises no false alarm under 20 seeds."""
import numpy as np
import pytest
from nadam_mutants import MUTANTS, conventions_for, nadam

from derivations import rule
from derivations.optimizers.nadam import MU_PRODUCT
from kernels import nadam_step
from kernels.optimizers.nadam import momentum_schedule_scalars
from verify import check
from verify.adapters.ours import kernel_for
from verify.checks.elementwise import without_shrinking

VARIANTS = list(rule("nadam").variants())


@pytest.mark.parametrize("conventions", VARIANTS, ids=lambda c: ",".join(map(str, c.values())))
def test_numpy_kernel_passes_every_convention(conventions):
    report = check("nadam", kernel_for("nadam", conventions), conventions, examples=15)
    assert report.passed and report.examples >= 15
    assert report.worst_ratio <= 1.0


@pytest.mark.parametrize("mutation", MUTANTS)
def test_each_planted_bug_is_caught_with_default_settings(mutation):
    conv = conventions_for(mutation)
    with without_shrinking():
        report = check("nadam", nadam(mutation, **conv), conv, raise_on_failure=False)
    assert not report.passed, f"mutant {mutation} was not caught"
    assert "reference_step('nadam'" in report.repro


@pytest.mark.parametrize("seed", range(20))
def test_no_false_alarm_under_20_seeds(seed):
    conv = VARIANTS[seed % len(VARIANTS)]
    assert check("nadam", nadam(None, **conv), conv, seed=seed, examples=20).passed


def _run_our_kernel(conventions):
    """A trajectory runner around our kernel: m and v start at 0 and stay hidden; only p is seen."""
    def run(inputs, gradients, **hyper):
        p = inputs["p"].copy()
        m, v = np.zeros_like(p), np.zeros_like(p)
        out = []
        for k, g in enumerate(gradients):
            nadam_step(p, g, m, v, k + 1, **{n: (h[k] if isinstance(h, list) else h) for n, h in hyper.items()},
                       **conventions)
            out.append(p.copy())
        return out

    return run


@pytest.mark.parametrize("schedule", ["decaying", "constant"])
def test_our_kernel_from_the_start_with_a_learning_rate_schedule(schedule):
    conv = {"momentum_schedule": schedule}
    report = check("nadam", _run_our_kernel(conv), conv, trajectory=True, schedules=("lr",), examples=30)
    assert report.passed


@pytest.mark.parametrize("beta1, psi", [(0.9, 4e-3), (0.999, 1.0), (0.5, 0.0), (0.0, 3.0)])
def test_the_kernels_product_is_the_rules_host_product(beta1, psi):
    # The same left-to-right float64 product: the kernel never imports derivations, so the two are compared here.
    for t in (1, 2, 10, 1000):
        assert momentum_schedule_scalars(t, beta1, psi, "decaying")[2] == MU_PRODUCT._imp_(t, beta1, psi)


@pytest.mark.parametrize("change, match", [
    (dict(momentum_schedule="cosine"), "^momentum_schedule"),
    (dict(momentum_decay=-1e-3), "^momentum_decay"),
    (dict(momentum_decay=float("nan")), "^momentum_decay"),
    (dict(beta1=1.0), "^beta1"),
    (dict(lr=0.0), "^lr"),
])
def test_a_bad_argument_is_rejected_before_anything_is_written(change, match):
    rng = np.random.default_rng(0)
    p, g, m = (rng.uniform(-1, 1, 4).astype(np.float32) for _ in range(3))
    v = rng.uniform(0, 1, 4).astype(np.float32)
    before = [a.copy() for a in (p, m, v)]
    with pytest.raises(ValueError, match=match):
        nadam_step(p, g, m, v, 3, **change)
    assert all(np.array_equal(a, b) for a, b in zip((p, m, v), before))


def test_constant_schedule_ignores_momentum_decay():
    rng = np.random.default_rng(1)
    arrays = [rng.uniform(0.1, 1, 5) for _ in range(4)]
    a, b = ([x.copy() for x in arrays] for _ in range(2))
    nadam_step(*a, 7, momentum_schedule="constant", momentum_decay=4e-3)
    nadam_step(*b, 7, momentum_schedule="constant", momentum_decay=1.0)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_late_examples_reach_a_million_steps_with_beta1_near_one():
    # β1 enters through Π μ_i = β1^t·…, declared by the host function: a late example draws it as 1 - c/t, so
    # that Π_t is neither 0 nor 1 there; the late run reaches SLOW_T (an implementation's Π may cost t)
    from hypothesis import find
    from hypothesis.errors import NoSuchExample

    from verify.reference.elementwise import compile_rule
    from verify.strategies import steps

    compiled = compile_rule("nadam", None)
    assert steps.powered_by_t(compiled.expressions) == ("beta1", "beta2")
    assert not steps.cheap_in_t(compiled.expressions) and steps.SLOW_T == 10**6
    assert find(steps.late(cheap_in_t=False), lambda t: t > 10**5)  # past the old cap of 10^4
    with pytest.raises(NoSuchExample):
        find(steps.late(cheap_in_t=False), lambda t: t > steps.SLOW_T)
