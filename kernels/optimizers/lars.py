"""LARS (layer-wise adaptive rate scaling) in place, over a list of tensors, one trust ratio per tensor.

Written from seed 002_affcfe6d2abfd93d.txt ("LARS": each group w^l of the parameters is updated by
w ← w - η·∇L(w)·‖w‖/‖∇L(w)‖, so that ‖Δw‖/‖w‖ is the same for every layer), from the paper it cites —
You, Gitman and Ginsburg, arXiv 1708.03888 (2017), Algorithm 1: the trust coefficient η_tc, weight decay
β inside the ratio, momentum with the global rate γ inside the buffer — and from optax's documentation
of ``optax.lars`` (decay, trust ratio, learning rate, trace; ε in the denominator; ratio 1 when a norm is
0), never from derivations/.

For each tensor i (the arrays flattened; shapes may differ from tensor to tensor):

    u = g + λ·w
    r = tc·‖w‖ / (‖u‖ + ε)              trust_denominator="update_norm" (optax)
      = tc·‖w‖ / (‖g‖ + λ‖w‖ + ε)       trust_denominator="paper" (Algorithm 1)
      = 1   where ‖w‖ = 0 or that denominator's norm is 0 (optax: "parameters would never be updated")
    inside_buffer:  buf ← μ·buf + lr·r·u,  w ← w - buf           (nesterov: w ← w - (μ·buf + lr·r·u))
    outside_buffer: buf ← μ·buf + r·u,     w ← w - lr·buf        (nesterov: w ← w - lr·(μ·buf + r·u))

Arithmetic: the norms are √(Σ x_i²) with the sum of squares accumulated in the arrays' dtype (float32 for
float16 and bfloat16, whose squares overflow at 256 and lose all precision in a long sum); the ratio is
one 0-d array of that dtype, chosen with ``where`` so that a GPU never waits on the host.  Hyperparameters
are cast to the dtype once; lr·r is one product.  Every operation is one rounding, which is what
verify/checks/reduction.py counts.

Guarantee: every argument of every tensor is checked before anything is written, and a bad one is a
ValueError naming it (``params[2]``, ``momentum``); the arithmetic is IEEE whatever ``np.errstate`` says.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee
from kernels.core.blocks import LR_POSITIONS, lr_factors, validate_lr_position

DENOMINATORS = ("update_norm", "paper")
INSIDE = LR_POSITIONS[1]  # the lr inside the buffer (optax's and Algorithm 1's), spelt once in blocks.py
__all__ = ["DENOMINATORS", "LR_POSITIONS", "lars_step", "validate_lars"]


def validate_lars(params, grads, bufs, lr, trust_coefficient, weight_decay, eps, momentum, trust_denominator,
                  lr_position, nesterov) -> None:
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("trust_coefficient", trust_coefficient, low=0.0, low_open=True)
    check.scalar("weight_decay", weight_decay, low=0.0)
    check.scalar("eps", eps, low=0.0)
    check.scalar("momentum", momentum, low=0.0, high=1.0, high_open=True)
    check.choice("trust_denominator", trust_denominator, DENOMINATORS)
    validate_lr_position(lr_position)
    check.choice("nesterov", nesterov, (False, True))
    lists = dict(params=params, grads=grads, bufs=bufs)
    for name, given in lists.items():
        if not isinstance(given, (list, tuple)):
            raise ValueError(f"{name} must be a list (or tuple) of arrays, one per tensor, got {type(given).__name__}")
    if not len(params) == len(grads) == len(bufs):
        raise ValueError(f"params, grads and bufs must have one array per tensor each, got lengths "
                         f"{len(params)}, {len(grads)} and {len(bufs)}")
    for i in range(len(params)):  # type, shape, dtype within each tensor; values
        check.arrays({f"params[{i}]": params[i], f"grads[{i}]": grads[i], f"bufs[{i}]": bufs[i]},
                     written=(f"params[{i}]", f"bufs[{i}]"))
    if len(params) > 1:  # and no array written may share memory with any other, in any tensor
        every = {f"{name}[{i}]": array for name, given in lists.items() for i, array in enumerate(given)}
        check.disjoint(every, written=tuple(n for n in every if not n.startswith("grads")))


def _norm(xp, x, acc):
    """‖x‖₂ of x flattened, as a 0-d array of dtype ``acc``: √(Σ x_i²)."""
    flat = x.reshape(-1).astype(acc, copy=False)
    return xp.sqrt(xp.sum(flat * flat, dtype=acc))


def _ratio(xp, w, g, u, tc: float, wd: float, eps: float, denominator: str):
    """The trust ratio as a 0-d array, 1 where ‖w‖ = 0 or the denominator's norm is 0."""
    acc = "float32" if w.dtype.itemsize < 4 else w.dtype
    as_acc = xp.dtype(acc).type
    w_norm = _norm(xp, w, acc)
    if denominator == "update_norm":
        d_norm = _norm(xp, u, acc)
    else:
        d_norm = _norm(xp, g, acc) + as_acc(wd) * w_norm
    ratio = as_acc(tc) * w_norm / (d_norm + as_acc(eps))  # inf or NaN where the guard applies: not selected
    return xp.where((w_norm == 0) | (d_norm == 0), as_acc(1), ratio)


def _step_tensor(xp, w, g, buf, lr, tc, wd, eps, mu, denominator, lr_position, nesterov) -> None:
    as_t = w.dtype.type  # host scalars in w's dtype: bfloat16 times a Python float would give float32
    u = xp.empty_like(w)  # every result goes out= here: a 0-d result stays an array
    if wd != 0.0:
        xp.multiply(w, as_t(wd), out=u)  # u = g + λw: λw rounded, then the sum
        u += g
    else:
        u[...] = g
    ratio = _ratio(xp, w, g, u, tc, wd, eps, denominator)
    inside, after = lr_factors(lr_position, lr)
    factor = (ratio * xp.dtype(ratio.dtype).type(inside)) if inside != 1.0 else ratio  # lr·r: one rounding
    xp.multiply(u, factor.astype(w.dtype), out=u)  # u ← the increment s
    buf *= as_t(mu)
    buf += u
    if nesterov:  # the direction μ·buf_new + s, read after the buffer update
        u += buf * as_t(mu)
        direction = u
    else:
        direction = buf
    if after != 1.0:
        w -= direction * as_t(after)
    else:
        w -= direction


@ieee
def lars_step(params, grads, bufs, *, lr: float, trust_coefficient: float = 0.001, weight_decay: float = 0.0,
              eps: float = 0.0, momentum: float = 0.9, trust_denominator: str = "update_norm",
              lr_position: str = INSIDE, nesterov: bool = False, validate: bool = True) -> None:
    """One LARS step: updates each ``params[i]`` and ``bufs[i]`` in place, with one trust ratio per tensor.

    ``params``, ``grads`` and ``bufs`` are lists (or tuples) of NumPy or CuPy arrays, one per tensor (a layer);
    tensor i's three arrays share shape and dtype.  Every argument is checked before anything is written
    (``validate=False`` skips the checks, for callers that already made them).
    """
    if validate:
        validate_lars(params, grads, bufs, lr, trust_coefficient, weight_decay, eps, momentum, trust_denominator,
                      lr_position, nesterov)
    # Python numbers: a NumPy scalar hyperparameter would change the host arithmetic's precision
    lr, tc, wd, eps, mu = map(float, (lr, trust_coefficient, weight_decay, eps, momentum))
    for w, g, buf in zip(params, grads, bufs):
        xp = check.namespace(w)
        _step_tensor(xp, w, g, buf, lr, tc, wd, eps, mu, trust_denominator, lr_position, nesterov)
