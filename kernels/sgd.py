"""SGD with momentum and Nesterov momentum, in place, with every convention as an argument.

Written from seed 003_91c12aa291f221ab.txt (Gradient Descent with Momentum: forms (1)-(3), NAG),
seed 002_affcfe6d2abfd93d.txt (Momentum) and seed 001_08f6c05329770bc7.txt (lr inside the buffer),
never from derivations/.  The buffer keeps the sign of the gradient; form (1)'s velocity is -buf.

Guarantee: every argument is checked before anything is written, and a bad one is a ValueError;
the arithmetic is IEEE (overflow gives ±inf, invalid operations NaN, whatever ``np.errstate``
says), so a step never stops half-way.
"""
from __future__ import annotations

from . import _validate as check
from ._arith import ieee, l2_gradient

LR_POSITIONS = ("outside_buffer", "inside_buffer")
INITS = ("zero", "first_gradient")
DECAY_MODES = ("none", "l2", "decoupled")


def validate_sgd(p, g, buf, t, lr, momentum, dampening, weight_decay, lr_position, init, nesterov, decay):
    check.step_count(t)
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("momentum", momentum, low=0.0, high=1.0, high_open=True)
    check.scalar("dampening", dampening, low=0.0, high=1.0)
    check.scalar("weight_decay", weight_decay, low=0.0)
    check.choice("lr_position", lr_position, LR_POSITIONS)
    check.choice("init", init, INITS)
    check.choice("nesterov", nesterov, (False, True))
    check.choice("decay", decay, DECAY_MODES)
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
    grad = l2_gradient(xp, g, p, as_t(weight_decay)) if decay == "l2" else g
    inside = lr_position == "inside_buffer"
    coefficient = 1.0 if (init == "first_gradient" and t == 1) else 1.0 - dampening
    scale = lr if inside else 1.0
    tmp = xp.empty_like(p)  # every result goes out= here: a 0-d result stays an array
    xp.multiply(grad, as_t(scale * coefficient), out=tmp)
    buf *= as_t(momentum)
    buf += tmp
    if nesterov:  # d = s·g + momentum·buf, read after the buffer update
        xp.multiply(buf, as_t(momentum), out=tmp)
        tmp += grad * as_t(scale) if inside else grad
    else:
        tmp[...] = buf
    if not inside:
        tmp *= as_t(lr)
    if decay == "decoupled":
        p *= as_t(1.0 - lr * weight_decay)
    p -= tmp
