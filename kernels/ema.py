"""Exponential moving average, in place: v ← α v + (1-α) g, optionally debiased by 1-α^t.

Written from seed 003 (EWMA) and seed 002 (bias correction) directly; never imports derivations/.
"""
from __future__ import annotations

from . import _validate as check


def ema_update(v, g, t: int, *, alpha: float = 0.9, debias: bool = False, validate: bool = True):
    """Update ``v`` in place with gradient-like sample ``g``; return the average v_t (or v_t/(1-α^t)).

    ``t`` is the 1-based count of samples seen including this one.  With ``debias`` the
    returned array is new; otherwise it is ``v`` itself.
    """
    if validate:
        t = check.step_count(t)
        alpha = check.scalar("alpha", alpha, low=0.0, high=1.0, high_open=True)
        check.choice("debias", debias, (False, True))
        check.floating("v", v)
        check.writable("v", v)
        check.like("g", g, v, "v")
        check.finite("g", g)
    # v ← v + (1-α)(g - v) would round differently; keep the seed's form α v + (1-α) g.
    v *= alpha
    v += (1.0 - alpha) * g
    if debias:
        return v / (1.0 - alpha**t)
    return v
