"""Dropout with inverted scaling on NumPy or CuPy arrays: y = m ⊙ x / (1 − p), and stochastic depth's rates.

Written from seed 000_a2fbe8e070163c86.txt §2.1 ("Dropout"; "Model (stochastic depth) randomly drop at the
layer-level with the dropping probability linearly changes wrt depth"), never from derivations/.  The seed
gives no formula; the convention is torch's and Keras': ``p`` is the *drop* probability and the kept units
are scaled by 1/(1 − p) while training, so that inference is the identity.

The mask is an argument, never drawn here: ``dropout_mask(uniforms, p)`` keeps element i when u_i ≥ p, for u
uniform on [0, 1) from the caller's seeded generator (kept with probability 1 − p).
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee


def _rate(p) -> float:
    return check.scalar("p (the drop probability)", p, low=0.0, high=1.0, high_open=True)


@ieee
def dropout_mask(uniforms, p):
    """The keep mask (bool) for uniforms u on [0, 1): kept iff u ≥ p, so each is kept with probability 1 − p."""
    p = _rate(p)
    check.floating("uniforms", uniforms)
    if uniforms.size and not bool(((uniforms >= 0) & (uniforms < 1)).all()):
        raise ValueError("uniforms must lie in [0, 1)")
    return uniforms >= p


@ieee
def inverted_dropout(x, mask, p):
    """m ⊙ x · (1/(1 − p)): the kept elements (mask true or 1) scaled by 1/(1 − p), the others 0.

    The scale is rounded once and then multiplied, as torch does on the CPU (its noise is mask/(1 − p)), so
    float64 results match torch.nn.functional.dropout's bit for bit under the same mask."""
    p = _rate(p)
    xp = check.namespace(x, "x")
    check.floating("x", x)
    check.finite("x", x)
    check.namespace(mask, "mask")
    if type(mask) is not type(x) or mask.shape != x.shape:
        raise ValueError(f"mask must be an array like x, shape {x.shape}; got {type(mask).__name__} {mask.shape}")
    if mask.dtype.kind != "b":
        if mask.size and not bool(((mask == 0) | (mask == 1)).all()):
            raise ValueError("mask must hold only 0 (dropped) and 1 (kept), or be boolean")
        mask = mask != 0
    scale = x.dtype.type(1) / x.dtype.type(1 - p)
    return xp.where(mask, x * scale, x.dtype.type(0))


def stochastic_depth_rates(layers: int, last: float):
    """The drop rate of each layer l = 1..L under stochastic depth's linear schedule: p_l = (l/L)·p_L (NumPy)."""
    import numpy

    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
        raise ValueError(f"layers (L) must be an integer >= 1, got {layers!r}")
    last = _rate(last)
    return numpy.arange(1, layers + 1, dtype=numpy.float64) * last / layers
