"""Checks of normalisation layers (batch, layer, group norm) against the seeds' formula under every convention, and
the binding of the ``batch_statistics`` estimator to verify/checks/estimators.py's exact check.

**Layers.**  An implementation is a callable ``implementation(problem) -> Outcome``: it runs the layer on
``problem.batches`` in training mode, one step each (γ, β, ε, momentum as drawn), then on ``problem.eval_x`` in
inference mode, and returns every training output, the running statistics after the k steps (batch norm) and
the inference output.  It may compute in the dtype it likes (float32 or float64): the bound uses the unit
roundoff u of the dtype it returns.  Our kernels, torch's and Keras' layers are such callables
(verify/adapters/frameworks/{torch_norm,keras_norm}.py).  The implementation runs once per drawn problem; its
outputs are then compared with the reference under *every* convention variant (``variants``), and the variants
it passes are the conventions it follows (``survey``, the crosscheck's rows).

Convention axes (derivations/estimators/normalization.py): the normalising variance biased (1/m) or unbiased
(1/(m − 1)); ε inside the root, outside it, or absent (seed 004); for batch norm also the running variance fed
the unbiased or the biased batch variance, and whether the momentum weights the new statistic (torch) or the old
average (Keras).  Momentum ½ would make the last axis undecidable, so it is never drawn.

Drawn data: values k/4 (|k| ≤ 16), γ ∈ {±½, ±1, ±3/2, ±2}, β ∈ [−2, 2] in quarters, ε ∈ {¼, ½, 1}, momentum in
eighths — every one exact in float32 — on small shapes (sizes grow with the example index, so the first failure
is a small one).  ε is large on purpose: inside, outside and absent then differ by far more than rounding.

**The reference** is computed in long double (u_L = 2⁻⁶⁴) from the exact inputs; its own rounding is charged by
the same bound with u_L.  **The bound** per output element, for a group of m values with S₁ = Σ|x|/m and
M₂ = Σx²/m (Higham, *Accuracy and Stability of Numerical Algorithms*, ch. 3; γ_k = ku/(1 − ku)):

* μ: a sum of m terms in any order and a division: |μ̂ − μ| ≤ e_μ = γ_{m+1}·S₁, charged γ_{2(m+1)}.
* σ²: two passes, Welford, or the one-pass E[x²] − μ̂² (cancellation included): each is off by at most
  (γ_{m+1} + 2γ_m + γ_m² + 2u)·M₂ ≤ γ_{3m+4}·M₂ (|μ|·S₁ ≤ M₂, μ² ≤ M₂), charged e_v = γ_{4m+10}·M₂ (× m/(m − 1)
  for the unbiased one, whose extra product or division is inside the charge).
* the denominator d = √(σ² + ε) (or √σ² + ε, √σ²): |√a − √b| ≤ min(|a − b|/(√a + √b), √|a − b|), plus the
  add, and 8u·d for a square root or a reciprocal square root of a few ulps (XLA's rsqrt is not correctly
  rounded): e_d.  Where d − e_d ≤ 0 nothing is bounded (counted as unbounded, never reached on drawn data).
* y = γ(x − μ)/d + β in any order, including the folded x·s + (β − μ·s) with s = γ/d:
  |γ|·[(e_μ + 4u(|x| + |μ| + e_μ))/d_low + |x − μ|·e_d/(d·d_low)] + 4u(|γ|(|x| + |μ|)/d_low + |β|) + 4u|y|.
* running averages r' = c_old·r + c_new·s: e' = c_old·e + c_new·e_s + 4u(c_old|r| + c_new|s|); inference mode
  then uses r_μ, r_σ² with those errors in place of e_μ, e_v.

A wrong convention is off by a fraction of the data's own size (n vs n − 1 changes d by ~1/(2m); ε ≥ ¼),
some 10⁵ times these bounds in float32.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from verify.checks.common import Report, to_numpy

LAYERS = ("batch_norm", "layer_norm", "group_norm")
LD = np.longdouble


def unit_roundoff(dtype) -> float:
    return float(np.finfo(dtype).eps) / 2


# The reference's own unit roundoff, charged on top of the implementation's bound: 2^-64 where long double is
# x86's 80-bit format; where it is only double (macOS on ARM, Windows) 2^-53 — still sound, a looser float64 check.
U_REFERENCE = unit_roundoff(LD)


def gamma_k(k: int, u: float) -> float:
    return k * u / (1 - k * u)


# ---- the estimator batch_statistics: its binding to estimators.py's exact check ---------------------------
def draw_population(data, space):
    """A population of N ≤ 5 dyadic values and a batch size m with N^m ≤ 256 tuples."""
    from hypothesis import strategies as st

    N = data.draw(st.integers(1, 5), label="N")
    B = data.draw(st.integers(1, max(1, int(math.log(256) / math.log(N)) if N > 1 else 4)), label="B")
    x = data.draw(st.lists(st.integers(-16, 16).map(lambda k: Fraction(k, 4)), min_size=N, max_size=N), label="x")
    return dict(x=[[v] for v in x]), dict(N=N, B=B)


def statistics_bound(data, omega, sizes):
    """μ_B: γ_{2(B+1)}·Σ|x|/B; σ_B²: γ_{4B+8}·Σx²/B (any two-pass, Welford or one-pass order: see the module)."""
    from verify.checks.estimators import gamma

    B, values = sizes["B"], [data["x"][i][0] for i in omega]
    return [gamma(2 * (B + 1)) * sum(abs(v) for v in values) / B, gamma(4 * B + 8) * sum(v * v for v in values) / B]


def statistics_kernel(population, batch):
    from kernels.estimators.normalization import batch_statistics

    return batch_statistics(population, batch)


statistics_kernel.__qualname__ = "kernels.batch_statistics"
statistics_kernel.__optverify_call__ = ("from kernels import batch_statistics", "batch_statistics")


def batch_index_array(w, xp):
    return xp.asarray(np.array(w, dtype=np.int64))


# ---- layers: problems, conventions, outcomes -------------------------------------------------------------
@dataclass
class Problem:
    layer: str
    batches: list  # float64 arrays (exact), each (N, C, ...) for batch/group norm, (N, ...) for layer norm
    eval_x: np.ndarray
    gamma: np.ndarray  # per channel (C,), or the normalised shape for layer norm
    beta: np.ndarray
    eps: float
    momentum: float = 0.125
    groups: int = 1
    dims: int = 1  # layer norm: the trailing axes normalised
    drawn: tuple = ()  # (seed, index): draw_problems(layer, index + 1, seed)[index] is this problem

    def describe(self) -> dict:
        """Sizes and scalars always; the arrays only for small problems (a report must stay readable), and how
        to draw the problem again."""
        out = dict(layer=self.layer, shape=list(self.eval_x.shape), steps=len(self.batches), eps=self.eps,
                   momentum=self.momentum, groups=self.groups, dims=self.dims)
        if self.drawn:
            seed, index = self.drawn
            out["reproduce"] = f"draw_problems({self.layer!r}, {index + 1}, {seed})[{index}]"
        if self.eval_x.size <= 12:
            out.update(gamma=self.gamma.tolist(), beta=self.beta.tolist(), batches=[b.tolist() for b in self.batches],
                       eval_x=self.eval_x.tolist())
        return out


@dataclass
class Outcome:
    train: list  # one output per training step
    eval: object = None  # the inference-mode output on eval_x
    running_mean: object = None  # (C,) after the k steps (batch norm)
    running_var: object = None


def variants(layer: str) -> list[dict]:
    axes = dict(variance=("biased", "unbiased"), eps=("inside", "outside", "absent"))
    if layer == "batch_norm":
        axes.update(running_variance=("unbiased", "biased"), momentum=("new", "old"))
    return [dict(zip(axes, values)) for values in itertools.product(*axes.values())]


def _values(rng, shape):
    return rng.integers(-16, 17, size=shape).astype(np.float64) / 4


def draw_problem(layer: str, rng, index: int) -> Problem:
    """One problem; sizes grow with ``index``.  Every group holds ≥ 2 values (unbiased variances exist)."""
    grow = min(index // 6, 2)
    eps = float(rng.choice([0.25, 0.5, 1.0]))
    momentum = float(rng.choice([1, 2, 3, 5, 6, 7])) / 8
    N = int(rng.integers(2, 3 + grow))
    if layer == "group_norm":
        C = int(rng.choice([2, 4]))
        groups = int(rng.choice([g for g in (1, 2, 4) if C % g == 0]))
        shape, dims = (N, C, int(rng.integers(1, 3 + grow))), 1
    elif layer == "layer_norm":
        groups, dims = 1, int(rng.integers(1, 3))
        shape = (N, int(rng.integers(2, 4 + grow))) if dims == 1 else (N, int(rng.integers(1, 3)), int(rng.integers(2, 4)))
        C = shape[1]
    else:
        groups, dims, C = 1, 1, int(rng.integers(1, 3 + grow))
        shape = (N, C) if rng.random() < 0.5 else (N, C, int(rng.integers(1, 3 + grow)))
    steps = 1 + int(rng.integers(0, 2 + grow)) if layer == "batch_norm" else 1
    affine = shape[len(shape) - dims:] if layer == "layer_norm" else (C,)
    gamma = rng.choice([-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2], size=affine)
    beta = rng.integers(-8, 9, size=affine) / 4
    return Problem(layer, [_values(rng, shape) for _ in range(steps)], _values(rng, shape), gamma, beta, eps,
                   momentum, groups, dims)


def draw_problems(layer: str, examples: int, seed: int) -> list[Problem]:
    rng = np.random.default_rng([seed, LAYERS.index(layer)])
    problems = [draw_problem(layer, rng, i) for i in range(examples)]
    for i, p in enumerate(problems):
        p.drawn = (seed, i)
    return problems


# ---- the reference and its bound ------------------------------------------------------------------------
def group_labels(problem: Problem, shape) -> np.ndarray:
    """Which reduction group each element belongs to (an integer array of ``shape``)."""
    index = np.indices(shape)
    if problem.layer == "batch_norm":
        return index[1]
    if problem.layer == "group_norm":
        per = shape[1] // problem.groups
        return index[0] * problem.groups + index[1] // per
    lead = shape[:len(shape) - problem.dims]
    return np.ravel_multi_index(tuple(index[:len(lead)]), lead) if lead else np.zeros(shape, dtype=int)


def _affine_full(problem: Problem, value, shape):
    if problem.layer == "layer_norm":
        return np.broadcast_to(value, shape)
    return np.broadcast_to(value.reshape((1, -1) + (1,) * (len(shape) - 2)), shape)


@dataclass
class Stats:
    """Per group: the mean, the conventional variance, and the bounds on a computed μ and σ² (e_μ, e_v)."""
    mean: np.ndarray
    var: np.ndarray
    e_mean: np.ndarray
    e_var: np.ndarray
    m: np.ndarray


def group_stats(x, labels, variance: str, u: float) -> Stats:
    ids = np.unique(labels)
    mean, var, e_mean, e_var, ms = [], [], [], [], []
    for g in ids:
        v = x[labels == g].astype(LD)
        m = v.size
        mu = v.sum() / m
        ss = ((v - mu) ** 2).sum()
        unbiased = variance == "unbiased"
        var.append(ss / (m - 1) if unbiased else ss / m)
        mean.append(mu)
        e_mean.append(gamma_k(2 * (m + 1), u) * float(np.abs(v).sum() / m))
        scale = m / (m - 1) if unbiased else 1.0
        e_var.append(gamma_k(4 * m + 10, u) * float((v * v).sum() / m) * scale)
        ms.append(m)
    return Stats(*(np.array(a) for a in (mean, var, e_mean, e_var)), np.array(ms))


def _denominator(var, e_var, eps, mode, u):
    """d and the bound e_d on a computed d (see the module)."""
    var, e_var = np.asarray(var, dtype=LD), np.asarray(e_var, dtype=float)
    radicand = var + eps if mode == "inside" else var
    e_rad = e_var + (u * (float_(radicand) + e_var) if mode == "inside" else 0.0)
    root = np.sqrt(radicand)
    low = np.sqrt(np.maximum(float_(radicand) - e_rad, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(float_(root) + low > 0, e_rad / (float_(root) + low), np.inf)
    e_d = np.minimum(spread, np.sqrt(e_rad))
    d = root + eps if mode == "outside" else root
    return d, e_d + 8 * u * float_(d)


def float_(a):
    return np.asarray(a, dtype=float)


def normalised(x, labels, stats: Stats, gamma, beta, eps, mode, u):
    """(reference y in long double, allowed error per element for a computation in unit roundoff u)."""
    ids = list(np.unique(labels))
    where = np.vectorize(ids.index)(labels) if len(ids) > 1 else np.zeros(labels.shape, dtype=int)
    mu, e_mu = stats.mean[where], stats.e_mean[where]
    d, e_d = _denominator(stats.var, stats.e_var, eps, mode, u)
    d, e_d = d[where], e_d[where]
    with np.errstate(divide="ignore", invalid="ignore"):
        y = gamma.astype(LD) * (x.astype(LD) - mu) / d + beta.astype(LD)
        d_low = float_(d) - e_d
        ax, amu, ag = np.abs(x), np.abs(float_(mu)), np.abs(gamma)
        allowed = (ag * ((e_mu + 4 * u * (ax + amu + e_mu)) / d_low + np.abs(float_(x - mu)) * e_d / (float_(d) * d_low))
                   + 4 * u * (ag * (ax + amu) / d_low + np.abs(beta)) + 4 * u * np.abs(float_(y)))
    return y, np.where((d_low > 0) & np.isfinite(allowed), allowed, np.inf)


def reference(problem: Problem, conv: dict, u: float):
    """Every output the implementation returns, in long double, with its allowed error at unit roundoff u:
    [(what, reference, allowed)]."""
    out = []
    shape = problem.eval_x.shape
    labels = group_labels(problem, shape)
    gamma, beta = _affine_full(problem, problem.gamma, shape), _affine_full(problem, problem.beta, shape)
    C = shape[1]
    r_mean, r_var = np.zeros(C, dtype=LD), np.ones(C, dtype=LD)
    e_rmean, e_rvar = np.zeros(C), np.zeros(C)
    a = problem.momentum
    c_new = a if conv.get("momentum", "new") == "new" else 1 - a
    c_old = 1 - c_new
    for t, x in enumerate(problem.batches):
        stats = group_stats(x, labels, conv["variance"], u)
        y, allowed = normalised(x, labels, stats, gamma, beta, problem.eps, conv["eps"], u)
        out.append((f"train[{t}]", y, allowed))
        if problem.layer == "batch_norm":
            run = stats if conv["running_variance"] == conv["variance"] else group_stats(x, labels,
                                                                                           conv["running_variance"], u)
            e_rmean = c_old * e_rmean + c_new * run.e_mean + 4 * u * (c_old * float_(np.abs(r_mean))
                                                                      + c_new * float_(np.abs(run.mean)))
            e_rvar = c_old * e_rvar + c_new * run.e_var + 4 * u * (c_old * float_(r_var) + c_new * float_(run.var))
            r_mean = c_old * r_mean + c_new * run.mean
            r_var = c_old * r_var + c_new * run.var
    if problem.layer == "batch_norm":
        out += [("running_mean", r_mean, e_rmean), ("running_var", r_var, e_rvar)]
        stats = Stats(r_mean, r_var, e_rmean, e_rvar, np.ones(C))
        out.append(("eval",) + normalised(problem.eval_x, labels, stats, gamma, beta, problem.eps, conv["eps"], u))
    else:
        stats = group_stats(problem.eval_x, labels, conv["variance"], u)
        out.append(("eval",) + normalised(problem.eval_x, labels, stats, gamma, beta, problem.eps, conv["eps"], u))
    return out


def found_outputs(outcome: Outcome) -> dict:
    out = {f"train[{t}]": y for t, y in enumerate(outcome.train)}
    for name in ("running_mean", "running_var", "eval"):
        if getattr(outcome, name) is not None:
            out[name] = getattr(outcome, name)
    return out


# ---- the report -----------------------------------------------------------------------------------------
@dataclass
class LayerReport(Report):
    def subject(self) -> str:
        return f"layer {self.rule!r} {self.conventions}"

    def worst(self) -> str:
        return f"worst {self.worst_ratio:.3g} of allowed"

    def failure_lines(self) -> list[str]:
        c = self.counterexample
        return [f"first counterexample: {c['problem']}", f"{c['what']}[{c['index']}]: reference {c['claimed']}, "
                f"found {c['found']}, allowed difference {c['allowed']:.3g}", f"data: {c['data']}"]


def _compare(report: LayerReport, problem: Problem, conv: dict, outcome: Outcome) -> bool:
    """One problem under one convention; False (and the counterexample kept) on the first mismatch."""
    found = found_outputs(outcome)
    dtype = np.asarray(to_numpy(outcome.train[0])).dtype
    u = unit_roundoff(dtype)
    for (what, ref, allowed), (_, _, more) in zip(reference(problem, conv, u), reference(problem, conv, U_REFERENCE)):
        if what not in found:
            continue  # an implementation without running statistics (layer norm) returns none
        y = np.asarray(to_numpy(found[what]), dtype=np.float64)
        if y.shape != ref.shape:
            report.counterexample = dict(problem=f"{what}: shape {y.shape}, expected {ref.shape}", what=what, index=0,
                                         claimed="-", found="-", allowed=0.0, data=problem.describe())
            return False
        total = allowed + more  # the long-double reference's own rounding: the same bound at u_L
        error = float_(np.abs(y.astype(LD) - ref))
        report.compared += error.size
        report.unbounded += int(np.count_nonzero(np.isinf(total)))
        bad = ~(error <= total)
        if bad.any():
            i = int(np.argmax(np.where(bad, np.where(total > 0, error / total, np.inf), -1).ravel()))
            idx = np.unravel_index(i, y.shape)
            report.counterexample = dict(
                problem=f"{what}: error {error[idx]:.6g} > allowed {total[idx]:.3g} at {tuple(map(int, idx))}",
                what=what, index=tuple(map(int, idx)), claimed=float(ref[idx]), found=float(y[idx]),
                allowed=float(total[idx]), data=problem.describe())
            return False
        ratios = np.where(np.isfinite(total) & (total > 0), error / np.where(total > 0, total, 1), 0.0)
        report.worst_ratio = max(report.worst_ratio, float(ratios.max()) if ratios.size else 0.0)
    return True


def check_outcomes(layer, problems, outcomes, conv: dict, label: str) -> LayerReport:
    report = LayerReport(layer, dict(conv), label, "layer")
    start = time.perf_counter()
    for problem, outcome in zip(problems, outcomes):
        if isinstance(outcome, Exception):
            report.counterexample = dict(problem=f"the implementation raised {type(outcome).__name__}: {outcome}",
                                         what="output", index=0, claimed="-", found="-", allowed=0.0,
                                         data=problem.describe())
            break
        report.examples += 1
        if not _compare(report, problem, conv, outcome):
            break
    report.seconds = time.perf_counter() - start
    if report.examples == 0 and report.counterexample is None:
        report.invalid = "no example ran"
    return report


def run_problems(implementation, problems) -> list:
    outcomes = []
    for p in problems:
        try:
            outcomes.append(implementation(p))
        except Exception as exc:  # the implementation's failure, reported per variant
            outcomes.append(exc)
    return outcomes


def check_layer(layer: str, implementation=None, conventions: dict | None = None, *, examples: int = 30,
                seed: int = 0, label: str | None = None) -> LayerReport:
    """``implementation`` (None: our kernels) against ``layer`` under ``conventions`` (default: the seeds' —
    biased variance, ε inside; torch's running statistics for batch norm)."""
    if layer not in LAYERS:
        raise KeyError(f"no layer named {layer!r}; known: {LAYERS}")
    implementation = implementation or OURS[layer]
    conv = conventions or variants(layer)[0]
    problems = draw_problems(layer, examples, seed)
    return check_outcomes(layer, problems, run_problems(implementation, problems), conv,
                          label or getattr(implementation, "__qualname__", type(implementation).__name__))


def survey(peer, *, examples: int = 30, seed: int = 0):
    """A peer's row: its implementation run once per problem, the outcomes checked under every variant."""
    from verify.adapters.peers import Survey

    start = time.perf_counter()
    implementation = peer.load()
    problems = draw_problems(peer.rule, examples, seed)
    outcomes = run_problems(implementation, problems)
    reports = [check_outcomes(peer.rule, problems, outcomes, conv, peer.label) for conv in variants(peer.rule)]
    crashed = [o for o in outcomes if isinstance(o, Exception)]
    error = f"{type(crashed[0]).__name__}: {crashed[0]}" if crashed and not any(r.passed for r in reports) else ""
    return Survey(peer.rule, peer.label, reports, error, time.perf_counter() - start, list(peer.notes))


# ---- our kernels as implementations --------------------------------------------------------------------
def ours_batch_norm(problem: Problem) -> Outcome:
    """kernels.batch_norm_train / batch_norm_eval, running statistics as torch keeps them (momentum weights the
    new statistic; the running variance fed the unbiased m/(m − 1)·σ_B²)."""
    from kernels.estimators.normalization import batch_norm_eval, batch_norm_train, running_update, unbiased

    C = problem.eval_x.shape[1]
    r_mean, r_var, train = np.zeros(C), np.ones(C), []
    for x in problem.batches:
        y, mu, var = batch_norm_train(x, problem.gamma, problem.beta, problem.eps)
        train.append(y)
        r_mean = running_update(r_mean, mu, problem.momentum, "new")
        r_var = running_update(r_var, unbiased(var, x.size // C), problem.momentum, "new")
    y = batch_norm_eval(problem.eval_x, r_mean, r_var, problem.gamma, problem.beta, problem.eps)
    return Outcome(train, y, r_mean, r_var)


def ours_layer_norm(problem: Problem) -> Outcome:
    from kernels.estimators.normalization import layer_norm

    def run(x):
        return layer_norm(x, problem.gamma, problem.beta, problem.eps, problem.dims)

    return Outcome([run(x) for x in problem.batches], run(problem.eval_x))


def ours_group_norm(problem: Problem) -> Outcome:
    from kernels.estimators.normalization import group_norm

    def run(x):
        return group_norm(x, problem.groups, problem.gamma, problem.beta, problem.eps)

    return Outcome([run(x) for x in problem.batches], run(problem.eval_x))


for _fn, _name in ((ours_batch_norm, "batch_norm_train"), (ours_layer_norm, "layer_norm"),
                   (ours_group_norm, "group_norm")):
    _fn.__qualname__ = f"kernels.{_name}"
OURS = {"batch_norm": ours_batch_norm, "layer_norm": ours_layer_norm, "group_norm": ours_group_norm}
