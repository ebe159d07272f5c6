"""Validation of a check's options: a ValueError that names the option, before anything runs.

A check that silently ignores a misspelt hyperparameter, or runs with β₁ = 1 where the reference
is undefined, reports "passed" for nothing; every option is therefore checked here first.
"""
from __future__ import annotations

import math
import numbers

from verify.core import dtypes as dtypes_

DEFAULT_DEADLINE = 60.0  # seconds one call of the implementation may take (a JIT compile fits easily)


def dtype_names(value) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (tuple, list)):
        raise ValueError(f"dtypes must be a tuple of dtype names such as ('float32',), got {value!r}")
    if not value:
        raise ValueError(f"dtypes must name at least one of {dtypes_.SUPPORTED}, got an empty {type(value).__name__}")
    names = []
    for d in value:
        name = getattr(d, "__name__", None) or str(d)
        if name not in dtypes_.SUPPORTED:
            raise ValueError(f"dtypes: {d!r} is not supported; choose from {dtypes_.SUPPORTED}")
        dtypes_.resolve(name)  # bfloat16 needs ml_dtypes: say so now
        names.append(name)
    return tuple(dict.fromkeys(names))


def positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def seed(value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"seed must be an integer, got {value!r}")
    return int(value)


def deadline(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0 < float(value) < math.inf):
        raise ValueError(f"deadline must be a positive number of seconds (or None for no limit), got {value!r}")
    return float(value)


def fixed_hyperparameters(rule, values) -> dict:
    """``values`` checked against ``rule``: known names only, real numbers inside each domain."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ValueError(f"hyperparameters must be a dict of name -> value, got {type(values).__name__}")
    known = {h.name: h for h in rule.hyperparameters}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"hyperparameters: rule {rule.name!r} has no hyperparameter {', '.join(map(repr, unknown))}; "
                         f"its hyperparameters: {', '.join(known)}")
    out = {}
    for name, value in values.items():
        h = known[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"hyperparameters: {name} must be a real number, got {value!r}")
        if not h.contains(float(value)):
            raise ValueError(f"hyperparameters: {name}={value!r} is outside its domain {h.domain}")
        out[name] = float(value)
    return out


def schedules(rule, names) -> tuple[str, ...]:
    if isinstance(names, str) or not isinstance(names, (tuple, list)):
        raise ValueError(f"schedules must be a tuple of hyperparameter names such as ('lr',), got {names!r}")
    known = {h.name for h in rule.hyperparameters}
    for name in names:
        if name not in known:
            raise ValueError(f"schedules: rule {rule.name!r} has no hyperparameter {name!r}; "
                             f"these may follow a schedule: {', '.join(rule.schedulable)}")
        if name not in rule.schedulable:
            raise ValueError(f"schedules: {name!r} cannot follow a schedule in rule {rule.name!r}; "
                             f"these may: {', '.join(rule.schedulable)}")
    return tuple(names)
