"""Peers for the rules that are not elementwise: other people's Newton, CG, LARS, … and which of a rule's
conventions each follows, found by running it.

An elementwise optimizer is fingerprinted by a survey of trajectories (conventions.py).  A matrix or
reduction rule has its own check (verify/checks/matrix.py, reduction.py), exact and per iteration, so a
peer is surveyed more simply: the check runs under *every* convention variant of the rule, and the
variants it passes are the ones the peer follows.  A ``Peer`` is only a name, the rule it claims to
implement, and how to load it (lazily: a framework that is not installed is reported as such); it
never says which convention it follows.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Peer:
    framework: str  # the `crosscheck` source that includes it: "scipy", "optax"
    label: str  # what users call: "scipy.sparse.linalg.cg"
    rule: str  # the matrix or reduction rule it claims to implement
    module: str  # where its adapter lives (imported on use)
    attribute: str  # the adapter: a callable with the rule's check protocol
    requires: str  # the package it needs (not installed: reported, not run)
    options: tuple = ()  # (name, value) pairs for the check, e.g. scipy's cg needs b ≠ 0
    notes: tuple = ()

    def load(self) -> Callable:
        importlib.import_module(self.requires)  # ImportError: not installed
        return getattr(importlib.import_module(self.module), self.attribute)


PEERS = (
    Peer("scipy", "scipy.sparse.linalg.cg", "cg", "verify.adapters.frameworks.scipy_cg", "scipy_cg", "scipy",
         options=(("nonzero_rhs", True),),
         notes=("b = 0 returns x = 0 at once without iterating: drawn b ≠ 0",)),
    Peer("optax", "optax.lars()", "lars", "verify.adapters.frameworks.optax_lars", "optax_lars", "optax"),
    Peer("optax", "optax.lars(nesterov=True)", "lars", "verify.adapters.frameworks.optax_lars",
         "optax_lars_nesterov", "optax"),
)


def peers_of(framework: str) -> list[Peer]:
    return [p for p in PEERS if p.framework == framework]


def frameworks() -> list[str]:
    return sorted({p.framework for p in PEERS})


@dataclass
class Survey:
    """A peer checked under every convention variant of its rule: the variants it passes are its matches.

    Duck-types conventions.Fingerprint where the crosscheck's table reads it."""
    rule: str
    implementation: str
    reports: list  # one check report per variant
    error: str = ""
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    edges = None  # a matrix check already draws the domain's edges (singular, indefinite, zero rhs)

    @property
    def matches(self) -> list[dict]:
        return [r.conventions for r in self.reports if r.passed]

    @property
    def matched(self) -> bool:
        return bool(self.matches)

    @property
    def closest(self) -> dict:
        """The match, or the variant whose counterexample came latest in the check's own order."""
        if self.matched:
            return self.matches[0]
        return max(self.reports, key=lambda r: r.examples).conventions if self.reports else {}

    @property
    def counterexample(self):
        """Where nothing matched: the closest variant's failing report."""
        if self.matched or not self.reports:
            return None
        return next(r for r in self.reports if r.conventions == self.closest)

    @property
    def worst_ulps(self) -> float:
        return float("nan")  # matrix checks are normwise/componentwise ratios, not ulps

    @property
    def worst_ratio(self) -> float:
        return max((r.worst_ratio for r in self.reports if r.passed), default=float("nan"))

    def summary(self) -> dict:
        """Per axis: the one value every match shares, or the list of values left undecided."""
        chosen = self.matches or [self.closest]
        out = {}
        for axis in chosen[0] if chosen else {}:
            values = list(dict.fromkeys(conv[axis] for conv in chosen))
            out[axis] = values[0] if len(values) == 1 else values
        return out

    def describe(self) -> str:
        return ", ".join(f"{a}={'|'.join(map(str, v))}" if isinstance(v, list) else f"{a}={v}"
                         for a, v in self.summary().items())

    def as_dict(self) -> dict:
        return dict(rule=self.rule, implementation=self.implementation, matched=self.matched,
                    conventions=self.summary(), matches=self.matches, closest=self.closest,
                    worst_ratio=self.worst_ratio, error=self.error, notes=self.notes,
                    seconds=round(self.seconds, 2), reports=[r.as_dict() for r in self.reports])


def survey(peer: Peer, *, examples: int = 30, seed: int = 0) -> Survey:
    """Check ``peer`` under every convention variant of its rule."""
    from verify.checks.catalogue import check_implementation, rule_of

    start = time.perf_counter()
    implementation = peer.load()
    reports = [check_implementation(peer.rule, implementation, conv, examples=examples, seed=seed,
                                    name=peer.label, **dict(peer.options))
               for conv in rule_of(peer.rule).variants()]
    crashed = [r for r in reports if r.counterexample and "raised" in str(r.counterexample.get("problem", ""))]
    error = crashed[0].counterexample["problem"] if len(crashed) == len(reports) and reports else ""
    return Survey(peer.rule, peer.label, reports, error, time.perf_counter() - start, list(peer.notes))
