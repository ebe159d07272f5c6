"""A rule's algorithm box: its ordered assignments under the default conventions, and for every other value of
every convention axis the lines that value changes.

Elementwise rules are printed as they are written (each assignment reads the symbols of earlier targets).  Matrix
and per-tensor rules build vectors, so they are written out for symbolic 2-vectors (and a 2×2 H) and each entry
an earlier line assigned is named back by that line's target (``display``): ``restore`` undoes it, and the tests
check that it gives the rule's own assignment back.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.objective import MatrixRule, Oracle, square, vector
from derivations.core.reduction import ReductionRule
from derivations.core.rule import Rule
from verify.docs.model import Algorithm, Alternative, Assign, BoxLine

N = 2  # the dimension matrix and per-tensor rules are written out in


def raw_assignments(rule, conventions: dict, prev: frozenset = frozenset()) -> tuple:
    """(target name, value) pairs of one step under ``conventions``, as the rule's own build returns them; the
    vectors named in ``prev`` are written name_prev (their value before the step)."""
    if isinstance(rule, Rule):
        return tuple((str(s), e) for s, e in rule.assignments(**conventions))

    def before(name):
        return vector(f"{name}_prev" if name in prev else name, N)

    if isinstance(rule, MatrixRule):  # a later iteration: the state holds the previous g and d
        state, hyper = ({name: vector(f"{name}_prev", N) for name in rule.state}, None) if rule.illustration is None \
            else rule.illustration(N)
        oracle = Oracle(vector("g", N), square("H", N))
        return tuple(rule.assignments(before("x"), oracle, state, first=not rule.state, hyper=hyper, **conventions))
    if isinstance(rule, ReductionRule):
        arrays = {name: before(name) for name in rule.inputs + rule.state}
        return tuple(rule.assignments(arrays, **conventions))
    raise TypeError(f"no algorithm box for {type(rule).__name__}")


def _stale_reads(shown_lines) -> frozenset:
    """Names whose value before the step a line reads after an earlier line overwrote them: printed with the
    bare name, pseudo-code would read the new value, so those must be written name_prev.  (Names of new values
    are Dummies, see ``_names_for``; an input's entries are plain Symbols.)"""
    stale, assigned = set(), set()
    for target, value, _ in shown_lines:
        for s in getattr(value, "free_symbols", ()):
            stem = s.name.rsplit("_", 1)[0]
            if not isinstance(s, sp.Dummy) and stem in assigned:
                stale.add(stem)
        assigned.add(str(target))
    return frozenset(stale)


def _names_for(target: str, value) -> dict:
    """Each non-atomic entry of ``value`` → the name a reader calls it (target, or target_i for a vector): a Dummy,
    printed like the symbol but never equal to an input of the same name (a fixed index: the same in every
    variant, so that lines can be compared across conventions)."""
    if isinstance(value, sp.MatrixBase):
        return {e: sp.Dummy(f"{target}_{i}", dummy_index=0, real=True) for i, e in enumerate(value) if not e.is_Atom}
    value = sp.sympify(value)
    return {} if value.is_Atom else {value: sp.Dummy(target, dummy_index=0, real=True)}


def display(pairs) -> tuple[tuple[object, object, dict], ...]:
    """(target symbol, value as printed, {name symbol: value it stands for}) per assignment: later values read
    earlier targets by name.  A no-op for elementwise rules, whose values already do."""
    named: dict = {}
    out = []
    for target, value in pairs:
        shown = value.xreplace(named) if named and hasattr(value, "xreplace") else value
        if isinstance(shown, sp.MatrixBase):
            shown = sp.ImmutableMatrix(shown)
        out.append((sp.Symbol(target, real=True), shown, {s: e for e, s in named.items()}))
        named.update(_names_for(target, value))
    return tuple(out)


def restore(shown, names: dict):
    """``shown`` with every name a display substituted replaced by its value, until none is left."""
    for _ in range(len(names) + 1):
        if not (getattr(shown, "free_symbols", set()) & set(names)):
            return shown
        shown = shown.xreplace(names)
    return shown


def stale_names(rule) -> frozenset:
    """Every input some variant of ``rule`` reads stale (one set for all variants: a name prints the same in
    every line of the box)."""
    if isinstance(rule, Rule):
        return frozenset()
    return frozenset().union(*(_stale_reads(display(raw_assignments(rule, c))) for c in rule.variants()))


def shown(rule, conventions: dict, prev: frozenset = frozenset()) -> tuple[tuple[object, object, dict], ...]:
    """``display`` of the rule's assignments, the inputs in ``prev`` written name_prev."""
    return display(raw_assignments(rule, conventions, prev))


def lines(rule, conventions: dict, prev: frozenset = frozenset()) -> tuple[Assign, ...]:
    return tuple(Assign(target, value) for target, value, _ in shown(rule, conventions, prev))


def box(rule) -> Algorithm:
    """The algorithm box of ``rule``: the default lines, each followed by the alternatives that change it."""
    prev = stale_names(rule)
    base = lines(rule, rule.conventions(), prev)
    alternatives: dict[int, list] = {i: [] for i in range(len(base))}
    for axis in rule.axes:
        for value in axis.values:
            if value == axis.default:
                continue
            other = lines(rule, rule.conventions(**{axis.name: value}), prev)
            for anchor, alt in _changes(base, other, axis.name, value):
                alternatives[anchor].append(alt)
    caption = ", ".join(f"{a.name} = {a.default}" for a in rule.axes)
    body = tuple(BoxLine(line, tuple(alternatives[i])) for i, line in enumerate(base))
    return Algorithm(caption=caption, lines=body)


def _changes(base, other, axis: str, value):
    """(index of the default line it belongs to, Alternative) for each line ``other`` changes, adds or drops."""
    position = {str(line.target): i for i, line in enumerate(base)}
    seen = set()
    anchor = 0
    for line in other:
        name = str(line.target)
        seen.add(name)
        if name in position:
            anchor = position[name]
            if base[anchor].expr != line.expr:
                yield anchor, Alternative(axis, value, "replaces", line)
        else:  # a line this value adds, after the last default line it shares
            yield anchor, Alternative(axis, value, "adds", line)
    for name, i in position.items():
        if name not in seen:
            yield i, Alternative(axis, value, "removes", base[i])
