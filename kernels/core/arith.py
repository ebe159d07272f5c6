"""What the kernels' arithmetic shares: IEEE results whatever the caller's errstate, and scaling by a host scalar."""
from __future__ import annotations

import functools

import numpy


def ieee(kernel):
    """Run ``kernel`` (checks and arithmetic) under ``numpy.errstate(all="ignore")``.

    Overflow gives ±inf and invalid operations NaN, as in CuPy and torch, so no FloatingPointError
    can stop a step half-way; a caller's ``errstate(all="raise")`` cannot leak in.  One context
    manager per call, nothing per element.
    """

    @functools.wraps(kernel)
    def run(*args, **kwargs):
        with numpy.errstate(all="ignore"):
            return kernel(*args, **kwargs)

    return run


def scale(x, factor: float) -> None:
    """x ← factor·x in place, the host scalar cast to x's dtype (bfloat16 times a Python float would give
    float32).  A factor of 1 is skipped: x·1 = x exactly, so this saves a pass over memory and changes no bit.
    """
    if factor != 1.0:
        x *= x.dtype.type(factor)

