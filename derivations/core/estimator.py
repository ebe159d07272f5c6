"""An estimator as symbolic data: data, a sample space, a statistic whose randomness is an argument, the
target it estimates, and its claimed mean and variance.

Where a rule is "the next state as a function of the state", an estimator is "a number (or vector) as a
function of the data *and* of the randomness ω": ``statistic(data, ω)``.  ω is always an argument — probe
vectors, index tuples — never drawn inside, so that the same function can be averaged exactly over a finite
sample space (derivations/, verify/) or fed drawn samples (kernels/).

Everything callable here is generic arithmetic: it works on SymPy matrices of symbols (the derivations), of
Rationals (verify/'s exact claims) alike.  Derivations about an estimator are built from its own
``statistic`` (enumerated over ``outcomes``) and compare with its own ``mean``/``variance``: plant a change in
either, and a proof fails.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Iterable

import sympy as sp


@dataclass(frozen=True)
class SampleSpace:
    """Where ω lives.  ``outcomes(sizes)`` lists every ω of a finite space, all equally likely (None: continuous,
    e.g. Gaussian probes, checked statistically)."""

    name: str
    description: str
    outcomes: Callable[[dict], Iterable] | None = None

    @property
    def finite(self) -> bool:
        return self.outcomes is not None


@dataclass(frozen=True)
class Estimator:
    """``statistic(data, ω)`` estimates ``target(data)``; over ``space`` its mean is claimed to be
    ``mean(data, space, sizes)`` and its variance (covariance matrix for vector outputs) ``variance(...)``.

    ``data`` names each input and its shape in words; ``sizes`` the dimensions ω depends on (e.g. ``m``
    probes, batch size ``B``) beside those read off the data."""

    name: str
    title: str
    data: tuple[tuple[str, str], ...]
    sizes: tuple[str, ...]
    spaces: tuple[SampleSpace, ...]
    statistic: Callable
    target: Callable
    mean: Callable
    variance: Callable
    output: str  # "scalar" or "vector"
    source: str
    notes: str = ""

    def space(self, name: str) -> SampleSpace:
        for s in self.spaces:
            if s.name == name:
                return s
        raise KeyError(f"estimator {self.name!r} has no sample space {name!r}; it has {[s.name for s in self.spaces]}")


# ---- exact expectations over a finite, uniform sample space (used by derivations and by verify/) ----

def as_column(value) -> sp.Matrix:
    """A scalar or a vector statistic as a column (so that one formula covers both)."""
    if isinstance(value, sp.MatrixBase):
        return value if value.shape[1] == 1 else value.reshape(len(value), 1)
    return sp.Matrix([value])


def expectation(values: list):
    """E over equally likely outcomes: the plain average, exact (symbolic or rational)."""
    return sum(values[1:], values[0]) / len(values)


def enumerated_moments(estimator: Estimator, data: dict, space: str, sizes: dict):
    """(E[T], Cov[T]) of the estimator's own statistic T, averaged over every outcome of a finite space.
    For a scalar statistic both are 1×1 matrices' entries."""
    outcomes = list(estimator.space(space).outcomes(sizes))
    values = [as_column(estimator.statistic(data, w)) for w in outcomes]
    mean = expectation(values)
    cov = expectation([(v - mean) * (v - mean).T for v in values])
    if estimator.output == "scalar":
        return mean[0], cov[0]
    return mean, cov


# ---- finite spaces whose outcomes are not equally likely (dropout's masks, mixup's λ grid) ----

@dataclass(frozen=True)
class WeightedSampleSpace(SampleSpace):
    """A finite space whose outcomes are not equally likely: ``probability(ω, sizes)`` each (exact or symbolic)."""

    probability: Callable | None = None


def weighted_moments(estimator: Estimator, data: dict, space: str, sizes: dict):
    """(Σ_ω P(ω), E[T], Cov[T]) of the estimator's own statistic over every outcome, weighted by its probability."""
    chosen = estimator.space(space)
    pairs = [(chosen.probability(w, sizes), as_column(estimator.statistic(data, w))) for w in chosen.outcomes(sizes)]
    total = sum((p for p, _ in pairs), sp.Integer(0))
    mean = sum((p * v for p, v in pairs[1:]), pairs[0][0] * pairs[0][1])
    cov = sum(((p * (v - mean) * (v - mean).T) for p, v in pairs[1:]),
              pairs[0][0] * (pairs[0][1] - mean) * (pairs[0][1] - mean).T)
    return total, mean, cov


# ---- sample spaces shared by estimators ----

def sign_matrices(rows: int, cols: int):
    """Every rows×cols matrix of ±1 (rows = probes): the Rademacher space {±1}^{rows·cols}."""
    for signs in itertools.product((-1, 1), repeat=rows * cols):
        yield sp.Matrix(rows, cols, signs)


def subsets(N: int, B: int):
    """Every B-subset of range(N) in increasing order: minibatches without replacement."""
    return itertools.combinations(range(N), B)


def index_tuples(N: int, B: int):
    """Every B-tuple of range(N): minibatches with replacement (i.i.d. uniform indices)."""
    return itertools.product(range(N), repeat=B)
