"""Exponential moving average, in place: v ← α v + (1-α) g, optionally debiased by 1-α^t.

Written from seed 003 (EWMA) and seed 002 (bias correction) directly; never imports derivations/.
``init="zero"`` starts from v_0 = 0 (seed 002); ``init="first_sample"`` makes the first step v_1 = g_1
(seed 003: v ← α v + 1·g at t = 1, which is g_1 from the zeroed v), and the EMA afterwards.

Guarantee: every argument is checked before anything is written, and a bad one is a ValueError;
the arithmetic is IEEE (overflow gives ±inf, invalid operations NaN, whatever ``np.errstate``
says), so an update never stops half-way.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee
from kernels.core.tiling import tiled

INITS = ("zero", "first_sample")


def validate_ema(v, g, t, alpha, debias, init="zero"):
    check.step_count(t)
    check.scalar("alpha", alpha, low=0.0, high=1.0, high_open=True)
    check.choice("debias", debias, (False, True))
    check.choice("init", init, INITS)
    check.arrays(dict(v=v, g=g), written=("v",))


@ieee
def ema_update(v, g, t: int, *, alpha: float = 0.9, debias: bool = False, init: str = "zero",
               validate: bool = True):
    """Update ``v`` in place with gradient-like sample ``g``; return the average v_t (or v_t/(1-α^t)).

    ``t`` is the 1-based count of samples seen including this one.  With ``debias`` the
    returned array is new; otherwise it is ``v`` itself.
    """
    if validate:
        validate_ema(v, g, t, alpha, debias, init)
    # Python numbers: a NumPy scalar hyperparameter would change the host arithmetic's precision
    t, alpha = int(t), float(alpha)
    as_t = v.dtype.type  # host scalars in v's dtype: bfloat16 times a Python float would give float32
    # v ← v + (1-α)(g - v) would round differently; keep the seed's form α v + (1-α) g.
    weight = 1.0 if init == "first_sample" and t == 1 else 1.0 - alpha  # the new sample's weight
    xp = check.namespace(v)
    average = xp.empty_like(v) if debias else None  # out=: a 0-d average stays an array

    def body(v, g, average, tmp):  # one tile
        v *= as_t(alpha)
        xp.multiply(g, as_t(weight), out=tmp)
        v += tmp
        if debias:
            xp.divide(v, as_t(1.0 - alpha**t), out=average)

    tiled(xp, body, (v, g, average), work=1)
    return v if average is None else average
