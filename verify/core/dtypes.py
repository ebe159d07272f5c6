"""The floating-point formats a check can run in, and their constants.

float16, float32 and float64 are NumPy's; bfloat16 comes from ``ml_dtypes`` (the package JAX
uses), which registers it with NumPy when imported, so ``np.dtype("bfloat16")`` works after
``resolve``.  ``np.finfo`` does not know bfloat16: ``finfo`` below does.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

SUPPORTED = ("float16", "bfloat16", "float32", "float64")


def resolve(name) -> np.dtype:
    """The NumPy dtype for a supported name (importing ml_dtypes for bfloat16)."""
    if name == "bfloat16" or getattr(name, "__name__", None) == "bfloat16":
        try:
            import ml_dtypes
        except ImportError as exc:  # a dependency, but say what to do if it was removed
            raise ValueError("dtype 'bfloat16' needs the ml_dtypes package: pip install ml_dtypes") from exc
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def finfo(dtype):
    dtype = resolve(dtype) if isinstance(dtype, str) else np.dtype(dtype)
    if dtype.name == "bfloat16":
        import ml_dtypes

        return ml_dtypes.finfo(dtype)
    return np.finfo(dtype)


@lru_cache(maxsize=None)
def overflow_threshold(dtype) -> float:
    """The smallest magnitude that rounds to ±inf in ``dtype``: max + half an ulp of max (for
    float64 that is beyond float64 itself: inf, and an overflowing reference is already ±inf)."""
    info = finfo(dtype)
    half_ulp = math.ldexp(float(info.eps) / 2, math.frexp(float(info.max))[1] - 1)
    return float(info.max) + half_ulp if np.dtype(info.dtype).itemsize < 8 else math.inf
