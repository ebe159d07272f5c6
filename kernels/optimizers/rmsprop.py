"""RMSProp, centered or not, with momentum, in place, with every convention as an argument.

Written from seed 003_91c12aa291f221ab.txt (RMSProp: r ← ρr + (1-ρ)g⊙g, θ ← θ - ε/√(r+δ)⊙g) and
seed 001_08f6c05329770bc7.txt (RMSProp), never from derivations/.  Centered: divide by
√(r - ḡ²), ḡ the running mean of g (Graves 2013).  The caller creates the state: ``v`` filled with
the initial accumulator value (usually 0), ``gavg`` and ``buf`` with zeros.

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

EPS_MODES = ("inside_sqrt", "outside_sqrt")
__all__ = ["DECAY_MODES", "EPS_MODES", "LR_POSITIONS", "rmsprop_step", "validate_rmsprop"]  # the modes: from blocks


def validate_rmsprop(p, g, v, t, lr, alpha, eps, momentum, weight_decay, eps_mode, centered, lr_position, decay,
                     gavg, buf):
    check.step_count(t)
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("alpha", alpha, low=0.0, high=1.0, high_open=True)
    check.scalar("eps", eps, low=0.0, low_open=True)
    check.scalar("momentum", momentum, low=0.0, high=1.0, high_open=True)
    validate_decay(decay, weight_decay)
    check.choice("eps_mode", eps_mode, EPS_MODES)
    check.choice("centered", centered, (False, True))
    validate_lr_position(lr_position)
    if centered and gavg is None:
        raise ValueError("gavg (the running mean of g) is required when centered=True")
    if buf is None and momentum != 0:
        raise ValueError(f"buf (the momentum buffer) is required when momentum={momentum} is not 0")
    check.arrays(dict(p=p, g=g, v=v), dict(gavg=gavg if centered else None, buf=buf),
                 written=("p", "v", "gavg", "buf"), nonnegative_state=("v",))


@ieee
def rmsprop_step(p, g, v, t: int, *, lr: float = 1e-2, alpha: float = 0.9, eps: float = 1e-8,
                 momentum: float = 0.0, weight_decay: float = 0.0, eps_mode: str = "inside_sqrt",
                 centered: bool = False, lr_position: str = "outside_buffer", decay: str = "none",
                 gavg=None, buf=None, validate: bool = True) -> None:
    """One RMSProp step: updates ``p``, ``v`` (and ``gavg``, ``buf``) in place.

    ``v ← αv + (1-α)g²``; ``d = g/√(v+ε)`` or ``g/(√v+ε)`` (v - gavg² when centered); with a
    buffer, ``buf ← momentum·buf + s·d`` (``s = lr`` inside the buffer, else 1) and
    ``p ← p - buf`` or ``p - lr·buf``; without one, ``p ← p - lr·d``.  ``gavg`` is ignored unless
    ``centered``.
    """
    if validate:
        validate_rmsprop(p, g, v, t, lr, alpha, eps, momentum, weight_decay, eps_mode, centered, lr_position,
                         decay, gavg, buf)
    # Python numbers: a NumPy scalar hyperparameter would change the host arithmetic's precision
    lr, alpha, eps, momentum, weight_decay = map(float, (lr, alpha, eps, momentum, weight_decay))
    xp = check.namespace(p)
    as_t = p.dtype.type  # host scalars in p's dtype: bfloat16 times a Python float would give float32
    inside, after = lr_factors(lr_position, lr, buffered=buf is not None)

    def body(p, g, v, gavg, buf, tmp, spare=None):  # one tile; every result goes out= (a 0-d result stays an array)
        grad = decayed_gradient(xp, g, p, decay, weight_decay, out=spare)  # spare: g + λp, only for L2
        xp.multiply(grad, grad, out=tmp)
        tmp *= as_t(1.0 - alpha)
        v *= as_t(alpha)
        v += tmp
        if centered:
            xp.multiply(grad, as_t(1.0 - alpha), out=tmp)
            gavg *= as_t(alpha)
            gavg += tmp
            xp.multiply(gavg, gavg, out=tmp)
            xp.subtract(v, tmp, out=tmp)  # may round below 0 when v ≈ gavg²: √ then gives NaN, as it should
        second = tmp if centered else v  # v - gavg², or v itself: read, not copied
        if eps_mode == "inside_sqrt":
            xp.add(second, as_t(eps), out=tmp)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(second, out=tmp)
            tmp += as_t(eps)
        xp.divide(grad, tmp, out=tmp)  # d
        if buf is None:
            scale(tmp, after)
            apply_update(p, tmp, decay, lr, weight_decay)
            return
        scale(tmp, inside)
        buf *= as_t(momentum)
        buf += tmp
        if after == 1.0:  # the step is the buffer, read as it is
            apply_update(p, buf, decay, lr, weight_decay)
        else:
            xp.multiply(buf, as_t(after), out=tmp)
            apply_update(p, tmp, decay, lr, weight_decay)

    tiled(xp, body, (p, g, v, gavg if centered else None, buf), work=1 + gradient_buffers(decay))
