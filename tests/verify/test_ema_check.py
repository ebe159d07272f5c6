"""verify.check on the EMA kernel, and planted EMA bugs."""
import pytest

from verify import check
from verify.adapters.ours import kernel_for


@pytest.mark.parametrize("debias", [False, True])
def test_ema_kernel_passes(debias):
    conv = {"debias": debias}
    assert check("ema", kernel_for("ema", conv), conv, examples=60).passed


def _ema_copy(mutation=None, debias=True):
    def ema(g, v, t, alpha):
        weight = 1.0 if mutation == "no_one_minus_alpha" else 1.0 - alpha
        new_v = (alpha * v + weight * g).astype(v.dtype)
        tb = t + 1 if mutation == "debias_t_plus_1" else t
        if mutation == "swap_weights":
            new_v = ((1 - alpha) * v + alpha * g).astype(v.dtype)
        average = new_v / v.dtype.type(1 - alpha**tb) if debias else new_v
        return {"v": new_v, "average": average.astype(v.dtype)}

    return ema


@pytest.mark.parametrize("mutation", ["no_one_minus_alpha", "debias_t_plus_1", "swap_weights"])
def test_ema_mutants_are_caught(mutation):
    assert not check("ema", _ema_copy(mutation), {"debias": True}, raise_on_failure=False).passed


def test_ema_copy_passes():
    assert check("ema", _ema_copy(None), {"debias": True}).passed
