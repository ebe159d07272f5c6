"""Checks of mixup's kernels: the mixing exactly, the loss linearity against a 50-digit reference, and the loss's
mean and variance over λ ~ Beta(a, a) statistically (derivations/estimators/mixup.py).

* **Mixing, exact** (``check_mixing``): ``impl(x, y, λ, perm)`` → (x̃, ỹ).  Dyadic data k/4 and λ = k/16, so the
  claim λrow_i + (1 − λ)row_perm(i) is an exact Fraction; the only allowance is the implementation's rounding,
  γ_3·(λ|a| + (1 − λ)|b|) per entry (Higham ch. 3: two products and a sum, or the form b + λ(a − b): three
  roundings).  The same λ must mix x and y: the mutant "labels mixed with 1 − λ" is invisible in the loss's
  distribution (Beta(a, a) is symmetric) and is caught here.
* **Loss linearity** (``check_loss``): ``impl(logits, y1, y2, λ)`` → per-example loss against λH(y₁, q) +
  (1 − λ)H(y₂, q) evaluated in mpmath (50 digits).  Allowed per example: γ_{2K+8}·Σ_k t_k(|z_k − max z| + |log S| + 1)
  with t = λy₁ + (1 − λ)y₂ and S = Σ exp(z_k − max z): log-softmax costs one subtraction, an exp (≤ 2 roundings
  for a faithful libm), a K-term sum (γ_{K−1}), a log (one rounding, plus |δS|/S absolute from its argument's
  relative error — the "+ 1") and a subtraction; the weighted sum another γ_K; the rest is room for the
  two-loss form.  Both the two-loss kernel and cross-entropy on the mixed label must pass: that is linearity,
  checked on the implementations.
* **Moments over λ ~ Beta(a, a)** (``check_statistical``): R draws λ_r = ``rng.beta(a, a)`` from
  ``numpy.random.default_rng(seed)``; T_r = impl(z, y₁, y₂, λ_r) (one call, λ per row) lies in an interval of width W = |L₁ − L₂|
  (a convex combination of the two losses; W widened by the rounding allowance).  Hoeffding:
  P(|T̄ − E T| ≥ W√(log(2/α)/(2R))) ≤ α.  McDiarmid for the unbiased sample variance (changing one T_r moves
  s² by ≤ W²/R): P(|s² − Var T| ≥ W²√(log(2/α)/(2R))) ≤ α, plus 2σa + a² for the rounding a of each T_r.  Both
  rigorous; α = FALSE_ALARM/(2·examples)
  (Bonferroni), so the whole check's false-alarm rate is ≤ FALSE_ALARM.  The claims are the estimator's own
  ``mean`` and ``variance`` (a planted claim fails).
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp
from hypothesis import strategies as st

from verify.checks.common import conclude, label, to_numpy
from verify.checks.elementwise import property_run
from verify.checks.estimators import DYADIC, EstimatorReport, MomentTracker, gamma

FALSE_ALARM = 1e-6  # the statistical check's whole false-alarm rate
REPLICATIONS = 20000  # λ draws per example: the variance test's half-width is 0.014·W² at α = 10⁻⁷
BETA_PARAMETERS = (0.2, 0.4, 1.0, 2.0)  # mixup's usual a (0.2–0.4 in the paper) and two others
mpmath.mp.dps = 50


def _kernel_mixing(x, y, lam, perm):
    from kernels.estimators.mixup import mixup

    return mixup(x, y, lam, perm)


def _kernel_loss(logits, y1, y2, lam):
    from kernels.estimators.mixup import mixup_loss

    return mixup_loss(logits, y1, y2, lam)


def loss_of_mixed_label(logits, y1, y2, lam):
    """Cross-entropy on the mixed label λy₁ + (1 − λ)y₂: must equal the mixture of losses (linearity).
    λ a number or one per example."""
    from kernels.estimators.cross_entropy import soft_cross_entropy

    lam = np.asarray(lam, dtype=np.float64).reshape(-1, 1) if np.ndim(lam) else lam
    return soft_cross_entropy(logits, lam * y1 + (1 - lam) * y2)


def _report(name, space, implementation, mode, false_alarm=0.0):
    return EstimatorReport(name, {"space": space}, label(implementation), mode, space=space, false_alarm=false_alarm)


def _onehots(draw, n, K, tag):
    classes = draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n), label=tag)
    return np.eye(K)[classes]


def check_mixing(implementation=None, *, examples: int = 30, seed: int = 0) -> EstimatorReport:
    implementation = implementation or _kernel_mixing
    tracker = MomentTracker()

    @property_run(seed, examples)
    def run(data):
        n, d, K = (data.draw(st.integers(lo, hi), label=t) for lo, hi, t in ((1, 5, "n"), (1, 3, "d"), (2, 4, "K")))
        x = data.draw(st.lists(st.lists(DYADIC, min_size=d, max_size=d), min_size=n, max_size=n), label="x")
        y = _onehots(data.draw, n, K, "classes")
        lam = Fraction(data.draw(st.integers(0, 16), label="λ·16"), 16)
        perm = data.draw(st.permutations(range(n)), label="perm")
        tracker.examples += 1
        context = dict(data=dict(x=[[str(v) for v in row] for row in x], y=y.tolist(), perm=list(perm)),
                       sizes=dict(n=n, d=d, K=K, lam=str(lam)))
        xt, yt = implementation(np.array(x, dtype=np.float64), y, float(lam), np.array(perm, dtype=np.int64))
        for name, rows, found in (("x̃", x, xt), ("ỹ", [[Fraction(v) for v in r] for r in y.tolist()], yt)):
            found = to_numpy(found)
            if found.shape != (n, len(rows[0])):
                tracker.fail_moments(name, (n, len(rows[0])), found.shape, 0, context, f"{name} has shape {found.shape}")
            claimed = [[lam * rows[i][k] + (1 - lam) * rows[perm[i]][k] for k in range(len(rows[0]))] for i in range(n)]
            allowed = [[gamma(3) * (lam * abs(rows[i][k]) + (1 - lam) * abs(rows[perm[i]][k]))
                        for k in range(len(rows[0]))] for i in range(n)]
            tracker.compare(name, claimed, [[Fraction(float(v)) for v in r] for r in found], allowed, context)

    return conclude(run, tracker, _report("mixup", "mixing (exact)", implementation, "exact"))


def _log_softmax(zr):
    """log q_k = z_k − log Σ exp z_j, in mpmath (50 digits)."""
    m = max(zr)
    logS = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(v) - m) for v in zr))
    return [mpmath.mpf(v) - m - logS for v in zr]


def _reference_losses(z, targets):
    """H(t, softmax z) per row, in mpmath, and each row's rounding allowance (module docstring)."""
    out, allowed = [], []
    for zr, tr in zip(z, targets):
        ell, m = _log_softmax(zr), max(zr)
        out.append(-mpmath.fsum(mpmath.mpf(t) * e for t, e in zip(tr, ell)))
        logS = float((zr[0] - m) - ell[0])  # log Σ exp(z_j − m) = (z_0 − m) − ℓ_0
        allowed.append(float(gamma(2 * len(zr) + 8)) * sum(abs(t) * (abs(v - m) + logS + 1) for t, v in zip(tr, zr)))
    return out, allowed


def check_loss(implementation=None, *, examples: int = 30, seed: int = 0) -> EstimatorReport:
    implementation = implementation or _kernel_loss
    tracker = MomentTracker()

    @property_run(seed, examples)
    def run(data):
        n, K = data.draw(st.integers(1, 4), label="n"), data.draw(st.integers(2, 5), label="K")
        z = data.draw(st.lists(st.lists(DYADIC, min_size=K, max_size=K), min_size=n, max_size=n), label="logits")
        y1, y2 = _onehots(data.draw, n, K, "classes₁"), _onehots(data.draw, n, K, "classes₂")
        lam = Fraction(data.draw(st.integers(0, 16), label="λ·16"), 16)
        tracker.examples += 1
        context = dict(data=dict(logits=[[str(v) for v in r] for r in z], y1=y1.tolist(), y2=y2.tolist()),
                       sizes=dict(n=n, K=K, lam=str(lam)))
        zf = [[float(v) for v in r] for r in z]
        mixed = [[float(lam) * a + float(1 - lam) * b for a, b in zip(r1, r2)] for r1, r2 in zip(y1, y2)]
        claimed, allowed = _reference_losses(zf, mixed)
        found = to_numpy(implementation(np.array(zf), y1, y2, float(lam)))
        if found.shape != (n,):
            tracker.fail_moments("loss", n, found.shape, 0, context, f"losses of shape {found.shape}, expected ({n},)")
        tracker.compare("loss", [float(c) for c in claimed], [float(v) for v in found], allowed, context)

    return conclude(run, tracker, _report("mixup", "loss linearity", implementation, "exact"))


def check_statistical(implementation=None, *, examples: int = 4, seed: int = 0, replications: int = REPLICATIONS,
                      false_alarm: float = FALSE_ALARM, estimator=None) -> EstimatorReport:
    from derivations.estimators.mixup import ESTIMATOR

    estimator = estimator or ESTIMATOR
    implementation = implementation or _kernel_loss
    tracker = MomentTracker()
    per_test = false_alarm / (2 * examples)
    width = math.sqrt(math.log(2 / per_test) / (2 * replications))

    @property_run(seed, examples)
    def run(data):
        K = data.draw(st.integers(2, 5), label="K")
        z = [float(v) for v in data.draw(st.lists(DYADIC, min_size=K, max_size=K), label="logits")]
        y1, y2 = _onehots(data.draw, 1, K, "class₁"), _onehots(data.draw, 1, K, "class₂")
        a = data.draw(st.sampled_from(BETA_PARAMETERS), label="a")
        tracker.examples += 1
        context = dict(data=dict(logits=z, y1=y1.tolist(), y2=y2.tolist()), sizes=dict(K=K, a=a), seed=seed,
                       replications=replications)
        (L1, L2), allowed = _reference_losses([z, z], [y1[0], y2[0]])
        sym = dict(logq=sp.Matrix([sp.Float(str(v), 40) for v in _log_softmax(z)]), y1=sp.Matrix(y1[0]),
                   y2=sp.Matrix(y2[0]))  # the claims evaluated at 40 digits
        mean, var = (float(f(sym, "beta", dict(a=sp.Float(a)))) for f in (estimator.mean, estimator.variance))
        lams = np.random.default_rng(seed).beta(a, a, replications)
        # one call: the example repeated R times, λ_r per row (implementations take per-example λ)
        rows = np.repeat(np.array([z]), replications, axis=0)
        T = to_numpy(implementation(rows, np.repeat(y1, replications, 0), np.repeat(y2, replications, 0), lams))
        T = np.asarray(T, dtype=np.float64).reshape(-1)
        W = float(abs(L1 - L2)) + 2 * max(allowed)  # T's range, widened by its rounding
        tracker.compare("mean", [mean], [float(T.mean())], [W * width + max(allowed)], context)
        a = max(allowed)  # computed T̃ = T + e, |e| ≤ a: |Var T̃ − Var T| ≤ 2σa + a²
        tracker.compare("variance", [var], [float(T.var(ddof=1))], [W * W * width + 2 * math.sqrt(var) * a + a * a],
                        context)

    return conclude(run, tracker, _report("mixup", "beta", implementation, "statistical", false_alarm))
