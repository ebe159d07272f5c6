"""AdaGrad in place, with every convention as an argument.

Written from seed 003_91c12aa291f221ab.txt (AdaGrad: G_t = G_{t-1} + g_t², θ ← θ - ε/√(G_t + δ)·g_t) and seed
001_08f6c05329770bc7.txt (Adagrad: θ_{t+1} = θ_t - η/√(G_t + ε)·g_t), never from derivations/.  The
learning-rate decay lr/(1 + (t-1)·lr_decay) and a non-zero starting accumulator are the frameworks' additions.
The caller creates ``G``, filled with the initial accumulator value (usually 0).

Guarantee: every argument is checked before anything is written, and a bad one is a ValueError; the
arithmetic is IEEE (overflow gives ±inf, invalid operations NaN, whatever ``np.errstate`` says).
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee
from kernels.core.blocks import apply_update, decayed_gradient, gradient_buffers, validate_decay
from kernels.core.tiling import tiled

EPS_MODES = ("inside_sqrt", "outside_sqrt")
__all__ = ["EPS_MODES", "adagrad_step", "validate_adagrad"]


def validate_adagrad(p, g, G, t, lr, eps, lr_decay, weight_decay, eps_mode, decay, scratch):
    check.step_count(t)
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("eps", eps, low=0.0, low_open=True)
    check.scalar("lr_decay", lr_decay, low=0.0)
    validate_decay(decay, weight_decay)
    check.choice("eps_mode", eps_mode, EPS_MODES)
    check.arrays(dict(p=p, g=g, G=G), dict(scratch=scratch), written=("p", "G", "scratch"),
                 nonnegative_state=("G",), unread=("scratch",))


@ieee
def adagrad_step(p, g, G, t: int, *, lr: float = 1e-2, eps: float = 1e-10, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, eps_mode: str = "inside_sqrt", decay: str = "none", scratch=None,
                 validate: bool = True) -> None:
    """One AdaGrad step at 1-based step ``t``: ``G ← G + g²``, ``p ← p - rate·g/√(G + ε)`` (``inside_sqrt``)
    or ``p - rate·g/(√G + ε)`` (``outside_sqrt``), rate = lr/(1 + (t-1)·lr_decay); in place."""
    if validate:
        validate_adagrad(p, g, G, t, lr, eps, lr_decay, weight_decay, eps_mode, decay, scratch)
    lr, eps, lr_decay, weight_decay = map(float, (lr, eps, lr_decay, weight_decay))
    rate = lr / (1.0 + (int(t) - 1) * lr_decay)  # one float64 host scalar
    xp = check.namespace(p)
    as_t = p.dtype.type

    def body(p, g, G, tmp, spare=None):  # one tile; every result goes out= (a 0-d result stays an array)
        grad = decayed_gradient(xp, g, p, decay, weight_decay, out=spare)  # spare: g + λp, only for L2
        xp.multiply(grad, grad, out=tmp)
        G += tmp
        if eps_mode == "inside_sqrt":
            xp.add(G, as_t(eps), out=tmp)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(G, out=tmp)
            tmp += as_t(eps)
        xp.divide(grad, tmp, out=tmp)
        tmp *= as_t(rate)
        apply_update(p, tmp, decay, lr, weight_decay)

    tiled(xp, body, (p, g, G), work=1 + gradient_buffers(decay), scratch=scratch)
