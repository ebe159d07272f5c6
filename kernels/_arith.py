"""What the kernels' arithmetic shares: IEEE results whatever the caller's errstate, and L2 decay."""
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


def l2_gradient(xp, g, p, weight_decay):
    """g + λp as a new array (``out=`` keeps a 0-d result an array); ``weight_decay`` in p's dtype."""
    grad = xp.multiply(p, weight_decay, out=xp.empty_like(p))
    grad += g
    return grad
