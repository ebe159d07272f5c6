"""Checks of label smoothing: our kernel exactly against a convention's targets, and a framework's smoothed loss
against each convention's loss, to find which convention it follows (derivations/estimators/label_smoothing.py).

* ``check_targets(impl, smoothing)``: ``impl(onehot, ε)`` → targets, compared with ``smoothing.target`` evaluated
  exactly (ε = k/16, K ≤ 7: Fractions).  Allowed per entry γ_4·|t| (Higham ch. 3): ε/K or ε/(K − 1) is one
  division, 1 − ε exact, the product with a 0/1 entry exact, and one addition — three roundings, one spare.
* ``survey(loss)``: a framework's per-example loss on drawn logits (dyadic k/4, |k| ≤ 16) and labels against the
  50-digit loss H(t, softmax z) under each convention, allowed γ_{2K+8}·Σ_k t_k(|z_k − max z| + log S + 1) in the
  framework's precision (the log-softmax analysis in verify/checks/mixup.py), times 4: room for a framework that
  forms (1 − ε)·NLL + ε·mean(−log q) rather than Σ t·log q (a few more roundings per term).  The conventions
  differ by ε(1/(K − 1) − 1/K)·Σ_{k≠y}(−log q_k) − ε/K·(−log q_y), about 10⁻² here, far above the allowance
  (≈ 10⁻⁵ in float32): exactly one convention passes.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from verify.checks.common import conclude, label, to_numpy
from verify.checks.elementwise import property_run
from verify.checks.estimators import DYADIC, EstimatorReport, MomentTracker, gamma
from verify.checks.mixup import _reference_losses

EPS32 = Fraction(1, 2**24)  # float32 unit roundoff


def _smoothing(name):
    from derivations.estimators import label_smoothing

    return {"all": label_smoothing.ALL, "others": label_smoothing.OTHERS}[name] if isinstance(name, str) else name


def _kernel(spread):
    def smooth(onehot, eps):
        from kernels.estimators.label_smoothing import smooth_labels

        return smooth_labels(onehot, eps, spread)
    smooth.__qualname__ = f"kernels.smooth_labels(spread={spread!r})"
    return smooth


def _claimed_targets(smoothing, classes, K, eps):
    """The convention's targets, exactly: one column per example through ``smoothing.target``."""
    rows = []
    for c in classes:
        y = sp.Matrix([1 if k == c else 0 for k in range(K)])
        t = smoothing.target(y, sp.Rational(eps.numerator, eps.denominator))
        rows.append([Fraction(int(sp.numer(v)), int(sp.denom(v))) for v in t])
    return rows


def check_targets(implementation=None, smoothing="all", *, examples: int = 40, seed: int = 0) -> EstimatorReport:
    smoothing = _smoothing(smoothing)
    implementation = implementation or _kernel(smoothing.name)
    tracker = MomentTracker()

    @property_run(seed, examples)
    def run(data):
        K, n = data.draw(st.integers(2, 7), label="K"), data.draw(st.integers(1, 4), label="n")
        classes = data.draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n), label="classes")
        eps = Fraction(data.draw(st.integers(0, 16), label="ε·16"), 16)
        tracker.examples += 1
        context = dict(data=dict(classes=classes), sizes=dict(K=K, n=n, eps=str(eps)))
        claimed = _claimed_targets(smoothing, classes, K, eps)
        found = to_numpy(implementation(np.eye(K)[classes], float(eps)))
        if found.shape != (n, K):
            tracker.fail_moments("targets", (n, K), found.shape, 0, context, f"targets of shape {found.shape}")
        tracker.compare("targets", claimed, [[Fraction(float(v)) for v in r] for r in found],
                        [[gamma(4) * abs(v) for v in r] for r in claimed], context)

    return conclude(run, tracker, EstimatorReport("label_smoothing", {"spread": smoothing.name}, label(implementation),
                                                  "exact", space=f"spread={smoothing.name}"))


def check_loss(loss, smoothing="all", *, examples: int = 20, seed: int = 0, name: str | None = None,
               shape: tuple | None = None) -> EstimatorReport:
    """``loss(logits, labels, ε)`` (a framework's) against the convention's 50-digit loss.  ``shape`` (n, K) fixes
    the sizes (a JIT-compiling framework then compiles once); by default they are drawn."""
    smoothing = _smoothing(smoothing)
    tracker = MomentTracker()

    @property_run(seed, examples)
    def run(data):
        n, K = shape or (data.draw(st.integers(1, 4), label="n"), data.draw(st.integers(3, 6), label="K"))
        z = data.draw(st.lists(st.lists(DYADIC, min_size=K, max_size=K), min_size=n, max_size=n), label="logits")
        classes = data.draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n), label="classes")
        eps = Fraction(data.draw(st.integers(2, 12), label="ε·16"), 16)
        tracker.examples += 1
        context = dict(data=dict(logits=[[str(v) for v in r] for r in z], classes=classes),
                       sizes=dict(K=K, n=n, eps=str(eps)))
        found = np.asarray(to_numpy(loss(np.array([[float(v) for v in r] for r in z]), np.array(classes), float(eps))))
        unit = float(EPS32) if found.dtype == np.float32 else 2.0**-53
        targets = [[float(v) for v in r] for r in _claimed_targets(smoothing, classes, K, eps)]
        claimed, allowed = _reference_losses([[float(v) for v in r] for r in z], targets)
        allowed = [4 * a / float(gamma(1)) * unit * (1 + 1e-9) for a in allowed]  # γ's u → the framework's
        tracker.compare("loss", [float(c) for c in claimed], [float(v) for v in found.reshape(-1)], allowed, context)

    return conclude(run, tracker, EstimatorReport("label_smoothing", {"spread": smoothing.name},
                                                  name or label(loss), "exact", space=f"spread={smoothing.name}"))


def survey(loss, *, examples: int = 20, seed: int = 0, name: str | None = None, shape: tuple | None = None) -> dict:
    """Which conventions ``loss`` follows: {convention: report}; the passing ones are its matches."""
    return {spread: check_loss(loss, spread, examples=examples, seed=seed, name=name, shape=shape)
            for spread in ("all", "others")}


def crosscheck_survey(peer, *, examples: int = 30, seed: int = 0):
    """The `crosscheck` row of a smoothed-loss peer (verify/adapters/peers.py): one report per convention, on
    ``min(examples, 5)`` drawn problems (a JIT-compiling framework: one fixed shape (4, 5))."""
    import time

    from verify.adapters.peers import Survey

    start = time.perf_counter()
    shape = None if peer.framework == "torch" else (4, 5)
    try:
        found = survey(peer.load(), examples=max(2, min(examples, 5)), seed=seed, name=peer.label, shape=shape)
    except Exception as exc:
        return Survey(peer.rule, peer.label, [], f"{type(exc).__name__}: {exc}", time.perf_counter() - start,
                      list(peer.notes))
    return Survey(peer.rule, peer.label, list(found.values()), "", time.perf_counter() - start, list(peer.notes))
