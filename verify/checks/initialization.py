"""Statistical checks of weight initialisers against a claimed variance, and a survey that finds which fan, layout,
gain and distribution a framework's initialiser follows (derivations/estimators/initialization.py).

A claim is (mode, layout, gain², distribution): Var[W] = gain²/fan with the fan read under the layout.  An
initialiser ``init(shape, seed) -> array`` is drawn on shapes whose fans differ (fan_out = r·fan_in, r ∈ {¼, ½, 2,
4} for our kernel, ≥ 9216 entries; six fixed 2-D and 4-D shapes in either layout for the survey), and its N entries w tested, all
tests rigorous, each at false-alarm rate α (FALSE_ALARM split by Bonferroni over every test of the run):

* variance: the mean of squares m̂ = Σw²/N (the mean 0 is part of the claim), x = log(2/α).  Bounded claims —
  uniform on ±b, b = √(3V), w² ∈ [0, B = b²]; truncated normal on ±2s, s = √V/c, B = 4s² — by Bernstein's
  inequality: w² ∈ [0, B] with mean V has Var(w²) ≤ E[w⁴] ≤ BV, so |m̂ − V| ≤ √(2BVx/N) + 2Bx/(3N).  normal:
  N·m̂/V ~ χ²_N, Laurent & Massart (2000, Lemma 1): |m̂ − V| ≤ V(2√(x/N) + 2x/N).
  Plus 10⁻⁶·V for a float32 peer's rounding of √V and of each product (≈ 2 roundings of 2⁻²⁴).
* extent — the distribution's shape: uniform: every |w| ≤ b(1 + 2⁻²⁰); truncated normal: every |w| ≤ 2s(1 + 2⁻²⁰)
  and some |w| > 1.8√V (beyond any uniform of variance V; for a true truncated normal P(|w| > 1.8√V) ≥ 0.07, so
  missing it has probability ≤ e^{−0.07N} < 10⁻¹⁰⁰ at N ≥ 4096); normal: some |w| > 2.3√V (beyond any truncated
  one; P ≥ 0.021 each, missing ≤ e^{−0.021N} < 10⁻³⁸).  These make the three distributions exclusive.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

from verify.checks.common import conclude, label, to_numpy
from verify.checks.elementwise import property_run
from verify.checks.estimators import EstimatorReport, MomentTracker

FALSE_ALARM = 1e-6
TRUNCATED_STD = 0.8796256610342398  # √(1 − 4φ(2)/(2Φ(2) − 1)): derivation initialization.truncated_normal
MODES, LAYOUTS = ("fan_in", "fan_out", "fan_avg"), ("torch", "keras")
GAINS2 = (1 / 3, 1.0, 2.0)  # linear; ReLU (He); leaky ReLU with a = √5 (torch's nn.Linear default)
DISTRIBUTIONS = ("uniform", "normal", "truncated_normal")
SURVEY_SHAPES = ((128, 32), (32, 128), (64, 16, 3, 3), (16, 64, 3, 3), (3, 3, 64, 16), (3, 3, 16, 64))


@dataclass(frozen=True)
class Claim:
    mode: str
    layout: str
    gain2: float
    distribution: str

    def variance(self, shape) -> float:
        from derivations.estimators.initialization import claimed_variance

        return float(claimed_variance(shape, self.mode, self.layout, self.gain2))

    def describe(self) -> str:
        return f"{self.distribution}, Var = {self.gain2:.4g}/{self.mode} ({self.layout} layout)"

    def conventions(self) -> dict:
        gain2 = {1 / 3: "1/3", 1.0: "1", 2.0: "2"}.get(self.gain2, f"{self.gain2:g}")
        return {"distribution": self.distribution, "fan": self.mode, "layout": self.layout, "gain²": gain2}


def sample_tests(w, V: float, distribution: str, alpha: float):
    """[(what, claimed, found, allowed)] for the draws ``w`` (see the module docstring); |found − claimed| ≤ allowed
    passes each."""
    w = np.asarray(w, dtype=np.float64).ravel()
    N, x = w.size, math.log(2 / alpha)
    m2, peak = float(np.mean(w * w)), float(np.max(np.abs(w)))
    rounding = 1e-6 * V

    def bernstein(B):
        return math.sqrt(2 * B * V * x / N) + 2 * B * x / (3 * N) + rounding

    if distribution == "uniform":
        b2 = 3 * V
        tests = [("variance", V, m2, bernstein(b2)),
                 ("max |w| within b", 0.0, max(0.0, peak - math.sqrt(b2) * (1 + 2**-20)), 0.0)]
    elif distribution == "truncated_normal":
        s = math.sqrt(V) / TRUNCATED_STD
        tests = [("variance", V, m2, bernstein(4 * s * s)),
                 ("max |w| within 2s", 0.0, max(0.0, peak - 2 * s * (1 + 2**-20)), 0.0),
                 ("some |w| > 1.8√V", 0.0, float(peak <= 1.8 * math.sqrt(V)), 0.0)]
    else:
        tests = [("variance", V, m2, V * (2 * math.sqrt(x / N) + 2 * x / N) + rounding),
                 ("some |w| > 2.3√V", 0.0, float(peak <= 2.3 * math.sqrt(V)), 0.0)]
    return tests


def _compare(tracker, tests, context):
    for what, claimed, found, allowed in tests:
        tracker.compare(what, [claimed], [found], [allowed], context)


# ---- our kernel, fed by a seeded generator ----
def _draws(rng, shape, distribution):
    if distribution == "uniform":
        return rng.random(shape)
    z = rng.standard_normal(shape)
    if distribution == "truncated_normal":  # redraw outside [−2, 2]: the standard normal conditioned on it
        while (bad := np.abs(z) > 2).any():
            z[bad] = rng.standard_normal(int(bad.sum()))
    return z


def kernel_initializer(claim: Claim, variance_scaling=None):
    """``init(shape, seed)`` from our kernel (or a planted copy with its signature) under ``claim``'s conventions."""
    if variance_scaling is None:
        from kernels.estimators.initialization import variance_scaling

    def init(shape, seed):
        draws = _draws(np.random.default_rng(seed), shape, claim.distribution)
        return variance_scaling(draws, claim.mode, claim.layout, math.sqrt(claim.gain2), claim.distribution)
    init.__qualname__ = f"{label(variance_scaling)}[{claim.describe()}]"
    return init


def _shape(data, layout):
    inp = data.draw(st.sampled_from((64, 128)), label="fan_in axis")
    ratio = data.draw(st.sampled_from((0.25, 0.5, 2.0, 4.0)), label="out/in")
    out, k = int(inp * ratio), data.draw(st.sampled_from((1, 3)), label="kernel size")
    field = (k, k) if k > 1 else ()
    if not field:
        inp, out = inp * 4, out * 4  # ≥ 16384 entries for a matrix, ≥ 9216 for a 3×3 kernel
    return (out, inp) + field if layout == "torch" else field + (inp, out)


def check_initializer(init, claim: Claim, *, examples: int = 6, seed: int = 0,
                      false_alarm: float = FALSE_ALARM) -> EstimatorReport:
    """``init(shape, seed)`` on drawn shapes (fans differing by 2× or more, ≥ 9216 entries) against ``claim``."""
    tracker = MomentTracker()
    alpha = false_alarm / (3 * examples)

    @property_run(seed, examples)
    def run(data):
        shape = _shape(data, claim.layout)
        tracker.examples += 1
        context = dict(data=dict(shape=list(shape)), sizes=dict(claim=claim.describe()), seed=seed)
        w = to_numpy(init(shape, seed))
        if tuple(w.shape) != tuple(shape):
            tracker.fail_moments("shape", list(shape), list(w.shape), 0, context, f"weights of shape {w.shape}")
        _compare(tracker, sample_tests(w, claim.variance(shape), claim.distribution, alpha), context)

    return conclude(run, tracker, EstimatorReport("initialization", {"claim": claim.describe()}, label(init),
                                                  "statistical", space=claim.describe(), false_alarm=false_alarm))


# ---- a framework's initialiser: which claim does it follow? ----
@dataclass
class InitSurvey:
    implementation: str
    matches: list = field(default_factory=list)  # the claims every shape passed

    def describe(self) -> str:
        return "; ".join(c.describe() for c in self.matches) or "no claim matched"


def candidate_claims():
    return [Claim(*c) for c in itertools.product(MODES, LAYOUTS, GAINS2, DISTRIBUTIONS)]


def _claim_report(claim: Claim, draws: dict, alpha: float, name: str) -> EstimatorReport:
    """One claim against every shape's draws: the first failing test is its counterexample."""
    report = EstimatorReport("initialization", claim.conventions(), name, "statistical", space=claim.describe(),
                             false_alarm=FALSE_ALARM, examples=len(draws))
    for shape, w in draws.items():
        for what, claimed, found, allowed in sample_tests(w, claim.variance(shape), claim.distribution, alpha):
            report.compared += 1
            error = abs(found - claimed)
            if allowed > 0:
                report.worst_ratio = max(report.worst_ratio, error / allowed)
            if not error <= allowed and report.counterexample is None:
                report.counterexample = dict(problem=f"{what}: |found − claimed| = {error:.6g} > allowed {allowed:.3g}",
                                             data=dict(shape=list(shape)), sizes=dict(claim=claim.describe()),
                                             what=what, claimed=claimed, found=found, allowed=allowed)
    return report


def claim_reports(init, *, seed: int = 0, shapes=SURVEY_SHAPES, false_alarm: float = FALSE_ALARM,
                  name: str | None = None) -> list[EstimatorReport]:
    """Every candidate claim tested on the same draws of every shape (one draw per shape).  α per test =
    FALSE_ALARM/(claims·shapes·3): a correct claim is missed with probability ≤ FALSE_ALARM."""
    claims = candidate_claims()
    alpha = false_alarm / (len(claims) * len(shapes) * 3)
    draws = {tuple(shape): to_numpy(init(tuple(shape), seed)) for shape in shapes}
    return [_claim_report(c, draws, alpha, name or label(init)) for c in claims]


def survey(init, *, seed: int = 0, shapes=SURVEY_SHAPES, false_alarm: float = FALSE_ALARM,
           name: str | None = None) -> InitSurvey:
    """The claims ``init`` follows: those whose every test passed on every shape."""
    reports = claim_reports(init, seed=seed, shapes=shapes, false_alarm=false_alarm, name=name)
    return InitSurvey(name or label(init), [c for c, r in zip(candidate_claims(), reports) if r.passed])


def crosscheck_survey(peer, *, examples: int = 30, seed: int = 0):
    """The `crosscheck` row of an initialiser peer (verify/adapters/peers.py): one report per candidate claim.
    ``examples`` is not used: the survey's shapes are fixed (``peer.options`` may name fewer, ``shapes``)."""
    from verify.adapters.peers import Survey

    start = time.perf_counter()
    shapes = dict(peer.options).get("shapes", SURVEY_SHAPES)
    try:
        reports = claim_reports(peer.load(), seed=seed, shapes=shapes, name=peer.label)
    except Exception as exc:  # the initialiser's failure: the row says so
        return Survey(peer.rule, peer.label, [], f"{type(exc).__name__}: {exc}", time.perf_counter() - start,
                      list(peer.notes))
    return Survey(peer.rule, peer.label, reports, "", time.perf_counter() - start, list(peer.notes))
