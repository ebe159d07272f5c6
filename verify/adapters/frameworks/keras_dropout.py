"""Dropout layers that draw their own masks — ``keras.layers.Dropout`` (and ``torch.nn.functional.dropout`` as the
row beside it) — surveyed under the conventions of derivations/estimators/dropout.py: ``p`` the *drop* or the
*keep* probability, kept units scaled by 1/(keep probability) (inverted) or not at all.

The mask is not an argument here: the layer draws it.  It is recovered from the output's zeros, the input having
none (x = k/4, 1 ≤ |k| ≤ 16).  Under a variant, with q its keep probability:

* every kept unit must be x_i·s with s = 1/q (inverted) or 1 (none), up to two roundings of the output's dtype
  (the scale rounded, then the product — or one division): |y_i − x_i·s| ≤ γ_2·|x_i·s|;
* the number kept K of n units must be a plausible Binomial(n, q) draw: |K − nq| ≤ z·√(nq(1 − q)), z the
  two-sided normal quantile at α = 10⁻⁶ split over the examples (Bonferroni; the normal approximation is
  accurate at n = 4000 and q ∈ [1/8, 7/8], where nq(1 − q) ≥ 437);
* inference mode is the identity, bit for bit.

p = ½ is never drawn (drop and keep would coincide).  The variants passed are the conventions the layer follows.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from verify.checks.common import Report

N_UNITS = 4000
FALSE_ALARM = 1e-6
RATES = (0.125, 0.25, 0.375, 0.625, 0.75)


def require():
    from verify.adapters.frameworks.keras_adapter import require as keras_require

    keras_require()


def keras_dropout(x, p, seed):
    """keras.layers.Dropout(p, seed=seed) on x in training mode, and in inference mode."""
    from verify.adapters.frameworks.keras_adapter import _import_keras

    layer = _import_keras().layers.Dropout(p, seed=seed)
    return np.asarray(layer(x, training=True)), np.asarray(layer(x, training=False))


def torch_dropout(x, p, seed):
    """torch.nn.functional.dropout(x, p) under torch.manual_seed(seed), training and not."""
    import torch

    F = torch.nn.functional
    torch.manual_seed(seed)
    t = torch.from_numpy(x)
    return F.dropout(t, p, training=True).numpy(), F.dropout(t, p, training=False).numpy()


keras_dropout.__qualname__ = "keras.layers.Dropout"
torch_dropout.__qualname__ = "torch.nn.functional.dropout"


def variants() -> list[dict]:
    return [dict(p=p, scaling=s) for p, s in itertools.product(("drop", "keep"), ("inverted", "none"))]


def draw(examples: int, seed: int):
    rng = np.random.default_rng([seed, 7])
    out = []
    for i in range(examples):
        k = rng.integers(1, 17, N_UNITS) * rng.choice([-1, 1], N_UNITS)
        dtype = np.float32 if i % 2 == 0 else np.float64
        out.append(((k / 4).astype(dtype), float(RATES[i % len(RATES)]), int(rng.integers(0, 2**31))))
    return out


@dataclass
class DropoutReport(Report):
    def subject(self) -> str:
        return f"dropout {self.conventions}"


def _check(conv, problems, outcomes, label, examples) -> DropoutReport:
    report = DropoutReport("dropout", dict(conv), label, "layer")
    z = NormalDist().inv_cdf(1 - FALSE_ALARM / (2 * examples))
    for (x, p, seed), outcome in zip(problems, outcomes):
        if isinstance(outcome, Exception):
            report.counterexample = dict(problem=f"the layer raised {type(outcome).__name__}: {outcome}")
            break
        report.examples += 1
        y, identity = (np.asarray(a) for a in outcome)
        q = 1 - p if conv["p"] == "drop" else p
        scale = 1 / q if conv["scaling"] == "inverted" else 1.0
        u = np.finfo(y.dtype).eps / 2
        kept = y != 0
        expect = x.astype(np.float64) * scale
        error = np.abs(y.astype(np.float64) - expect)[kept]
        allowed = 2 * u / (1 - 2 * u) * np.abs(expect[kept])
        K, n = int(kept.sum()), x.size
        count_allowed = z * math.sqrt(n * q * (1 - q))
        report.compared += int(kept.sum()) + 2
        context = dict(p=p, seed=seed, dtype=str(y.dtype), n=n)
        if not np.array_equal(identity, x):
            report.counterexample = dict(problem="inference mode is not the identity", **context)
        elif error.size and not (error <= allowed).all():
            i = int(np.argmax(error - allowed))
            report.counterexample = dict(problem=f"a kept unit is not x·{scale:.6g}: error {error[i]:.3g} > "
                                         f"{allowed[i]:.3g}", **context)
        elif abs(K - n * q) > count_allowed:
            report.counterexample = dict(problem=f"{K} of {n} kept; keep probability {q} allows {n * q:.0f} ± "
                                         f"{count_allowed:.0f}", **context)
        if report.counterexample:
            break
        ratios = [float((error / allowed).max()) if error.size else 0.0, abs(K - n * q) / count_allowed]
        report.worst_ratio = max(report.worst_ratio, *ratios)
    return report


def survey(peer, *, examples: int = 30, seed: int = 0):
    """The peers' crosscheck row: the layer run on ``min(examples, 6)`` problems, checked under every variant."""
    from verify.adapters.peers import Survey

    start = time.perf_counter()
    run = peer.load()
    examples = max(2, min(examples, 6))
    problems = draw(examples, seed)
    outcomes = []
    for x, p, s in problems:
        try:
            outcomes.append(run(x, p, s))
        except Exception as exc:  # the layer's failure, reported per variant
            outcomes.append(exc)
    reports = [_check(conv, problems, outcomes, peer.label, examples) for conv in variants()]
    return Survey(peer.rule, peer.label, reports, "", time.perf_counter() - start, list(peer.notes))
