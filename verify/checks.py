"""Checks of an implementation against a rule's reference, driven by Hypothesis.

* ``check_steps``: per-step.  Each step the reference is fed the implementation's own state,
  so errors cannot accumulate and the tolerance is the few-ulp bound of one step.
* ``check_trajectory``: for implementations whose state is hidden.  Only the observable output
  (the parameter p, or an estimator's average) is compared; the reference carries the exact
  state and a bound on how far the hidden state may have drifted from it by rounding.

A failure is shrunk by Hypothesis to a minimal example (fewest steps, smallest arrays, simplest
values) and reported with the error in ulps and a copy-paste reproduction.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from . import strategies
from .reference import CompiledRule, compile_rule
from .tolerance import REASSOCIATION_FACTOR, bound_program, ulps

DEFAULT_DTYPES = ("float32", "float64")
START_OFFSETS = (0, 0, 0, 9, 999)  # most examples start from zero state at t = 1


@dataclass
class Counterexample:
    t: int
    dtype: str
    arrays: dict  # the step's inputs, as lists of Python floats (exact for the dtype)
    hyperparameters: dict
    output: str
    index: int
    expected: float
    got: float
    error_ulps: float
    allowed_ulps: float
    problem: str = ""  # set when the implementation crashed or returned the wrong kind of value
    history: dict = field(default_factory=dict)  # trajectory checks: start, gradients, per-step hyperparameters


@dataclass
class CheckReport:
    rule: str
    conventions: dict
    implementation: str
    mode: str
    dtypes: tuple
    examples: int = 0
    worst_ulps: float = 0.0
    worst_ratio: float = 0.0  # error / allowed error; ≤ 1 passes
    seconds: float = 0.0
    counterexample: Counterexample | None = None
    repro: str = ""

    @property
    def passed(self) -> bool:
        return self.counterexample is None

    def message(self) -> str:
        head = (f"{self.implementation} vs rule {self.rule!r} {self.conventions} ({self.mode} check, "
                f"{self.examples} examples)")
        if self.passed:
            return f"{head}: passed, worst error {self.worst_ulps:.3g} ulp ({self.worst_ratio:.2f} of allowed)"
        c = self.counterexample
        if c.problem:
            detail = c.problem
        else:
            detail = (f"{c.output}[{c.index}] at t={c.t} ({c.dtype}): expected {c.expected!r}, got {c.got!r}, "
                      f"error {c.error_ulps:.4g} ulp > allowed {c.allowed_ulps:.4g} ulp")
        return f"{head}: FAILED\n  minimal counterexample: {detail}\n  reproduce with:\n{self.repro}"

    def as_dict(self) -> dict:
        c = self.counterexample
        return dict(rule=self.rule, conventions=self.conventions, implementation=self.implementation,
                    mode=self.mode, dtypes=list(self.dtypes), passed=self.passed, examples=self.examples,
                    worst_ulps=self.worst_ulps, worst_ratio=self.worst_ratio, seconds=round(self.seconds, 3),
                    counterexample=None if c is None else c.__dict__, repro=self.repro)


class _Mismatch(AssertionError):
    pass


def _to_numpy(a):
    return a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else np.asarray(a)


def call_step(step_fn, xp, arrays: dict, t: int, hyper: dict, outputs: tuple) -> dict:
    """Call ``step_fn(**arrays, t=t, **hyper)``; accept a mapping, a tuple in ``outputs`` order,
    one array (single output) or None (updated in place)."""
    args = {k: xp.asarray(v.copy()) for k, v in arrays.items()}
    with np.errstate(all="ignore"):  # NaN/inf in a result is judged against the reference, not warned about
        result = step_fn(**args, t=t, **hyper)
    if result is None:
        result = {o: args[o] for o in outputs if o in args}
    elif isinstance(result, Mapping):
        result = dict(result)
    elif isinstance(result, (tuple, list)):
        if len(result) != len(outputs):
            raise _Mismatch(f"returned {len(result)} values, expected {len(outputs)}: {outputs}")
        result = dict(zip(outputs, result))
    elif len(outputs) == 1:
        result = {outputs[0]: result}
    else:
        raise _Mismatch(f"returned one value, expected a mapping or tuple of {outputs}")
    missing = [o for o in outputs if o not in result]
    if missing:
        raise _Mismatch(f"did not return {missing}")
    return {o: _to_numpy(result[o]) for o in outputs}


class _Tracker:
    """Worst error seen, and the last failing example (after shrinking: the minimal one)."""

    def __init__(self):
        self.examples = 0
        self.worst_ulps = 0.0
        self.worst_ratio = 0.0
        self.failure: Counterexample | None = None

    def compare(self, name, got, expected, allowed, scale, *, t, dtype, arrays, hyper, history=None):
        with np.errstate(all="ignore"):  # inf/NaN in the implementation's output are findings, not warnings
            self._compare(name, got, expected, allowed, scale, t=t, dtype=dtype, arrays=arrays, hyper=hyper,
                          history=history)

    def _compare(self, name, got, expected, allowed, scale, *, t, dtype, arrays, hyper, history=None):
        if got.shape != expected.shape or got.dtype != np.dtype(dtype):
            self._fail(Counterexample(t, dtype, _lists(arrays), dict(hyper), name, 0, float("nan"), float("nan"),
                                      float("inf"), 0.0, problem=(
                                          f"{name} came back with shape {got.shape} and dtype {got.dtype}, "
                                          f"expected {expected.shape} and {dtype}"), history=dict(history or {})))
        # A NaN bound (0·∞ in degenerate arithmetic) means no bound could be set: as ∞, allow anything.
        allowed = np.where(np.isnan(allowed), np.inf, allowed)
        finite_ref = np.isfinite(expected)
        err = np.abs(got.astype(np.float64) - expected)
        err = np.where(finite_ref, np.where(np.isfinite(err), err, np.inf), 0.0)  # NaN/inf where ref is finite fails
        ok = err <= allowed
        err_ulps = ulps(err, scale, dtype)
        allowed_ulps = ulps(allowed, scale, dtype)
        ratio = np.where(allowed > 0, err / np.where(allowed > 0, allowed, 1.0), np.where(err > 0, np.inf, 0.0))
        if ok.all():
            if err_ulps.size:
                self.worst_ulps = max(self.worst_ulps, float(np.max(err_ulps)))
                self.worst_ratio = max(self.worst_ratio, float(np.max(ratio)))
            return
        i = int(np.argmax(np.where(ok, -1.0, ratio)))
        self._fail(Counterexample(t, dtype, _lists(arrays), dict(hyper), name, i, float(expected.flat[i]),
                                  float(got.flat[i]), float(err_ulps.flat[i]), float(allowed_ulps.flat[i]),
                                  history=dict(history or {})))

    def crashed(self, exc, *, t, dtype, arrays, hyper, history=None):
        self._fail(Counterexample(t, dtype, _lists(arrays), dict(hyper), "", 0, float("nan"), float("nan"),
                                  float("inf"), 0.0, problem=f"the implementation raised {type(exc).__name__}: {exc}",
                                  history=dict(history or {})))

    def _fail(self, counterexample):
        self.failure = counterexample
        raise _Mismatch(counterexample.problem or "mismatch")


def _lists(arrays: dict) -> dict:
    return {k: [float(x) for x in np.asarray(v).ravel()] for k, v in arrays.items()}


def flushes_subnormals(xp) -> bool:
    """GPU kernels flush subnormal results to zero; NumPy on the CPU keeps them."""
    return xp.__name__.split(".")[0] == "cupy"


@dataclass
class Problem:
    """One drawn example: what the implementation is given and what the reference needs."""

    dtype: str
    hyper: dict  # as the implementation gets them: floats, or per-step lists for scheduled ones
    per_step: list  # the scalar hyperparameters at each step (dicts)
    offset: int  # steps taken before the first one drawn (per-step checks; 0 for trajectories)
    start: dict  # p and the state before the first drawn step
    grads: list
    initial: dict  # hyperparameters that only set a state's value before step 1 (a trajectory passes them)


def _draw_problem(data, compiled: CompiledRule, dtypes, max_size, max_steps, fixed_hyper, subnormals=True,
                  ordinary=False, schedules=(), offsets=START_OFFSETS, positive=()) -> Problem:
    rule = compiled.rule
    dtype = data.draw(st.sampled_from(dtypes), label="dtype")
    size = data.draw(st.integers(1, max_size), label="size")
    n_steps = data.draw(st.integers(1, max_steps), label="steps")
    initial = dict(rule.initial) if any(s in compiled.arrays for s, _ in rule.initial) else {}
    hyper = {}
    for name in compiled.hyperparameters + tuple(initial.values()):
        h = rule.hyperparameter(name)
        values = strategies.hyperparameter(h, dtype, ordinary)
        if name in positive:  # an implementation that rejects 0 here (e.g. Nesterov without momentum)
            values = values.filter(lambda x: x > 0)
        hyper[name] = fixed_hyper[name] if name in fixed_hyper else data.draw(values, label=name)
    per_step = [dict(hyper) for _ in range(n_steps)]
    for name in schedules:
        if name in compiled.hyperparameters and name not in fixed_hyper:
            values = data.draw(strategies.schedule(rule.hyperparameter(name), hyper[name], n_steps, dtype),
                               label=f"{name} schedule")
            hyper[name] = values
            for k, value in enumerate(values):
                per_step[k][name] = value
    initial_values = {name: hyper.pop(name) for name in initial.values()}  # the step never sees these
    for step in per_step:
        for name in initial_values:
            step.pop(name)
    offset = data.draw(st.sampled_from(offsets), label="steps before")
    start = {}
    for name in compiled.arrays:
        if name == "g":
            continue
        if name in rule.state and offset == 0:
            start[name] = np.full(size, initial_values.get(initial.get(name), 0.0), dtype=dtype)
        else:
            nonneg = name in rule.nonnegative_state
            start[name] = data.draw(strategies.array(np, dtype, size, nonneg, subnormals, ordinary), label=name)
    grads = data.draw(strategies.gradient_stream(np, dtype, size, n_steps, subnormals, ordinary), label="gradients")
    return Problem(dtype, hyper, per_step, offset, start, grads, initial_values)


def _settings(examples: int, phases=(Phase.generate, Phase.shrink)):
    return settings(max_examples=examples, deadline=None, database=None, print_blob=False,
                    suppress_health_check=list(HealthCheck), phases=phases,
                    report_multiple_bugs=False)


def _describe(step_fn) -> str:
    return getattr(step_fn, "__qualname__", None) or type(step_fn).__name__


def check_steps(rule, step_fn, conventions=None, *, dtypes=DEFAULT_DTYPES, examples=100, seed=0, steps=4,
                max_size=6, hyperparameters=None, xp=np, name=None, schedules=()) -> CheckReport:
    """Per-step check of ``step_fn(**arrays, t=t, **hyperparameters)`` against ``rule``.

    ``schedules``: hyperparameters (e.g. ``("lr",)``) drawn afresh, as a schedule, for each step.
    """
    compiled = compile_rule(rule, conventions)
    program = bound_program(compiled)
    fixed = dict(hyperparameters or {})
    subnormals = not flushes_subnormals(xp)
    tracker = _Tracker()
    outputs = compiled.outputs

    @hypothesis_seed(seed)
    @_settings(examples)
    @given(st.data())
    def run(data):
        tracker.examples += 1
        problem = _draw_problem(data, compiled, dtypes, max_size, steps, fixed, subnormals, schedules=schedules)
        dtype, state = problem.dtype, problem.start
        for k, g in enumerate(problem.grads):
            t, hyper = problem.offset + k + 1, problem.per_step[k]
            before = {n: (g if n == "g" else state[n]) for n in compiled.arrays}
            try:
                got = call_step(step_fn, xp, before, t, hyper, outputs)
            except Exception as exc:  # a crash or a malformed result is a finding, not a crash of ours
                tracker.crashed(exc, t=t, dtype=dtype, arrays=before, hyper=hyper)
            expected = compiled.high_precision(before, t, hyper) if dtype == "float64" else \
                compiled.float64(before, t, hyper)
            _, bounds, scales = program.evaluate({**before, "t": t, **hyper}, {}, dtype, subnormals)
            for name_, bound, scale in zip(outputs, bounds, scales):
                allowed = REASSOCIATION_FACTOR * np.broadcast_to(bound, expected[name_].shape)
                tracker.compare(name_, got[name_], expected[name_], allowed, scale, t=t, dtype=dtype,
                                arrays=before, hyper=hyper)
            if not all(np.isfinite(expected[n]).all() for n in outputs):
                break  # the reference is undefined from here on (e.g. √ of a negative drawn variance)
            state = {n: got[n] for n in compiled.arrays if n in got and n != "g"} | \
                    {n: state[n] for n in state if n not in got}

    return _finish(run, tracker, compiled, name or _describe(step_fn), "per-step", dtypes, conventions)


def observed_output(rule) -> str:
    """What a trajectory check sees: ``p`` for an optimizer, the first non-state output otherwise."""
    return "p" if "p" in rule.inputs else next(o for o in rule.outputs if o not in rule.state)


def run_implementation(run_fn, problem: Problem, rule, xp=np) -> list:
    """``run_fn(inputs, gradients, **hyperparameters)`` on a drawn problem: one observed array per step."""
    inputs = {n: xp.asarray(problem.start[n].copy()) for n in rule.inputs if n != "g"}
    seen = run_fn(inputs, [xp.asarray(g) for g in problem.grads], **problem.hyper, **problem.initial)
    seen = [_to_numpy(x) for x in seen]
    if len(seen) != len(problem.grads):
        raise _Mismatch(f"returned {len(seen)} results for {len(problem.grads)} steps")
    return seen


def follow_trajectory(compiled: CompiledRule, problem: Problem, seen: list, tracker, *, subnormals=True,
                      host_dtype=None) -> None:
    """Compare an observed trajectory with the reference, step by step; raise on the first mismatch.

    The reference carries the exact hidden state and a bound on how far the implementation's hidden
    state may have drifted from it by rounding; it reads the implementation's own observed output
    (the parameter), so that errors in it do not accumulate.
    """
    r = compiled.rule
    program = bound_program(compiled)
    observed = observed_output(r)
    size = len(problem.grads[0])
    state_names = [n for n in compiled.arrays if n in r.state]
    initial = dict(r.initial)  # state starts at 0, or at its initial-value hyperparameter
    state = {n: np.full(size, float(problem.initial.get(initial.get(n), 0.0))) for n in state_names}
    state_bounds = {n: np.zeros(size) for n in state_names}
    current = {n: problem.start[n] for n in r.inputs if n != "g"}
    trajectory = _trajectory_record(problem, r)
    for k, g in enumerate(problem.grads):
        t, hyper = k + 1, problem.per_step[k]
        env = {**current, "g": g, **state}
        expected = compiled.high_precision(env, t, hyper) if problem.dtype == "float64" else \
            compiled.float64(env, t, hyper)
        _, bounds, scales = program.evaluate({**env, "t": t, **hyper}, state_bounds, problem.dtype, subnormals,
                                             host_dtype)
        bounds = dict(zip(compiled.outputs, bounds))
        allowed = REASSOCIATION_FACTOR * np.broadcast_to(bounds[observed], (size,))
        scale = scales[compiled.outputs.index(observed)]
        tracker.compare(observed, seen[k], expected[observed], allowed, scale, t=t, dtype=problem.dtype,
                        arrays={**current, "g": g}, hyper=hyper, history=trajectory)
        state = {n: expected[n] for n in state_names}
        state_bounds = {n: np.broadcast_to(bounds[n], (size,)) for n in state_names}
        if observed in current:
            current[observed] = seen[k]  # the reference follows the observed parameter


def _trajectory_record(problem: Problem, rule) -> dict:
    """Everything needed to replay a trajectory (the reproduction uses it)."""
    return dict(start={k: [float(x) for x in problem.start[k]] for k in rule.inputs if k != "g"},
                initial=dict(problem.initial), gradients=[[float(x) for x in g] for g in problem.grads],
                hyperparameters=[dict(h) for h in problem.per_step])


def check_trajectory(rule, run_fn, conventions=None, *, dtypes=DEFAULT_DTYPES, examples=100, seed=0, steps=6,
                     max_size=6, hyperparameters=None, xp=np, name=None, schedules=(), ordinary=False,
                     host_dtype=None, positive=()) -> CheckReport:
    """Trajectory check of ``run_fn(inputs, gradients, **hyperparameters)`` → one observed array per step.

    ``inputs`` holds the rule's non-gradient inputs at the start (``p`` for an optimizer, none for
    an estimator); the implementation starts from the rule's initial state at t = 1 and keeps its
    state hidden.  Hyperparameters named in ``schedules`` come as one value per step (a list).
    ``ordinary=True`` draws ordinary values only (see strategies.ORDINARY); ``host_dtype`` charges
    hyperparameter-only arithmetic at that precision instead of float64; hyperparameters named in
    ``positive`` are never drawn as 0.
    """
    compiled = compile_rule(rule, conventions)
    fixed = dict(hyperparameters or {})
    subnormals = not flushes_subnormals(xp)
    tracker = _Tracker()

    @hypothesis_seed(seed)
    @_settings(examples)
    @given(st.data())
    def run(data):
        tracker.examples += 1
        problem = _draw_problem(data, compiled, dtypes, max_size, steps, fixed, subnormals, ordinary, schedules,
                                offsets=(0,), positive=positive)
        try:
            seen = run_implementation(run_fn, problem, compiled.rule, xp)
        except Exception as exc:
            tracker.crashed(exc, t=1, dtype=problem.dtype, arrays={}, hyper=problem.per_step[0],
                            history=_trajectory_record(problem, compiled.rule))
        follow_trajectory(compiled, problem, seen, tracker, subnormals=subnormals, host_dtype=host_dtype)

    return _finish(run, tracker, compiled, name or _describe(run_fn), "trajectory", dtypes, conventions)


def _finish(run, tracker, compiled, implementation, mode, dtypes, conventions) -> CheckReport:
    start = time.perf_counter()
    try:
        run()
    except _Mismatch:
        pass
    report = CheckReport(compiled.rule.name, compiled.rule.conventions(**(conventions or {})), implementation, mode,
                         tuple(dtypes), tracker.examples, tracker.worst_ulps, tracker.worst_ratio,
                         time.perf_counter() - start, tracker.failure)
    if report.counterexample is not None:
        from .report import reproduction

        report.repro = reproduction(report)
    return report
