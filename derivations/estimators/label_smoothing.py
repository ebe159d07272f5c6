"""Label smoothing: the one-hot target y softened to t, and what the cross-entropy on t decomposes into.

Source: seed 000_a2fbe8e070163c86.txt §2.3 "Data Smoothing" names "label smoothing" (no formula); COVERAGE D16.
Two conventions (a ``Smoothing`` each, so that a planted change to one breaks its proofs):

* ``ALL``: t = (1 − ε)y + ε/K — ε spread over all K classes (Szegedy et al. 2016; torch, optax, keras: found
  by running them, verify/checks/label_smoothing.py);
* ``OTHERS``: t = (1 − ε)y + ε/(K − 1)·(1 − y) — ε over the K − 1 wrong classes only.

Claims: t is a distribution; H(t, q) = (1 − ε)H(y, q) + ε·H(u, q), u uniform over the classes ε is spread on;
∂H(t, softmax z)/∂z = softmax(z) − t, zero at softmax(z) = t, so the optimal logit gap is finite:
log(1 + K(1 − ε)/ε) under ``ALL``; ``OTHERS`` with ε' equals ``ALL`` with ε = ε'K/(K − 1).
The true class is class 0 (the others are symmetric).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from derivations.core.proof import Derivation, Step
from derivations.estimators.mixup import cross_entropy

SOURCE = "seed 000_a2fbe8e070163c86.txt §2.3 (Data Smoothing: label smoothing); COVERAGE D16"
CLASSES = (2, 3, 4)
EPS = sp.Symbol("epsilon", nonnegative=True)


@dataclass(frozen=True)
class Smoothing:
    """``target(y, ε)``: the smoothed column for a one-hot column y; ``uniform(K)`` the distribution ε is spread on."""

    name: str
    target: Callable
    uniform: Callable


def _all(y, eps):
    return (1 - eps) * y + sp.ones(y.rows, 1) * eps / y.rows


def _others(y, eps):
    return (1 - eps) * y + (sp.ones(y.rows, 1) - y) * eps / (y.rows - 1)


ALL = Smoothing("all", _all, lambda K: sp.ones(K, 1) / K)
OTHERS = Smoothing("others", _others, lambda K: sp.Matrix([0] + [sp.Rational(1, K - 1)] * (K - 1)))


def _onehot(K):
    return sp.Matrix([1] + [0] * (K - 1))


def _logits(K):
    return sp.Matrix(K, 1, lambda i, _: sp.Symbol(f"z_{i}", real=True))


def _log_softmax(z):
    lse = sp.log(sum(sp.exp(v) for v in z))
    return z - sp.ones(z.rows, 1) * lse


def _steps(smoothing: Smoothing, K: int, true_mass, other_mass):
    y, z = _onehot(K), _logits(K)
    t = smoothing.target(y, EPS)
    logq = _log_softmax(z)
    loss = cross_entropy(t, logq)
    softmax = z.applyfunc(sp.exp) / sum(sp.exp(v) for v in z)
    gradient = sp.Matrix([sp.diff(loss, v) for v in z])
    return [
        Step(f"t sums to 1 (K={K})", sum(t), 1, "the mass ε taken from the true class is spread, not lost"),
        Step(f"the true class keeps {true_mass} (K={K})", t[0], true_mass.subs("K", K), "y_0 = 1"),
        Step(f"each wrong class gets {other_mass} (K={K})", t[1:, 0], sp.ones(K - 1, 1) * other_mass.subs("K", K),
             "y_k = 0"),
        Step(f"H(t, q) = (1 − ε)H(y, q) + ε·H(u, q) (K={K})", loss,
             (1 - EPS) * cross_entropy(y, logq) + EPS * cross_entropy(smoothing.uniform(K), logq),
             "H is linear in its target; t = (1 − ε)y + εu"),
        Step(f"∂H/∂z = softmax(z) − t (K={K})", gradient, softmax - t, "∂ log-sum-exp/∂z = softmax(z)"),
    ]


def smoothing_all(smoothing: Smoothing = ALL) -> Derivation:
    K = sp.Symbol("K")
    steps = [s for k in CLASSES for s in _steps(smoothing, k, 1 - EPS + EPS / K, EPS / K)]
    k = 3
    t = smoothing.target(_onehot(k), EPS)
    steps.append(Step("optimal logit gap: exp(z_0 − z_1) = t_0/t_1 = 1 + K(1 − ε)/ε (K=3)", t[0] / t[1],
                      1 + k * (1 - EPS) / EPS, "softmax(z) = t at z = log t + c"))
    return Derivation(
        name="label_smoothing.all",
        claim="t = (1 − ε)y + ε/K: a distribution, true class 1 − ε + ε/K, others ε/K; H(t, q) = (1 − ε)H(y, q) + "
              "ε·H(uniform, q); the gradient in the logits is softmax(z) − t, so the optimal logit gap is finite",
        steps=tuple(steps), assumptions=("0 ≤ ε ≤ 1", "y one-hot, true class 0"), source=SOURCE,
        scope=f"K ∈ {CLASSES}: symbolic ε and logits")


def smoothing_others(smoothing: Smoothing = OTHERS, reference: Smoothing = ALL) -> Derivation:
    K = sp.Symbol("K")
    steps = [s for k in CLASSES for s in _steps(smoothing, k, 1 - EPS, EPS / (K - 1))]
    steps += [Step(f"others with ε equals all with εK/(K − 1) (K={k})", smoothing.target(_onehot(k), EPS),
                   reference.target(_onehot(k), EPS * k / (k - 1)), "(1 − ε')+ε'/K = 1 − ε at ε' = εK/(K − 1)")
              for k in CLASSES]
    return Derivation(
        name="label_smoothing.others",
        claim="t = (1 − ε)y + ε/(K − 1)·(1 − y): a distribution, true class exactly 1 − ε; the same decomposition "
              "with u uniform over the wrong classes; it is the ε/K convention at ε' = εK/(K − 1)",
        steps=tuple(steps), assumptions=("0 ≤ ε ≤ 1", "y one-hot, true class 0", "K ≥ 2"), source=SOURCE,
        scope=f"K ∈ {CLASSES}: symbolic ε and logits",
        notes="a convention, not a mistake: the two differ in ε by the factor K/(K − 1); which a framework follows "
              "is found by running it")


BUILDERS = {"label_smoothing.all": smoothing_all, "label_smoothing.others": smoothing_others}
