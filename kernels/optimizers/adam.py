"""Adam, AdamW and AMSGrad in place, with every convention as an argument.

Written from seed 002_affcfe6d2abfd93d.txt (Adam) and the AdamW / AMSGrad papers, never from
derivations/ (checking it against those rules would otherwise be circular).

NumPy (and CuPy through the same array calls): one work array, reused for every intermediate (a second for
L2's g + λp).  NumPy arrays run in cache-sized tiles (kernels/core/tiling.py): the work arrays are tiles, reused
from step to step, so a step allocates nothing after the first (the caller's ``scratch``, where contiguous, holds
them).  On a GPU, ``fused=True`` runs one CuPy elementwise kernel instead: a single
pass over memory that reads p, g, m, v (and vmax) and writes p, m, v (and vmax).
Step-dependent scalars (1-β^t, their square roots, lr/(1-β1^t)) are computed once per step
in float64 on the host, then cast to the arrays' dtype.

Guarantee: every argument is checked before anything is written, and a bad one is a ValueError;
the arithmetic is IEEE (overflow gives ±inf, invalid operations NaN, whatever ``np.errstate``
says), so a step never stops half-way.
"""
from __future__ import annotations

import math

from kernels.core import validate as check
from kernels.core.arith import ieee, scale
from kernels.core.blocks import (
    DECAY_MODES,
    apply_update,
    decayed_gradient,
    ema_into,
    ema_of_square_into,
    gradient_buffers,
    validate_decay,
)
from kernels.core.tiling import tiled

EPS_MODES = ("after_correction", "inside_sqrt", "uncorrected")
AMSGRAD_MODES = ("off", "raw", "corrected")
__all__ = ["AMSGRAD_MODES", "DECAY_MODES", "EPS_MODES", "adam_step", "validate_adam"]  # DECAY_MODES: from blocks


def validate_adam(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, eps_mode, bias_correction, decay,
                  amsgrad, vmax, scratch):
    check.step_count(t)
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("beta1", beta1, low=0.0, high=1.0, high_open=True)
    check.scalar("beta2", beta2, low=0.0, high=1.0, high_open=True)
    check.scalar("eps", eps, low=0.0, low_open=True)
    validate_decay(decay, weight_decay)
    check.choice("eps_mode", eps_mode, EPS_MODES)
    check.choice("bias_correction", bias_correction, (True, False))
    check.choice("amsgrad", amsgrad, AMSGRAD_MODES)
    if amsgrad != "off" and vmax is None:
        raise ValueError(f"vmax is required when amsgrad={amsgrad!r}")
    check.arrays(dict(p=p, g=g, m=m, v=v), dict(vmax=None if amsgrad == "off" else vmax, scratch=scratch),
                 written=("p", "m", "v", "vmax", "scratch"), nonnegative_state=("v", "vmax"), unread=("scratch",))


def _scalars(t, lr, beta1, beta2, eps, weight_decay, eps_mode, bias_correction, amsgrad):
    """Per-step host scalars, float64.  v̂ = vsrc · vscale; the step divides by √(vsrc·scale) + ε."""
    c1, c2 = (1.0 - beta1**t, 1.0 - beta2**t) if bias_correction else (1.0, 1.0)
    vscale = 1.0 if amsgrad == "corrected" else 1.0 / c2  # vmax already holds corrected values
    inv_c2_for_max = 1.0 / c2 if amsgrad == "corrected" else 1.0
    if eps_mode == "uncorrected":
        step, sqrt_scale = lr * math.sqrt(c2) / c1, math.sqrt(vscale * c2)
    else:
        step, sqrt_scale = lr / c1, math.sqrt(vscale)
    return dict(c2=c2, vscale=vscale, inv_c2_for_max=inv_c2_for_max, step=step, sqrt_scale=sqrt_scale,
                lr_wd=lr * weight_decay)


@ieee
def adam_step(p, g, m, v, t: int, *, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
              eps: float = 1e-8, weight_decay: float = 0.0, eps_mode: str = "after_correction",
              bias_correction: bool = True, decay: str = "none", amsgrad: str = "off", vmax=None,
              scratch=None, fused: bool = True, validate: bool = True) -> None:
    """One Adam step at 1-based step ``t``: updates ``p``, ``m``, ``v`` (and ``vmax``) in place.

    Every argument is checked before anything is written (``validate=False`` skips the checks,
    for callers that already did them).  ``decay`` is ``none``, ``l2`` (g + λp enters the
    moments) or ``decoupled`` (p ← p - lr·λ·p, AdamW); ``amsgrad`` takes the running max of
    the ``raw`` v or of the ``corrected`` v̂.  ``vmax`` is ignored when ``amsgrad="off"``.
    """
    if validate:
        validate_adam(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, eps_mode, bias_correction, decay,
                      amsgrad, vmax, scratch)
    # Python numbers: a NumPy scalar hyperparameter would change the host arithmetic's precision
    t = int(t)
    lr, beta1, beta2, eps, weight_decay = map(float, (lr, beta1, beta2, eps, weight_decay))
    s = _scalars(t, lr, beta1, beta2, eps, weight_decay, eps_mode, bias_correction, amsgrad)
    xp = check.namespace(p)
    if fused and xp.__name__ == "cupy":
        from kernels.optimizers.adam_cupy import fused_adam_step

        fused_adam_step(p, g, m, v, vmax, beta1, beta2, eps, weight_decay, decay, amsgrad, eps_mode, s)
        return
    as_t = p.dtype.type  # host scalars in p's dtype: bfloat16 times a Python float would give float32

    def body(p, g, m, v, vmax, tmp, spare=None):  # one tile; every result goes out= (a 0-d result stays an array)
        grad = decayed_gradient(xp, g, p, decay, weight_decay, out=spare)  # spare: g + λp, only for L2
        # m ← β1 m + (1-β1) g
        ema_into(xp, m, grad, beta1, tmp)
        # v ← β2 v + (1-β2) g²
        ema_of_square_into(xp, v, grad, beta2, tmp)
        vsrc = v
        if amsgrad == "raw":
            xp.maximum(vmax, v, out=vmax)
            vsrc = vmax
        elif amsgrad == "corrected":
            xp.multiply(v, as_t(s["inv_c2_for_max"]), out=tmp)
            xp.maximum(vmax, tmp, out=vmax)
            vsrc = vmax
        # tmp ← the denominator
        if eps_mode == "inside_sqrt":
            xp.multiply(vsrc, as_t(s["vscale"]), out=tmp)
            tmp += as_t(eps)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(vsrc, out=tmp)
            scale(tmp, s["sqrt_scale"])
            tmp += as_t(eps)
        xp.divide(m, tmp, out=tmp)
        tmp *= as_t(s["step"])
        apply_update(p, tmp, decay, lr, weight_decay)

    tiled(xp, body, (p, g, m, v, None if amsgrad == "off" else vmax), work=1 + gradient_buffers(decay),
          scratch=scratch)
