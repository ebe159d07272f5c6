"""verify.check on the EMA kernel, and planted EMA bugs."""
import pytest

from verify import check
from verify.adapters.ours import kernel_for


@pytest.mark.parametrize("init", ["zero", "first_sample"])
@pytest.mark.parametrize("debias", [False, True])
def test_ema_kernel_passes(debias, init):
    conv = {"debias": debias, "init": init}
    assert check("ema", kernel_for("ema", conv), conv, examples=60).passed


def _ema_copy(mutation=None, debias=True, first_sample=False):
    def ema(g, v, t, alpha):
        weight = 1.0 if mutation == "no_one_minus_alpha" or (first_sample and t == 1) else 1.0 - alpha
        if mutation == "first_sample_every_step":
            weight = 1.0 if first_sample else weight
        new_v = (alpha * v + weight * g).astype(v.dtype)
        tb = t + 1 if mutation == "debias_t_plus_1" else t
        if mutation == "swap_weights":
            new_v = ((1 - alpha) * v + alpha * g).astype(v.dtype)
        correction = 1.0 if mutation == "debias_skipped_when_small" and alpha**tb < 1e-8 else 1 - alpha**tb
        average = new_v / v.dtype.type(correction) if debias else new_v
        return {"v": new_v, "average": average.astype(v.dtype)}

    return ema


# debias_skipped_when_small: 1 - α^t taken as 1 once α^t < 1e-8, wrong by α^t (held out until the draws of rates by
# their power, steps.rate_by_power: caught by 3 of 5 seeds before, 5 of 5 after)
@pytest.mark.parametrize("mutation", ["no_one_minus_alpha", "debias_t_plus_1", "swap_weights",
                                      "debias_skipped_when_small"])
def test_ema_mutants_are_caught(mutation):
    assert not check("ema", _ema_copy(mutation), {"debias": True}, raise_on_failure=False).passed


def test_ema_copy_passes():
    assert check("ema", _ema_copy(None), {"debias": True}).passed
    assert check("ema", _ema_copy(None, first_sample=True), {"debias": True, "init": "first_sample"}).passed


@pytest.mark.parametrize("claimed, kernel", [("first_sample", "zero"), ("zero", "first_sample")])
def test_the_start_is_told_apart(claimed, kernel):
    # a kernel that starts at v_0 = 0 is not seed 003's v_1 = g_1, and the other way round
    conv = {"debias": False, "init": kernel}
    report = check("ema", kernel_for("ema", conv), {"debias": False, "init": claimed}, raise_on_failure=False)
    assert not report.passed and report.counterexample.t == 1


def test_a_first_sample_start_on_every_step_is_caught():
    report = check("ema", _ema_copy("first_sample_every_step", debias=False, first_sample=True),
                   {"debias": False, "init": "first_sample"}, raise_on_failure=False)
    assert not report.passed


def test_ema_kernel_rejects_an_unknown_start():
    import numpy as np

    from kernels import ema_update

    v = np.zeros(3)
    with pytest.raises(ValueError, match="init"):
        ema_update(v, np.ones(3), 1, init="first")
    assert not v.any()
