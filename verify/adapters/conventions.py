"""Convention fingerprinting: which variants of a rule does an implementation follow?

Nothing here knows any framework.  The answer comes from running the implementation:

1. Survey.  Hypothesis draws trajectories of *ordinary* inputs (strategies.ORDINARY: values at
   which every convention axis shows, learning-rate schedules included).  The implementation runs
   once per trajectory; every still-matching variant of the rule is compared with it under the
   tolerance policy, and a variant that misses is dropped.  A variant that misses only because the
   implementation does its hyperparameter arithmetic (1-β^t, 1-β) in the array dtype or in float32
   instead of float64 is kept, and marked so.
2. Verdict.  The variants left are the match (several when an axis was never exercised, e.g. a
   decay axis when the framework has no decay argument).  When none is left, the closest variant
   (the one that survived longest) is checked again with shrinking on, which yields the minimal
   counterexample: fewest steps, smallest arrays.
3. Edges.  A match is then checked over the whole domain (tiny, huge and zero values), so that a
   numerical weakness is reported beside the convention instead of hiding it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from hypothesis import Phase

from derivations import rule as find_rule
from verify.checks.elementwise import (
    DEFAULT_DTYPES,
    CheckReport,
    ElementwiseTracker,
    Mismatch,
    check_trajectory,
    draw_problem,
    follow_trajectory,
    property_run,
    run_implementation,
)
from verify.core.deadline import Caller
from verify.core.options import DEFAULT_DEADLINE
from verify.reference.elementwise import compile_rule


@dataclass
class Candidate:
    conventions: dict
    alive: bool = True
    passed: int = 0  # survey examples it reproduced
    worst_ulps: float = 0.0
    worst_ratio: float = 0.0
    low_precision_host: bool = False  # matched only with hyperparameter arithmetic charged at the array dtype
    miss_ratio: float = float("inf")  # error/allowed at the example that dropped it


@dataclass
class Fingerprint:
    rule: str
    implementation: str
    examples: int
    candidates: list
    matches: list  # conventions (dicts) that reproduce every surveyed trajectory
    closest: dict  # the match to report, or the closest variant when nothing matched
    low_precision_host: bool
    worst_ulps: float
    counterexample: CheckReport | None = None  # when nothing matched: shrunk, against `closest`
    edges: CheckReport | None = None  # the match checked over the whole domain
    error: str = ""  # the implementation crashed on ordinary inputs
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    diagnosis: object = None  # when nothing matched: verify.adapters.diagnosis.Diagnosis (closest by measured error)

    @property
    def matched(self) -> bool:
        return bool(self.matches)

    def summary(self) -> dict:
        """Per axis: the one value every match shares, or the list of values left undecided."""
        chosen = self.matches or [self.closest]
        out = {}
        for axis in find_rule(self.rule).axes:
            values = []
            for conv in chosen:
                if conv[axis.name] not in values:
                    values.append(conv[axis.name])
            out[axis.name] = values[0] if len(values) == 1 else values
        return out

    def describe(self) -> str:
        parts = []
        for axis, value in self.summary().items():
            parts.append(f"{axis}={'|'.join(map(str, value))}" if isinstance(value, list) else f"{axis}={value}")
        return ", ".join(parts)

    def as_dict(self) -> dict:
        return dict(rule=self.rule, implementation=self.implementation, matched=self.matched,
                    conventions=self.summary(), matches=self.matches, closest=self.closest,
                    low_precision_host=self.low_precision_host, worst_ulps=self.worst_ulps, examples=self.examples,
                    error=self.error, notes=self.notes, seconds=round(self.seconds, 2),
                    counterexample=None if self.counterexample is None else self.counterexample.as_dict(),
                    edges=None if self.edges is None else self.edges.as_dict(),
                    diagnosis=None if self.diagnosis is None else self.diagnosis.as_dict())


class _SurveyOver(Exception):
    """Every variant has been dropped: more examples cannot change the verdict."""


def crash_input(problem) -> str:
    """The input an implementation crashed on, in a line: what a reader needs to reproduce it."""
    def show(arrays):
        values = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays])
        return "all 0" if not values.any() else np.array2string(values, precision=3, threshold=6)
    start = ", ".join(f"{name} = {show([value])}" for name, value in problem.start.items())  # p and the state
    return (f"on {problem.dtype} inputs: {start}, gradients at step 1 = {show([problem.grads[0]])}, "
            f"hyperparameters {problem.per_step[0]}")


def fingerprint(rule, run_fn, *, hyperparameters=None, positive=(), dtypes=DEFAULT_DTYPES, examples=30, seed=0,
                steps=4, max_size=4, edge_examples=20, name=None, deadline=DEFAULT_DEADLINE,
                shrink=True) -> Fingerprint:
    """Name the variants of ``rule`` that ``run_fn(inputs, gradients, **hyperparameters)`` follows.

    ``run_fn`` is a trajectory implementation (see check_trajectory); the learning rate (and any
    other schedulable hyperparameter) comes as one value per step.  ``hyperparameters`` pins
    values the implementation has no argument for; ``positive`` names those it rejects at 0;
    ``deadline``: seconds one run may take before the implementation counts as hung.  When nothing matches,
    the closest variant is the one diagnosis.py measures closest; ``shrink=False`` skips its minimal
    counterexample (a caller trying several rules shrinks only against the closest of all).
    """
    start = time.perf_counter()
    r = find_rule(rule) if isinstance(rule, str) else rule
    steps = max(steps, r.survey_steps)  # a shorter survey could not tell the rule's branches apart
    fixed = dict(hyperparameters or {})
    label = name or getattr(run_fn, "__qualname__", type(run_fn).__name__)
    candidates = [Candidate(conv) for conv in r.variants()]
    compiled = {id(c): compile_rule(r, c.conventions) for c in candidates}
    widest = max(compiled.values(), key=lambda c: len(c.hyperparameters))  # draws every hyperparameter
    counter = {"examples": 0, "error": ""}
    caller = Caller(deadline)

    @property_run(seed, examples, phases=(Phase.generate,))  # the survey only records; _SurveyOver ends it at once
    def survey(data):
        problem = draw_problem(data, widest, dtypes, max_size, steps, fixed, ordinary=True, schedules=r.schedulable,
                                offsets=(0,), positive=positive)
        counter["examples"] += 1
        try:
            seen = run_implementation(run_fn, problem, r, caller=caller)
        except Exception as exc:  # ordinary inputs must run; a crash ends the survey
            counter["error"] = f"{type(exc).__name__}: {exc} ({crash_input(problem)})"
            raise _SurveyOver from exc
        for c in candidates:
            if c.alive:
                _compare(c, compiled[id(c)], problem, seen)
        if not any(c.alive for c in candidates):
            raise _SurveyOver

    try:
        survey()
    except _SurveyOver:
        pass
    caller.close()
    alive = [c for c in candidates if c.alive] if not counter["error"] else []
    exact = [c for c in alive if not c.low_precision_host]
    chosen = exact or alive
    closest = chosen[0] if chosen else min(candidates, key=lambda c: (-c.passed, c.miss_ratio))
    result = Fingerprint(r.name, label, counter["examples"], candidates, [c.conventions for c in chosen],
                         closest.conventions, bool(chosen) and not exact,
                         max((c.worst_ulps for c in chosen), default=0.0), error=counter["error"])
    options = dict(hyperparameters=fixed, positive=positive, schedules=r.schedulable, dtypes=dtypes, seed=seed,
                   steps=steps, max_size=max_size, name=label, deadline=deadline)
    if chosen and not counter["error"]:
        host = "float32" if result.low_precision_host else None
        result.edges = check_trajectory(r, run_fn, closest.conventions, examples=edge_examples, host_dtype=host,
                                        **options)
    elif not counter["error"]:  # shrink a failure against the closest variant to a minimal counterexample
        from verify.adapters.diagnosis import diagnose

        result.diagnosis = diagnose(r, run_fn, hyperparameters=fixed, positive=positive, dtypes=dtypes, seed=seed,
                                    steps=steps, max_size=max_size, deadline=deadline, hint=shrink)
        if result.diagnosis is not None:
            result.closest = result.diagnosis.closest
        if shrink:
            result.counterexample = check_trajectory(r, run_fn, result.closest, examples=examples, ordinary=True,
                                                     **options)
    result.seconds = time.perf_counter() - start
    return result


def _host_dtypes(dtype) -> tuple:
    """Where a framework may do its hyperparameter arithmetic: float64 (as the reference), the array dtype, or
    float32 whatever the arrays are (torch's NAdam keeps its running μ product in a float32 tensor)."""
    narrower = dict.fromkeys(np.dtype(d) for d in (dtype, np.float32))
    return (None, *(d for d in narrower if d.itemsize < 8))


def _compare(candidate: Candidate, compiled, problem, seen) -> None:
    """Keep ``candidate`` if it reproduces ``seen``: strictly, or with host arithmetic in a narrower dtype."""
    tries = _host_dtypes(problem.dtype)
    for n, host_dtype in enumerate(tries):
        tracker = ElementwiseTracker()
        try:
            follow_trajectory(compiled, problem, seen, tracker, host_dtype=host_dtype)
        except Mismatch:
            if n + 1 < len(tries):
                continue
            candidate.alive = False
            c = tracker.failure
            candidate.miss_ratio = c.error_ulps / c.allowed_ulps if c and c.allowed_ulps else float("inf")
            return
        candidate.passed += 1
        candidate.worst_ulps = max(candidate.worst_ulps, tracker.worst_ulps)
        candidate.worst_ratio = max(candidate.worst_ratio, tracker.worst_ratio)
        candidate.low_precision_host |= host_dtype is not None
        return
