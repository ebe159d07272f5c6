"""RMSProp, centered or not, with momentum, in place, with every convention as an argument.

Written from seed 003_91c12aa291f221ab.txt (RMSProp: r ← ρr + (1-ρ)g⊙g, θ ← θ - ε/√(r+δ)⊙g) and
seed 001_08f6c05329770bc7.txt (RMSProp), never from derivations/.  Centered: divide by
√(r - ḡ²), ḡ the running mean of g (Graves 2013).  The caller creates the state: ``v`` filled with
the initial accumulator value (usually 0), ``gavg`` and ``buf`` with zeros.
"""
from __future__ import annotations

from . import _validate as check

EPS_MODES = ("inside_sqrt", "outside_sqrt")
LR_POSITIONS = ("outside_buffer", "inside_buffer")
DECAY_MODES = ("none", "l2", "decoupled")


def validate_rmsprop(p, g, v, t, lr, alpha, eps, momentum, weight_decay, eps_mode, centered, lr_position, decay,
                     gavg, buf):
    check.step_count(t)
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("alpha", alpha, low=0.0, high=1.0, high_open=True)
    check.scalar("eps", eps, low=0.0, low_open=True)
    check.scalar("momentum", momentum, low=0.0, high=1.0, high_open=True)
    check.scalar("weight_decay", weight_decay, low=0.0)
    check.choice("eps_mode", eps_mode, EPS_MODES)
    check.choice("centered", centered, (False, True))
    check.choice("lr_position", lr_position, LR_POSITIONS)
    check.choice("decay", decay, DECAY_MODES)
    check.floating("p", p)
    for name, array in (("g", g), ("v", v), ("gavg", gavg), ("buf", buf)):
        if array is not None:
            check.like(name, array, p, "p")
    if centered and gavg is None:
        raise ValueError("gavg (the running mean of g) is required when centered=True")
    if buf is None and momentum != 0:
        raise ValueError(f"buf (the momentum buffer) is required when momentum={momentum} is not 0")
    for name, array in (("p", p), ("v", v), ("gavg", gavg), ("buf", buf)):
        if array is not None:
            check.writable(name, array)
    check.finite("p", p)
    check.finite("g", g)
    check.nonnegative("v", v)


def rmsprop_step(p, g, v, t: int, *, lr: float = 1e-2, alpha: float = 0.9, eps: float = 1e-8,
                 momentum: float = 0.0, weight_decay: float = 0.0, eps_mode: str = "inside_sqrt",
                 centered: bool = False, lr_position: str = "outside_buffer", decay: str = "none",
                 gavg=None, buf=None, validate: bool = True) -> None:
    """One RMSProp step: updates ``p``, ``v`` (and ``gavg``, ``buf``) in place.

    ``v ← αv + (1-α)g²``; ``d = g/√(v+ε)`` or ``g/(√v+ε)`` (v - gavg² when centered); with a
    buffer, ``buf ← momentum·buf + s·d`` (``s = lr`` inside the buffer, else 1) and
    ``p ← p - buf`` or ``p - lr·buf``; without one, ``p ← p - lr·d``.
    """
    if validate:
        validate_rmsprop(p, g, v, t, lr, alpha, eps, momentum, weight_decay, eps_mode, centered, lr_position,
                         decay, gavg, buf)
    xp = check.namespace(p)
    grad = g + weight_decay * p if decay == "l2" else g
    tmp = xp.multiply(grad, grad)
    tmp *= 1.0 - alpha
    v *= alpha
    v += tmp
    if centered:
        xp.multiply(grad, 1.0 - alpha, out=tmp)
        gavg *= alpha
        gavg += tmp
        xp.multiply(gavg, gavg, out=tmp)
        xp.subtract(v, tmp, out=tmp)  # may round below 0 when v ≈ gavg²: √ then gives NaN, as it should
    else:
        tmp[...] = v
    if eps_mode == "inside_sqrt":
        tmp += eps
        xp.sqrt(tmp, out=tmp)
    else:
        xp.sqrt(tmp, out=tmp)
        tmp += eps
    xp.divide(grad, tmp, out=tmp)  # d
    inside = lr_position == "inside_buffer"
    if buf is not None:
        if inside:
            tmp *= lr
        buf *= momentum
        buf += tmp
        tmp[...] = buf
    if buf is None or not inside:
        tmp *= lr
    if decay == "decoupled":
        p *= 1.0 - lr * weight_decay
    p -= tmp
