"""Hypothesis strategies for hyperparameters, arrays and gradient streams.

Every draw is labelled (``data.draw(..., label=...)``), so a failure names what was drawn.
Arrays are built with the array module passed in (``xp``: numpy, cupy, ...), as
hypothesis.extra.array_api does, rather than imported here.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from derivations import Hyperparameter

# Typical values the frameworks use; drawn often, because most users run near them.
TYPICAL = {
    "lr": (1e-3, 1e-2, 0.1),
    "beta1": (0.0, 0.9, 0.95),
    "beta2": (0.0, 0.99, 0.999, 0.9999),
    "alpha": (0.0, 0.5, 0.9, 0.99),
    "eps": (1e-8, 1e-6, 1e-3),
    "weight_decay": (0.0, 1e-2, 0.1),
}


def log_uniform(low_exp: float, high_exp: float):
    return st.floats(low_exp, high_exp).map(lambda e: float(10.0**e))


def hyperparameter(h: Hyperparameter) -> st.SearchStrategy[float]:
    """Values strictly inside ``h``'s domain: typical values, then the whole domain."""
    if h.low == 0.0 and h.high == 1.0:  # a decay rate in [0, 1)
        wide = st.floats(0.0, 1.0, exclude_max=True) | st.floats(0.0, 6.0).map(lambda e: 1.0 - 10.0**-e)
    elif h.high == math.inf:  # a positive scale: lr, ε, λ
        wide = log_uniform(-10.0, 0.5)
        if not h.low_open:
            wide = st.just(0.0) | wide
    else:
        wide = st.floats(h.low, h.high, exclude_min=h.low_open, exclude_max=h.high_open)
    typical = st.sampled_from(TYPICAL.get(h.name, (h.default,)))
    return (typical | wide).filter(h.contains)


def magnitudes(dtype) -> tuple[float, float]:
    """Exponent range of "tiny" and "huge" values whose squares stay finite in ``dtype``."""
    info = np.finfo(dtype)
    return math.log10(float(info.tiny)) / 2, math.log10(float(info.max)) / 4


def element(dtype, nonnegative: bool = False, subnormals: bool = True) -> st.SearchStrategy[float]:
    """Zeros, ordinary values, tiny and huge magnitudes, both signs; exactly representable.

    ``subnormals=False`` for backends that flush them to zero (GPU kernels): such values become 0.
    """
    lo, hi = magnitudes(dtype)
    magnitude = st.one_of(
        st.just(0.0),
        st.floats(0.0, 10.0),
        st.sampled_from((1.0, 0.5, 2.0)),
        log_uniform(lo, -3.0),
        log_uniform(3.0, hi),
    )
    signed = magnitude if nonnegative else st.tuples(magnitude, st.booleans()).map(lambda x: -x[0] if x[1] else x[0])
    smallest_normal = float(np.finfo(dtype).tiny)

    def representable(x):
        x = float(np.asarray(x, dtype=dtype))  # round once to the dtype
        return x if subnormals or abs(x) >= smallest_normal else 0.0

    return signed.map(representable)


def array(xp, dtype, size: int, nonnegative: bool = False, subnormals: bool = True):
    return st.lists(element(dtype, nonnegative, subnormals), min_size=size, max_size=size).map(
        lambda values: xp.asarray(np.asarray(values, dtype=dtype))
    )


def gradient_stream(xp, dtype, size: int, steps: int, subnormals: bool = True):
    """``steps`` gradients of ``size`` elements: zeros, tiny, huge, mixed signs."""
    return st.lists(array(xp, dtype, size, subnormals=subnormals), min_size=steps, max_size=steps)
