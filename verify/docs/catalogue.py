"""Which pages a site has: the registry's rules, schedules, estimators and derivations (or a user module's), their
families, and each page's id.

A page id is a path without extension: ``rules/adam``, ``derivations/adam.closed_form``, ``index``.  A user's
module is imported (``importlib``), never read as text: its ``Rule``/``Schedule``/``Derivation`` objects (module
attributes, or ``BUILDERS``/``RULES``/``DERIVATIONS`` collections) are documented like the registry's.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

KINDS = ("rules", "schedules", "estimators", "derivations")


@dataclass
class Catalogue:
    rules: dict = field(default_factory=dict)  # elementwise, matrix and per-tensor rules
    schedules: dict = field(default_factory=dict)
    estimators: dict = field(default_factory=dict)
    derivations: dict = field(default_factory=dict)  # name → Derivation (built)

    def entries(self):
        """(kind, name, object) of every entry that gets a page besides the index."""
        for kind in KINDS:
            for name, obj in getattr(self, kind).items():
                yield kind, name, obj

    def page_ids(self) -> list[str]:
        return ["index"] + [page_id(kind, name) for kind, name, _ in self.entries()]

    def family_of(self, derivation_name: str) -> str:
        d = self.derivations[derivation_name]
        return d.rule or derivation_name.split(".", 1)[0]

    def derivations_of(self, family: str) -> list[str]:
        return [n for n in self.derivations if self.family_of(n) == family]


def page_id(kind: str, name: str) -> str:
    return f"{kind}/{name}"


def registry() -> Catalogue:
    """Everything the registry holds, every derivation built."""
    from derivations import DERIVATIONS, ESTIMATORS, MATRIX_RULES, REDUCTION_RULES, RULES, SCHEDULES

    return Catalogue(rules={**RULES, **MATRIX_RULES, **REDUCTION_RULES}, schedules=dict(SCHEDULES),
                     estimators=dict(ESTIMATORS), derivations={n: DERIVATIONS[n] for n in DERIVATIONS})


def select(catalogue: Catalogue, names) -> Catalogue:
    """The pages ``names`` ask for: an entry by name (a rule, schedule or estimator with its derivations), a
    derivation, or a family prefix (``adam`` is the rule and ``adam.*``).  KeyError for a name that is none."""
    if not names:
        return catalogue
    from derivations.registry import ALIASES

    out = Catalogue()
    for name in names:
        name = ALIASES.get(name, name)
        found = False
        for kind in ("rules", "schedules", "estimators"):
            if name in getattr(catalogue, kind):
                getattr(out, kind)[name] = getattr(catalogue, kind)[name]
                found = True
        family = [d for d in catalogue.derivations
                  if d == name or d.startswith(name + ".") or catalogue.family_of(d) == name]
        for d in family:
            out.derivations[d] = catalogue.derivations[d]
        if not (found or family):
            known = sorted(n for kind in ("rules", "schedules", "estimators") for n in getattr(catalogue, kind))
            raise KeyError(f"nothing to document named {name!r}: not a rule, schedule, estimator, derivation or "
                           f"family (known: {', '.join(known)}), nor an importable module")
    return out


def from_module(module_name: str) -> Catalogue:
    """A user module's rules, schedules, estimators and derivations: objects it defines, found by type.

    Derivation builders (``BUILDERS = {name: build}``) are called with the module's ``RULE`` when they take one,
    as the registry does.  ImportError when the module cannot be imported."""
    from derivations.core.estimator import Estimator
    from derivations.core.objective import MatrixRule
    from derivations.core.proof import Derivation
    from derivations.core.reduction import ReductionRule
    from derivations.core.rule import Rule
    from derivations.core.schedule import Schedule

    module = importlib.import_module(module_name)
    out = Catalogue()
    values = list(vars(module).values())
    for value in values + [v for c in values if isinstance(c, dict) for v in c.values()]:
        if isinstance(value, Rule | MatrixRule | ReductionRule):
            out.rules[value.name] = value
        elif isinstance(value, Schedule):
            out.schedules[value.name] = value
        elif isinstance(value, Estimator):
            out.estimators[value.name] = value
        elif isinstance(value, Derivation):
            out.derivations[value.name] = value
    for build in (getattr(module, "BUILDERS", None) or {}).values():
        d = _call_builder(build, getattr(module, "RULE", None))
        out.derivations[d.name] = d
    if not any(getattr(out, kind) for kind in KINDS):
        raise ValueError(f"module {module_name!r} defines no Rule, Schedule, Estimator or Derivation to document")
    return out


def _call_builder(build, rule):
    import inspect

    takes = [p for p in inspect.signature(build).parameters.values() if p.default is inspect.Parameter.empty]
    return build(rule) if takes else build()


def merge(a: Catalogue, b: Catalogue) -> Catalogue:
    return Catalogue(**{kind: {**getattr(a, kind), **getattr(b, kind)} for kind in KINDS})


def _in_registry(catalogue: Catalogue, name: str) -> bool:
    from derivations.registry import ALIASES

    name = ALIASES.get(name, name)
    return (any(name in getattr(catalogue, kind) for kind in KINDS)
            or any(d.startswith(name + ".") or catalogue.family_of(d) == name for d in catalogue.derivations))


def resolve(names) -> Catalogue:
    """The catalogue ``names`` ask for: registry names (entries, derivations, families) select from the registry;
    any other name is imported as a Python module and its rules documented (ImportError if it is not one)."""
    everything = registry()
    if not names:
        return everything
    known = [n for n in names if _in_registry(everything, n)]
    out = select(everything, known) if known else Catalogue()
    for name in names:
        if name not in known:
            try:
                out = merge(out, from_module(name))
            except ModuleNotFoundError as exc:
                if exc.name != name.split(".")[0] and exc.name != name:
                    raise  # the module exists but an import inside it failed: show that
                select(everything, [name])  # raises the KeyError that lists what is known
    return out
