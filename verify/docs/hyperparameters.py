"""Hyperparameters with their printed symbol, domain and default."""
from __future__ import annotations

import math

from verify.docs.model import Code, Math, Table


def _bound(x: float) -> str:
    return "∞" if math.isinf(x) else f"{x:g}"


def domain(h) -> str:
    """``(0, ∞)``, ``[0, 1)``: the interval the checks draw from."""
    return f"{'(' if h.low_open else '['}{_bound(h.low)}, {_bound(h.high)}{')' if h.high_open else ']'}"


def table(space, symbol_of) -> Table:
    """``symbol_of(name)``: the symbol the space's expressions use for it (schedules' step counts are integers)."""
    rows = tuple(((Code(h.name),), (Math(symbol_of(h.name)),), (domain(h),), (f"{h.default:g}",), (h.meaning,))
                 for h in space.hyperparameters)
    return Table(("name", "symbol", "domain", "default", "meaning"), rows, css="hyperparameters")
