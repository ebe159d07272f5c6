"""Every rule and derivation by a stable name.

Derivations are built on first use, not at import: building Newton's or CG's steps alone took most of
a second, which every ``import verify`` paid.  ``DERIVATIONS`` is a read-only mapping whose names are
known at once and whose values are built (once) when asked for.  A derivation about a rule is built from
that rule: ``derivations_about(rule)`` builds them afresh for any copy, e.g. a deliberately broken one.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping

from derivations.core.estimator import Estimator
from derivations.core.objective import MatrixRule
from derivations.core.proof import Derivation
from derivations.core.reduction import ReductionRule
from derivations.core.rule import Rule
from derivations.core.schedule import Schedule
from derivations.estimators import (
    bias_variance,
    bias_variance_mc,
    dropout,
    forward_gradient,
    hutchinson,
    hutchpp,
    initialization,
    label_smoothing,
    lanczos,
    minibatch,
    mixup,
    normalization,
    xtrace,
)
from derivations.optimizers import (
    adadelta,
    adagrad,
    adam,
    adamax,
    bfgs,
    conjugate_gradient,
    coordinate_descent,
    ema,
    gradient_descent,
    lamb,
    lars,
    lion,
    maml,
    nadam,
    newton,
    newton_methods,
    nonlinear_cg,
    radam,
    rmsprop,
    sam,
    sgd,
    steepest_descent,
)
from derivations.schedules import (
    cosine_decay,
    exponential_decay,
    inverse_sqrt,
    linear_warmup,
    sgdr,
    step_decay,
    warmup_cosine,
)

# each has RULE and BUILDERS {name: build(rule)}
RULE_MODULES = (ema, sgd, rmsprop, adam, adagrad, nadam, adamax, lion, radam, adadelta)
# Rules on vectors and matrices, with an objective oracle (derivations/core/objective.py): checked by
# verify/checks/matrix.py (and the modules it dispatches to) rather than elementwise.  Each has RULE (bfgs: RULES)
# and BUILDERS {name: build()}.
DESCENT_MODULES = (gradient_descent, steepest_descent, coordinate_descent)
MATRIX_MODULES = (newton, conjugate_gradient, *DESCENT_MODULES, nonlinear_cg)
# Per-tensor rules whose update reads norms of whole tensors (derivations/core/reduction.py): checked by
# verify/checks/reduction.py.
REDUCTION_MODULES = (lars, lamb)
# BUILDERS {name: build()}: derivations about a rule of the modules above, and about methods checked by checks of
# their own (verify/checks/families.py: SAM, MAML, mixup, label smoothing, initialisers, Lanczos, …), whose builders
# take their own objects as defaulted arguments (a planted copy is passed by the tests)
OTHER_MODULES = (*MATRIX_MODULES, bfgs, *REDUCTION_MODULES, bias_variance, bias_variance_mc, newton_methods, sam, maml,
                 lanczos, mixup, label_smoothing, initialization)
# each has ESTIMATOR and BUILDERS {name: build(estimator)}
ESTIMATOR_MODULES = (hutchinson, minibatch, forward_gradient, dropout, normalization, hutchpp, xtrace)
# learning-rate schedules (derivations/core/schedule.py): each has SCHEDULE and BUILDERS {name: build(schedules)}
SCHEDULE_MODULES = (linear_warmup, step_decay, exponential_decay, cosine_decay, sgdr, warmup_cosine, inverse_sqrt)

RULES: dict[str, Rule] = {m.RULE.name: m.RULE for m in RULE_MODULES}
MATRIX_RULES = {**{m.RULE.name: m.RULE for m in MATRIX_MODULES}, **{r.name: r for r in bfgs.RULES}}
REDUCTION_RULES = {m.RULE.name: m.RULE for m in REDUCTION_MODULES}
# Estimators (derivations/core/estimator.py): checked by verify/checks/estimators.py, exactly or statistically.
ESTIMATORS: dict[str, Estimator] = {m.ESTIMATOR.name: m.ESTIMATOR for m in ESTIMATOR_MODULES}
# Learning-rate schedules: the rate of each update as one expression; checked by verify/checks/schedules.py.
SCHEDULES: dict[str, Schedule] = {m.SCHEDULE.name: m.SCHEDULE for m in SCHEDULE_MODULES}
# A module's name where its derivations use a shorter family prefix: `prove conjugate_gradient` is `prove cg`.
ALIASES = {**conjugate_gradient.ALIASES, **minibatch.ALIASES, **normalization.ALIASES}
# rule name -> {derivation name: build(rule)}: the derivations about a rule, rebuilt for a copy of it
_ABOUT = {m.RULE.name: m.BUILDERS for m in RULE_MODULES + MATRIX_MODULES + REDUCTION_MODULES} | bfgs.ABOUT

class LazyDerivations(Mapping):
    """Derivations by name; each built when first asked for, then kept."""

    def __init__(self, builders: dict[str, Callable[[], Derivation]]):
        self._builders = builders
        self._built: dict[str, Derivation] = {}

    def __getitem__(self, name: str) -> Derivation:
        if name not in self._built:
            built = self._builders[name]()
            if built.name != name:
                raise RuntimeError(f"the builder registered as {name!r} built {built.name!r}")
            self._built[name] = built
        return self._built[name]

    def __contains__(self, name) -> bool:  # without building (Mapping's default would build it)
        return name in self._builders

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)

    @property
    def built(self) -> frozenset[str]:
        """The names built so far."""
        return frozenset(self._built)

    def add(self, derivation: Derivation) -> None:
        """A derivation built elsewhere (a user's module), under its own name."""
        self._builders[derivation.name] = lambda: derivation
        self._built[derivation.name] = derivation

    def snapshot(self) -> dict:
        return dict(self._builders)

    def restore(self, builders: dict) -> None:
        """Back to ``builders``; what was built since of those stays built (building is the slow part)."""
        self._builders.clear()
        self._builders.update(builders)
        for name in [n for n in self._built if n not in builders]:
            del self._built[name]


def _bind(build, rule: Rule) -> Callable[[], Derivation]:
    return lambda: build(rule)


DERIVATIONS: Mapping[str, Derivation] = LazyDerivations({
    **{name: _bind(build, m.RULE) for m in RULE_MODULES for name, build in m.BUILDERS.items()},
    **{name: build for m in OTHER_MODULES for name, build in m.BUILDERS.items()},
    **{name: _bind(build, m.ESTIMATOR) for m in ESTIMATOR_MODULES for name, build in m.BUILDERS.items()},
    **{name: _bind(build, SCHEDULES) for m in SCHEDULE_MODULES for name, build in m.BUILDERS.items()},
})


def derivations_about_schedule(schedule: Schedule) -> tuple[Derivation, ...]:
    """Every derivation that reads the schedule ``schedule.name`` (some read two: exponential decay with a staircase
    is step decay), built afresh with ``schedule`` in that schedule's place (not cached)."""
    if schedule.name not in SCHEDULES:
        raise KeyError(f"no schedule named {schedule.name!r}; known: {sorted(SCHEDULES)}")
    schedules = {**SCHEDULES, schedule.name: schedule}
    return tuple(build(schedules) for m in SCHEDULE_MODULES for build in m.BUILDERS.values()
                 if schedule.name in build.reads)


def derivations_about(rule: Rule) -> tuple[Derivation, ...]:
    """Every derivation about the rule family ``rule.name``, built afresh from ``rule`` itself (not cached)."""
    try:
        builders = _ABOUT[rule.name]
    except KeyError:
        raise KeyError(f"no derivations about a rule named {rule.name!r}; rules with some: {sorted(_ABOUT)}") from None
    return tuple(build(rule) for build in builders.values())


def derivations_about_estimator(estimator: Estimator) -> tuple[Derivation, ...]:
    """Every derivation about the estimator ``estimator.name``, built afresh from ``estimator`` itself."""
    try:
        builders = next(m.BUILDERS for m in ESTIMATOR_MODULES if m.ESTIMATOR.name == estimator.name)
    except StopIteration:
        raise KeyError(f"no derivations about an estimator named {estimator.name!r}; known: {sorted(ESTIMATORS)}") from None
    return tuple(build(estimator) for build in builders.values())


def rule(name: str) -> Rule:
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"no rule named {name!r}; known rules: {sorted(RULES)}") from None


def derivation(name: str) -> Derivation:
    try:
        return DERIVATIONS[name]
    except KeyError:
        raise KeyError(f"no derivation named {name!r}; known derivations: {sorted(DERIVATIONS)}") from None


def derivations_matching(names) -> list[Derivation]:
    """Derivations whose name equals one of ``names`` or starts with ``name.`` (a family); only those are built."""
    return [DERIVATIONS[key] for key in derivation_names_matching(names)]


def derivation_names_matching(names) -> list[str]:
    """The names ``derivations_matching`` would build (all: ``names`` empty), none of them built."""
    if not names:
        return list(DERIVATIONS)
    keys: list[str] = []
    for name in names:  # every name is checked before anything is built
        name = ALIASES.get(name, name)
        found = [key for key in DERIVATIONS if key == name or key.startswith(name + ".")]
        if not found:
            raise KeyError(f"no derivation or family named {name!r}; known: {sorted(DERIVATIONS)}")
        keys += [key for key in found if key not in keys]
    return keys


# --- rules and derivations from outside the registry (a user's module, an entry point: derivations/plugins.py) ---
# name → where it came from ("mymod", "entry point signum = pkg.rules"); the registry's own names are not here
ORIGINS: dict[str, str] = {}


def _table_for(obj) -> dict:
    tables = ((Rule, RULES), (MatrixRule, MATRIX_RULES), (ReductionRule, REDUCTION_RULES), (Estimator, ESTIMATORS),
              (Schedule, SCHEDULES))
    for kind, table in tables:
        if isinstance(obj, kind):
            return table
    raise TypeError(f"{obj!r} is not a Rule, MatrixRule, ReductionRule, Estimator or Schedule")


def holds(obj) -> bool:
    """Whether the registry holds this very object (a user's module may import one of ours)."""
    if isinstance(obj, Derivation):
        return obj.name in DERIVATIONS.built and DERIVATIONS[obj.name] is obj
    return _table_for(obj).get(obj.name) is obj


def register(obj, origin: str) -> None:
    """Add a rule, matrix or reduction rule, estimator, schedule or derivation from ``origin`` under its name.

    ValueError when the name is taken by something else: a user's ``adam`` must not silently replace ours, since
    every check and crosscheck looks rules up by name."""
    if holds(obj):
        return
    if isinstance(obj, Derivation):
        if obj.name in DERIVATIONS:
            raise ValueError(f"a derivation named {obj.name!r} exists already ({ORIGINS.get(obj.name, 'optverify')}); "
                             f"{origin} must name its own differently")
        DERIVATIONS.add(obj)
    else:
        taken = [t for t in (RULES, MATRIX_RULES, REDUCTION_RULES, ESTIMATORS, SCHEDULES) if obj.name in t]
        if taken:
            raise ValueError(f"a rule, estimator or schedule named {obj.name!r} exists already "
                             f"({ORIGINS.get(obj.name, 'optverify')}); {origin} must name its own differently")
        _table_for(obj)[obj.name] = obj
    ORIGINS[obj.name] = origin


@contextlib.contextmanager
def scoped():
    """Undo every ``register`` made inside the block: one command's user rules do not outlive it (tests call the
    command line many times in one process)."""
    tables = (RULES, MATRIX_RULES, REDUCTION_RULES, ESTIMATORS, SCHEDULES, ORIGINS)
    saved = [dict(t) for t in tables]
    derivations = DERIVATIONS.snapshot()
    try:
        yield
    finally:
        for table, before in zip(tables, saved):
            table.clear()
            table.update(before)
        DERIVATIONS.restore(derivations)
