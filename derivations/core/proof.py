"""A checked derivation: a claim, ordered steps, assumptions and a source.

Each step is a relation between two SymPy expressions with a one-line justification.
Checking is exact and deterministic:

* ``==``  the difference simplifies to exactly 0 (element-wise for matrices);
* ``<=``, ``<``, ``>=``, ``>``  the step carries a *certificate* c with
  ``bigger - smaller == c`` exactly, and SymPy's assumption system proves c >= 0 (or > 0);
* ``solves``  the step's ``lhs`` symbol is the unique solution of an equation
  (used for "if and only if" claims).

Nothing is ever checked by sampling numbers: a failing step is reported by name together
with its simplified residual.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

RELATIONS = ("==", "<=", "<", ">=", ">", "solves")


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``lhs relation rhs`` because ``why``."""

    name: str
    lhs: object
    rhs: object
    why: str
    relation: str = "=="
    certificate: object = None  # for inequalities: exact, provably non-negative gap
    equation: object = None  # for "solves": the expression that must vanish
    rewrite: Callable | None = None  # a sound rewriting applied before comparing

    def __post_init__(self):
        if self.relation not in RELATIONS:
            raise ValueError(f"relation must be one of {RELATIONS}, got {self.relation!r}")
        if self.relation in ("<=", "<", ">=", ">") and self.certificate is None:
            raise ValueError(f"step {self.name!r}: an inequality needs a certificate")
        if self.relation == "solves" and self.equation is None:
            raise ValueError(f"step {self.name!r}: 'solves' needs an equation")


@dataclass(frozen=True)
class Derivation:
    """A claim proved by ordered, individually checked steps."""

    name: str
    claim: str
    steps: tuple[Step, ...]
    assumptions: tuple[str, ...]
    source: str
    scope: str = "general: symbolic in every quantity named in the claim"
    notes: str = ""
    # The rule whose own update the steps are built from (None: a claim about no rule), and per convention
    # axis the values it is read under, e.g. (("lr_position", ("outside_buffer", "inside_buffer")),); axes not
    # named are at the rule's defaults.  Pairs, not a dict, so that a derivation stays hashable.
    rule: str | None = None
    conventions: tuple[tuple[str, tuple], ...] = ()

    def __post_init__(self):
        if self.conventions and self.rule is None:
            raise ValueError(f"derivation {self.name!r}: conventions without a rule")

    def check(self) -> "DerivationResult":
        results = tuple(check_step(s) for s in self.steps)
        # the steps' own times (a step proved before, by an equal step, keeps the time its proof took)
        return DerivationResult(self, results, sum(r.seconds for r in results))


@dataclass(frozen=True)
class StepResult:
    step: Step
    ok: bool
    residual: object
    seconds: float

    @property
    def message(self) -> str:
        if self.ok:
            return f"{self.step.name}: ok"
        return f"{self.step.name}: FAILED, residual {self.residual}"


@dataclass(frozen=True)
class DerivationResult:
    derivation: Derivation
    steps: tuple[StepResult, ...] = field(default_factory=tuple)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    @property
    def failed_steps(self) -> tuple[StepResult, ...]:
        return tuple(s for s in self.steps if not s.ok)


def simplified_residual(expr):
    """Return 0 when ``expr`` is exactly zero, else the simplest residual found."""
    if isinstance(expr, sp.MatrixBase):
        residuals = [simplified_residual(e) for e in expr]
        return 0 if all(r == 0 for r in residuals) else sp.Matrix(expr.shape[0], expr.shape[1], residuals)
    # Cheap normal forms first; simplify() only when they do not already give 0.
    # numerator_of: a rational function is 0 iff the expanded numerator over a common
    # denominator is 0 — far cheaper than expanding the whole fraction.
    for normalise in (numerator_of, sp.expand, sp.cancel, sp.simplify):
        expr = normalise(expr)
        if expr == 0 or getattr(expr, "is_ZeroMatrix", False):
            return 0
    return expr


def numerator_of(expr):
    return sp.expand(sp.numer(sp.together(expr)))


def _difference(step: Step):
    lhs, rhs = step.lhs, step.rhs
    if step.rewrite is not None:
        lhs, rhs = step.rewrite(sp.sympify(lhs)), step.rewrite(sp.sympify(rhs))
    return lhs - rhs


def _check_inequality(step: Step):
    lhs, rhs = (step.lhs, step.rhs) if step.relation in ("<=", "<") else (step.rhs, step.lhs)
    gap = simplified_residual(rhs - lhs - step.certificate)
    if gap != 0:
        return False, gap
    cert = step.certificate
    proved = cert.is_positive if step.relation in ("<", ">") else cert.is_nonnegative
    return bool(proved), (0 if proved else sp.UnevaluatedExpr(cert))


def _check_solves(step: Step):
    solutions = sp.solve(step.equation, step.lhs, dict=False)
    ok = len(solutions) == 1 and simplified_residual(solutions[0] - step.rhs) == 0
    return ok, (0 if ok else sp.FiniteSet(*solutions))


def check_step(step: Step) -> StepResult:
    """The step checked; an equal step (same expressions, structurally, and the same rewrite object) checked
    before gives its result again: a derivation rebuilt from a rule copy with a planted change repeats most of
    the original's steps unchanged, and the check is a pure function of the step."""
    try:
        ok, residual, seconds = _checked(step)
    except TypeError:  # unhashable (a mutable Matrix inside): checked afresh
        ok, residual, seconds = _checked.__wrapped__(step)
    return StepResult(step, ok, residual, seconds)


@functools.lru_cache(maxsize=4096)
def _checked(step: Step) -> tuple:
    start = time.perf_counter()
    if step.relation == "==":
        residual = simplified_residual(_difference(step))
        ok = residual == 0
    elif step.relation == "solves":
        ok, residual = _check_solves(step)
    else:
        ok, residual = _check_inequality(step)
    return ok, residual, time.perf_counter() - start


def peel_last_term(upper):
    """Rewriting Σ_{k=a}^{upper} f(k) → Σ_{k=a}^{upper-1} f(k) + f(upper).

    Sound for every upper ≥ a; used by induction steps over a symbolic t.
    """

    def rewrite(expr):
        def peel(s):
            k, lo, hi = s.limits[0]
            return sp.Sum(s.function, (k, lo, hi - 1)) + s.function.subs(k, hi)

        return expr.replace(lambda e: isinstance(e, sp.Sum) and e.limits[0][2] == upper, peel)

    return rewrite


def expect_linear(expr, means: dict):
    """E[expr] for an expression *linear* in the random quantities ``means`` maps to their means.

    ``means`` maps an IndexedBase (every g[k] is random with mean ``means[g]``) to its mean.
    Raises ValueError when ``expr`` is not linear in them, since only then is the
    substitution E[a·g_k + b] = a·μ + b justified (linearity of expectation).
    """
    for base in means:
        probe = sp.Dummy("probe")

        def linear_in(e, base=base, probe=probe):
            body = e.replace(lambda x: isinstance(x, sp.Indexed) and x.base == base, lambda x: probe * x)
            return sp.diff(body, probe, 2) == 0

        if not linear_in(expr):
            raise ValueError(f"expression is not linear in {base}; linearity of E does not apply")
    for base, mean in means.items():
        expr = expr.replace(lambda x, base=base: isinstance(x, sp.Indexed) and x.base == base, lambda x, mean=mean: mean)
    return expr


UNIT_RHO = sp.Symbol("rho", positive=True)


def in_unit_interval(symbol):
    """Rewriting that evaluates sums, then writes ``symbol`` = 1/(1+ρ) with ρ > 0.

    That substitution covers exactly the open interval (0, 1), so SymPy can drop the
    branches (symbol = 1, |symbol| ≥ 1) that its closed forms of geometric sums carry.
    """

    def rewrite(expr):
        return sp.simplify(sp.sympify(expr).doit().subs(symbol, 1 / (1 + UNIT_RHO)))

    return rewrite
