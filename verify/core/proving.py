"""Proving derivations on every core: each derivation is built and checked in a worker, which sends back a summary.

Proofs are independent, so they run as tasks of ``verify.core.parallel.run_all`` (forked workers, results in the
order asked; in this process where a fork is unsafe).  A derivation's steps hold closures, which do not pickle:
a worker returns only a ``Proved`` — names, flags, timings and residuals — never the derivation itself.
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Callable

from verify.core.parallel import run_all


@dataclass(frozen=True)
class Proved:
    name: str
    ok: bool
    seconds: float
    steps: tuple  # (ok, seconds, residual) per step, in order
    step_names: tuple = ()
    scope: str = ""

    @property
    def failed(self) -> list[tuple[str, object]]:
        """(step name, residual) of each step that failed."""
        return [(name, residual) for name, (ok, _, residual) in zip(self.step_names, self.steps) if not ok]

    @property
    def messages(self) -> list[str]:
        return [f"{name}: FAILED, residual {residual}" for name, residual in self.failed]


def summary(result) -> Proved:
    """A ``DerivationResult`` as a ``Proved``; residuals as text where they do not pickle (a worker must not fail
    on its answer)."""
    steps = tuple((s.ok, s.seconds, s.residual) for s in result.steps)
    try:
        pickle.dumps(steps)
    except Exception:  # noqa: BLE001 - any unpicklable residual is shown as text
        steps = tuple((ok, seconds, str(residual)) for ok, seconds, residual in steps)
    d = result.derivation
    return Proved(d.name, result.ok, result.seconds, steps, tuple(s.step.name for s in result.steps), d.scope)


def prove_tasks(names, derivation: Callable) -> list[Callable]:
    """One task per name: ``derivation(name)`` built (or returned) and proved where the task runs, a ``Proved``."""
    return [lambda n=n: summary(derivation(n).check()) for n in names]


def prove(names, derivation: Callable, jobs: int | None = None, done=None) -> list[Proved]:
    """``Proved`` for each name, in order, on ``jobs`` worker processes (None: one per core); ``done(i, n)`` as the
    i-th result arrives."""
    return run_all(prove_tasks(names, derivation), jobs, done)
