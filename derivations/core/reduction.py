"""Rules whose update reads whole tensors: norms and dot products of a layer's weights and gradient.

An elementwise rule (rule.py) is one scalar expression applied per coordinate; a *reduction* rule (LARS,
LAMB) is applied per tensor, and its update of each coordinate depends on reductions over the whole
tensor — ‖w‖, ‖g‖, gᵀw.  It is written over symbolic n-vectors (a tensor flattened), one tensor at a
time: a list of tensors (the layers of a network) is updated by applying the rule to each separately.

``ReductionRule.build(conventions, arrays, hyper)`` returns the ordered assignments of one step, as
``Rule.build`` does for scalars, ``arrays`` mapping the rule's inputs and state ("w", "g", "buf") to
n×1 SymPy matrices and ``hyper`` its hyperparameters' names to values (symbols by default).  A later
assignment reads the values of earlier ones.  Values are vectors (sp.Matrix) or scalars (a norm, a trust
ratio), so a derivation can read the intermediate quantities too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from derivations.core.objective import dot, vector
from derivations.core.rule import ConventionAxis, ConventionSpace, Hyperparameter

__all__ = ["ReductionRule", "dot", "norm", "vector"]


def norm(v: sp.Matrix):
    """The Euclidean norm √(Σ v_i²) of a vector (of a tensor, flattened)."""
    return sp.sqrt(sum((x**2 for x in v), sp.Integer(0)))


@dataclass(frozen=True)
class ReductionRule(ConventionSpace):
    name: str
    title: str
    shape: str  # "reduction" (see objective.SHAPES)
    inputs: tuple[str, ...]  # vectors read each step, e.g. ("w", "g")
    state: tuple[str, ...]  # vectors carried between steps, zero before the first
    outputs: tuple[str, ...]  # vectors a step produces, in the order a step returns them
    hyperparameters: tuple[Hyperparameter, ...]
    axes: tuple[ConventionAxis, ...]
    # build(conventions, arrays: {name: n×1 Matrix}, hyper: {name: value}) -> ((name, value), ...)
    build: Callable
    source: str

    def assignments(self, arrays: dict, hyper: dict | None = None, **chosen) -> tuple:
        """The ordered assignments of one step on one tensor; ``hyper`` maps hyperparameter names to values
        (default: their real symbols)."""
        missing = [name for name in self.inputs + self.state if name not in arrays]
        if missing:
            raise ValueError(f"rule {self.name!r} needs the vectors {missing}")
        hyper = {h.name: h.symbol for h in self.hyperparameters} | dict(hyper or {})
        return tuple(self.build(self.conventions(**chosen), dict(arrays), hyper))

    def update(self, arrays: dict, hyper: dict | None = None, **chosen) -> dict:
        """Each assigned name's value after the step (later assignments read the earlier ones)."""
        return dict(self.assignments(arrays, hyper, **chosen))
