"""SGD with momentum and Nesterov momentum, in place, with every convention as an argument.

Written from seed 003_91c12aa291f221ab.txt (Gradient Descent with Momentum: forms (1)-(3), NAG),
seed 002_affcfe6d2abfd93d.txt (Momentum) and seed 001_08f6c05329770bc7.txt (lr inside the buffer),
never from derivations/.  The buffer keeps the sign of the gradient; form (1)'s velocity is -buf.

Guarantee: every argument is checked before anything is written, and a bad one is a ValueError;
the arithmetic is IEEE (overflow gives ±inf, invalid operations NaN, whatever ``np.errstate``
says), so a step never stops half-way.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee, scale
from kernels.core.blocks import (
    DECAY_MODES,
    LR_POSITIONS,
    apply_update,
    decayed_gradient,
    gradient_buffers,
    lr_factors,
    validate_decay,
    validate_lr_position,
)
from kernels.core.tiling import tiled

INITS = ("zero", "first_gradient")
__all__ = ["DECAY_MODES", "INITS", "LR_POSITIONS", "sgd_step", "validate_sgd"]  # the modes: from blocks


def validate_sgd(p, g, buf, t, lr, momentum, dampening, weight_decay, lr_position, init, nesterov, decay):
    check.step_count(t)
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("momentum", momentum, low=0.0, high=1.0, high_open=True)
    check.scalar("dampening", dampening, low=0.0, high=1.0)
    validate_decay(decay, weight_decay)
    validate_lr_position(lr_position)
    check.choice("init", init, INITS)
    check.choice("nesterov", nesterov, (False, True))
    check.arrays(dict(p=p, g=g, buf=buf), written=("p", "buf"))


@ieee
def sgd_step(p, g, buf, t: int, *, lr: float = 1e-2, momentum: float = 0.9, dampening: float = 0.0,
             weight_decay: float = 0.0, lr_position: str = "outside_buffer", init: str = "zero",
             nesterov: bool = False, decay: str = "none", validate: bool = True) -> None:
    """One momentum step at 1-based step ``t``: updates ``p`` and ``buf`` in place.

    ``buf ← momentum·buf + s·c·g`` with ``c = 1 - dampening`` (``c = 1`` at t = 1 when
    ``init="first_gradient"``) and ``s = lr`` if ``lr_position="inside_buffer"`` else 1; then
    ``p ← p - lr·d`` (or ``p - d`` inside) with ``d = buf``, or ``g + momentum·buf`` (Nesterov).
    ``decay``: ``l2`` adds λp to g first; ``decoupled`` shrinks p by lr·λ beside the step.
    """
    if validate:
        validate_sgd(p, g, buf, t, lr, momentum, dampening, weight_decay, lr_position, init, nesterov, decay)
    # Python numbers: a NumPy scalar hyperparameter would change the host arithmetic's precision
    t = int(t)
    lr, momentum, dampening, weight_decay = map(float, (lr, momentum, dampening, weight_decay))
    xp = check.namespace(p)
    as_t = p.dtype.type  # host scalars in p's dtype: bfloat16 times a Python float would give float32
    inside, after = lr_factors(lr_position, lr)
    coefficient = 1.0 if (init == "first_gradient" and t == 1) else 1.0 - dampening

    entering = inside * coefficient  # one host scalar: lr·c rounds once

    def body(p, g, buf, tmp, spare=None):  # one tile; every result goes out= (a 0-d result stays an array)
        grad = decayed_gradient(xp, g, p, decay, weight_decay, out=spare)  # spare: g + λp, only for L2
        buf *= as_t(momentum)
        if entering == 1.0:  # g·1 = g exactly: no pass over memory for it (the default)
            buf += grad
        else:
            xp.multiply(grad, as_t(entering), out=tmp)
            buf += tmp
        if nesterov:  # d = inside·g + momentum·buf, read after the buffer update
            xp.multiply(buf, as_t(momentum), out=tmp)
            tmp += grad if inside == 1.0 else grad * as_t(inside)  # g·1 = g: no temporary
            scale(tmp, after)
            apply_update(p, tmp, decay, lr, weight_decay)
        elif after == 1.0:  # d = buf, taken as it is
            apply_update(p, buf, decay, lr, weight_decay)
        else:
            xp.multiply(buf, as_t(after), out=tmp)
            apply_update(p, tmp, decay, lr, weight_decay)

    tiled(xp, body, (p, g, buf), work=1 + gradient_buffers(decay))
