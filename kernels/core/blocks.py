"""Conventions that recur across the optimizers, each declared once and composed by the kernels.

The idea is optax's: AdamW is ``chain(scale_by_adam, add_decayed_weights, scale_by_learning_rate)``.
Here the blocks are small in-place functions that a kernel calls at the point of its step where the
convention acts, so that composing them performs exactly the operations, in the same order and with
the same host-scalar casts, as the kernels did when each wrote them out (verify's rounding-error
bounds count those operations; tests/kernels/test_kernel_golden.py holds the bits).  Never imports
derivations/: the same conventions are declared there independently.

Weight decay, ``decay`` with strength λ = ``weight_decay`` (seed 000_a2fbe8e070163c86.txt: "adamw:
adam + weight decay", no formula; the two forms are Loshchilov & Hutter 2019's):

* ``none``: λ is ignored.
* ``l2`` (coupled): the rule sees the gradient g + λp, so λp passes through its moments, ε and buffer.
* ``decoupled``: p ← p·(1 - lr·λ) - u beside the rule's update u, which never sees λ.

Learning-rate position, ``lr_position``, for rules with a momentum buffer (seed 001_08f6c05329770bc7.txt
puts lr inside: g_t = α g_{t-1} + η∇J, θ ← θ - g_t):

* ``outside_buffer``: buf ← μ·buf + d, p ← p - lr·buf.
* ``inside_buffer``: buf ← μ·buf + lr·d, p ← p - buf.

They agree (up to rounding) for a constant lr and a buffer that starts at 0, and differ once lr
changes between steps: inside, a new lr acts on new increments only.
"""
from __future__ import annotations

from kernels.core import validate as check

DECAY_MODES = ("none", "l2", "decoupled")
LR_POSITIONS = ("outside_buffer", "inside_buffer")


def ema_into(xp, average, value, beta: float, scratch) -> None:
    """``average ← β·average + (1-β)·value`` in place (seed 000's m_t = βm_{t-1} + (1-β)g_t): two products
    and a sum, the host scalars cast to the array dtype; ``scratch`` (it may be ``value``) takes (1-β)·value."""
    as_t = average.dtype.type
    average *= as_t(beta)
    xp.multiply(value, as_t(1.0 - beta), out=scratch)
    average += scratch


def ema_of_square_into(xp, average, value, beta: float, scratch) -> None:
    """``average ← β·average + (1-β)·value²`` in place (Adam's v), the square rounded before the scaling."""
    xp.multiply(value, value, out=scratch)
    ema_into(xp, average, scratch, beta, scratch)


def validate_decay(decay, weight_decay) -> None:
    """λ ∈ [0, ∞) and a known mode (λ is accepted, and ignored, with ``decay="none"``)."""
    check.scalar("weight_decay", weight_decay, low=0.0)
    check.choice("decay", decay, DECAY_MODES)


def validate_lr_position(lr_position) -> None:
    check.choice("lr_position", lr_position, LR_POSITIONS)


def add_decayed_weights(xp, g, p, weight_decay: float, out):
    """out ← g + λp (λ cast to p's dtype; λp rounded, then the sum) and return ``out``."""
    xp.multiply(p, p.dtype.type(weight_decay), out=out)  # out=: a 0-d result stays an array
    out += g
    return out


def decayed_gradient(xp, g, p, decay: str, weight_decay: float, out=None):
    """The gradient the rule sees: g + λp under L2, in ``out`` (a new buffer if None: g is the caller's); else g
    itself (``out`` unused)."""
    if decay != "l2":
        return g
    return add_decayed_weights(xp, g, p, weight_decay, out=xp.empty_like(p) if out is None else out)


def gradient_buffers(decay: str) -> int:
    """How many work buffers ``decayed_gradient`` needs: one under L2 (g + λp; g is the caller's), else none."""
    return int(decay == "l2")


def apply_update(p, update, decay: str, lr: float, weight_decay: float) -> None:
    """p ← p - update, shrunk first by p ← p·(1 - lr·λ) under decoupled decay.

    1 - lr·λ is one float64 host scalar cast to p's dtype, so the shrink rounds once, as the step does.
    """
    if decay == "decoupled":
        p *= p.dtype.type(1.0 - lr * weight_decay)
    p -= update


def lr_factors(lr_position: str, lr: float, *, buffered: bool = True) -> tuple[float, float]:
    """lr split into (inside, after): the factor on what enters the buffer and on what leaves it.

    One of the two is lr, the other 1.  Without a buffer there is no inside: lr acts after.
    """
    if buffered and lr_position == "inside_buffer":
        return lr, 1.0
    return 1.0, lr
