"""Adamax in place, with every convention as an argument.

Written from Kingma & Ba (2015), Section 7.1 and Algorithm 2 (AdaMax): m ← β1·m + (1-β1)·g,
u ← max(β2·u, |g|), p ← p - (lr/(1-β1^t))·m/u, never from derivations/.  The paper has no ε; the
frameworks put it in one of two places, chosen by ``eps_mode``:

* ``inside_max``: u ← max(β2·u, |g| + ε), p ← p - lr/(1-β1^t)·m/u (torch.optim.Adamax, optax.adamax);
* ``outside_max``: u ← max(β2·u, |g|), p ← p - lr/(1-β1^t)·m/(u + ε) (keras.optimizers.Adamax).

The caller creates ``m`` and ``u`` filled with zeros.  lr/(1-β1^t) is one float64 host scalar per step, cast to
the arrays' dtype.

Guarantee: every argument is checked before anything is written, and a bad one is a ValueError; the
arithmetic is IEEE (overflow gives ±inf, invalid operations NaN, whatever ``np.errstate`` says).
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee
from kernels.core.blocks import apply_update, decayed_gradient, ema_into, gradient_buffers, validate_decay
from kernels.core.tiling import tiled

EPS_MODES = ("inside_max", "outside_max")
__all__ = ["EPS_MODES", "adamax_step", "validate_adamax"]


def validate_adamax(p, g, m, u, t, lr, beta1, beta2, eps, weight_decay, eps_mode, decay, scratch):
    check.step_count(t)
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("beta1", beta1, low=0.0, high=1.0, high_open=True)
    check.scalar("beta2", beta2, low=0.0, high=1.0, high_open=True)
    check.scalar("eps", eps, low=0.0, low_open=True)
    validate_decay(decay, weight_decay)
    check.choice("eps_mode", eps_mode, EPS_MODES)
    check.arrays(dict(p=p, g=g, m=m, u=u), dict(scratch=scratch), written=("p", "m", "u", "scratch"),
                 nonnegative_state=("u",), unread=("scratch",))


@ieee
def adamax_step(p, g, m, u, t: int, *, lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999,
                eps: float = 1e-8, weight_decay: float = 0.0, eps_mode: str = "inside_max", decay: str = "none",
                scratch=None, validate: bool = True) -> None:
    """One Adamax step at 1-based step ``t``: updates ``p``, ``m`` and ``u`` in place.

    ``m ← β1·m + (1-β1)·g``; ``u ← max(β2·u, |g| + ε)`` and ``p ← p - lr/(1-β1^t)·m/u`` (``inside_max``), or
    ``u ← max(β2·u, |g|)`` and ``p ← p - lr/(1-β1^t)·m/(u + ε)`` (``outside_max``).  ``decay``: ``none``, L2
    (g + λp enters m and u: torch's weight_decay) or decoupled (p ← p - lr·λ·p beside the step: optax.adamaxw,
    Keras).  ``scratch``: an array like ``p`` to use for the intermediate results (else one is allocated).
    """
    if validate:
        validate_adamax(p, g, m, u, t, lr, beta1, beta2, eps, weight_decay, eps_mode, decay, scratch)
    # Python numbers: a NumPy scalar hyperparameter would change the host arithmetic's precision
    t = int(t)
    lr, beta1, beta2, eps, weight_decay = map(float, (lr, beta1, beta2, eps, weight_decay))
    step = lr / (1.0 - beta1**t)  # one float64 host scalar
    xp = check.namespace(p)
    as_t = p.dtype.type  # host scalars in p's dtype: bfloat16 times a Python float would give float32

    def body(p, g, m, u, tmp, spare=None):  # one tile; every result goes out= (a 0-d result stays an array)
        grad = decayed_gradient(xp, g, p, decay, weight_decay, out=spare)  # spare: g + λp, only for L2
        # m ← β1 m + (1-β1) g
        ema_into(xp, m, grad, beta1, tmp)
        # u ← max(β2 u, |g|), ε added to |g| when it sits inside the max
        u *= as_t(beta2)
        xp.absolute(grad, out=tmp)
        if eps_mode == "inside_max":
            tmp += as_t(eps)
            xp.maximum(u, tmp, out=u)
            xp.divide(m, u, out=tmp)
        else:
            xp.maximum(u, tmp, out=u)
            xp.add(u, as_t(eps), out=tmp)
            xp.divide(m, tmp, out=tmp)
        tmp *= as_t(step)
        apply_update(p, tmp, decay, lr, weight_decay)

    tiled(xp, body, (p, g, m, u), work=1 + gradient_buffers(decay), scratch=scratch)
