"""Argument checks shared by the kernels: every check runs before any array is modified.

Each failure is a ValueError that names the argument.  ``arrays`` checks all of a kernel's arrays
at once: type, shape and dtype, writability, aliasing, then values.
"""
from __future__ import annotations

import math
import numbers

import numpy

try:
    from numpy.exceptions import TooHardError
except ImportError:  # NumPy < 1.25
    from numpy import TooHardError

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")

# Work allowed to NumPy's exact overlap solver once the bounds overlap: plenty for slices and
# transposes of one buffer, bounded for pathological strides (which then count as sharing).
OVERLAP_WORK = 4096


def namespace(array, name: str = "the array"):
    """NumPy for NumPy arrays, CuPy for CuPy arrays (imported only when such an array is seen)."""
    module = type(array).__module__.split(".")[0]
    if module == "cupy":
        import cupy

        return cupy
    if module == "numpy":
        return numpy
    raise ValueError(f"{name} must be a NumPy or CuPy array, got {type(array).__name__}")


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
        namespace(array, name)  # not an array at all (a list...): say what is expected
        raise ValueError(f"{name} is a {type(array).__name__} but {reference_name} is a {type(reference).__name__}")
    if array.shape != reference.shape:
        raise ValueError(f"{name} has shape {array.shape} but {reference_name} has shape {reference.shape}")
    if array.dtype != reference.dtype:
        raise ValueError(f"{name} has dtype {array.dtype} but {reference_name} has dtype {reference.dtype}")


def floating(name: str, array) -> None:
    namespace(array, name)
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


def _overlap(a, b) -> bool:
    """Whether ``a`` and ``b`` share memory: the O(1) bounds test first, the exact one only if it says yes."""
    xp = namespace(a)
    if not xp.may_share_memory(a, b):
        return False
    try:
        return bool(xp.shares_memory(a, b, max_work=OVERLAP_WORK))
    except TooHardError:  # the bounded search gave up: assume the worst
        return True
    except NotImplementedError:  # CuPy takes no max_work (its exact answer is a device sort): assume the worst
        return True


def disjoint(arrays: dict, written) -> None:
    """No array the kernel writes may share memory with any other array argument.

    An in-place update through one name would otherwise change what another name reads half-way
    through the step.  Disjoint slices (even interleaved ones) of one buffer are fine.
    """
    names = list(arrays)
    for i, later in enumerate(names):
        for earlier in names[:i]:  # blame the later argument (scratch, state) before p where both are written
            if (later in written or earlier in written) and _overlap(arrays[later], arrays[earlier]):
                writer, other = (later, earlier) if later in written else (earlier, later)
                raise ValueError(f"{writer} and {other} share memory: the kernel writes {writer}, "
                                 f"so it must not alias {other}")


def arrays(required: dict, optional: dict = None, *, written: tuple, nonnegative_state: tuple = (),
           unread: tuple = ()) -> None:
    """Every check on a kernel's arrays, the first of ``required`` being the reference.

    ``optional`` entries that are None (state the chosen conventions do not use) are skipped.
    ``written`` arrays must be writable and alias nothing; values must be finite,
    ``nonnegative_state`` also ≥ 0, and ``unread`` ones (scratch) may hold anything.
    """
    given = dict(required, **{name: array for name, array in (optional or {}).items() if array is not None})
    (reference_name, reference), *others = given.items()
    floating(reference_name, reference)
    for name, array in others:
        like(name, array, reference, reference_name)
    for name in written:
        if name in given:
            writable(name, given[name])
    disjoint(given, written)
    for name, array in given.items():
        if name in nonnegative_state:
            nonnegative(name, array)
        elif name not in unread:
            finite(name, array)
