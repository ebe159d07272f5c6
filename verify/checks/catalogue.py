"""Every name `check` and `crosscheck` take, by kind, and the one entry point that checks any of them.

The registry (derivations/registry.py) holds four kinds of things an implementation can be checked
against, each with its own check: elementwise rules (``elementwise.py``: per step, the reference fed the
implementation's state), matrix rules with an objective oracle (``matrix.py``), per-tensor reduction
rules (``reduction.py``), estimators (``estimators.py``) and learning-rate schedules (``schedules.py``: the rate
of each update against the schedule's exact expression).  Callers ask here instead of importing each.
"""
from __future__ import annotations

KINDS = ("elementwise", "matrix", "reduction", "estimator", "schedule", "family")


def catalogue() -> dict[str, dict]:
    """Kind → {name: rule, estimator, schedule or family}, in the order `check` runs them.  A family
    (verify/checks/families.py: normalisation layers, mixup, …) is checked by checks of its own."""
    import derivations
    from verify.checks.families import FAMILIES

    return {"elementwise": derivations.RULES, "matrix": derivations.MATRIX_RULES,
            "reduction": derivations.REDUCTION_RULES, "estimator": derivations.ESTIMATORS,
            "schedule": derivations.SCHEDULES, "family": FAMILIES}


def checkable() -> list[str]:
    return [name for members in catalogue().values() for name in members]


def kind_of(name: str) -> str:
    for kind, members in catalogue().items():
        if name in members:
            return kind
    raise KeyError(f"nothing to check is named {name!r}; known: {', '.join(checkable())}")


def rule_of(name: str):
    """The rule (or estimator, or schedule) object of any kind."""
    return catalogue()[kind_of(name)][name]


def check_implementation(rule: str, implementation=None, conventions: dict | None = None, **options):
    """Check ``implementation`` (None: our kernel) against the rule, estimator or schedule named ``rule`` under
    ``conventions`` (for an estimator: {"space": ...}); options go to that kind's check."""
    kind = kind_of(rule)
    if kind == "family":
        if implementation is not None or conventions:
            raise ValueError(f"{rule}: a family is checked from Python, by its own module's checks "
                             f"({rule_of(rule).source})")
        return [task() for task in rule_of(rule).tasks(options.get("examples"), options.get("seed", 0))]
    if kind == "elementwise":
        from verify.adapters.ours import kernel_for
        from verify.checks.elementwise import check_steps

        conv = rule_of(rule).conventions(**(conventions or {}))
        return check_steps(rule, implementation or kernel_for(rule, conv), conv, **options)
    if kind == "matrix":
        from verify.checks.matrix import check_matrix

        return check_matrix(rule, implementation, conventions, **options)
    if kind == "reduction":
        from verify.checks.reduction import check_reduction

        return check_reduction(rule, implementation, conventions, **options)
    if kind == "schedule":
        from verify.checks.schedules import check_schedule

        for option in ("dtypes", "deadline"):
            if option in options:
                raise ValueError(f"{option}: not an option of a schedule check (a schedule returns its rates in the "
                                 f"dtype it chooses, and is checked in that dtype's ulps)")
        options.pop("xp", None)  # the schedule kernels are NumPy's
        if "name" in options:
            options["label"] = options.pop("name")
        return check_schedule(rule, implementation, conventions, **options)
    from verify.checks.estimators import check_estimator

    for option in ("dtypes", "deadline"):
        if option in options:
            raise ValueError(f"{option}: not an option of an estimator check (estimators run in float64, where their "
                             f"drawn data are exact)")
    if "name" in options:
        options["label"] = options.pop("name")
    return check_estimator(rule, implementation, (conventions or {}).get("space"), **options)
