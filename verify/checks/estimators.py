"""Checks of an estimator's implementation against its derived mean and variance (derivations/core/estimator.py).

An implementation takes the data and the randomness ω as arguments — ``impl(A, probes)`` for ``hutchinson``,
``impl(G, batch)`` for ``minibatch_gradient``, ``impl(grad, tangents)`` (grad (n,), tangents K×n) for
``forward_gradient``, ``impl(x, mask, p)`` (x (n,), mask 0/1, p the drop probability) for ``dropout`` — and
returns one estimate.  Hypothesis draws the data (small
dyadic rationals k/4, |k| ≤ 16, so that every input is exact in float64) and the sizes, with a fixed seed.

**Exact check** (finite sample spaces: Rademacher probes {±1}^{m×n} or tangents {±1}^{K×n}, all C(N, B)
minibatches without replacement, all N^B index tuples with replacement, all 2ⁿ dropout masks — these weighted
by their probability p^{#dropped}(1 − p)^{#kept}, p = k/8; the others equally likely).  The implementation is
run on *every* outcome ω; its float64 outputs y_ω, read exactly as Fractions, give the exact mean and
covariance *of the implementation* over the space, compared with the estimator's closed forms evaluated exactly at the data (SymPy Rationals).
Nothing is sampled, so nothing is left to chance.  The only tolerance is the implementation's own rounding:
per outcome a componentwise bound δ_ω on |y_ω − T(data, ω)|, T the exact statistic (Higham, *Accuracy and
Stability of Numerical Algorithms*, ch. 3: a sum of K terms, in *any* order, is off by at most
γ_{K−1} Σ|terms|, γ_k = ku/(1 − ku), u = 2⁻⁵³; one division adds one rounding):

* Hutchinson, Rademacher probes: every term x_ji A_ik x_jk is exact (x = ±1), so the estimate is one sum of
  m·n² exact terms divided by m: δ = γ_{mn²} Σ_ik |A_ik|.  We charge γ_{2(mn²+n+2)}: room for an
  implementation that forms S = (A + Aᵀ)/2 or scales its probes first (a few more roundings per term).
* Minibatch: a sum of B exact terms divided by B: δ_k = γ_B Σ_{i∈batch} |G_ik| / B; charged γ_{2(B+1)}.
* Forward gradient, Rademacher tangents: each output is one sum of K·n exact terms ±g_a divided by K:
  δ = γ_{Kn} Σ_a |g_a|; charged γ_{2(Kn+n+2)}.
* Dropout: 1 − p is exact (p = k/8); y_i = m_i x_i/(1 − p) is one division, or a reciprocal and a product:
  δ_i = γ_4 |x_i|/(1 − p).

Then |mean found − mean claimed| ≤ E[δ] (the error of a mean is the mean of the errors) and, per covariance
entry, |C_found − C_claimed|_kl ≤ σ_k ε_l + ε_k σ_l + ε_k ε_l with σ² the claimed variances and ε² = E[δ²]
(Cauchy–Schwarz on Cov(x + e, x + e) − Cov(x, x)).  Both bounds hold whenever the implementation computes the
statistic up to that rounding and the claim is right; they are ~10⁻¹⁴ of the data, while a wrong
implementation or claim is off by a rational of the data's own size.

**Statistical check** (continuous spaces: Gaussian probes for ``hutchinson``, Gaussian tangents for
``forward_gradient``), with a fixed seed (``numpy.random.default_rng(seed)``, the same stream for every
example, so a failure replays) and K = 4000 estimates per example, each from its own m fresh probes (m
tangents).  Every output coordinate is an average of m independent Gaussian quadratic forms xᵀQx: Hutchinson's
Q = S; coordinate i of the forward gradient (∇f·v)v_i has Q = (∇f e_iᵀ + e_i∇fᵀ)/2, with ‖Q‖_F² = V·m/2 for V
that coordinate's claimed variance, as ‖S‖_F² = V·m/2 for Hutchinson.  So the same two tests apply to each
of the d outputs, each at false-alarm rate α/(2·d·examples) (Bonferroni: α = 10⁻⁶ for the whole check):

* mean — rigorous: Ȳ − tr(A) is a weighted sum of centred χ²₁ variables with weights λ_i(S)/(Km); by
  Laurent & Massart (2000, Lemma 1), applied to the positive and the negative weights separately,
  P(|Ȳ − tr A| ≥ 2√(xV/K) + 4x√(V/(2m))/K) ≤ 4e^{−x}, V the claimed variance 2‖S‖_F²/m (max |λ| ≤ ‖S‖_F;
  Q in place of S for the forward gradient).
* variance — normal approximation: the sample variance s² has Var(s²) = κ₄/K + 2V²/(K−1) with κ₄ =
  48 tr(S⁴)/m³ ≤ 12V²/m (tr Q⁴ ≤ ‖Q‖_F⁴ alike); |s² − V| ≤ z·√(that) with z the two-sided normal quantile.
  Approximate (s² is an average of K terms with all moments finite; its right skew makes the true tail
  somewhat heavier than the normal one at z ≈ 5.7): the stated rate is the normal one; `tests/verify/test_estimators.py` and
  `tests/verify/test_forward_gradient_dropout.py` run it under several seeds (20 for the forward gradient).
  Across the d coordinates, the variance tests together bound the mean squared error tr Cov = E‖ĝ − ∇f‖².

Mutants of both the implementations and the claims are planted in tests/planted/estimator_mutants.py and must fail.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist
from typing import Callable

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from verify.checks.common import Report, Tracker, conclude, to_numpy
from verify.checks.elementwise import how_to_call, property_run

U = Fraction(1, 2**53)  # unit roundoff of float64
FALSE_ALARM = 1e-6  # the statistical check's whole false-alarm rate (split over its tests)
REPLICATIONS = 4000  # estimates per example in the statistical check
DYADIC = st.integers(-16, 16).map(lambda k: Fraction(k, 4))


def gamma(k: int) -> Fraction:
    """γ_k = ku/(1 − ku): the relative error of k roundings (Higham Lemma 3.1)."""
    return k * U / (1 - k * U)


# ---- the report ----------------------------------------------------------------------------------------
@dataclass
class EstimatorReport(Report):
    """A Report whose rule is the estimator and whose one convention is the sample space."""
    space: str = ""
    false_alarm: float = 0.0  # the probability that a correct implementation fails (0 for an exact check)

    @property
    def estimator(self) -> str:
        return self.rule

    def subject(self) -> str:
        return f"estimator {self.rule!r} over {self.space}"

    def budget(self) -> str:
        rate = "exact" if self.mode == "exact" else f"false-alarm rate {self.false_alarm:g}"
        return f"{rate}, {super().budget()}"

    def worst(self) -> str:
        return f"worst {self.worst_ratio:.3g} of allowed"

    def failure_lines(self) -> list[str]:
        c = self.counterexample
        lines = [f"minimal counterexample: {c['problem']}", f"data: {c['data']}, sizes: {c['sizes']}",
                 f"claimed {c['what']}: {c['claimed']}", f"found   {c['what']}: {c['found']}",
                 f"allowed difference: {c['allowed']}"]
        return lines + (["reproduce with:", c["repro"]] if c.get("repro") else [])

    def as_dict(self) -> dict:
        return dict(super().as_dict(), estimator=self.rule)


class MomentTracker(Tracker):
    """Compares exact moments (Fractions) entrywise; a failure shows claimed, found and allowed."""

    def compare(self, what, claimed, found, allowed, context):
        """Entrywise |found − claimed| ≤ allowed (nested lists of Fractions/floats of one shape)."""
        for c, f, a in zip(_flat(claimed), _flat(found), _flat(allowed)):
            self.compared += 1
            error = abs(f - c)
            if not error <= a:
                self.fail_moments(what, claimed, found, allowed, context,
                                  f"{what}: |found − claimed| = {float(error):.6g} > allowed {float(a):.3g}")
            self.worst_ratio = max(self.worst_ratio, float(error / a) if a > 0 else 0.0)

    def fail_moments(self, what, claimed, found, allowed, context, problem):
        self.fail(dict(problem=problem, what=what, claimed=_show(claimed), found=_show(found),
                       allowed=_show(allowed, float), **context), problem)


def _flat(x):
    return [y for row in x for y in _flat(row)] if isinstance(x, list) else [x]


def _show(x, kind=str):
    """Exact values as strings ('1/16'); allowances (tiny, with huge denominators) as floats."""
    if isinstance(x, list):
        return [_show(y, kind) for y in x]
    return kind(x) if isinstance(x, Fraction) else x


def _exact(a) -> list:
    """An implementation's output as exact Fractions (a flat list); NaN/inf raise ValueError."""
    return [Fraction(float(v)) for v in np.ravel(to_numpy(a).astype(np.float64))]


def _sqrt_up(q: Fraction) -> Fraction:
    """A Fraction ≥ √q (q ≥ 0): float √ nudged up, then checked exactly."""
    s = Fraction(math.sqrt(float(q))) * (1 + Fraction(1, 2**40)) + Fraction(1, 2**1000)
    while s * s < q:
        s *= 2
    return s


# ---- what each estimator's check needs: data draws, ω as arrays, rounding bounds, our kernels -------------
def _call_last(implementation, inputs, omega):
    return implementation(*inputs, omega)


@dataclass(frozen=True)
class Binding:
    draw: Callable  # (Hypothesis data, space) -> (data {name: nested lists of Fractions}, sizes)
    omega: Callable  # (ω of the estimator's sample space, xp) -> the array the implementation takes
    bound: Callable  # (data, ω, sizes) -> per-output rounding bound δ_ω (Fractions)
    kernel: Callable  # our implementation
    variance_kernel: Callable | None = None  # our implementation of the predicted variance, (A, m, space)
    inputs: Callable | None = None  # (data, xp) -> the implementation's arguments beside ω (default: 2-D arrays)
    call: Callable = _call_last  # (implementation, inputs, ω array) -> one estimate
    # Gaussian probes (statistical check): the size counting the probes averaged, and (data, |probes| (R, m, n),
    # sizes) -> per-estimate, per-output rounding bounds (R, outputs); None: no continuous space
    gaussian: tuple[str, Callable] | None = None

    def arguments(self, data, xp):
        return self.inputs(data, xp) if self.inputs else _arrays(data, xp)


def _draw_hutchinson(data, space):
    finite = space == "rademacher"
    n = data.draw(st.integers(1, 6 if finite else 5), label="n")
    m = data.draw(st.integers(1, max(1, 8 // n) if finite else 4), label="m")  # ≤ 2⁸ sign matrices
    A = data.draw(st.lists(st.lists(DYADIC, min_size=n, max_size=n), min_size=n, max_size=n), label="A")
    if data.draw(st.booleans(), label="symmetric"):
        A = [[A[max(i, k)][min(i, k)] for k in range(n)] for i in range(n)]
    return dict(A=A), dict(n=n, m=m)


def _hutchinson_bound(data, omega, sizes):
    n, m = sizes["n"], sizes["m"]
    return [gamma(2 * (m * n * n + n + 2)) * sum(abs(a) for row in data["A"] for a in row)]


def _draw_minibatch(data, space):
    N = data.draw(st.integers(1, 6), label="N")
    if space == "with_replacement":
        B = data.draw(st.integers(1, max(1, int(math.log(256) / math.log(N)) if N > 1 else 3)), label="B")
    else:
        B = data.draw(st.integers(1, N), label="B")
    d = data.draw(st.integers(1, 3), label="d")
    G = data.draw(st.lists(st.lists(DYADIC, min_size=d, max_size=d), min_size=N, max_size=N), label="G")
    return dict(G=G), dict(N=N, B=B)


def _minibatch_bound(data, omega, sizes):
    B, G = sizes["B"], data["G"]
    return [gamma(2 * (B + 1)) * sum(abs(G[i][k]) for i in omega) / B for k in range(len(G[0]))]


def _hutchinson_kernel(A, probes):
    from kernels.estimators.hutchinson import hutchinson_trace

    return hutchinson_trace(A, probes)


def _hutchinson_variance_kernel(A, m, space):
    from kernels.estimators.hutchinson import hutchinson_variance

    return hutchinson_variance(A, m, space)


def _hutchinson_gaussian_bound(data, probes, sizes):
    """γ·(1/m)Σ_j |x_j|ᵀ|A||x_j| per estimate (two roundings per product now that x is not ±1)."""
    n, m = sizes["n"], sizes["m"]
    absA = np.abs(np.array([[float(v) for v in row] for row in data["A"]]))
    return (float(gamma(2 * (m * n * n + n + 4))) * np.einsum("kji,il,kjl->k", probes, absA, probes) / m)[:, None]


def _draw_forward_gradient(data, space):
    finite = space == "rademacher"
    n = data.draw(st.integers(1, 6 if finite else 5), label="n")
    K = data.draw(st.integers(1, max(1, 8 // n) if finite else 4), label="K")  # ≤ 2⁸ sign matrices
    g = data.draw(st.lists(DYADIC, min_size=n, max_size=n), label="g")
    return dict(g=[[v] for v in g]), dict(n=n, K=K)


def _forward_gradient_bound(data, omega, sizes):
    """Each output is one sum of K·n exact terms ±g_a (v = ±1), divided by K: γ_{Kn}·Σ|g_a|, charged
    γ_{2(Kn+n+2)} (room for forming VᵀV first, or scaling the tangents)."""
    n, K = sizes["n"], sizes["K"]
    return [gamma(2 * (K * n + n + 2)) * sum(abs(row[0]) for row in data["g"])] * n


def _forward_gradient_gaussian_bound(data, probes, sizes):
    """γ·(1/K)Σ_k |v_ki| Σ_a |g_a||v_ka| per estimate and output i (a product rounds now that v is not ±1)."""
    n, K = sizes["n"], sizes["K"]
    absg = np.abs(np.array([float(row[0]) for row in data["g"]]))
    return float(gamma(2 * (K * n + n + 4))) * np.einsum("rka,a,rki->ri", probes, absg, probes) / K


def _draw_dropout(data, space):
    n = data.draw(st.integers(1, 8), label="n")  # ≤ 2⁸ masks
    p = Fraction(data.draw(st.integers(0, 7), label="p·8"), 8)  # 1 − p exact in float64
    x = data.draw(st.lists(DYADIC, min_size=n, max_size=n), label="x")
    return dict(x=[[v] for v in x], p=[[p]]), dict(n=n, p=p)


def _dropout_bound(data, omega, sizes):
    """y_i = m_i·x_i/(1 − p): 1 − p exact (p = k/8), then at most a division or a reciprocal and a product — γ_4."""
    p = sizes["p"]
    return [gamma(4) * abs(row[0]) / (1 - p) for row in data["x"]]


def _column_inputs(data, xp):
    """Each n×1 datum as an (n,) array, each 1×1 as a float (dropout's p)."""
    return [float(value[0][0]) if len(value) == 1 and name == "p" else
            xp.asarray(np.array([float(row[0]) for row in value], dtype=np.float64)) for name, value in data.items()]


def _forward_gradient_kernel(grad, tangents):
    from kernels.estimators.forward_gradient import forward_gradient

    return forward_gradient(grad, tangents)


def _dropout_kernel(x, mask, p):
    from kernels.estimators.dropout import inverted_dropout

    return inverted_dropout(x, mask, p)


def _minibatch_kernel(G, batch):
    from kernels.estimators.minibatch import minibatch_gradient

    return minibatch_gradient(G, batch)


for _fn, _name in ((_hutchinson_kernel, "hutchinson_trace"), (_minibatch_kernel, "minibatch_gradient"),
                   (_hutchinson_variance_kernel, "hutchinson_variance"), (_forward_gradient_kernel, "forward_gradient"),
                   (_dropout_kernel, "inverted_dropout")):
    _fn.__qualname__ = f"kernels.{_name}"
    _fn.__optverify_call__ = (f"from kernels import {_name}", _name)

def _float_matrix(w, xp):
    return xp.asarray(np.array(w.tolist(), dtype=np.float64))


BINDINGS = {
    "hutchinson": Binding(_draw_hutchinson, _float_matrix, _hutchinson_bound, _hutchinson_kernel,
                          _hutchinson_variance_kernel, gaussian=("m", _hutchinson_gaussian_bound)),
    "forward_gradient": Binding(_draw_forward_gradient, _float_matrix, _forward_gradient_bound,
                                _forward_gradient_kernel, inputs=_column_inputs,
                                gaussian=("K", _forward_gradient_gaussian_bound)),
    "dropout": Binding(_draw_dropout, lambda w, xp: xp.asarray(np.array(w.T.tolist()[0], dtype=np.float64)),
                       _dropout_bound, _dropout_kernel, inputs=_column_inputs,
                       call=lambda implementation, inputs, mask: implementation(inputs[0], mask, inputs[1])),
    "minibatch_gradient": Binding(_draw_minibatch, lambda w, xp: xp.asarray(np.array(w, dtype=np.int64)),
                                  _minibatch_bound, _minibatch_kernel),
}
from verify.checks import normalization as _normalization  # noqa: E402  (its binding; it imports this lazily)

BINDINGS["batch_statistics"] = Binding(_normalization.draw_population, _normalization.batch_index_array,
                                       _normalization.statistics_bound, _normalization.statistics_kernel)
from verify.checks import spectral as _spectral  # noqa: E402  (Hutch++ and XTrace; helper traces)

BINDINGS["hutchpp"] = Binding(_spectral.draw_hutchpp, _spectral.hutchpp_omega, _spectral.hutchpp_bound,
                              _spectral.hutchpp_kernel, call=_spectral.hutchpp_call)
BINDINGS["xtrace"] = Binding(_spectral.draw_xtrace, _float_matrix, _spectral.xtrace_bound, _spectral.xtrace_kernel)


# ---- exact moments -------------------------------------------------------------------------------------
def _arrays(data: dict, xp):
    return [xp.asarray(np.array([[float(v) for v in row] for row in value], dtype=np.float64))
            for value in data.values()]


def _symbolic(data: dict) -> dict:
    return {name: sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in value])
            for name, value in data.items()}


def _fractions(expr) -> list:
    """A SymPy scalar or matrix of Rationals as nested lists of Fractions."""
    if isinstance(expr, sp.MatrixBase):
        return [[Fraction(int(sp.numer(v)), int(sp.denom(v))) for v in expr.row(i)] for i in range(expr.rows)]
    expr = sp.nsimplify(expr) if not expr.is_Rational else expr
    return Fraction(int(sp.numer(expr)), int(sp.denom(expr)))


def claimed_moments(estimator, data: dict, sizes: dict, space: str):
    """(mean, variance) the estimator claims at ``data`` (nested lists of Fractions): a Fraction each for a
    scalar estimator, a list and a list of lists (covariance) for a vector one."""
    sym = _symbolic(data)
    mean, var = estimator.mean(sym, space, sizes), estimator.variance(sym, space, sizes)
    if estimator.output == "scalar":
        return _fractions(sp.sympify(mean)), _fractions(sp.sympify(var))
    return [v[0] for v in _fractions(sp.Matrix(mean))], _fractions(sp.Matrix(var))


def exact_moments(estimator, implementation, data: dict, sizes: dict, space: str, *, xp=np, binding=None):
    """The exact mean and covariance of ``implementation``'s outputs over every outcome of ``space``, and the
    rounding allowances (E[δ], √E[δ²]) per output.  Returns (mean, cov, mean_allowance, rms_allowance) as
    lists of Fractions (cov: list of lists)."""
    binding = binding or BINDINGS[estimator.name]
    arrays = binding.arguments(data, xp)
    chosen = estimator.space(space)
    probability = getattr(chosen, "probability", None)  # outcomes not equally likely (dropout's masks)
    outputs, bounds, weights = [], [], []
    for w in chosen.outcomes(sizes):
        outputs.append(_exact(binding.call(implementation, arrays, binding.omega(w, xp))))
        bounds.append(binding.bound(data, w, sizes))
        weights.append(Fraction(probability(w, sizes)) if probability else 1)
    total = sum(weights)
    P = [Fraction(q) / total for q in weights]  # equally likely: 1/K each; weighted: they sum to 1 already
    d = len(outputs[0])
    if any(len(y) != d for y in outputs):
        raise ValueError("the implementation returned outputs of different sizes")
    mean = [sum(q * y[k] for q, y in zip(P, outputs)) for k in range(d)]
    cov = [[sum(q * (y[k] - mean[k]) * (y[l] - mean[l]) for q, y in zip(P, outputs)) for l in range(d)]
           for k in range(d)]
    mean_allowance = [sum(q * b[k] for q, b in zip(P, bounds)) for k in range(d)]
    rms_allowance = [_sqrt_up(sum(q * b[k] ** 2 for q, b in zip(P, bounds))) for k in range(d)]
    return mean, cov, mean_allowance, rms_allowance


def _describe(fn) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def _estimator(name, estimator):
    if estimator is not None:
        return estimator
    from derivations import ESTIMATORS

    try:
        return ESTIMATORS[name]
    except KeyError:
        raise KeyError(f"no estimator named {name!r}; known estimators: {sorted(ESTIMATORS)}") from None


def _repro(estimator: str, space: str, context: dict, implementation) -> str:
    import_line, expression = how_to_call(implementation)
    return (f"    from fractions import Fraction\n"
            f"    {import_line}\n"
            f"    implementation = {expression}\n"
            f"    from derivations import ESTIMATORS\n"
            f"    from verify.checks.estimators import claimed_moments, exact_moments\n"
            f"    est = ESTIMATORS[{estimator!r}]\n"
            f"    data = {{k: [[Fraction(v) for v in row] for row in value] for k, value in {context['data']!r}.items()}}\n"
            f"    print(claimed_moments(est, data, {context['sizes']!r}, {space!r}))\n"
            f"    print(exact_moments(est, implementation, data, {context['sizes']!r}, {space!r})[:2])")


def _check_variance_kernel(tracker, variance, data, sizes, space, claimed_var, context):
    """The implementation's own predicted variance (e.g. kernels.hutchinson_variance) against the claim:
    its rounding: S_ik (one rounding), its square (one), a sum of n² terms, ×2 and /m — γ_{2(n²+4)}·claim-size."""
    n, m = sizes["n"], sizes["m"]
    A = data["A"]
    got = _exact(variance(*_arrays(data, np), m, space))[0]
    size = 2 * sum(((abs(A[i][k]) + abs(A[k][i])) / 2) ** 2 for i in range(n) for k in range(n)) / m
    tracker.compare("variance formula (the implementation's)", [claimed_var], [got], [gamma(2 * (n * n + 4)) * size],
                    context)


# ---- the checks ----------------------------------------------------------------------------------------
def check_exact(name: str, implementation=None, space: str | None = None, *, variance=None, examples: int = 40,
                seed: int = 0, estimator=None, xp=np, label: str | None = None) -> EstimatorReport:
    """Exact check of ``implementation(*data, ω)`` over a finite sample space (default: the estimator's first)."""
    est = _estimator(name, estimator)
    binding = BINDINGS[est.name]
    space = space or next(s.name for s in est.spaces if s.finite)
    if not est.space(space).finite:
        raise ValueError(f"sample space {space!r} of {est.name!r} is continuous: use check_statistical")
    if implementation is None:
        implementation, variance = binding.kernel, variance or binding.variance_kernel
    tracker = MomentTracker()

    @property_run(seed, examples)
    def run(hdata):
        data, sizes = binding.draw(hdata, space)
        tracker.examples += 1  # every draw made: the example runs
        sizes = {**sizes, **{k: len(v) for k, v in data.items() if k == "G" and "N" not in sizes}}
        context = dict(data={k: [[str(v) for v in row] for row in value] for k, value in data.items()},
                       sizes=sizes, space=space)
        claimed_mean, claimed_var = claimed_moments(est, data, sizes, space)
        if variance is not None:  # the implementation's own predicted variance, where it has one
            _check_variance_kernel(tracker, variance, data, sizes, space, claimed_var, context)
        try:
            mean, cov, mean_allow, rms_allow = exact_moments(est, implementation, data, sizes, space, xp=xp,
                                                             binding=binding)
        except Exception as exc:  # a crash or a NaN: the implementation's failure, reported as such
            tracker.fail_moments("output", "-", "-", "-", context, f"the implementation raised {type(exc).__name__}: {exc}")
        scalar = est.output == "scalar"
        cm = [claimed_mean] if scalar else claimed_mean
        cv = [[claimed_var]] if scalar else claimed_var
        if len(mean) != len(cm):
            tracker.fail_moments("output", len(cm), len(mean), 0, context, f"{len(mean)} outputs, expected {len(cm)}")
        tracker.compare("mean", cm, mean, mean_allow, context)
        if any(cv[k][k] < 0 for k in range(len(cv))):
            tracker.fail_moments("variance", cv, cov, "-", context, "the claimed variance is negative")
        sigma = [_sqrt_up(cv[k][k]) for k in range(len(cv))]
        e = rms_allow
        allowed = [[sigma[k] * e[l] + e[k] * sigma[l] + e[k] * e[l] for l in range(len(e))] for k in range(len(e))]
        tracker.compare("variance" if scalar else "covariance", cv, cov, allowed, context)
        if not scalar:  # the mean squared error E‖ŷ − E ŷ‖² (the claims' target is their mean): the trace
            tracker.compare("mean squared error (trace of the covariance)", [sum(cv[k][k] for k in range(len(cv)))],
                            [sum(cov[k][k] for k in range(len(cov)))], [sum(allowed[k][k] for k in range(len(e)))],
                            context)

    return _finish(run, tracker, est.name, space, label or _describe(implementation), "exact", 0.0, implementation)


def check_statistical(name: str, implementation=None, space: str | None = None, *, variance=None,
                      examples: int = 8, seed: int = 0, replications: int = REPLICATIONS,
                      false_alarm: float = FALSE_ALARM, estimator=None, xp=np, label=None) -> EstimatorReport:
    """Statistical check over a continuous sample space (Gaussian probes): see the module docstring."""
    est = _estimator(name, estimator)
    binding = BINDINGS[est.name]
    if binding.gaussian is None:
        raise ValueError(f"no statistical check for {est.name!r}: its sample spaces are finite (check_exact)")
    count, gaussian_bound = binding.gaussian
    space = space or next(s.name for s in est.spaces if not s.finite)
    if implementation is None:
        implementation, variance = binding.kernel, variance or binding.variance_kernel
    tracker = MomentTracker()

    @property_run(seed, examples)
    def run(hdata):
        data, sizes = binding.draw(hdata, space)
        tracker.examples += 1  # every draw made: the example runs
        n, m, K = sizes["n"], sizes[count], replications
        context = dict(data={k: [[str(v) for v in row] for row in value] for k, value in data.items()},
                       sizes=sizes, space=space, seed=seed, replications=K)
        claimed_mean, claimed_var = claimed_moments(est, data, sizes, space)
        if variance is not None:  # deterministic and cheap: before the sampling
            _check_variance_kernel(tracker, variance, data, sizes, space, claimed_var, context)
        scalar = est.output == "scalar"
        cm = [claimed_mean] if scalar else claimed_mean
        cv = [[claimed_var]] if scalar else claimed_var
        inputs = binding.arguments(data, xp)
        probes = np.random.default_rng(seed).standard_normal((K, m, n))
        try:
            y = np.array([np.ravel(to_numpy(binding.call(implementation, inputs, xp.asarray(p)))).astype(np.float64)
                          for p in probes])
        except Exception as exc:
            tracker.fail_moments("output", "-", "-", "-", context,
                                 f"the implementation raised {type(exc).__name__}: {exc}")
        if y.shape != (K, len(cm)):
            tracker.fail_moments("output", len(cm), y.shape[1:], 0, context, f"outputs of shape {y.shape[1:]}, "
                                 f"expected ({len(cm)},)")
        delta = gaussian_bound(data, np.abs(probes), sizes) * (1 + 1e-9)  # (K, outputs)
        per_test = false_alarm / (2 * examples * len(cm))  # Bonferroni: mean and variance of every output
        x = math.log(4 / per_test)  # Laurent–Massart: P(miss) ≤ 4e^{−x}
        z = NormalDist().inv_cdf(1 - per_test / 2)
        for i in range(len(cm)):
            V = float(cv[i][i])
            mean_allowed = 2 * math.sqrt(x * V / K) + 4 * x * math.sqrt(V / (2 * m)) / K + float(delta[:, i].mean())
            tracker.compare(f"mean[{i}]" if not scalar else "mean", [float(cm[i])], [float(y[:, i].mean())],
                            [mean_allowed * (1 + 1e-9)], context)
            eps = math.sqrt(float((delta[:, i] ** 2).mean()))
            var_allowed = z * V * math.sqrt(12 / (m * K) + 2 / (K - 1)) + 2 * math.sqrt(V) * eps + eps**2
            tracker.compare(f"variance[{i}]" if not scalar else "variance", [V], [float(y[:, i].var(ddof=1))],
                            [var_allowed * (1 + 1e-9)], context)

    return _finish(run, tracker, est.name, space, label or _describe(implementation), "statistical", false_alarm,
                   implementation)


def check_estimator(name: str, implementation=None, space: str | None = None, **options) -> EstimatorReport:
    """Exact check over a finite sample space, statistical over a continuous one (by the space's kind)."""
    est = _estimator(name, options.get("estimator"))
    chosen = est.space(space) if space else est.spaces[0]
    check = check_exact if chosen.finite else check_statistical
    return check(name, implementation, chosen.name, **options)


def check_tasks(names=(), *, examples: int | None = None, seed: int = 0, xp=np, backend: str = "numpy") -> list:
    """One callable a check of our kernel against each estimator over each of its sample spaces (the CLI's `check`
    runs them in worker processes).

    ``examples``: per sample space; None keeps each check's own default (40 exact, 8 statistical: a
    statistical example costs REPLICATIONS estimates)."""
    from derivations import ESTIMATORS

    budget = {} if examples is None else {"examples": examples}
    return [lambda n=n, s=s: check_estimator(n, None, s.name, seed=seed, xp=xp, **budget,
                                             label=f"{_describe(BINDINGS[n].kernel)} ({backend})")
            for n in names or ESTIMATORS for s in ESTIMATORS[n].spaces]


def check_all(names=(), *, examples: int | None = None, seed: int = 0, xp=np,
              backend: str = "numpy") -> list[EstimatorReport]:
    """Our kernels against every estimator over every sample space, one after another."""
    return [task() for task in check_tasks(names, examples=examples, seed=seed, xp=xp, backend=backend)]


def _finish(run, tracker, estimator, space, label, mode, false_alarm, implementation) -> EstimatorReport:
    report = EstimatorReport(estimator, {"space": space}, label, mode, space=space, false_alarm=false_alarm)
    repro = (lambda failure: _repro(estimator, space, failure, implementation)) if mode == "exact" else None
    return conclude(run, tracker, report, repro)
