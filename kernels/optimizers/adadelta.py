"""Adadelta in place, with every convention as an argument.

Written from Zeiler, "ADADELTA: An Adaptive Learning Rate Method" (2012), Algorithm 1, never from derivations/:

    E[g²] ← ρ·E[g²] + (1-ρ)·g²                       (v, torch's square_avg)
    Δ = √(E[Δx²] + ε) / √(E[g²] + ε) · g             (the old E[Δx²], the new E[g²]; ε inside both roots)
    E[Δx²] ← ρ·E[Δx²] + (1-ρ)·Δ²                     (u, torch's acc_delta)
    p ← p - lr·Δ

The paper has no learning rate (lr = 1).  ``lr_position`` says what u averages once there is one: the unscaled
Δ (``outside_buffer``: torch, optax, Keras) or the step actually taken, lr·Δ (the other value of
kernels.core.blocks.LR_POSITIONS).  ``decay``: none, L2 (g + λp enters v, Δ and u: torch, optax) or decoupled
(p ← p·(1 - lr·λ) beside the step: Keras).  The caller creates ``v`` and ``u`` filled with zeros.

Δ is computed as torch and optax do: (√(u + ε) / √(v + ε))·g.  The step needs Δ and both roots at once, and u's
update needs the old u, so it keeps two scratch arrays (a third, g + λp, under L2).

Guarantee: every argument is checked before anything is written, and a bad one is a ValueError; the arithmetic
is IEEE (overflow gives ±inf, invalid operations NaN, whatever ``np.errstate`` says).
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

__all__ = ["DECAY_MODES", "LR_POSITIONS", "adadelta_step", "validate_adadelta"]  # the modes: from blocks


def validate_adadelta(p, g, v, u, t, lr, rho, eps, weight_decay, lr_position, decay):
    check.step_count(t)
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("rho", rho, low=0.0, high=1.0, high_open=True)
    check.scalar("eps", eps, low=0.0, low_open=True)
    validate_decay(decay, weight_decay)
    validate_lr_position(lr_position)
    check.arrays(dict(p=p, g=g, v=v, u=u), written=("p", "v", "u"), nonnegative_state=("v", "u"))


@ieee
def adadelta_step(p, g, v, u, t: int, *, lr: float = 1.0, rho: float = 0.95, eps: float = 1e-6,
                  weight_decay: float = 0.0, lr_position: str = "outside_buffer", decay: str = "none",
                  validate: bool = True) -> None:
    """One Adadelta step: updates ``p``, ``v`` (E[g²]) and ``u`` (E[Δx²]) in place.

    ``v ← ρv + (1-ρ)g²``; ``Δ = √(u + ε)/√(v + ε)·g`` (old u, new v); ``u ← ρu + (1-ρ)Δ²`` and ``p ← p - lr·Δ``
    (``outside_buffer``), or ``u ← ρu + (1-ρ)(lr·Δ)²`` and ``p ← p - lr·Δ`` (lr inside what u averages).  Zeiler's
    values are lr = 1, ρ = 0.95, ε = 1e-6.  ``t`` is checked but unused: Adadelta has no bias correction.
    """
    if validate:
        validate_adadelta(p, g, v, u, t, lr, rho, eps, weight_decay, lr_position, decay)
    # Python numbers: a NumPy scalar hyperparameter would change the host arithmetic's precision
    lr, rho, eps, weight_decay = map(float, (lr, rho, eps, weight_decay))
    xp = check.namespace(p)
    as_t = p.dtype.type  # host scalars in p's dtype: bfloat16 times a Python float would give float32
    inside, after = lr_factors(lr_position, lr)

    def body(p, g, v, u, tmp, delta, spare=None):  # one tile; out= everywhere (a 0-d result stays an array)
        grad = decayed_gradient(xp, g, p, decay, weight_decay, out=spare)  # spare: g + λp of the old p, only for L2
        # v ← ρv + (1-ρ)g²
        xp.multiply(grad, grad, out=tmp)
        tmp *= as_t(1.0 - rho)
        v *= as_t(rho)
        v += tmp
        # Δ = (√(u + ε)/√(v + ε))·g, from the u before the step
        xp.add(v, as_t(eps), out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.add(u, as_t(eps), out=delta)
        xp.sqrt(delta, out=delta)
        delta /= tmp
        delta *= grad
        scale(delta, inside)  # lr·Δ when u averages the steps taken
        # u ← ρu + (1-ρ)Δ²
        xp.multiply(delta, delta, out=tmp)
        tmp *= as_t(1.0 - rho)
        u *= as_t(rho)
        u += tmp
        # p ← p - lr·Δ, shrunk first by 1 - lr·λ under decoupled decay
        scale(delta, after)
        apply_update(p, delta, decay, lr, weight_decay)

    tiled(xp, body, (p, g, v, u), work=2 + gradient_buffers(decay))
