"""Planted changes in a copy of an elementwise rule: the derivations about the rule, rebuilt from the copy, must
then fail (tests/derivations/test_derivations_mutants.py runs every rule's table of them)."""
from __future__ import annotations

import dataclasses


def planted(rule, target: str, old, new):
    """A copy of ``rule`` whose assignment to ``target`` has the subtree ``old`` replaced by ``new``."""
    def build(conv):
        return tuple((s, e.xreplace({old: new}) if str(s) == target else e) for s, e in rule.build(conv))

    return dataclasses.replace(rule, build=build)


def ignoring(rule, **fixed):
    """A copy of ``rule`` that builds every variant as if the axes in ``fixed`` had those values."""
    return dataclasses.replace(rule, build=lambda conv: rule.build({**conv, **fixed}))


def changes_anything(original, copy) -> bool:
    """Whether the copy's updates differ from the original's under some convention (else a test of it is vacuous)."""
    return any(original.updates(**c) != copy.updates(**c) for c in original.variants())


def first_failure(derivation):
    """The first step of ``derivation`` that fails, or None: a derivation fails iff one of its steps does, and
    refuting a step costs SymPy far more than proving one (simplify on a residual that is not 0), so the steps
    after it are not checked (they were 46% of the planted-change tests' proof time)."""
    from derivations import check_step

    return next((r for r in map(check_step, derivation.steps) if not r.ok), None)
