"""Rules beyond elementwise: a rule on vectors and matrices that reads an objective through an oracle.

An elementwise rule (rule.py) is handed a gradient stream.  A *matrix* rule (Newton, CG) is handed an
objective instead, through the callables ``value(x)``, ``grad(x)`` and ``hvp(x, v)`` (the oracle, after
optax's extra-args protocol), and its update is a matrix expression of what the oracle returns.
``MatrixRule.build(conventions, n)`` returns the ordered assignments for symbolic n-vectors, exactly
like ``Rule.build`` for scalars, so that a derivation about the rule is built from the rule itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from derivations.core.rule import ConventionAxis, ConventionSpace, Hyperparameter

SHAPES = ("elementwise", "reduction", "matrix", "history")


def vector(name: str, n: int) -> sp.Matrix:
    return sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"{name}_{i}", real=True))


def square(name: str, n: int) -> sp.Matrix:
    return sp.Matrix(n, n, lambda i, j: sp.Symbol(f"{name}_{i}{j}", real=True))


def dot(a: sp.Matrix, b: sp.Matrix):
    return (a.T * b)[0]


@dataclass(frozen=True)
class Oracle:
    """What a matrix rule may read at x: the gradient g and the Hessian H (as hvp(x, v) = Hv).

    Symbolic stand-ins for the callables: a derivation substitutes a concrete objective's g and H."""
    g: sp.Matrix
    H: sp.Matrix


@dataclass(frozen=True)
class MatrixRule(ConventionSpace):
    name: str
    title: str
    shape: str  # one of SHAPES; "matrix" here
    state: tuple[str, ...]  # vectors carried between steps (iterations)
    outputs: tuple[str, ...]
    hyperparameters: tuple[Hyperparameter, ...]
    axes: tuple[ConventionAxis, ...]
    # build(conventions, x, oracle, state: dict of symbolic vectors, first: bool) -> ((name, Matrix), ...)
    build: Callable
    source: str
    # (n) -> (state, hyperparameter values) of a later iteration, for the algorithm box of the docs, where the state
    # is not n-vectors (BFGS's matrix M, L-BFGS's list of pairs, an iteration count); None: each state name an n-vector
    illustration: Callable | None = None

    def assignments(self, x, oracle: Oracle, state: dict, *, first: bool, hyper: dict | None = None,
                    **chosen) -> tuple:
        """The ordered assignments of one step from x, reading ``oracle``; ``hyper`` maps hyperparameter
        names to values (default: their symbols)."""
        hyper = {h.name: sp.Symbol(h.name, real=True) for h in self.hyperparameters} | dict(hyper or {})
        return tuple(self.build(self.conventions(**chosen), x, oracle, dict(state), first, hyper))

    def update(self, x, oracle: Oracle, state: dict, *, first: bool, hyper: dict | None = None, **chosen) -> dict:
        """Each assigned name's value after the step (later assignments read the earlier ones)."""
        return dict(self.assignments(x, oracle, state, first=first, hyper=hyper, **chosen))


def quadratic(A: sp.Matrix, b: sp.Matrix):
    """The oracle of f(x) = ½xᵀAx - bᵀx (A symmetric) at x: g = Ax - b, H = A."""
    return lambda x: Oracle(A * x - b, A)
