"""LAMB (layer-wise adaptive moments) in place, over a list of tensors, one trust ratio per tensor.

Written from You et al., *Large Batch Optimization for Deep Learning*, arXiv 1904.00962 (2020), Algorithm 2
(Adam's moments, then LARS's per-layer ratio φ(‖w‖)/‖u‖ — seed 002_affcfe6d2abfd93d.txt, "LARS", "Adam"),
and from the documentation of optax.lamb and pytorch_optimizer.Lamb for the conventions, never from
derivations/.

For each tensor (flattened; shapes may differ from tensor to tensor), with t = ``step`` (1 for the first):

    m ← β₁m + (1-β₁)g,   v ← β₂v + (1-β₂)g²
    m̂, v̂ = m/(1-β₁ᵗ), v/(1-β₂ᵗ)       bias_correction="moments" (optax);  m, v as they are: "none" and
                                      "step_size", which also multiplies η by 1/(1-β₁ᵗ) after the ratio
    d = m̂/(√v̂ + ε)
    decay="in_ratio":  u = d + λw, w₀ = w          decay="decoupled": u = d, w₀ = (1-ηλ)w
    r = φ(‖w₀‖)/(‖u‖ [+ ε])              φ(x) = x, or min(x, 10) for weight_norm_clip="clamp_10";
                                          + ε for ratio_eps="eps";  r = 1 where φ(‖w₀‖) = 0 or ‖u‖ = 0
    w ← w₀ - η·r·u                        (η/(1-β₁ᵗ) for "step_size": pytorch_optimizer's Lamb)

Arithmetic as kernels/optimizers/lars.py: norms accumulate in float32 at least, the ratio is a 0-d array chosen
with ``where``, 1-β^t in Python float64 then cast once.  Every argument is checked before anything is written.
"""
from __future__ import annotations

import numbers

from kernels.core import validate as check
from kernels.core.arith import ieee

CORRECTIONS = ("moments", "none", "step_size")
RATIO_EPS = ("none", "eps")
CLIPS = ("none", "clamp_10")
DECAYS = ("in_ratio", "decoupled")
CLAMP = 10.0
__all__ = ["lamb_step", "validate_lamb"]


def validate_lamb(params, grads, ms, vs, step, lr, b1, b2, eps, weight_decay, bias_correction, ratio_eps,
                  weight_norm_clip, decay) -> None:
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 1:
        raise ValueError(f"step (the 1-based count of this step) must be an integer >= 1, got {step!r}")
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("b1", b1, low=0.0, high=1.0, high_open=True)
    check.scalar("b2", b2, low=0.0, high=1.0, high_open=True)
    check.scalar("eps", eps, low=0.0)
    check.scalar("weight_decay", weight_decay, low=0.0)
    check.choice("bias_correction", bias_correction, CORRECTIONS)
    check.choice("ratio_eps", ratio_eps, RATIO_EPS)
    check.choice("weight_norm_clip", weight_norm_clip, CLIPS)
    check.choice("decay", decay, DECAYS)
    lists = dict(params=params, grads=grads, ms=ms, vs=vs)
    for name, given in lists.items():
        if not isinstance(given, (list, tuple)):
            raise ValueError(f"{name} must be a list (or tuple) of arrays, one per tensor, got {type(given).__name__}")
    if not len(params) == len(grads) == len(ms) == len(vs):
        raise ValueError(f"params, grads, ms and vs must have one array per tensor each, got lengths "
                         f"{len(params)}, {len(grads)}, {len(ms)} and {len(vs)}")
    for i in range(len(params)):
        check.arrays({f"params[{i}]": params[i], f"grads[{i}]": grads[i], f"ms[{i}]": ms[i], f"vs[{i}]": vs[i]},
                     written=(f"params[{i}]", f"ms[{i}]", f"vs[{i}]"), nonnegative_state=(f"vs[{i}]",))
    if len(params) > 1:
        every = {f"{name}[{i}]": array for name, given in lists.items() for i, array in enumerate(given)}
        check.disjoint(every, written=tuple(n for n in every if not n.startswith("grads")))


def _norm(xp, x, acc):
    flat = x.reshape(-1).astype(acc, copy=False)
    return xp.sqrt(xp.sum(flat * flat, dtype=acc))


def _step_tensor(xp, w, g, m, v, lr, rate, b1, b2, eps, wd, c1, c2, ratio_eps, clip, decay) -> None:
    as_t = w.dtype.type
    m *= as_t(b1)
    m += g * as_t(1.0 - b1)
    v *= as_t(b2)
    v += (g * g) * as_t(1.0 - b2)
    u = xp.sqrt(v / as_t(c2) if c2 != 1.0 else v)
    u += as_t(eps)
    xp.divide(m / as_t(c1) if c1 != 1.0 else m, u, out=u)  # the Adam direction d
    if decay == "decoupled":
        if wd != 0.0:
            w *= as_t(1.0 - lr * wd)
    elif wd != 0.0:
        u += w * as_t(wd)
    acc = "float32" if w.dtype.itemsize < 4 else w.dtype
    one = xp.dtype(acc).type
    w_norm, u_norm = _norm(xp, w, acc), _norm(xp, u, acc)
    top = xp.minimum(w_norm, one(CLAMP)) if clip == "clamp_10" else w_norm
    bottom = u_norm + one(eps) if ratio_eps == "eps" else u_norm
    ratio = xp.where((top == 0) | (u_norm == 0), one(1), top / bottom)  # inf/NaN where guarded: not selected
    xp.multiply(u, (ratio * one(rate)).astype(w.dtype), out=u)
    w -= u


@ieee
def lamb_step(params, grads, ms, vs, *, step: int, lr: float, b1: float = 0.9, b2: float = 0.999,
              eps: float = 1e-6, weight_decay: float = 0.0, bias_correction: str = "moments",
              ratio_eps: str = "none", weight_norm_clip: str = "none", decay: str = "in_ratio",
              validate: bool = True) -> None:
    """One LAMB step: updates each ``params[i]``, ``ms[i]`` and ``vs[i]`` in place (one trust ratio per tensor).

    ``params``, ``grads``, ``ms``, ``vs`` are lists of NumPy or CuPy arrays, one per tensor, tensor i's four
    sharing shape and dtype; ``step`` is this step's 1-based count.  The defaults are optax.lamb's."""
    if validate:
        validate_lamb(params, grads, ms, vs, step, lr, b1, b2, eps, weight_decay, bias_correction, ratio_eps,
                      weight_norm_clip, decay)
    lr, b1, b2, eps, wd = map(float, (lr, b1, b2, eps, weight_decay))
    c1, c2 = (1.0 - b1**step, 1.0 - b2**step) if bias_correction == "moments" else (1.0, 1.0)
    rate = lr / (1.0 - b1**step) if bias_correction == "step_size" else lr  # the decoupled decay keeps η
    for w, g, m, v in zip(params, grads, ms, vs):
        xp = check.namespace(w)
        _step_tensor(xp, w, g, m, v, lr, rate, b1, b2, eps, wd, c1, c2, ratio_eps, weight_norm_clip, decay)
