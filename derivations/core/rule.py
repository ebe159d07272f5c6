"""An update rule as symbolic data: ordered assignments, like the algorithm boxes in the seeds.

A rule names its array inputs (parameter, gradient), its state (zero-initialised arrays it
carries between steps), the 1-based step counter t, its hyperparameters with their domains
and defaults, and its convention axes.  ``assignments(conventions)`` returns the ordered
assignments for one choice of conventions; a later assignment reads the values written by
earlier ones, exactly as the pseudo-code reads.  Elementwise rules are scalar expressions
applied per coordinate.

Symbols are declared ``real`` only (not positive) on purpose: SymPy then keeps the
expression in the shape the algorithm computes it (it would otherwise rewrite
sqrt(v/c) as sqrt(v)/sqrt(c)), which the rounding-error bound in verify/ relies on.
Domains live in ``Hyperparameter`` instead.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import sympy as sp


def sym(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


STEP = sp.Symbol("t", integer=True, positive=True)

# 1 at the first step, 0 afterwards: how a rule says "the buffer starts as the first gradient".
FIRST_STEP = sp.Piecewise((1, sp.Eq(STEP, 1)), (0, True))


def host_function(name: str, implementation: Callable, roundings: Callable, powered: tuple[int, ...] = ()):
    """A function of t and hyperparameters with no closed form (NAdam's product of μ_1..μ_t), as a SymPy
    function that references evaluate by calling ``implementation`` (on floats or on mpmath numbers, at
    the working precision).  ``roundings(*args)`` is an expression in the same arguments: how many roundings
    a float64 evaluation of it makes, which verify's error bound charges it.  ``powered``: the positions of the
    arguments that the function raises to a power of t (β1 in Π μ_i = β1^t·…), as β1^t is raised in Adam."""
    from sympy.utilities.lambdify import implemented_function

    fn = implemented_function(sp.Function(name), implementation)
    fn._roundings_ = staticmethod(roundings)
    fn._powered_ = tuple(powered)
    return fn


@dataclass(frozen=True)
class Hyperparameter:
    name: str
    low: float
    high: float
    low_open: bool
    high_open: bool
    default: float
    meaning: str

    @property
    def symbol(self) -> sp.Symbol:
        return sym(self.name)

    def contains(self, x: float) -> bool:
        if not math.isfinite(x):
            return False
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return above and below

    @property
    def domain(self) -> str:
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open else "]"
        return f"{self.name} ∈ {lo}{self.low:g}, {self.high:g}{hi}"


@dataclass(frozen=True)
class ConventionAxis:
    name: str
    values: tuple
    default: object
    meaning: tuple  # ((value, one-line description), ...)


Assignments = tuple[tuple[sp.Symbol, sp.Expr], ...]


class ConventionSpace:
    """What every kind of rule shares: named convention axes and hyperparameters (elementwise rules
    here, matrix rules in objective.py)."""

    def conventions(self, **chosen) -> dict:
        """Complete ``chosen`` with defaults, rejecting unknown axes or values."""
        known = {a.name: a for a in self.axes}
        for key, value in chosen.items():
            if key not in known:
                raise ValueError(f"rule {self.name!r} has no convention axis {key!r}; axes: {sorted(known)}")
            if value not in known[key].values:
                raise ValueError(
                    f"convention {key}={value!r} is not one of {list(known[key].values)} for rule {self.name!r}"
                )
        return {a.name: chosen.get(a.name, a.default) for a in self.axes}

    def variants(self):
        """Every combination of convention values (the rule's convention space)."""
        for combo in itertools.product(*(a.values for a in self.axes)):
            yield dict(zip((a.name for a in self.axes), combo))

    def hyperparameter(self, name: str) -> Hyperparameter:
        for h in self.hyperparameters:
            if h.name == name:
                return h
        raise KeyError(name)


@dataclass(frozen=True)
class Rule(ConventionSpace):
    name: str
    title: str
    inputs: tuple[str, ...]  # arrays read each step, e.g. ("p", "g")
    state: tuple[str, ...]  # arrays carried between steps, zero-initialised
    outputs: tuple[str, ...]  # arrays the step produces, in the order a step returns them
    hyperparameters: tuple[Hyperparameter, ...]
    axes: tuple[ConventionAxis, ...]
    build: Callable[[dict], Assignments]
    source: str
    nonnegative_state: tuple[str, ...] = ()  # state that is ≥ 0 by construction (e.g. Adam's v)
    # state whose value before the first step is a hyperparameter rather than 0: {state: hyperparameter}
    initial: tuple[tuple[str, str], ...] = ()
    # hyperparameters an implementation may change between steps (a learning-rate schedule)
    schedulable: tuple[str, ...] = ("lr",)
    # the shape of the computation: scalar expressions applied per coordinate (matrix rules: objective.py)
    shape: str = "elementwise"
    # how many steps from the start a trajectory needs before every branch of the rule can show (RAdam's
    # rectifier first acts at t = 5: ρ_t < t)
    survey_steps: int = 4

    # --- the mathematics ----------------------------------------------------------------
    def assignments(self, **chosen) -> Assignments:
        return _assignments(self, _key(self.conventions(**chosen)))

    def updates(self, **chosen) -> dict[str, sp.Expr]:
        """Each output as one expression of the step's inputs (assignments substituted in order)."""
        return dict(_updates(self, _key(self.conventions(**chosen))))

    def active_state(self, **chosen) -> tuple[str, ...]:
        written = {str(target) for target, _ in self.assignments(**chosen)}
        return tuple(s for s in self.state if s in written)

    def active_outputs(self, **chosen) -> tuple[str, ...]:
        written = {str(target) for target, _ in self.assignments(**chosen)}
        return tuple(o for o in self.outputs if o in written)

    def active_hyperparameters(self, **chosen) -> tuple[Hyperparameter, ...]:
        used = set()
        for expr in self.updates(**chosen).values():
            used |= {str(s) for s in expr.free_symbols}
        return tuple(h for h in self.hyperparameters if h.name in used)

    def initial_value_hyperparameters(self) -> tuple[str, ...]:
        return tuple(h for _, h in self.initial)


def _key(conventions: dict) -> tuple:
    return tuple(sorted(conventions.items()))


@lru_cache(maxsize=None)
def _assignments(rule: Rule, key: tuple) -> Assignments:
    return tuple(rule.build(dict(key)))


@lru_cache(maxsize=None)
def _updates(rule: Rule, key: tuple) -> tuple:
    env: dict = {}
    for target, expr in _assignments(rule, key):
        env[target] = expr.xreplace(env)
    return tuple((str(s), e) for s, e in env.items() if str(s) in rule.outputs)
