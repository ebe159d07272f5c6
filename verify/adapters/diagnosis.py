"""Diagnosis when an optimizer follows no convention of a rule: how close it comes, and at what precision.

The survey (conventions.py) drops a variant at its first miss, so "the variant that survived longest" is a
poor guide: with decay pinned at 0 the decay axis ties, and the first of the tied variants to be listed
(AMSGrad on v̂, decoupled decay) was reported.  Here every variant is *measured* on one fixed sample of
ordinary trajectories, the same for all of them:

* the error of a variant is the worst relative error of a step, |Δp_impl − Δp_ref| / |Δp_ref|, the
  reference following the implementation's own parameter each step (as the check does), so that errors do
  not accumulate and the figure is scale-free;
* the closest variant has the smallest error; variants within ``TIE`` of it cannot be told apart by the
  sample (they give the same reference, or differ by rounding), and the tie goes to the variant with the
  fewest axes away from the rule's defaults (the first value of each axis), then to the rule's own order;
* the precision hint re-checks the closest variant on the same trajectories with the tolerance bound charged
  at a narrower precision: every rounding of the bound (verify/reference/tolerance.py) is first order in the
  unit roundoff u, so charging it at u' multiplies it by u'/u.  "Agrees to float32 precision in a float64
  run" means the implementation is within the bound a float32 computation of the rule would be allowed: a
  float32 intermediate somewhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from hypothesis import Phase

from derivations import rule as find_rule
from verify.checks.elementwise import (
    DEFAULT_DTYPES,
    ElementwiseTracker,
    Mismatch,
    draw_problem,
    follow_trajectory,
    property_run,
    run_implementation,
)
from verify.core.deadline import Caller
from verify.core.options import DEFAULT_DEADLINE
from verify.reference.elementwise import compile_rule
from verify.reference.tolerance import unit_roundoff

STEP_ROUNDINGS = 64  # a step's roundings, generously: ~10 operations, with cancellation in a decay term
TIE = 0.05  # relative: errors this close are one error (the sample cannot separate the variants)
# The precisions a run in each dtype is re-checked at, widest first: the first that passes is reported.
LADDER = {"float64": ("float32", "bfloat16"), "float32": ("bfloat16",)}


@dataclass
class Diagnosis:
    rule: str
    closest: dict  # the closest variant's conventions
    relative_error: float  # its worst relative step error on the sample
    precision: dict = field(default_factory=dict)  # run dtype -> the widest precision it agrees to, or None
    ranking: list = field(default_factory=list)  # [(conventions, relative error)], closest first (a few)
    trajectories: int = 0  # sampled trajectories the figures come from
    runs: list = field(default_factory=list, repr=False)  # [(problem, seen)]: the sample, for the precision hint
    run_fn: object = field(default=None, repr=False)

    def hint(self) -> str:
        """The precision finding in words ("" when there is none)."""
        parts = []
        for run, precision in sorted(self.precision.items(), reverse=True):
            if precision == "float32" and run == "float64":
                parts.append("agrees to float32 precision in a float64 run: a float32 intermediate somewhere")
            elif precision is not None and precision != run:  # coarse: a small formula difference fits too
                parts.append(f"agrees only to {precision} precision in a {run} run (a {precision} intermediate, "
                             f"or a difference of the formula as small as {precision} rounding)")
        return "; ".join(parts)

    def describe(self) -> str:
        conventions = ", ".join(f"{k}={v}" for k, v in self.closest.items()) or "(no axes)"
        text = f"closest: {self.rule} ({conventions}), steps off by up to {_magnitude(self.relative_error)}"
        return text + (f"; {self.hint()}" if self.hint() else "")

    def as_dict(self) -> dict:
        return dict(rule=self.rule, closest=self.closest, relative_error=self.relative_error,
                    precision=self.precision, hint=self.hint(), trajectories=self.trajectories,
                    ranking=[dict(conventions=c, relative_error=e) for c, e in self.ranking])


def _magnitude(error: float) -> str:
    if not np.isfinite(error):
        return "∞ (it moves where the rule's step is 0, or gives NaN)"
    return f"{error:.2g} of their size"


def sample(rule, *, hyperparameters=None, positive=(), dtypes=DEFAULT_DTYPES, examples=8, seed=0, steps=4,
           max_size=4) -> list:
    """A fixed sample of ordinary trajectories (drawn as the survey draws them), for every variant alike."""
    r = find_rule(rule) if isinstance(rule, str) else rule
    widest = max((compile_rule(r, c) for c in r.variants()), key=lambda c: len(c.hyperparameters))
    fixed, problems = dict(hyperparameters or {}), []

    @property_run(seed, examples, phases=(Phase.generate,))
    def draw(data):
        problems.append(draw_problem(data, widest, dtypes, max_size, max(steps, r.survey_steps), fixed,
                                     ordinary=True, schedules=r.schedulable, offsets=(0,), positive=positive))

    draw()
    return problems


def relative_step_error(compiled, problem, seen) -> float:
    """Worst ‖Δp_seen − Δp_ref‖∞ / ‖Δp_ref‖∞ of a step along one trajectory; the reference carries its state exactly
    (float64 arithmetic: the figure is a diagnosis, not a verdict) and reads the observed parameter."""
    r = compiled.rule
    size = len(problem.grads[0])
    initial = dict(r.initial)
    state = {n: np.full(size, float(problem.initial.get(initial.get(n), 0.0)))
             for n in compiled.arrays if n in r.state}
    current = {n: np.asarray(problem.start[n], dtype=np.float64) for n in r.inputs if n != "g"}
    worst = 0.0
    with np.errstate(all="ignore"):
        for k, g in enumerate(problem.grads):
            out = compiled.float64({**current, "g": np.asarray(g, dtype=np.float64), **state}, k + 1,
                                   problem.per_step[k])
            got = np.asarray(seen[k], dtype=np.float64)
            step = float(np.max(np.abs(out["p"] - current["p"]), initial=0.0))  # norm-wise: an element
            err = float(np.max(np.abs(got - out["p"]), initial=0.0))  # that should not move is no ∞
            rel = err / step if step > 0 else (np.inf if err > 0 else 0.0)
            worst = max(worst, np.inf if np.isnan(rel) else rel)
            state = {n: out[n] for n in state}
            current["p"] = got
    return worst


class ChargedTracker(ElementwiseTracker):
    """The tolerance bound multiplied by ``factor`` = u'/u: the same roundings charged at another precision."""

    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def compare(self, name, got, expected, allowed, scale, **kw):
        super().compare(name, got, expected, self.factor * np.asarray(allowed), scale, **kw)


def agrees_at(compiled, runs, precision: str) -> bool:
    """Every (problem, seen) trajectory within the bound charged at ``precision`` instead of its own dtype."""
    for problem, seen in runs:
        tracker = ChargedTracker(unit_roundoff(precision) / unit_roundoff(problem.dtype))
        try:
            follow_trajectory(compiled, problem, seen, tracker)
        except Mismatch:
            return False
    return True


def precision_hint(compiled, runs) -> dict:
    """Per run dtype: the first precision the trajectories of that dtype agree to, their own dtype first, then
    LADDER's (None: none of them).  ``runs`` should hold trajectories started at p = 0 too (see
    from_zero): where |p| ≫ the steps, a narrow precision's u·|p| would excuse any small algorithmic difference."""
    out = {}
    for dtype in sorted({p.dtype for p, _ in runs}):
        mine = [(p, s) for p, s in runs if p.dtype == dtype]
        out[dtype] = next((q for q in (dtype, *LADDER.get(dtype, ())) if agrees_at(compiled, mine, q)), None)
    return out


def from_zero(problem):
    """The same trajectory started at p = 0: the parameter stays as small as its steps."""
    return replace(problem, start={**problem.start, "p": np.zeros_like(problem.start["p"])})


def add_hint(d: Diagnosis, deadline=DEFAULT_DEADLINE) -> Diagnosis:
    """Fill ``d.precision``: the closest variant re-checked on the sample and on the sample started at p = 0,
    with the bound charged at each precision of LADDER."""
    r = find_rule(d.rule)
    runs, caller = list(d.runs), Caller(deadline)
    for problem, _ in d.runs:
        zero = from_zero(problem)
        try:
            runs.append((zero, run_implementation(d.run_fn, zero, r, caller=caller)))
        except Exception:  # noqa: BLE001 - as in diagnose
            continue
    caller.close()
    compiled = compile_rule(r, d.closest)
    found = precision_hint(compiled, runs)
    # From p = 0 a computation at precision q is within a few roundings, ≤ STEP_ROUNDINGS·u_q, of each exact
    # step; an algorithmic difference that merely hides under q's u·|p| elsewhere is not a precision finding.
    zero = [(p, s) for p, s in runs[len(d.runs):]]
    for dtype, q in found.items():
        off = max((relative_step_error(compiled, p, s) for p, s in zero if p.dtype == dtype), default=np.inf)
        if q is not None and q != dtype and not off <= STEP_ROUNDINGS * unit_roundoff(q):
            found[dtype] = None
    d.precision = found
    return d


def _away_from_defaults(rule, conventions: dict) -> int:
    return sum(conventions[a.name] != a.values[0] for a in rule.axes)


def rank(rule, errors: list) -> list:
    """``errors``: [(conventions, error)] in the rule's order → closest first, ties toward the defaults."""
    best = min((e for _, e in errors), default=np.inf)
    order = {id(c): k for k, (c, _) in enumerate(errors)}

    def key(item):
        conventions, error = item
        tied = error <= best * (1 + TIE) if np.isfinite(best) else not np.isnan(error)
        return (not tied, error if not tied else 0.0, _away_from_defaults(rule, conventions), order[id(conventions)])

    return sorted(errors, key=key)


def diagnose(rule, run_fn, *, hyperparameters=None, positive=(), dtypes=DEFAULT_DTYPES, examples=8, seed=0,
             steps=4, max_size=4, deadline=DEFAULT_DEADLINE, keep=5, hint=True) -> Diagnosis | None:
    """The closest variant of ``rule`` to ``run_fn`` by measured error, and (``hint``) the precision it agrees
    to.  None when the implementation cannot run a single sampled trajectory."""
    r = find_rule(rule) if isinstance(rule, str) else rule
    runs, caller = [], Caller(deadline)
    for problem in sample(r, hyperparameters=hyperparameters, positive=positive, dtypes=dtypes, examples=examples,
                          seed=seed, steps=steps, max_size=max_size):
        try:
            runs.append((problem, run_implementation(run_fn, problem, r, caller=caller)))
        except Exception:  # noqa: BLE001 - a crash is the survey's finding; diagnose the runs that work
            continue
    caller.close()
    if not runs:
        return None
    variants = list(r.variants())
    compiled = [compile_rule(r, c) for c in variants]
    errors = [(c, max(relative_step_error(k, p, s) for p, s in runs)) for c, k in zip(variants, compiled)]
    ranked = rank(r, errors)
    closest, error = ranked[0]
    found = Diagnosis(r.name, closest, error, {}, ranked[:keep], len(runs), runs, run_fn)
    return add_hint(found, deadline) if hint else found


def closest_of(diagnoses: list) -> Diagnosis | None:
    """Across rules (in the order tried): the smallest error, ties to the earlier rule."""
    found = [d for d in diagnoses if d is not None]
    if not found:
        return None
    best = min(d.relative_error for d in found)
    return next(d for d in found if d.relative_error <= best * (1 + TIE) or d.relative_error == best)
