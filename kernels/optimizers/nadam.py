"""NAdam (Adam with Nesterov momentum) in place, with every convention as an argument.

Written from Dozat (2016), "Incorporating Nesterov Momentum into Adam", Algorithm 2, and seed
000_a2fbe8e070163c86.txt §1.3.2 ("nadam = adam + nesterov"), never from derivations/:

    μ_t = β1·(1 - ½·0.96^{t·ψ})                      (momentum_schedule="decaying"; "constant": μ_t = β1)
    m ← β1·m + (1-β1)·g,  v ← β2·v + (1-β2)·g²
    m̄ = μ_{t+1}·m/(1 - μ_1⋯μ_{t+1}) + (1 - μ_t)·g/(1 - μ_1⋯μ_t)
    p ← p - lr·m̄/(√(v/(1-β2^t)) + ε)

The step's scalars (μ_t, μ_{t+1}, the product μ_1⋯μ_t, 1-β2^t) are computed once per step in float64 on the
host, then cast to the arrays' dtype.  The product is always the one taken left to right from μ_1, so the kernel
needs no state besides m and v; it is remembered between calls (``running_product``), so that consecutive steps
cost one factor each, not t.  Weight decay through kernels/core/blocks.py.  The caller creates ``m`` and ``v`` (zeros).

Guarantee: every argument is checked before anything is written, and a bad one is a ValueError; the arithmetic
is IEEE (overflow gives ±inf, invalid operations NaN, whatever ``np.errstate`` says).
"""
from __future__ import annotations

import math
import threading

from kernels.core import validate as check
from kernels.core.arith import ieee, scale
from kernels.core.blocks import (
    DECAY_MODES,
    apply_update,
    decayed_gradient,
    ema_into,
    ema_of_square_into,
    validate_decay,
)
from kernels.core.tiling import tiled

MOMENTUM_SCHEDULES = ("decaying", "constant")
SCHEDULE_BASE = 0.96  # Dozat's 0.96 (a double)
__all__ = ["DECAY_MODES", "MOMENTUM_SCHEDULES", "momentum_schedule_scalars", "nadam_step", "validate_nadam"]


def validate_nadam(p, g, m, v, t, lr, beta1, beta2, eps, momentum_decay, weight_decay, momentum_schedule, decay,
                   scratch):
    check.step_count(t)
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("beta1", beta1, low=0.0, high=1.0, high_open=True)
    check.scalar("beta2", beta2, low=0.0, high=1.0, high_open=True)
    check.scalar("eps", eps, low=0.0, low_open=True)
    check.scalar("momentum_decay", momentum_decay, low=0.0)
    validate_decay(decay, weight_decay)
    check.choice("momentum_schedule", momentum_schedule, MOMENTUM_SCHEDULES)
    check.arrays(dict(p=p, g=g, m=m, v=v), dict(scratch=scratch), written=("p", "m", "v", "scratch"),
                 nonnegative_state=("v",), unread=("scratch",))


def _mu(step: int, beta1: float, momentum_decay: float) -> float:
    return beta1 * (1.0 - 0.5 * SCHEDULE_BASE ** (step * momentum_decay))


def momentum_schedule_scalars(t: int, beta1: float, momentum_decay: float, momentum_schedule: str):
    """(μ_t, μ_{t+1}, μ_1⋯μ_t) in float64; the product is taken left to right, one factor at a time."""
    if momentum_schedule == "constant":
        return beta1, beta1, beta1**t
    return _mu(t, beta1, momentum_decay), _mu(t + 1, beta1, momentum_decay), running_product(t, beta1, momentum_decay)


_PRODUCTS: dict = {}  # (β1, ψ) -> (t, μ_1⋯μ_t) of the latest step asked for
_PRODUCTS_KEPT = 64  # pairs remembered (a check draws thousands of β1; a training run uses one or a few)
_PRODUCTS_LOCK = threading.Lock()


def running_product(t: int, beta1: float, momentum_decay: float) -> float:
    """μ_1⋯μ_t in float64, multiplied left to right from 1: the same bits as the loop from scratch, continued from
    the latest product of this (β1, ψ) where that stopped at or before t.  From scratch the host cost grows with t
    (104 ms a step at t = 10^6, against about 2 ms of array work at 10^6 parameters); step after step it is one
    factor."""
    key = (beta1, momentum_decay)
    with _PRODUCTS_LOCK:
        start, product = _PRODUCTS.get(key, (0, 1.0))
    if start > t:
        start, product = 0, 1.0
    for i in range(start + 1, t + 1):
        product *= _mu(i, beta1, momentum_decay)
    with _PRODUCTS_LOCK:
        if key not in _PRODUCTS and len(_PRODUCTS) >= _PRODUCTS_KEPT:
            _PRODUCTS.pop(next(iter(_PRODUCTS)))  # the oldest pair
        _PRODUCTS[key] = (t, product)
    return product


@ieee
def nadam_step(p, g, m, v, t: int, *, lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999,
               eps: float = 1e-8, momentum_decay: float = 4e-3, weight_decay: float = 0.0,
               momentum_schedule: str = "decaying", decay: str = "none", scratch=None,
               validate: bool = True) -> None:
    """One NAdam step at 1-based step ``t``: updates ``p``, ``m``, ``v`` in place.

    ``momentum_schedule`` is ``decaying`` (μ_t = β1·(1 - ½·0.96^{t·momentum_decay}), Dozat and torch; Keras
    is momentum_decay = 1) or ``constant`` (μ_t = β1, optax.nadam; momentum_decay is then ignored).
    ``decay`` is ``none``, ``l2`` (g + λp enters the moments) or ``decoupled`` (p ← p - lr·λ·p beside the step).
    ``scratch``: an array like ``p`` to work in; the step takes two work arrays (the second holds g + λp under
    L2), tiles of it where it is contiguous (kernels/core/tiling.py), else tiles kept from step to step.
    """
    if validate:
        validate_nadam(p, g, m, v, t, lr, beta1, beta2, eps, momentum_decay, weight_decay, momentum_schedule,
                       decay, scratch)
    # Python numbers: a NumPy scalar hyperparameter would change the host arithmetic's precision
    t = int(t)
    lr, beta1, beta2, eps, momentum_decay, weight_decay = map(
        float, (lr, beta1, beta2, eps, momentum_decay, weight_decay))
    mu, mu_next, product = momentum_schedule_scalars(t, beta1, momentum_decay, momentum_schedule)
    coef_m = lr * mu_next / (1.0 - product * mu_next)  # on m: μ_{t+1}/(1 - Π_{i≤t+1} μ_i), times lr
    coef_g = lr * (1.0 - mu) / (1.0 - product)  # on g: (1 - μ_t)/(1 - Π_{i≤t} μ_i), times lr
    root_scale = math.sqrt(1.0 / (1.0 - beta2**t))  # √(v/(1-β2^t)) = √v·√(1/(1-β2^t))
    xp = check.namespace(p)
    as_t = p.dtype.type  # host scalars in p's dtype: bfloat16 times a Python float would give float32

    def body(p, g, m, v, tmp, work):  # one tile; every result goes out= (a 0-d result stays an array)
        grad = decayed_gradient(xp, g, p, decay, weight_decay, out=work)  # g + λp in work, only under L2
        # m ← β1·m + (1-β1)·g
        ema_into(xp, m, grad, beta1, tmp)
        # v ← β2·v + (1-β2)·g²
        ema_of_square_into(xp, v, grad, beta2, tmp)
        # tmp ← lr·m̄ = coef_m·m + coef_g·g; work ← the denominator (under L2, once g + λp is used)
        xp.multiply(m, as_t(coef_m), out=tmp)
        xp.multiply(grad, as_t(coef_g), out=work)
        tmp += work
        xp.sqrt(v, out=work)
        scale(work, root_scale)
        work += as_t(eps)
        tmp /= work
        apply_update(p, tmp, decay, lr, weight_decay)

    tiled(xp, body, (p, g, m, v), work=2, scratch=scratch)
