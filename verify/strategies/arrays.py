"""Hypothesis strategies for hyperparameters, arrays and gradient streams.

Every draw is labelled (``data.draw(..., label=...)``), so a failure names what was drawn.
Strategies are cached: building one costs more than drawing from it.
Arrays are built with the array module passed in (``xp``: numpy, cupy, ...), as
hypothesis.extra.array_api does, rather than imported here.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from hypothesis import strategies as st

from derivations import Hyperparameter
from verify.core.dtypes import finfo

# Typical values the frameworks use; drawn often, because most users run near them.
TYPICAL = {
    "lr": (1e-3, 1e-2, 0.1),
    "beta1": (0.0, 0.9, 0.95),
    "beta2": (0.0, 0.99, 0.999, 0.9999),
    "alpha": (0.0, 0.5, 0.9, 0.99),
    "eps": (1e-8, 1e-6, 1e-3),
    "weight_decay": (0.0, 1e-2, 0.1),
    "momentum": (0.0, 0.9, 0.99),
    "dampening": (0.0, 0.1, 0.5),
    "initial_accumulator": (0.0, 0.1, 1.0),
    "lr_decay": (0.0, 1e-3, 0.1),
    "momentum_decay": (4e-3, 1.0, 0.1),  # NAdam's ψ: torch's 0.004, Keras's 1
    "rho": (0.0, 0.9, 0.95),  # Adadelta's ρ: torch and optax 0.9, Zeiler and Keras 0.95
}

# Ordinary values only, for telling conventions apart (verify.adapters.conventions): each convention axis
# shows at these values (ε large enough to matter, momentum and decay switched on), while the
# edge cases of the whole domain are left to the check that follows a match.
ORDINARY = {
    "lr": (1e-3, 1e-2, 0.1, 0.5),
    "beta1": (0.5, 0.9, 0.95),
    "beta2": (0.9, 0.99, 0.999),
    "alpha": (0.5, 0.9, 0.99),
    "eps": (1e-8, 1e-6, 1e-3, 0.1),
    "weight_decay": (0.0, 1e-2, 0.1),
    "momentum": (0.5, 0.9),
    "dampening": (0.0, 0.1, 0.5),
    "initial_accumulator": (0.0, 0.1, 1.0),
    "lr_decay": (0.0, 0.01, 0.1),
    "momentum_decay": (4e-3, 0.1, 1.0),
    "rho": (0.5, 0.9, 0.95),
}
LR_FACTORS = (1.0, 0.5, 0.1, 2.0, 3.0)  # a learning-rate schedule multiplies lr by one of these each step


def log_uniform(low_exp: float, high_exp: float):
    return st.floats(low_exp, high_exp).map(lambda e: float(10.0**e))


def representable(x: float, dtype, h: Hyperparameter) -> float:
    """``x`` rounded to ``dtype`` (an implementation may store hyperparameters in the array dtype),
    moved one step back inside ``h``'s domain where rounding left it (β → 1, lr → 0)."""
    if dtype is None or np.dtype(dtype) == np.float64:
        return x
    r = np.asarray(x, dtype=dtype)
    if not h.contains(float(r)):  # one step towards the inside (rounding crossed the low or the high end)
        inward = np.inf if float(r) <= h.low else -np.inf
        r = np.nextafter(r, np.asarray(inward, dtype=dtype))
    return float(r)


@lru_cache(maxsize=None)  # building a strategy costs more than drawing from it
def hyperparameter(h: Hyperparameter, dtype=None, ordinary: bool = False) -> st.SearchStrategy[float]:
    """Values strictly inside ``h``'s domain, representable in ``dtype``: typical values, then the
    whole domain (``ordinary=True``: only the ORDINARY values, for fingerprinting)."""
    if ordinary:
        values = tuple(x for x in ORDINARY.get(h.name, (h.default,)) if h.contains(x)) or (h.default,)
        return st.sampled_from(values).map(lambda x: representable(x, dtype, h))
    return _whole_domain(h).map(lambda x: representable(x, dtype, h))


@lru_cache(maxsize=None)
def _whole_domain(h: Hyperparameter) -> st.SearchStrategy[float]:
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
    info = finfo(dtype)
    return math.log10(float(info.tiny)) / 2, math.log10(float(info.max)) / 4


@lru_cache(maxsize=None)
def element(dtype, nonnegative: bool = False, subnormals: bool = True, ordinary: bool = False):
    """Zeros, ordinary values, tiny and huge magnitudes, and magnitudes down to the smallest subnormal, both
    signs; exactly representable.

    ``subnormals=False`` for backends that flush them to zero (GPU kernels): such values become 0.
    ``ordinary=True``: zeros and magnitudes in [1e-3, 1e2] only (for fingerprinting).

    One integer picks the magnitude's branch and the sign together (uniform over both, as a one_of of
    the branches and a boolean sign would be; it shrinks to 0: the zero branch, positive), then one draw
    gives the magnitude: two choices per element instead of a tree of mapped strategies, which costs
    Hypothesis several times more per element.
    """
    if ordinary:
        return _ordinary_element(dtype, nonnegative, subnormals)
    branches = _magnitude_branches(dtype)
    signs = 1 if nonnegative else 2
    pick = st.integers(0, len(branches) * signs - 1)
    smallest_normal = float(finfo(dtype).tiny)

    @st.composite
    def signed_element(draw):
        branch, negative = divmod(draw(pick), signs)
        values, exponent = branches[branch]
        x = 0.0 if values is None else draw(values)
        x = float(10.0**x) if exponent else x
        return _round_to(-x if negative else x, dtype, subnormals, smallest_normal)

    return signed_element()


def _round_to(x: float, dtype, subnormals: bool, smallest_normal: float) -> float:
    x = float(np.asarray(x, dtype=dtype))  # round once to the dtype
    return x if subnormals or abs(x) >= smallest_normal else 0.0


@lru_cache(maxsize=None)
def _magnitude_branches(dtype) -> tuple:
    """(strategy or None for 0, whether it draws a base-10 exponent) per branch, the simplest first."""
    lo, hi = magnitudes(dtype)
    # float16's range is narrow (squares stay finite below ~16): "tiny" and "huge" shrink with it
    tiny_top, huge_bottom = max(-3.0, lo / 2), min(3.0, hi / 2)
    # below "tiny", down to the smallest subnormal: where x·x underflows, a kernel that flushes subnormals to 0 or
    # takes |x| as √(x·x) goes wrong (held-out planted bugs that passed without it).  Not above "huge": a state that
    # overflows stops a validating kernel at its next step, and a product may overflow in one order and not in
    # another — neither is a bug, and the bound does not yet tell them apart.
    lowest = math.log10(float(finfo(dtype).smallest_subnormal))
    return ((None, False), (st.floats(0.0, 10.0), False), (st.sampled_from((1.0, 0.5, 2.0)), False),
            (st.floats(lo, tiny_top), True), (st.floats(huge_bottom, hi), True), (st.floats(lowest, lo), True))


def _ordinary_element(dtype, nonnegative: bool, subnormals: bool):
    """The fingerprinting draws, kept as a one_of tree: the surveys' conventions were found (and are told
    apart, e.g. optax RAdam's ε inside or outside the root) with this distribution of draws; the flat form
    above changes which examples Hypothesis tries first, and 30 survey examples then missed that split."""
    magnitude = st.one_of(st.just(0.0), st.sampled_from((1.0, 0.5, 2.0)), log_uniform(-3.0, 2.0))
    signed = magnitude if nonnegative else st.tuples(magnitude, st.booleans()).map(lambda x: -x[0] if x[1] else x[0])
    smallest_normal = float(finfo(dtype).tiny)
    return signed.map(lambda x: _round_to(x, dtype, subnormals, smallest_normal))


@lru_cache(maxsize=None)
def array(xp, dtype, size: int, nonnegative: bool = False, subnormals: bool = True, ordinary: bool = False):
    return st.lists(element(dtype, nonnegative, subnormals, ordinary), min_size=size, max_size=size).map(
        lambda values: xp.asarray(np.asarray(values, dtype=dtype))
    )


def schedule(h: Hyperparameter, start: float, steps: int, dtype) -> st.SearchStrategy[list]:
    """Per-step values of a schedulable hyperparameter (the learning rate): ``start`` at the first
    step, then ``start`` times one of LR_FACTORS at each later step."""
    factors = st.lists(st.sampled_from(LR_FACTORS), min_size=steps - 1, max_size=steps - 1)
    return factors.map(lambda fs: [start] + [representable(start * f, dtype, h) for f in fs])
