"""What every check shares, whatever it checks: the report, the tracker, and how a run ends.

Elementwise rules (``elementwise.py``), matrix rules (``matrix.py``), per-tensor reductions
(``reduction.py``) and estimators (``estimators.py``) differ in what they draw, what they compare and
how a counterexample reads.  They agree on the rest, which lives here once:

* ``Report``: what was checked (rule or estimator, conventions, implementation, mode, dtypes), how
  much (examples run, discarded, values compared, of which unbounded), the worst error as a fraction
  of what the rounding analysis allows (≤ 1 passes), and either a counterexample or why the check
  decided nothing (``invalid``).  ``passed``, ``message()`` and ``as_dict()`` read the same for all.
* ``Tracker``: counts examples, discards (``reject()`` to Hypothesis), keeps the worst ratio and the
  last failure; ``fail`` records a failure and raises ``Mismatch``.
* ``run_until_failure`` runs the Hypothesis test, ``invalid`` says why a run without a counterexample
  still decided nothing (no example ran, or more were discarded than ran), and ``conclude`` does both
  and fills a report from the tracker.
"""
from __future__ import annotations

import textwrap
import time
from dataclasses import asdict, dataclass, fields, is_dataclass

import numpy as np
from hypothesis import reject
from hypothesis.errors import Unsatisfiable


class Mismatch(AssertionError):
    """An example failed: the tracker holds the counterexample."""


class Undecidable(BaseException):
    """More examples were discarded than the check can still run: it cannot pass, so it stops drawing (a
    BaseException, so that Hypothesis stops at once rather than shrinking it as a failure)."""


@dataclass
class Report:
    rule: str  # the rule's or the estimator's name
    conventions: dict
    implementation: str
    mode: str  # per-step, trajectory, matrix, reduction, exact, statistical
    dtypes: tuple = ()
    examples: int = 0
    discarded: int = 0  # drawn examples with nothing defined to compare (undefined reference, no bound)
    compared: int = 0  # values compared
    unbounded: int = 0  # of which the rounding analysis could not bound (anything passes there)
    worst_ratio: float = 0.0  # error / allowed, worst over everything compared; ≤ 1 passes
    seconds: float = 0.0
    counterexample: object = None
    invalid: str = ""  # why the check decided nothing (no example ran, most were discarded): not a pass

    @property
    def passed(self) -> bool:
        return self.counterexample is None and not self.invalid

    def subject(self) -> str:
        return f"rule {self.rule!r} {self.conventions}"

    def budget(self) -> str:
        return f"{self.examples} examples" + (f", {self.discarded} discarded" if self.discarded else "")

    def worst(self) -> str:
        return f"worst error {self.worst_ratio:.3g} of allowed"

    def failure_lines(self) -> list[str]:
        """The counterexample, for people (each kind of check knows how its own reads)."""
        return [f"minimal counterexample: {self.counterexample}"]

    def message(self) -> str:
        head = f"{self.implementation} vs {self.subject()} ({self.mode} check, {self.budget()})"
        if self.passed:
            loose = f"; {self.unbounded} of {self.compared} values had no finite bound" if self.unbounded else ""
            return f"{head}: passed, {self.worst()}{loose}"
        if self.invalid:
            return f"{head}: FAILED\n  {self.invalid}"
        return "\n".join([f"{head}: FAILED"] + [textwrap.indent(line, "  ") for line in self.failure_lines()])

    def as_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        c = self.counterexample
        out.update(dtypes=list(self.dtypes), passed=self.passed, seconds=round(self.seconds, 3),
                   counterexample=asdict(c) if is_dataclass(c) else c)
        return out


class Tracker:
    """Examples run and discarded, values compared, the worst ratio, and the last failure (after
    shrinking: the minimal one)."""

    def __init__(self):
        self.examples = 0
        self.discarded = 0
        self.compared = 0
        self.unbounded = 0
        self.worst_ratio = 0.0
        self.failure = None
        self.budget = None  # the most examples the check can run (its runs' max_examples), where it is known

    def discard(self) -> None:
        """Nothing is defined to compare for the drawn example: not counted as run; Hypothesis draws another.
        Once more are discarded than the budget (and nothing has failed), the check can no longer pass
        (``invalid``): it stops rather than draw up to Hypothesis' own limit (459 discards a run, 6 s for a
        check whose reference is undefined everywhere)."""
        self.examples -= 1
        self.discarded += 1
        if self.undecidable:
            raise Undecidable(f"{self.discarded} examples discarded, more than the {self.budget} the check runs")
        reject()

    @property
    def undecidable(self) -> bool:
        """Nothing has failed, and more examples were discarded than the check can run: it cannot pass."""
        return self.budget is not None and self.failure is None and self.discarded > self.budget

    def fail(self, failure, problem: str = "mismatch"):
        self.failure = failure
        raise Mismatch(problem)

    def mismatch(self, problem: str, context: dict):
        """Fail with a counterexample that is ``context`` and the ``problem`` found there."""
        self.fail(dict(problem=problem, **context), problem)

    def compare_ratios(self, what: str, error, allowed, context: dict) -> None:
        """Componentwise error ≤ allowed (∞ allowed: unbounded, counted); on failure the worst component
        is reported with ``context``."""
        error, allowed = np.atleast_1d(error).astype(float), np.atleast_1d(allowed).astype(float)
        self.compared += error.size
        self.unbounded += int(np.count_nonzero(np.isinf(allowed)))
        ok = error <= allowed
        with np.errstate(all="ignore"):
            ratio = np.where(allowed > 0, error / np.where(allowed > 0, allowed, 1), np.where(error > 0, np.inf, 0))
        ratio = np.where(np.isnan(ratio), np.inf, ratio)
        if ok.all():
            finite = ratio[np.isfinite(allowed)]
            self.worst_ratio = max(self.worst_ratio, float(finite.max()) if finite.size else 0.0)
            return
        i = int(np.argmax(np.where(ok, -1, ratio)))
        self.mismatch(f"{what}: error {error[i]:.6g} > allowed {allowed[i]:.6g} (component {i})", context)


def run_until_failure(run, stop=(Mismatch, Unsatisfiable)) -> float:
    """Run the Hypothesis test ``run``; a mismatch (found and shrunk), nothing left to draw, or too many
    discarded examples (``Undecidable``) ends it.  Returns the seconds it took."""
    start = time.perf_counter()
    try:
        run()
    except (*stop, Undecidable):
        pass
    return time.perf_counter() - start


def conclude(run, tracker: Tracker, report: Report, repro=None, why_discarded: str = "nothing defined to compare"):
    """Run the check ``run`` and fill ``report`` from ``tracker``: the counts, the worst ratio, and either the
    failure (a dict, with ``repro(failure)`` under "repro" when given) or why nothing was decided."""
    report.seconds = run_until_failure(run)
    report.examples, report.discarded = tracker.examples, tracker.discarded
    report.compared, report.unbounded, report.worst_ratio = tracker.compared, tracker.unbounded, tracker.worst_ratio
    report.counterexample = tracker.failure
    if tracker.failure is None:
        report.invalid = invalid(tracker, why_discarded)
    elif repro is not None:
        report.counterexample["repro"] = repro(tracker.failure)
    return report


def invalid(tracker, why_discarded: str = "nothing defined to compare") -> str:
    """Why a run without a counterexample still decided nothing, or "" when it did."""
    if tracker.examples == 0:
        return (f"no example ran: all {tracker.discarded} drawn examples were discarded ({why_discarded})"
                if tracker.discarded else "no example ran")
    if tracker.discarded > tracker.examples:
        return (f"most drawn examples were discarded ({tracker.discarded} against {tracker.examples} run: "
                f"{why_discarded}), so the check decided too little to pass")
    return ""


def label(fn) -> str:
    """How a report names an implementation: its qualified name, else its type's."""
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def to_numpy(a):
    """A NumPy view of a NumPy, CuPy or array-like result."""
    return a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else np.asarray(a)
