"""Argument checks shared by the kernels: every check runs before any array is modified."""
from __future__ import annotations

import math
import numbers

FLOAT_DTYPES = ("float16", "float32", "float64")


def namespace(array):
    """NumPy for NumPy arrays, CuPy for CuPy arrays (imported only when such an array is seen)."""
    module = type(array).__module__.split(".")[0]
    if module == "cupy":
        import cupy

        return cupy
    if module == "numpy":
        import numpy

        return numpy
    raise ValueError(f"expected a NumPy or CuPy array, got {type(array).__name__}")


def scalar(name: str, value, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """A finite real hyperparameter inside [low, high] (open ends where asked)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def step_count(t) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 1:
        raise ValueError(f"t (the 1-based step count) must be an integer >= 1, got {t!r}")
    return int(t)


def choice(name: str, value, allowed: tuple):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")
    return value


def like(name: str, array, reference, reference_name: str) -> None:
    """``array`` must match ``reference`` in array type, shape and dtype."""
    if type(array) is not type(reference):
        raise ValueError(f"{name} is a {type(array).__name__} but {reference_name} is a {type(reference).__name__}")
    if array.shape != reference.shape:
        raise ValueError(f"{name} has shape {array.shape} but {reference_name} has shape {reference.shape}")
    if array.dtype != reference.dtype:
        raise ValueError(f"{name} has dtype {array.dtype} but {reference_name} has dtype {reference.dtype}")


def floating(name: str, array) -> None:
    namespace(array)
    if str(array.dtype) not in FLOAT_DTYPES:
        raise ValueError(f"{name} must have a floating dtype {FLOAT_DTYPES}, got {array.dtype}")


def _extremes(array) -> tuple[float, float]:
    """min and max; both propagate NaN, so two reductions see NaN/inf without a temporary array."""
    xp = namespace(array)
    return float(xp.min(array)), float(xp.max(array))


def finite(name: str, array) -> None:
    if array.size == 0:
        return
    low, high = _extremes(array)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{name} contains NaN or inf")


def writable(name: str, array) -> None:
    flags = getattr(array, "flags", None)
    if flags is not None and hasattr(flags, "writeable") and not flags.writeable:
        raise ValueError(f"{name} must be writable: the kernel updates it in place")


def nonnegative(name: str, array) -> None:
    """Finite and ≥ 0 (a second-moment state): min ≥ 0 and max finite, NaN failing both."""
    if array.size == 0:
        return
    low, high = _extremes(array)
    if not (low >= 0 and math.isfinite(high)):
        raise ValueError(f"{name} must be finite and >= 0 (a second-moment state), got values in [{low}, {high}]")
