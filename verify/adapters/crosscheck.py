"""The cross-check: fingerprint every optimizer of every framework asked for, as one matrix.

Rows are optimizer × framework; columns the convention it follows (found by running it), the worst
error in ulps on ordinary inputs, whether it holds over the whole domain, and notes: defaults that
differ from the rule's, arithmetic done in the array dtype, API facts.  Elementwise optimizers are
fingerprinted (conventions.py); peers of matrix and reduction rules (scipy's cg, optax's lars) are
surveyed under every convention of their rule (peers.py).
"""
from __future__ import annotations

import math
import textwrap
import time
from dataclasses import dataclass, field

from verify.adapters import ecosystem, peers
from verify.adapters.conventions import Fingerprint, fingerprint
from verify.adapters.frameworks import ADAPTERS, NotInstalled, Target, load
from verify.adapters.frameworks.user import load_targets

DEFAULT_SOURCES = ("torch", "optax", "keras", "scipy")


@dataclass
class Row:
    framework: str
    optimizer: str
    rule: str = ""
    status: str = ""  # "matched", "no convention", "error", "not installed"
    fingerprint: Fingerprint | None = None
    notes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(framework=self.framework, optimizer=self.optimizer, rule=self.rule, status=self.status,
                    notes=self.notes, fingerprint=None if self.fingerprint is None else self.fingerprint.as_dict())


def resolve(sources, rule=None, packages=()):
    """Sources → (Targets, Peers and Candidates, rows for sources that cannot run).  A framework name,
    module:attribute or module:OptimizerClass; ``packages``: collections whose optimizer classes are scanned."""
    found, missing = [], []
    for package in packages:
        try:
            scanned = ecosystem.scan(package)
            found += scanned
            ecosystem.register_versions(package, scanned)
        except ImportError as exc:
            missing.append(Row(package, "(all)", status="not installed", notes=[str(exc)]))
    for source in sources:
        found += peers.peers_of(source)
        if source in ADAPTERS:
            try:
                found += load(source).targets()
            except NotInstalled as exc:
                missing.append(Row(source, "(all)", status="not installed", notes=[str(exc)]))
        elif ":" in source and ecosystem.is_optimizer_spec(source):
            found.append(ecosystem.from_spec(source))
            ecosystem.register_versions(source.partition(":")[0], found[-1:])
        elif ":" in source:
            found += load_targets(source, rule)
        elif source not in peers.frameworks():
            known = sorted(set(ADAPTERS) | set(peers.frameworks()))
            raise KeyError(f"unknown source {source!r}: a framework ({', '.join(known)}) or module:function")
    return found, missing


def crosscheck_target(target: Target, *, examples=30, seed=0, progress=None, shrink=True) -> Row:
    fp = fingerprint(target.rule, target.runner(), hyperparameters=target.pinned, positive=target.positive,
                     examples=examples, seed=seed, name=target.label, shrink=shrink)
    notes = list(target.differing_defaults())
    if target.pinned:
        notes.append("no argument for " + ", ".join(f"{k} (run as {v:g})" for k, v in target.pinned.items()))
    if fp.low_precision_host:
        notes.append("computes hyperparameter arithmetic (1-β^t, 1-β) in float32 or the array dtype, not float64")
    notes += list(target.notes)
    if fp.diagnosis is not None:
        notes.append(fp.diagnosis.describe())
    status = "error" if fp.error else ("matched" if fp.matched else "no convention")
    return Row(target.framework, target.label, target.rule, status, fp, notes)


def crosscheck_peer(peer: peers.Peer, *, examples=30, seed=0) -> Row:
    try:
        found = peers.survey(peer, examples=examples, seed=seed)
    except ImportError as exc:
        return Row(peer.framework, peer.label, peer.rule, "not installed", notes=[f"{peer.requires}: {exc}"])
    status = "error" if found.error else ("matched" if found.matched else "no convention")
    return Row(peer.framework, peer.label, peer.rule, status, found, list(peer.notes))


def crosscheck(sources=DEFAULT_SOURCES, *, rule=None, rules=None, examples=30, seed=0, progress=None,
               packages=()) -> list[Row]:
    """Fingerprint every target of ``sources`` and ``packages``; ``rules`` keeps only those rules (e.g. {"adam"})."""
    from verify.checks.catalogue import checkable

    targets, rows = resolve(sources, rule, packages)
    targets = [t for t in targets if not rules or t.rule in rules]  # a collection's class: by its likeliest rule
    if rules:  # and then tried only as the rules kept
        targets = [ecosystem.narrowed(t, rules) if isinstance(t, ecosystem.Candidate) else t for t in targets]
    no_rule = set()  # a collection's rows with "no rule yet": their switch-flipped variants are not run
    for i, target in enumerate(targets, 1):
        if progress:
            progress(i, len(targets), target.label)
        if isinstance(target, peers.Peer):
            rows.append(crosscheck_peer(target, examples=examples, seed=seed))
        elif isinstance(target, ecosystem.Candidate):
            if target.variant_of in no_rule:
                continue
            rows.append(ecosystem.crosscheck_candidate(target, examples=examples, seed=seed))
            if rows[-1].status == "no rule yet":
                no_rule.add(target.label)
        else:
            rows.append(crosscheck_target(target, examples=examples, seed=seed))
    # rows grouped by rule, in the registry's order; frameworks in the order asked
    rule_order, order = {name: k for k, name in enumerate(checkable())}, {s: k for k, s in enumerate(sources)}
    return sorted(rows, key=lambda r: (rule_order.get(r.rule, len(rule_order)), order.get(r.framework, len(order))))


# --- rendering -----------------------------------------------------------------------------
HEADERS = ["optimizer", "rule", "convention followed", "worst ulp", "whole domain", "notes"]


def _cells(row: Row) -> list[str]:
    fp = row.fingerprint
    if fp is None:
        return [row.framework if row.optimizer == "(all)" else row.optimizer, row.rule, row.status, "", "",
                "; ".join(row.notes)]
    if row.status == "matched":
        convention = fp.describe() or "(no axes)"  # a rule without convention axes: it is the one variant
        edges = "holds" if fp.edges is None or fp.edges.passed else f"fails at t={fp.edges.counterexample.t}"
        worst = f"{fp.worst_ratio:.2f} of allowed" if math.isnan(fp.worst_ulps) else f"{fp.worst_ulps:.3g}"
        return [row.optimizer, row.rule, convention, worst, edges, "; ".join(row.notes)]
    if row.status == "error":
        return [row.optimizer, row.rule, f"ERROR: {fp.error}", "", "", "; ".join(row.notes)]
    return [row.optimizer, row.rule, f"NONE (closest: {fp.describe()})", "", "", "; ".join(row.notes)]


def text(rows, seconds=None) -> str:
    from verify.report import table

    out = [table(HEADERS, [_cells(r) for r in rows])]
    out += _details(rows, indent="  ")
    if seconds is not None:
        out.append(f"\n{sum(r.fingerprint is not None for r in rows)} optimizers fingerprinted in {seconds:.1f} s")
    return "\n".join(out)


def markdown(rows, seconds=None) -> str:
    def esc(s):
        return str(s).replace("|", "\\|")

    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(esc(c) for c in _cells(r)) + " |" for r in rows]
    details = _details(rows, indent="")
    if details:
        lines += ["", "```"] + details + ["```"]
    versions = framework_versions(rows)
    if versions:
        lines.append("\nVersions: " + "; ".join(f"{fw}: " + ", ".join(f"{p} {v}" for p, v in found.items())
                                                 for fw, found in versions.items()))
    if seconds is not None:
        lines.append(f"\n{sum(r.fingerprint is not None for r in rows)} optimizers fingerprinted in {seconds:.1f} s")
    return "\n".join(lines)


def _details(rows, indent) -> list[str]:
    """Counterexamples: the minimal one where nothing matched, the edge case where a match breaks."""
    out = []
    for r in rows:
        fp = r.fingerprint
        if fp is None:
            continue
        if fp.counterexample is not None and not fp.counterexample.passed:
            out += ["", f"{r.optimizer}: follows no convention of rule {r.rule!r}; against the closest one:",
                    textwrap.indent(fp.counterexample.message(), indent)]
        elif fp.edges is not None and not fp.edges.passed:
            out += ["", f"{r.optimizer}: follows {fp.describe()} on ordinary inputs, but not everywhere:",
                    textwrap.indent(fp.edges.message(), indent)]
    return out


# the packages a framework's rows ran on (Keras also on its backend, added where it is loaded)
PACKAGES = {"torch": ("torch",), "optax": ("optax", "jax", "jaxlib"), "keras": ("keras",), "scipy": ("scipy",)}


def package_version(name: str) -> str | None:
    """The version of ``name`` that ran: the imported module's own, else the installed distribution's."""
    import importlib.metadata
    import sys

    version = getattr(sys.modules.get(name), "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _keras_backend() -> tuple[str, ...]:
    import sys

    keras = sys.modules.get("keras")
    backend = getattr(getattr(keras, "backend", None), "backend", None)
    return (backend(),) if callable(backend) else ()


def framework_versions(rows) -> dict[str, dict[str, str]]:
    """{framework: {package: version}} for every framework whose rows ran (not those "not installed"), so that
    a report says which torch, optax/JAX, Keras (and its backend) or SciPy it describes."""
    ran = sorted({r.framework for r in rows if r.status != "not installed" and r.framework in PACKAGES})
    out = {}
    for framework in ran:
        packages = PACKAGES[framework] + (_keras_backend() if framework == "keras" else ())
        out[framework] = {name: v for name in packages if (v := package_version(name)) is not None}
    return out


def json_payload(rows, seconds) -> dict:
    return dict(seconds=round(seconds, 2), versions=framework_versions(rows), rows=[r.as_dict() for r in rows])


def run(sources, *, rule=None, rules=None, examples=30, seed=0, progress=None, packages=()):
    start = time.perf_counter()
    rows = crosscheck(sources, rule=rule, rules=rules, examples=examples, seed=seed, progress=progress,
                      packages=packages)
    return rows, time.perf_counter() - start
