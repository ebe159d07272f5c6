"""How a derivation about a rule takes that rule's update, in its own notation.

A derivation writes the seed's notation (s_t, β_1, g_{t+1}) with the assumptions SymPy needs to simplify
(β_1 > 0), while a rule's symbols are real only (see rule.py).  So a derivation reads the rule's
expressions with every symbol replaced *by name*: ``{"m": s_t, "g": g[t + 1], "beta1": beta_1}``.  A
derivation built this way proves something about the rule itself: change the rule, and it fails.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.rule import Rule


def in_symbols(expr, names: dict):
    """``expr`` with each free symbol replaced at once by ``names[its name]``.

    Every free symbol must be named: one left over would be the rule's (real only), never cancelling
    against the derivation's symbol of the same name, and the proof would fail for no visible reason.
    """
    expr = sp.sympify(expr)
    missing = sorted(s.name for s in expr.free_symbols if s.name not in names)
    if missing:
        raise ValueError(f"no value for the rule's symbol(s) {missing} in {expr}")
    return expr.xreplace({s: sp.sympify(names[s.name]) for s in expr.free_symbols})


def update(rule: Rule, output: str, names: dict, **conventions):
    """One output of a step as an expression of the values before it (``rule.updates``), in ``names``."""
    return in_symbols(rule.updates(**conventions)[output], names)


def assignment(rule: Rule, target: str, names: dict, **conventions):
    """The right-hand side assigned to ``target``, as the rule writes it: the targets assigned before it
    stand for their new values."""
    return in_symbols(dict((str(s), e) for s, e in rule.assignments(**conventions))[target], names)


def unroll(rule: Rule, start: dict, steps, **conventions) -> list[dict]:
    """The rule run for ``len(steps)`` steps on symbols: ``start`` holds the values of the outputs carried
    from step to step, ``steps[k]`` every other symbol's value at step k + 1 (t is the step's number).
    Returns the carried outputs after each step."""
    updates = rule.updates(**conventions)
    state, after = dict(start), []
    for t, values in enumerate(steps, 1):
        names = {"t": t, **values, **state}
        state = {name: in_symbols(updates[name], names) for name in state}
        after.append(state)
    return after


def about(rule: Rule, **conventions) -> dict:
    """The ``rule`` and ``conventions`` fields of a derivation about ``rule``: per axis the value, or the tuple
    of values, the derivation reads the rule under (axes not named: the rule's defaults)."""
    values = {axis: v if isinstance(v, tuple) else (v,) for axis, v in conventions.items()}
    for axis, vs in values.items():
        for v in vs:
            rule.conventions(**{axis: v})  # an unknown axis or value is an error here, not a silent default
    return dict(rule=rule.name, conventions=tuple(sorted(values.items())))
