"""Status and timing of each derivation, from proving it (``Derivation.check``), on every core.

Proofs are independent, so they run in worker processes (fork: a derivation's steps hold closures, which do not
pickle; the workers inherit the derivations instead).  A worker sends back only numbers and residuals.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

_TO_PROVE: dict = {}  # name → Derivation, read by forked workers


@dataclass(frozen=True)
class Proved:
    name: str
    ok: bool
    seconds: float
    steps: tuple  # (ok, seconds, residual) per step, in order


def _prove(name: str) -> Proved:
    result = _TO_PROVE[name].check()
    steps = tuple((s.ok, s.seconds, s.residual) for s in result.steps)
    return Proved(name, result.ok, result.seconds, steps)


def _safe(proved: Proved) -> Proved:
    """Residuals as SymPy objects when they pickle, else as text (a worker must not fail on its answer)."""
    import pickle

    try:
        pickle.dumps(proved.steps)
        return proved
    except Exception:  # noqa: BLE001 - any unpicklable residual is shown as text
        return Proved(proved.name, proved.ok, proved.seconds, tuple((o, s, str(r)) for o, s, r in proved.steps))


def _prove_safe(name: str) -> Proved:
    return _safe(_prove(name))


def prove_all(derivations: dict, jobs: int | None = None) -> dict[str, Proved]:
    """{name: Proved} for every derivation in ``derivations`` (name → Derivation)."""
    jobs = jobs or os.cpu_count() or 1
    _TO_PROVE.clear()
    _TO_PROVE.update(derivations)
    names = sorted(derivations, key=lambda n: -len(derivations[n].steps))  # long ones first: better balance
    if jobs <= 1 or len(names) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return {n: _prove(n) for n in names}
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return dict(zip(names, pool.map(_prove_safe, names)))
