"""Rules and derivations from outside the registry: a user's own module, or an installed package's entry points.

Every command takes ``NAME`` (a registry name, or an importable module) or ``module:ATTR``.  A module is
*imported*, as a test runner would (the current directory first on ``sys.path``, as ``python -m`` has it);
nothing given on the command line is ever evaluated or sympified.  What a module contributes is found by type:

* ``Rule``, ``MatrixRule``, ``ReductionRule``, ``Schedule``, ``Estimator`` and ``Derivation`` objects among its
  attributes, or among the values of dicts it defines (``RULES = {...}``);
* ``BUILDERS = {name: build}``: derivations built on import, called with the module's ``RULE`` when they take an
  argument, as the registry's own modules are.

Objects the registry already holds (a module may import our ``adam``) are ours, not the module's.
``module:ATTR`` names one such object, a list of them, or a module; for a rule, the module's derivations about
that rule come with it.

Entry points: a package registers rules under the group ``optverify.rules``; each entry point loads to any of
what ``module:ATTR`` may name (a Rule, a Derivation, a list of them, or a module defining them).
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import inspect
import os
import sys
from dataclasses import dataclass, field
from types import ModuleType

from derivations import registry
from derivations.core.estimator import Estimator
from derivations.core.objective import MatrixRule
from derivations.core.proof import Derivation
from derivations.core.reduction import ReductionRule
from derivations.core.rule import Rule
from derivations.core.schedule import Schedule

ENTRY_POINT_GROUP = "optverify.rules"
RULE_KINDS = (Rule, MatrixRule, ReductionRule)
KINDS = RULE_KINDS + (Schedule, Estimator, Derivation)


class SpecError(ValueError):
    """A NAME or module:ATTR that gives nothing usable; the message starts with the argument it came in."""


class ModuleNotFound(SpecError):
    """No such module (not: an import inside it failed), or no module name at all: a bare name may be a typo of
    one of ours instead, which the command's own error reports better."""


@dataclass
class Found:
    """What one NAME or module:ATTR gave, by kind; ``origin`` says where it came from."""
    origin: str
    rules: dict = field(default_factory=dict)  # elementwise, matrix and reduction rules
    schedules: dict = field(default_factory=dict)
    estimators: dict = field(default_factory=dict)
    derivations: dict = field(default_factory=dict)

    def objects(self) -> list:
        return [*self.rules.values(), *self.schedules.values(), *self.estimators.values(),
                *self.derivations.values()]

    def checkable(self) -> list[str]:
        """The names ``check`` takes: rules, schedules, estimators."""
        return [*self.rules, *self.schedules, *self.estimators]

    def add(self, obj) -> None:
        table = (self.derivations if isinstance(obj, Derivation) else self.rules if isinstance(obj, RULE_KINDS)
                 else self.schedules if isinstance(obj, Schedule) else self.estimators)
        table[obj.name] = obj


@contextlib.contextmanager
def current_directory_importable():
    """The current directory first on sys.path for the duration, as ``python -m`` has it.

    Console scripts (the installed ``optverify``) leave it off, so ``mymod`` next to the user would not import;
    it is taken off again afterwards so that nothing else sees a changed path."""
    here = os.getcwd()
    if any(os.path.abspath(p or os.curdir) == here for p in sys.path if isinstance(p, str)):
        yield
        return
    sys.path.insert(0, here)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(here)


def _is_module_name(name: str) -> bool:
    return bool(name) and all(part.isidentifier() for part in name.split("."))


def import_module(name: str, argument: str) -> ModuleType:
    """Import ``name``; SpecError naming ``argument`` when it is no module or its import fails."""
    if not _is_module_name(name):
        raise ModuleNotFound(f"{argument}: {name!r} is not a module name (expected module or module:ATTR)")
    try:
        with current_directory_importable():
            return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise ModuleNotFound(f"{argument}: no module named {exc.name!r} (run from the directory that holds it, "
                                 "or put it on PYTHONPATH)") from exc
        raise SpecError(f"{argument}: importing {name!r} failed: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - the user's module may raise anything on import: a usage error
        raise SpecError(f"{argument}: importing {name!r} failed: {type(exc).__name__}: {exc}") from exc


def attribute(spec: str, argument: str):
    """``module:ATTR`` (ATTR may be dotted) → the object, imported; SpecError naming ``argument`` otherwise."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise SpecError(f"{argument}: expected module:ATTR, got {spec!r}")
    obj = import_module(module_name, argument)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise SpecError(f"{argument}: module {module_name!r} has no attribute {attr!r}") from None
    return obj


def _call_builder(build, rule):
    takes = [p for p in inspect.signature(build).parameters.values() if p.default is inspect.Parameter.empty]
    return build(rule) if takes else build()


def of_module(module: ModuleType, origin: str) -> Found:
    """Everything ``module`` defines, found by type (see the module docstring)."""
    found = Found(origin)
    values = list(vars(module).values())
    for value in values + [v for d in values if isinstance(d, dict) for v in d.values()]:
        if isinstance(value, KINDS) and not registry.holds(value):
            found.add(value)
    builders = getattr(module, "BUILDERS", None)
    if isinstance(builders, dict):
        for build in builders.values():
            found.add(_call_builder(build, getattr(module, "RULE", None)))
    return found


def of_object(obj, origin: str, argument: str, module: ModuleType | None = None) -> Found:
    """A Rule/Derivation/…, a list of them, or a module → Found.  A rule brings ``module``'s derivations about it."""
    if isinstance(obj, ModuleType):
        return of_module(obj, origin)
    items = list(obj) if isinstance(obj, (list, tuple)) else [obj]
    wrong = [x for x in items if not isinstance(x, KINDS)]
    if not items or wrong:
        what = type(wrong[0]).__name__ if wrong else "an empty list"
        raise SpecError(f"{argument}: {origin} is {_a(what)}, not a Rule or Derivation (nor a Schedule, Estimator, "
                        "a list of them, or a module defining them)")
    found = Found(origin)
    for x in items:
        found.add(x)
    if module is not None:
        about = {r.name for r in items if isinstance(r, RULE_KINDS)}
        for d in of_module(module, origin).derivations.values():
            if d.rule in about:
                found.add(d)
    return found


def _a(what: str) -> str:
    return what if what.startswith("an ") else f"{'an' if what[:1].lower() in 'aeiou' else 'a'} {what}"


def load(spec: str, argument: str) -> Found:
    """``module`` or ``module:ATTR`` → what it defines (imported, never evaluated); SpecError naming ``argument``
    for a module that does not import, a missing attribute, an attribute of the wrong kind, or nothing found."""
    module_name, colon, _ = spec.partition(":")
    if colon:
        found = of_object(attribute(spec, argument), spec, argument, import_module(module_name, argument))
    else:
        found = of_module(import_module(spec, argument), spec)
    if not found.objects():
        raise SpecError(f"{argument}: {spec} defines no Rule, Schedule, Estimator or Derivation")
    return found


def register(found: Found, argument: str) -> Found:
    """Put what was found into the registry, so that every command finds it by name (inside ``registry.scoped``
    the registration ends with the block); SpecError for a name that is taken."""
    for obj in found.objects():
        try:
            registry.register(obj, found.origin)
        except ValueError as exc:
            raise SpecError(f"{argument}: {exc}") from None
    return found


def entry_points() -> list[tuple[str, Found | SpecError]]:
    """(entry point, what it gave or why it gave nothing) for every entry point of ``optverify.rules``."""
    out = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        label = f"entry point {ep.name} = {ep.value}"
        try:
            obj = ep.load()
        except Exception as exc:  # noqa: BLE001 - an installed package's failure is reported, not raised
            out.append((label, SpecError(f"{label}: loading failed: {type(exc).__name__}: {exc}")))
            continue
        try:
            out.append((label, of_object(obj, label, label)))
        except SpecError as exc:
            out.append((label, exc))
    return out


def register_entry_points() -> list[str]:
    """Register every entry point's rules; the problems, one line each (a broken package must not stop the rest)."""
    problems = []
    for label, found in entry_points():
        if isinstance(found, SpecError):
            problems.append(str(found))
            continue
        try:
            register(found, label)
        except SpecError as exc:
            problems.append(str(exc))
    return problems
