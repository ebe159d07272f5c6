"""optverify's bridge: references from rules, Hypothesis-driven checks, reports and the CLI.

Use it inside your own pytest::

    from verify import check
    def test_my_adam():
        check("adam", my_adam_step)   # raises AssertionError with a minimal counterexample

``my_adam_step(p, g, m, v, t, lr, beta1, beta2, eps)`` returns the new ``p, m, v`` (a tuple in
that order, a dict, or None after updating in place).
"""
from __future__ import annotations

__all__ = ["CheckReport", "check", "check_schedule", "check_steps", "check_trajectory", "compile_rule", "dense",
           "laid_out", "prove", "reference_step", "reference_trajectory"]

# Imported on first use (PEP 562): `import verify` stays cheap (no SymPy, no Hypothesis) for the CLI's
# fast paths and for tools that only need a name from here.
_LAZY = {"CheckReport": "checks.elementwise", "check_steps": "checks.elementwise",
         "check_trajectory": "checks.elementwise", "compile_rule": "reference.elementwise",
         "reference_step": "reference.elementwise", "reference_trajectory": "reference.elementwise",
         "check_schedule": "checks.schedules", "dense": "strategies.sizes", "laid_out": "strategies.sizes"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check(rule: str, implementation, conventions: dict | None = None, *, trajectory: bool = False,
          raise_on_failure: bool = True, **options):
    """Check ``implementation`` against ``rule`` under ``conventions`` (defaults: the paper's).

    ``trajectory=False``: ``implementation(**arrays, t=t, **hyperparameters)`` is one step, and
    the reference is fed its state each step.  ``trajectory=True``: ``implementation(inputs,
    gradients, **hyperparameters)`` returns the observed output after each step, its state hidden.
    Options: ``dtypes``, ``examples``, ``seed``, ``steps``, ``max_size``, ``hyperparameters``
    (fixed values), ``xp`` (array module).  Raises AssertionError with the minimal
    counterexample and a reproduction, unless ``raise_on_failure=False``.

    Any other name ``optverify list`` shows (a matrix or reduction rule, an estimator, a schedule) is checked by
    its own kind's check, with that check's protocol and options (e.g. a schedule: ``implementation(steps,
    **hyperparameters)`` → the rate of each update).
    """
    from verify.checks.catalogue import check_implementation, kind_of
    from verify.checks.elementwise import check_steps, check_trajectory

    if isinstance(rule, str) and kind_of(rule) != "elementwise":
        if trajectory:
            raise ValueError(f"trajectory: only elementwise rules have trajectories; {rule!r} is a {kind_of(rule)}")
        report = check_implementation(rule, implementation, conventions, **options)
    else:
        run = check_trajectory if trajectory else check_steps
        report = run(rule, implementation, conventions, **options)
    if raise_on_failure and not report.passed:
        raise AssertionError(report.message())
    return report


def prove(*names: str):
    """Check the named derivations (or families, e.g. ``"ema"``; all when none is named)."""
    from derivations import derivations_matching

    return [d.check() for d in derivations_matching(list(names))]
