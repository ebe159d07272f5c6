"""Independent tasks on every core: forked worker processes, results in the order of the tasks.

A check is a pure function of its rule, conventions, options and seed, so running checks in workers gives the
same reports as running them one after another.  The workers are forked: they inherit the tasks (closures and
user-module functions included, which would not pickle) and send back only their results.  Where fork is not
available or not safe (below), or one job is asked for, the tasks run here, in order.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor

_TASKS: list = []  # the callables of the current run_all, read by the forked workers


def _run(index: int):
    return _TASKS[index]()


def default_jobs() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Libraries that run native thread pools once imported: a fork copies their locks but not their threads, and
# the child can deadlock (JAX warns so).  `optverify check` never imports them; a test process or a user's own
# program may have, and then the tasks run here.
THREADED_LIBRARIES = ("jax", "torch", "tensorflow")


def fork_is_safe() -> bool:
    return ("fork" in multiprocessing.get_all_start_methods()
            and not any(name in sys.modules for name in THREADED_LIBRARIES))


def run_all(tasks: list, jobs: int | None = None, done=None) -> list:
    """``[task() for task in tasks]``, on up to ``jobs`` forked workers (default: one per core).
    ``done(i, n)`` is called as the i-th result (1-based, in order) arrives."""
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or len(tasks) <= 1 or not fork_is_safe():
        results = []
        for i, task in enumerate(tasks, 1):
            results.append(task())
            if done:
                done(i, len(tasks))
        return results
    _TASKS[:] = tasks
    try:
        with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=multiprocessing.get_context("fork")) as pool:
            results = []
            for i, result in enumerate(pool.map(_run, range(len(tasks))), 1):
                results.append(result)
                if done:
                    done(i, len(tasks))
            return results
    finally:
        _TASKS.clear()
