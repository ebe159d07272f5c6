"""Which pages a site has: the registry's rules, schedules, estimators and derivations (or a user module's), their
families, and each page's id.

A page id is a path without extension: ``rules/adam``, ``derivations/adam.closed_form``, ``index``.  A user's
module is imported, never read as text, by the resolver every command shares (derivations/plugins.py): its
``Rule``/``Schedule``/``Derivation`` objects are documented like the registry's.
"""
from __future__ import annotations

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


def from_module(spec: str) -> Catalogue:
    """A user module's (or ``module:ATTR``'s) rules, schedules, estimators and derivations, imported and found by
    type as every command finds them (derivations/plugins.py).  ValueError when it does not import or holds none."""
    from derivations.plugins import load

    found = load(spec, "NAMES")
    return Catalogue(rules=dict(found.rules), schedules=dict(found.schedules), estimators=dict(found.estimators),
                     derivations=dict(found.derivations))


def merge(a: Catalogue, b: Catalogue) -> Catalogue:
    return Catalogue(**{kind: {**getattr(a, kind), **getattr(b, kind)} for kind in KINDS})


def in_registry(catalogue: Catalogue, name: str) -> bool:
    from derivations.registry import ALIASES

    name = ALIASES.get(name, name)
    return (any(name in getattr(catalogue, kind) for kind in KINDS)
            or any(d.startswith(name + ".") or catalogue.family_of(d) == name for d in catalogue.derivations))


def resolve(names) -> Catalogue:
    """The catalogue ``names`` ask for: registry names (entries, derivations, families) select from the registry;
    any other name is imported as a Python module and its rules documented (ImportError if it is not one)."""
    from derivations.plugins import ModuleNotFound

    everything = registry()
    if not names:
        return everything
    known = [n for n in names if in_registry(everything, n)]
    out = select(everything, known) if known else Catalogue()
    for name in names:
        if name not in known:
            try:
                out = merge(out, from_module(name))
            except ModuleNotFound:
                if ":" in name:
                    raise
                select(everything, [name])  # raises the KeyError that lists what is known
    return out
