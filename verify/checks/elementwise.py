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

import contextlib
import contextvars
import functools
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from verify.checks.common import Mismatch, Report, Tracker, invalid, run_until_failure
from verify.core import options
from verify.core.deadline import Caller, DeadlineExceeded, Heartbeat
from verify.core.dtypes import overflow_threshold
from verify.reference.elementwise import CompiledRule, compile_rule
from verify.reference.tolerance import REASSOCIATION_FACTOR, bound_program, ulps
from verify.strategies import arrays as strategies
from verify.strategies import sizes
from verify.strategies import steps as counters
from verify.strategies.sizes import compact, dense, distinct_columns, laid_out, layout_shape

DEFAULT_DTYPES = ("float32", "float64")
START_OFFSETS = counters.EARLY_OFFSETS  # trajectories start at t = 1; per-step checks also start late (steps.py)
DISTINCT_FROM = 64  # arrays longer than this are compared per distinct element (large drawn arrays repeat one)


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
    layout: str = "contiguous"  # how the arrays were handed over (verify.strategies.sizes.LAYOUTS)


@dataclass
class CheckReport(Report):
    worst_ulps: float = 0.0  # the worst error in ulps of the implementation's dtype
    repro: str = ""
    call: tuple = ("", "")  # (import line, expression) that gives the implementation, for the reproduction

    def worst(self) -> str:
        return f"worst error {self.worst_ulps:.3g} ulp ({self.worst_ratio:.2f} of allowed)"

    def failure_lines(self) -> list[str]:
        return [f"minimal counterexample: {describe(self.counterexample)}", "reproduce with:", self.repro]


def describe(c: Counterexample) -> str:
    if c.problem:
        return f"at t={c.t} ({c.dtype}): {c.problem}"
    where = f"{c.output}[{c.index}] at t={c.t} ({c.dtype}{_shape_note(c)})"
    if c.history.get("split") is not None:
        where += f" — {where_in_list(c.history['split'], c.index)}"
    if np.isnan(c.expected):
        return f"{where}: the reference is undefined (NaN) there, but the implementation gave {c.got!r}"
    return (f"{where}: expected {c.expected!r}, got {c.got!r}, "
            f"error {c.error_ulps:.4g} ulp > allowed {c.allowed_ulps:.4g} ulp")


def _shape_note(c: Counterexample) -> str:
    size = len(dense(next(iter(c.arrays.values()), []), "float64"))
    parts = ([f"{size} elements"] if size > DISTINCT_FROM else []) + ([c.layout] if c.layout != "contiguous" else [])
    return "; " + ", ".join(parts) if parts else ""


class _Malformed(Mismatch):
    """The implementation returned the wrong kind of value (the checker's complaint, not a crash)."""


class _Abort(BaseException):
    """Stops Hypothesis at once, without shrinking: the implementation hung (shrinking would hang too)."""


def _to_numpy(a):
    return a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else np.asarray(a)


def call_step(step_fn, xp, arrays: dict, t: int, hyper: dict, outputs: tuple, caller=None,
              layout: str = "contiguous") -> dict:
    """Call ``step_fn(**arrays, t=t, **hyper)``; accept a mapping, a tuple in ``outputs`` order,
    one array (single output) or None (updated in place).  ``caller`` (a deadline.Caller) runs
    the call with a time limit.  The 1-D ``arrays`` are handed over in ``layout``; outputs of the
    layout's shape come back raveled in C order."""
    args = {k: laid_out(v, layout, xp) for k, v in arrays.items()}

    def call():
        with np.errstate(all="ignore"):  # NaN/inf in a result is judged against the reference, not warned about
            return step_fn(**args, t=t, **hyper)

    result = call() if caller is None else caller(call)
    if result is None:
        result = {o: args[o] for o in outputs if o in args}
    elif isinstance(result, Mapping):
        result = dict(result)
    elif isinstance(result, (tuple, list)):
        if len(result) != len(outputs):
            raise _Malformed(f"returned {len(result)} values, expected {len(outputs)}: {outputs}")
        result = dict(zip(outputs, result))
    elif len(outputs) == 1:
        result = {outputs[0]: result}
    else:
        raise _Malformed(f"returned one value, expected a mapping or tuple of {outputs}")
    missing = [o for o in outputs if o not in result]
    if missing:
        raise _Malformed(f"did not return {missing}")
    result = {o: _to_numpy(result[o]) for o in outputs}
    if layout in ("rows", "transposed"):
        shape = layout_shape(len(next(iter(arrays.values()))), layout)
        result = {o: (v.reshape(-1) if v.shape == shape else v) for o, v in result.items()}
    return result


class ElementwiseTracker(Tracker):
    """Tracker's counts, and the worst error in ulps besides the worst ratio."""

    def __init__(self):
        super().__init__()
        self.worst_ulps = 0.0
        self.hung = False  # the implementation ran past its deadline (not minimised: it would hang again)
        self.layout = "contiguous"  # how the example's arrays were handed over (recorded in a counterexample)

    def compare(self, name, got, expected, allowed, scale, *, t, dtype, arrays, hyper, history=None, rounded=None,
                rows=None):
        """``rounded``: the formula evaluated in float64 along the rule's tree (the bound program's
        values), which stands in where the exact reference is undefined only by less than rounding.
        ``rows``: the values are given once per distinct row of a long array (``Rows``), not per element."""
        with np.errstate(all="ignore"):  # inf/NaN in the implementation's output are findings, not warnings
            self._compare(name, got, expected, allowed, scale, t=t, dtype=dtype, arrays=arrays, hyper=hyper,
                          history=history, rounded=rounded, rows=rows)

    def _compare(self, name, got, expected, allowed, scale, *, t, dtype, arrays, hyper, history=None, rounded=None,
                 rows=None):
        if got.shape != expected.shape or got.dtype != np.dtype(dtype):
            self._fail(Counterexample(t, dtype, _lists(arrays), dict(hyper), name, 0, float("nan"), float("nan"),
                                      float("inf"), 0.0, problem=(
                                          f"{name} came back with shape {got.shape} and dtype {got.dtype}, "
                                          f"expected {expected.shape} and {dtype}"), history=dict(history or {})))
        got = got.astype(np.float64)
        err, ok, allowed = _verdict(got, expected, allowed, dtype, rounded)
        unbounded = np.isinf(allowed) & ~np.isinf(expected)
        if rows is None:
            self.compared += err.size
            self.unbounded += int(np.count_nonzero(unbounded))
        else:
            self.compared += int(rows.counts.sum())
            self.unbounded += int(rows.counts[unbounded].sum())
        err_ulps = ulps(err, scale, dtype)
        ratio = np.where(allowed > 0, err / np.where(allowed > 0, allowed, 1.0), np.where(err > 0, np.inf, 0.0))
        if ok.all():
            if err_ulps.size:
                self.worst_ulps = max(self.worst_ulps, float(np.max(err_ulps)))
                self.worst_ratio = max(self.worst_ratio, float(np.max(ratio)))
            return
        allowed_ulps = ulps(allowed, scale, dtype)  # only a counterexample reports it
        worst = np.where(ok, -1.0, np.where(np.isnan(ratio), np.inf, ratio)).ravel()
        i = index = int(np.argmax(worst))  # the first element among the worst
        if rows is not None:  # the first position of the rows among the worst
            index = int(np.min(rows.first[worst == worst[i]]))
            i = int(np.flatnonzero(rows.first == index)[0])
        self._fail(Counterexample(t, dtype, _lists(arrays), dict(hyper), name, index, float(expected.flat[i]),
                                  float(got.flat[i]), float(err_ulps.flat[i]), float(allowed_ulps.flat[i]),
                                  history=dict(history or {})))

    def crashed(self, exc, *, t, dtype, arrays, hyper, history=None):
        if isinstance(exc, (_Malformed, DeadlineExceeded)):
            problem = f"the implementation {exc}"
        else:
            problem = f"the implementation raised {type(exc).__name__}: {exc}"
        failure = Counterexample(t, dtype, _lists(arrays), dict(hyper), "", 0, float("nan"), float("nan"),
                                 float("inf"), 0.0, problem=problem, history=dict(history or {}))
        if isinstance(exc, DeadlineExceeded):
            self.failure, self.hung = failure, True
            raise _Abort(problem)
        self._fail(failure)

    def _fail(self, counterexample):
        counterexample.layout = self.layout
        self.fail(counterexample, counterexample.problem or "mismatch")


def _verdict(got, expected, allowed, dtype, rounded=None):
    """Per element: the error, whether it passes, and the allowance (∞ where no bound could be set).

    Where the reference is finite: |got - expected| ≤ allowed, and a NaN passes only where the bound
    is unbounded (the rounding analysis cannot exclude it: a √ or a division whose operand's error
    interval reaches 0, as in centered RMSProp when v ≈ ḡ²).  A finite reference whose bound reaches
    the dtype's overflow threshold may round to ±inf of its sign: that passes with error 0.  Where the
    reference is NaN or ±inf, only the same NaN or the same ±inf passes, whatever the bound —
    except where the exact reference is NaN (a √ of a negative) by less than rounding: if the formula
    evaluated in float64 (``rounded``) is finite with a finite bound (v - ḡ² with ḡ² underflowing),
    a value within the bound of ``rounded`` passes; if the bound is unbounded there (v - ḡ² = -α
    with α below the dtype's resolution: the computed operand may be anywhere in [0, u·v]), any
    value passes, as it does for a finite reference under an unbounded allowance.
    """
    if np.isfinite(expected).all() and np.isfinite(got).all() and not np.isnan(allowed).any():
        # the usual case, decided as below with every special-value branch left out (none can apply)
        err = np.abs(got - expected)
        return err, err <= allowed, allowed
    # A NaN bound for a finite reference (0·∞ in degenerate arithmetic) means no bound could be set:
    # as ∞, allow any number.  For a NaN reference it means undefined: only NaN matches.
    unbounded_nan = np.isnan(expected) & (allowed == np.inf)
    allowed = np.where(np.isnan(allowed), np.inf, allowed)
    finite = np.isfinite(expected)
    err = np.abs(got - expected)
    err = np.where(np.isnan(err), np.inf, err)
    may_overflow = (finite & np.isinf(got) & (np.sign(got) == np.sign(expected))
                    & (np.abs(expected) + allowed >= overflow_threshold(dtype)))
    same_special = (np.isnan(expected) & np.isnan(got)) | (np.isinf(expected) & (got == expected))
    special_err = np.where(same_special, 0.0, np.inf)
    if rounded is not None:
        rounded = np.broadcast_to(np.asarray(rounded, dtype=np.float64), got.shape)
        off = np.abs(got - rounded)
        near = np.isnan(expected) & np.isfinite(rounded) & np.isfinite(allowed) & (off <= allowed)
        same_special = same_special | near
        special_err = np.where(near, off, special_err)
    same_special = same_special | unbounded_nan
    special_err = np.where(unbounded_nan, 0.0, special_err)
    err = np.where(finite, np.where(may_overflow, 0.0, err), special_err)
    ok = np.where(finite, (err <= allowed) & (~np.isnan(got) | np.isinf(allowed)), same_special)
    return err, ok, allowed


def _lists(arrays: dict) -> dict:
    return {k: compact(v) for k, v in arrays.items()}


def flushes_subnormals(xp) -> bool:
    """GPU kernels flush subnormal results to zero; NumPy on the CPU keeps them."""
    return xp.__name__.split(".")[0] == "cupy"


def reference_and_bounds(compiled: CompiledRule, program, arrays: dict, t: int, hyper: dict, dtype, subnormals=True,
                         input_bounds=None, host_dtype=None):
    """The reference of every output, and the bound program's values, bounds and scales, for 1-D ``arrays``.
    Long arrays are evaluated once per distinct element (a large drawn array repeats one value), then spread
    back: the rule is elementwise, so equal inputs give equal outputs."""
    input_bounds = input_bounds or {}
    size = len(next(iter(arrays.values())))
    if size <= DISTINCT_FROM:
        expected = compiled.reference(arrays, t, hyper, dtype)
        values, bounds, scales = program.evaluate({**arrays, "t": t, **hyper}, input_bounds, dtype, subnormals,
                                                  host_dtype)
        return expected, values, bounds, scales
    bound_names = {k: f"bound of {k}" for k in input_bounds}
    distinct, inverse = distinct_columns({**arrays, **{bound_names[k]: np.broadcast_to(v, (size,))
                                                       for k, v in input_bounds.items()}})
    few = {k: distinct[k] for k in arrays}
    few_bounds = {k: distinct[bound_names[k]] for k in input_bounds}

    def spread(x):  # a value per distinct element → a value per element; a scalar stays one
        x = np.asarray(x)
        return np.take(x, inverse) if x.ndim else x

    expected = compiled.reference(few, t, hyper, dtype)
    values, bounds, scales = program.evaluate({**few, "t": t, **hyper}, few_bounds, dtype, subnormals, host_dtype)
    return ({k: spread(v) for k, v in expected.items()}, [spread(v) for v in values], [spread(b) for b in bounds],
            [spread(c) for c in scales])


@dataclass(frozen=True)
class Rows:
    """The distinct rows of a long step (its inputs and the implementation's outputs, taken together): for an
    elementwise rule the verdict at a position is the verdict of its row, so a step of 2^17 elements that
    repeats one row is judged on its few distinct rows (comparing every element cost more than the rest)."""

    first: np.ndarray  # the first position of each row
    counts: np.ndarray  # how many positions hold it
    values: dict  # each array's values, one per row


def distinct_rows(before: dict, got: dict, outputs, dtype) -> Rows | None:
    """The distinct rows of a step over a long array; None where the arrays are short, or where an output came
    back of the wrong shape or dtype (compared as it is: the comparison reports that)."""
    size = len(next(iter(before.values())))
    if size <= DISTINCT_FROM or any(got[o].shape != (size,) or got[o].dtype != np.dtype(dtype) for o in outputs):
        return None
    named = {**before, **{("got", o): got[o] for o in outputs}}
    values, inverse = distinct_columns(named)
    first = np.full(len(next(iter(values.values()))), size, dtype=np.intp)
    np.minimum.at(first, inverse, np.arange(size))
    return Rows(first, np.bincount(inverse, minlength=first.size), values)


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
    layout: str = "contiguous"  # how the arrays are handed to the implementation (per-step checks)
    split: tuple | None = None  # trajectories over a list of tensors: their sizes (the arrays are their concatenation)


def draw_problem(data, compiled: CompiledRule, dtypes, max_size, max_steps, fixed_hyper, subnormals=True,
                  ordinary=False, schedules=(), offsets=START_OFFSETS, positive=(), plans=None,
                  rates=None) -> Problem:
    """``offsets``: a tuple to sample from, or a strategy; a late start also draws the rates raised to the
    power t close to 1 (strategies/steps.py), and so does any start where ``rates`` (a function of the first
    step t, giving a strategy) is given.  ``plans``: sizes, drawn positions and layouts
    (strategies/sizes.py; default: 1..max_size, every element drawn, contiguous)."""
    rule = compiled.rule
    dtype = data.draw(_sampled(tuple(dtypes)), label="dtype")
    plan = data.draw(sizes.dense_plans(max_size) if plans is None else plans, label="size")
    n_steps = data.draw(_integers(1, max_steps), label="steps")
    initial = dict(rule.initial) if any(s in compiled.arrays for s, _ in rule.initial) else {}
    hyper = {}
    for name in compiled.hyperparameters + tuple(initial.values()):
        h = rule.hyperparameter(name)
        values = _hyperparameter(h, dtype, ordinary, name in positive)
        hyper[name] = fixed_hyper[name] if name in fixed_hyper else data.draw(values, label=name)
    offset = data.draw(offsets if isinstance(offsets, st.SearchStrategy) else _sampled(tuple(offsets)),
                       label="steps before")
    if rates is None and counters.is_late(offset):
        rates = counters.rate_near_one
    if rates is None and not ordinary:  # an early start: now and then β^t log-uniform (steps.rate_by_power)
        for name in counters.powered_by_t(compiled.expressions):
            if name not in fixed_hyper and data.draw(counters.BY_POWER, label=f"{name} from its power"):
                by_power = data.draw(counters.rate_by_power(offset + 1), label=name)
                hyper[name] = strategies.representable(by_power, dtype, rule.hyperparameter(name))
    if rates is not None:
        for name in counters.powered_by_t(compiled.expressions):
            if name not in fixed_hyper:
                near = data.draw(rates(offset + 1), label=name)
                hyper[name] = strategies.representable(near, dtype, rule.hyperparameter(name))
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

    def array(nonnegative=False):
        if plan.sparse:
            return sizes.sparse_array(strategies.element(dtype, nonnegative, subnormals, ordinary=True),
                                      strategies.element(dtype, nonnegative, subnormals, ordinary), plan, dtype)
        return strategies.array(np, dtype, plan.size, nonnegative, subnormals, ordinary)

    start = {}
    for name in compiled.arrays:
        if name == "g":
            continue
        if name in rule.state and offset == 0:
            start[name] = np.full(plan.size, initial_values.get(initial.get(name), 0.0), dtype=dtype)
        else:
            start[name] = data.draw(array(name in rule.nonnegative_state), label=name)
    grads = data.draw(_steps_of(array(), n_steps), label="gradients")
    return Problem(dtype, hyper, per_step, offset, start, grads, initial_values, plan.layout)


# Strategies drawn every example are built once: Hypothesis validates and labels each new strategy object on
# its first draw, which costs more than the draw.
@functools.lru_cache(maxsize=None)
def _sampled(values: tuple) -> st.SearchStrategy:
    return st.sampled_from(values)


@functools.lru_cache(maxsize=None)
def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@functools.lru_cache(maxsize=None)
def _hyperparameter(h, dtype, ordinary: bool, positive: bool) -> st.SearchStrategy[float]:
    """``positive``: an implementation that rejects 0 here (e.g. Nesterov without momentum) never gets it."""
    values = strategies.hyperparameter(h, dtype, ordinary)
    return values.filter(lambda x: x > 0) if positive else values


@functools.lru_cache(maxsize=1024)  # a large example's array strategy is one per plan: keep the cache bounded
def _steps_of(array: st.SearchStrategy, n_steps: int) -> st.SearchStrategy[list]:
    return st.lists(array, min_size=n_steps, max_size=n_steps)


_SHRINKING = contextvars.ContextVar("shrinking", default=True)


@contextlib.contextmanager
def without_shrinking():
    """Checks started inside stop at their first failure unshrunk: for a survey that only asks which variants pass
    (shrinking each failing variant's counterexample cost a scipy CG survey 45 of its 47 s)."""
    token = _SHRINKING.set(False)
    try:
        yield
    finally:
        _SHRINKING.reset(token)


def hypothesis_settings(examples: int, phases=None):
    if phases is None:
        phases = (Phase.generate, Phase.shrink) if _SHRINKING.get() else (Phase.generate,)
    return settings(max_examples=examples, deadline=None, database=None, print_blob=False,
                    suppress_health_check=list(HealthCheck), phases=phases,
                    report_multiple_bugs=False)


def property_run(seed: int, examples: int, phases=None):
    """A check's Hypothesis run: ``@seed(seed)``, ``hypothesis_settings(examples, phases)`` and ``@given(st.data())``
    on ``run(data)``.  Without a database key: Hypothesis would otherwise hash the source of every run it starts
    (inspect.getsource, tokenised: 0.49 s of Adam's 17.7 s check, 378 runs) for a key that a check without a
    database never reads (Hypothesis' own ``find`` sets the key to None the same way)."""
    def decorate(run):
        test = hypothesis_seed(seed)(hypothesis_settings(examples, phases)(given(st.data())(run)))
        test._hypothesis_internal_database_key = None
        return test

    return decorate


def _describe(step_fn) -> str:
    return getattr(step_fn, "__qualname__", None) or type(step_fn).__name__


def how_to_call(fn) -> tuple[str, str]:
    """(import line, expression) that gives ``fn`` in a fresh interpreter, for the reproduction.

    An object may say it itself (``__optverify_call__``, as our kernel adapters do); a
    module-level function is imported; anything else (a closure, a function of ``__main__``)
    cannot be imported, and the import line says to define it."""
    given_ = getattr(fn, "__optverify_call__", None)
    if given_:
        return given_
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if module and module != "__main__" and _reachable(fn, module, qualname):
        return f"from {module} import {qualname.split('.')[0]}", qualname
    name = qualname or type(fn).__name__
    return f"# {name} cannot be imported: define it here, then uncomment the call below", name


def _reachable(fn, module: str, qualname) -> bool:
    """Whether ``module.qualname`` names ``fn`` itself (not a closure, not a renamed copy)."""
    obj = sys.modules.get(module)
    for part in (qualname or "<none>").split("."):
        if not part.isidentifier():
            return False
        obj = getattr(obj, part, None)
    return obj is fn


@dataclass
class _Options:
    dtypes: tuple
    examples: int
    seed: int
    steps: int
    max_size: int
    fixed: dict
    schedules: tuple
    deadline: float | None
    progress: bool


def _validated(rule, xp, *, dtypes, examples, seed, steps, max_size, hyperparameters, schedules, deadline,
               progress) -> _Options:
    """Every option checked before anything runs: a ValueError naming the option."""
    names = options.dtype_names(dtypes)
    if flushes_subnormals(xp) and "bfloat16" in names:
        raise ValueError("dtypes: bfloat16 is not a CuPy dtype; check it with xp=numpy")
    return _Options(names, options.positive_int("examples", examples), options.seed(seed),
                    options.positive_int("steps", steps), options.positive_int("max_size", max_size),
                    options.fixed_hyperparameters(rule, hyperparameters), options.schedules(rule, schedules),
                    options.deadline(deadline), sys.stderr.isatty() if progress is None else bool(progress))


def reach_examples(examples: int) -> int:
    """Examples of each run beyond the main one: a tenth of the budget, at least 1."""
    return max(1, examples // 10)


def reach_runs(compiled: CompiledRule, max_size: int, gpu: bool = False) -> list[tuple]:
    """(plans, offsets, rates) of the runs that go where small early examples never do (issue: verification power
    at scale): vector remainders, block edges and non-contiguous layouts from an early start; where the rule reads
    t, starts at each counter's edge and late, on small arrays; and where a host-side test on t picks the branch
    (RAdam's ρ_t), the steps across it with rates so close to 1 that the test's float64 arithmetic cancels
    (``rates``: see draw_problem; None: as the offset decides)."""
    start = counters.early()
    runs = [(sizes.plans(sizes.remainder_sizes()), start, None),
            (sizes.plans(sizes.block_sizes(gpu), ("contiguous",)), start, None),
            (sizes.plans(sizes.remainder_sizes(), ("transposed",)), start, None),
            (sizes.plans(sizes.remainder_sizes(), ("strided", "rows")), start, None)]
    if any(str(x) == "t" for e in compiled.expressions for x in e.free_symbols):
        small = sizes.dense_plans(max_size)
        cheap = counters.cheap_in_t(compiled.expressions)
        edges = counters.COUNTER_EDGES if cheap else ()
        runs += [(small, counters.crossing(edge), None) for edge in edges] + [(small, counters.late(cheap), None)]
    if compiled.host_branches:
        runs.append((sizes.dense_plans(max_size), counters.THRESHOLD_OFFSETS, counters.rate_where_tests_cancel))
    return runs


def check_steps(rule, step_fn, conventions=None, *, dtypes=DEFAULT_DTYPES, examples=100, seed=0, steps=4,
                max_size=6, hyperparameters=None, xp=np, name=None, schedules=(),
                deadline=options.DEFAULT_DEADLINE, progress=None) -> CheckReport:
    """Per-step check of ``step_fn(**arrays, t=t, **hyperparameters)`` against ``rule``.

    ``schedules``: hyperparameters (e.g. ``("lr",)``) drawn afresh, as a schedule, for each step.
    ``deadline``: seconds one call may take (None: no limit).  ``progress``: plain progress lines
    on stderr for a long check (default: when stderr is a terminal).
    """
    compiled = compile_rule(rule, conventions)
    o = _validated(compiled.rule, xp, dtypes=dtypes, examples=examples, seed=seed, steps=steps, max_size=max_size,
                   hyperparameters=hyperparameters, schedules=schedules, deadline=deadline, progress=progress)
    program = bound_program(compiled)
    subnormals = not flushes_subnormals(xp)
    tracker = ElementwiseTracker()
    outputs = compiled.outputs
    label = name or _describe(step_fn)
    heartbeat = Heartbeat(f"check {label} against {compiled.rule.name!r}", o.progress)
    caller = Caller(o.deadline, heartbeat)

    def one_step(before, t, hyper, dtype, tracker, layout="contiguous"):
        """Call the implementation once and compare every output; return its outputs and the reference's."""
        tracker.layout = layout
        try:
            got = call_step(step_fn, xp, before, t, hyper, outputs, caller, layout)
        except Exception as exc:  # a crash or a malformed result is a finding, not a crash of ours
            tracker.crashed(exc, t=t, dtype=dtype, arrays=before, hyper=hyper)
        rows = distinct_rows(before, got, outputs, dtype)
        inputs = before if rows is None else {k: rows.values[k] for k in before}
        seen = got if rows is None else {o: rows.values["got", o] for o in outputs}
        expected, values, bounds, scales = reference_and_bounds(compiled, program, inputs, t, hyper, dtype,
                                                                subnormals)
        for name_, value, bound, scale in zip(outputs, values, bounds, scales):
            allowed = REASSOCIATION_FACTOR * np.broadcast_to(bound, expected[name_].shape)
            tracker.compare(name_, seen[name_], expected[name_], allowed, scale, t=t, dtype=dtype,
                            arrays=before, hyper=hyper, rounded=value, rows=rows)
        return got, expected  # the reference per row of a long array: read only for whether it is finite

    def make_run(plans, offsets, examples, rates=None):
        @property_run(o.seed, examples)
        def run(data):
            problem = draw_problem(data, compiled, o.dtypes, o.max_size, o.steps, o.fixed, subnormals,
                                   schedules=o.schedules, offsets=offsets, plans=plans, rates=rates)
            tracker.examples += 1  # counted once drawn: a draw Hypothesis gives up on is not an example
            heartbeat.beat(tracker.examples)
            dtype, state = problem.dtype, problem.start
            for k, g in enumerate(problem.grads):
                t, hyper = problem.offset + k + 1, problem.per_step[k]
                before = {n: (g if n == "g" else state[n]) for n in compiled.arrays}
                got, expected = one_step(before, t, hyper, dtype, tracker, problem.layout)
                if k == 0 and any(np.isnan(expected[n]).any() for n in outputs):
                    tracker.discard()  # undefined from the start (e.g. √ of a negative drawn variance)
                if not all(np.isfinite(expected[n]).all() and np.isfinite(got[n]).all() for n in outputs):
                    break  # undefined, or overflowed (correctly): no finite state to go on from
                state = {n: got[n] for n in compiled.arrays if n in got and n != "g"} | \
                        {n: state[n] for n in state if n not in got}

        return run

    # steps the rule first branches at, beyond the first few (RAdam's rectifier from t = 5)
    late = compiled.rule.survey_steps - o.steps
    main = make_run(None, counters.early((late,) if late > 0 else ()), o.examples)
    reach = [make_run(plans, offsets, reach_examples(o.examples), rates)
             for plans, offsets, rates in reach_runs(compiled, o.max_size, gpu=not subnormals)]

    def smallest(failure: Counterexample) -> Counterexample:
        """The same step on one element, where that still fails (rules are elementwise)."""
        arrays = {k: dense(v, failure.dtype) for k, v in failure.arrays.items()}
        size = len(next(iter(arrays.values()), []))
        if size <= 1:
            return failure
        def alone(i):
            return {k: v[i:i + 1] for k, v in arrays.items()}

        indices = range(min(size, sizes.SHORT)) if failure.problem else [failure.index]
        return _fails_again(lambda tracker, i=i: one_step(alone(i), failure.t, failure.hyperparameters,
                                                          failure.dtype, tracker, failure.layout)
                            for i in indices) or failure

    tracker.budget = o.examples + len(reach) * reach_examples(o.examples)
    report = _finish([main, *reach], tracker, compiled, label, "per-step", o, conventions, smallest,
                     how_to_call(step_fn))
    caller.close()
    return report


def observed_output(rule) -> str:
    """What a trajectory check sees: ``p`` for an optimizer, the first non-state output otherwise."""
    return "p" if "p" in rule.inputs else next(o for o in rule.outputs if o not in rule.state)


def run_implementation(run_fn, problem: Problem, rule, xp=np, caller=None) -> list:
    """``run_fn(inputs, gradients, **hyperparameters)`` on a drawn problem: one observed array per step.
    Over a list of tensors (``problem.split``) each input and gradient is a list of arrays, and so is each
    step's result; it is compared as their concatenation."""
    split = problem.split
    if split is None and getattr(run_fn, "__optverify_lists__", False):  # it takes lists: a list of one
        split = (len(problem.grads[0]),)

    def given(a):
        a = xp.asarray(a.copy())
        return a if split is None else [a[i:j] for i, j in _bounds(split)]

    inputs = {n: given(problem.start[n]) for n in rule.inputs if n != "g"}
    gradients = [given(g) for g in problem.grads]
    call = run_fn if caller is None else functools.partial(caller, run_fn)
    seen = call(inputs, gradients, **problem.hyper, **problem.initial)
    seen = [_observed(x, split) for x in seen]
    if len(seen) != len(problem.grads):
        raise _Malformed(f"returned {len(seen)} results for {len(problem.grads)} steps")
    return seen


def _bounds(split) -> list[tuple[int, int]]:
    ends = np.cumsum(split).tolist()
    return list(zip([0] + ends[:-1], ends))


def _observed(x, split):
    """One step's result as one array: a list of tensors (one per size in ``split``) concatenated."""
    if split is None:
        return _to_numpy(x)
    tensors = [np.ravel(_to_numpy(a)) for a in x]
    sizes = [a.size for a in tensors]
    if sizes != list(split):
        raise _Malformed(f"returned tensors of sizes {sizes} for a list of sizes {list(split)}")
    return np.concatenate(tensors) if tensors else np.zeros(0)


def where_in_list(split, index: int) -> str:
    """Flat position ``index`` of a concatenated list of tensors, as "tensor k of n, element i"."""
    for k, (i, j) in enumerate(_bounds(split)):
        if i <= index < j:
            return f"tensor {k} of {len(split)} (sizes {list(split)}), element {index - i}"
    return f"position {index}"


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
        expected, values, bounds, scales = reference_and_bounds(compiled, program, env, t, hyper, problem.dtype,
                                                                subnormals, state_bounds, host_dtype)
        bounds = dict(zip(compiled.outputs, bounds))
        rounded = values[compiled.outputs.index(observed)]
        allowed = REASSOCIATION_FACTOR * np.broadcast_to(bounds[observed], (size,))
        scale = scales[compiled.outputs.index(observed)]
        tracker.compare(observed, seen[k], expected[observed], allowed, scale, t=t, dtype=problem.dtype,
                        arrays={**current, "g": g}, hyper=hyper, history=trajectory, rounded=rounded)
        state = {n: expected[n] for n in state_names}
        state_bounds = {n: np.broadcast_to(bounds[n], (size,)) for n in state_names}
        if observed in current:
            current[observed] = seen[k]  # the reference follows the observed parameter


def _trajectory_record(problem: Problem, rule) -> dict:
    """Everything needed to replay a trajectory (the reproduction uses it)."""
    return dict(start={k: [float(x) for x in problem.start[k]] for k in rule.inputs if k != "g"},
                initial=dict(problem.initial), gradients=[[float(x) for x in g] for g in problem.grads],
                hyperparameters=[dict(h) for h in problem.per_step],
                arguments={k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in problem.hyper.items()},
                **({"split": list(problem.split)} if problem.split is not None else {}))


def check_trajectory(rule, run_fn, conventions=None, *, dtypes=DEFAULT_DTYPES, examples=100, seed=0, steps=6,
                     max_size=6, hyperparameters=None, xp=np, name=None, schedules=(), ordinary=False,
                     host_dtype=None, positive=(), deadline=options.DEFAULT_DEADLINE, progress=None,
                     lists=None) -> CheckReport:
    """Trajectory check of ``run_fn(inputs, gradients, **hyperparameters)`` → one observed array per step.

    ``inputs`` holds the rule's non-gradient inputs at the start (``p`` for an optimizer, none for
    an estimator); the implementation starts from the rule's initial state at t = 1 and keeps its
    state hidden.  Hyperparameters named in ``schedules`` come as one value per step (a list).
    ``ordinary=True`` draws ordinary values only (see strategies.ORDINARY); ``host_dtype`` charges
    hyperparameter-only arithmetic at that precision instead of float64; hyperparameters named in
    ``positive`` are never drawn as 0.  ``deadline`` and ``progress`` as for check_steps.

    ``lists=True`` (default: the run function's ``__optverify_lists__`` attribute): the implementation takes a
    list of tensors — each input a list of arrays, each step's gradient a list, each step's result a list —
    and applies the rule to each.  Lists of 1-3 tensors are drawn, and in a second run lists of 9-13 with an
    empty tensor inside (multi-tensor kernels work in chunks of tensors; an empty one shifts the rest).
    """
    lists = bool(getattr(run_fn, "__optverify_lists__", False)) if lists is None else bool(lists)
    compiled = compile_rule(rule, conventions)
    o = _validated(compiled.rule, xp, dtypes=dtypes, examples=examples, seed=seed, steps=steps, max_size=max_size,
                   hyperparameters=hyperparameters, schedules=schedules, deadline=deadline, progress=progress)
    subnormals = not flushes_subnormals(xp)
    tracker = ElementwiseTracker()
    label = name or _describe(run_fn)
    heartbeat = Heartbeat(f"check {label} against {compiled.rule.name!r}", o.progress)
    caller = Caller(o.deadline, heartbeat)

    def replay(problem, tracker):
        try:
            seen = run_implementation(run_fn, problem, compiled.rule, xp, caller)
        except Exception as exc:
            tracker.crashed(exc, t=1, dtype=problem.dtype, arrays={}, hyper=problem.per_step[0],
                            history=_trajectory_record(problem, compiled.rule))
        follow_trajectory(compiled, problem, seen, tracker, subnormals=subnormals, host_dtype=host_dtype)

    def make_run(splits, examples):
        @property_run(o.seed, examples)
        def run(data):
            split = None if splits is None else tuple(data.draw(splits, label="tensor sizes"))
            plans = None if split is None else st.just(sizes.Plan(sum(split)))
            problem = draw_problem(data, compiled, o.dtypes, o.max_size, o.steps, o.fixed, subnormals, ordinary,
                                   o.schedules, offsets=(0,), positive=positive, plans=plans)
            problem.split = split
            tracker.examples += 1  # counted once drawn
            heartbeat.beat(tracker.examples)
            replay(problem, tracker)

        return run

    if lists:
        runs = [make_run(sizes.tensor_lists(o.max_size), o.examples),
                make_run(sizes.long_tensor_lists(), reach_examples(o.examples))]
        tracker.budget = o.examples + reach_examples(o.examples)
    else:
        runs = [make_run(None, o.examples)]
        tracker.budget = o.examples

    def smallest(failure: Counterexample) -> Counterexample:
        """The run cut at the failing step, on one element, where that still fails."""
        h = failure.history
        if not h or failure.problem:
            return failure
        index = failure.index if len(h["gradients"][0]) > 1 else None
        return _fails_again([lambda tracker: replay(_cut(h, failure, index), tracker)]) or failure

    report = _finish(runs, tracker, compiled, label, "trajectory", o, conventions, smallest, how_to_call(run_fn))
    caller.close()
    return report


def _fails_again(attempts) -> Counterexample | None:
    """The counterexample of the first attempt (a function of a fresh Tracker) that fails again."""
    for attempt in attempts:
        retry = ElementwiseTracker()
        try:
            attempt(retry)
        except (Mismatch, _Abort):
            if retry.failure is not None:
                return retry.failure
    return None


def _cut(history: dict, failure: Counterexample, index) -> Problem:
    """The recorded run up to the failing step, on element ``index`` alone (all of them: None)."""
    steps = failure.t
    split = history.get("split")
    split = None if split is None else (split if index is None else (1,))  # one element: a list of one tensor
    pick = (lambda v: v) if index is None else (lambda v: v[index:index + 1])
    as_array = lambda v: np.asarray(pick(v), dtype=failure.dtype)  # noqa: E731
    arguments = {k: (v[:steps] if isinstance(v, list) else v) for k, v in history["arguments"].items()}
    return Problem(failure.dtype, arguments, [dict(h) for h in history["hyperparameters"][:steps]], 0,
                   {k: as_array(v) for k, v in history["start"].items()},
                   [as_array(g) for g in history["gradients"][:steps]], dict(history["initial"]),
                   split=None if split is None else tuple(split))


def _finish(runs, tracker, compiled, implementation, mode, o: _Options, conventions, smallest, call) -> CheckReport:
    """Run the Hypothesis runs in turn until one fails; minimise the failure and write the report."""
    start = time.perf_counter()
    for run in runs:
        run_until_failure(run, stop=(Mismatch, Unsatisfiable, _Abort))
        if tracker.failure is not None or tracker.undecidable:
            break
    failure = tracker.failure
    if failure is not None and not tracker.hung:  # a hung implementation would hang again while minimising
        failure = smallest(failure)
    report = CheckReport(compiled.rule.name, compiled.rule.conventions(**(conventions or {})), implementation, mode,
                         o.dtypes, examples=tracker.examples, discarded=tracker.discarded, compared=tracker.compared,
                         unbounded=tracker.unbounded, worst_ratio=tracker.worst_ratio, worst_ulps=tracker.worst_ulps,
                         seconds=time.perf_counter() - start, counterexample=failure, call=call)
    if failure is None:
        report.invalid = invalid(tracker, "the reference is undefined (NaN) at their first step")
    else:
        from verify.report import reproduction

        report.repro = reproduction(report)
    return report

