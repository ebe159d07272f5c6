"""The forward gradient: ĝ = (1/K) Σ_k (∇f·v_k) v_k from K random tangents v_k, each needing only the
directional derivative ∇f·v (one forward-mode pass), never ∇f itself.

Source: seed 000_a2fbe8e070163c86.txt §1.2 "Forward Gradient" ("update the parameters of the representation by
using the directional derivative along a candidate direction"; activity perturbation "yields lower-variance
gradient estimates than weight perturbation").  The seed gives no formula; COVERAGE D19 states the one
derived here.

Claims: (∇f·v)v = vvᵀ∇f, so E[ĝ] = E[vvᵀ]∇f: unbiased for every ∇f iff E[vvᵀ] = I (Rademacher and standard
Gaussian tangents both).  Per tangent, E[ĝ_i²] = ‖∇f‖² + (μ₄ − 1)(∇f)_i² with μ₄ = E[v_i⁴], so
E‖ĝ − ∇f‖² = (n + μ₄ − 2)‖∇f‖²: (n + 1)‖∇f‖² for Gaussian (μ₄ = 3), (n − 1)‖∇f‖² for Rademacher (μ₄ = 1);
the whole covariance is (‖∇f‖²I + ∇f∇fᵀ − 2[Rademacher]·diag(∇f_i²))/K.  K independent tangents divide it by
K.  The error grows with the perturbed dimension n — the seed's reason to perturb activities, not weights.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.estimator import Estimator, SampleSpace, enumerated_moments, expectation, sign_matrices
from derivations.core.proof import Derivation, Step
from derivations.estimators.hutchinson import gaussian_expectation

SOURCE = "seed 000_a2fbe8e070163c86.txt §1.2 (Forward Gradient); COVERAGE D19"
DIMENSIONS = (1, 2, 3, 4)  # n proved with one tangent; K = 2 tangents for n ≤ 2 (both spaces)
CASES = tuple((n, 1) for n in DIMENSIONS) + ((1, 2), (2, 2))
FOURTH_MOMENT = {"rademacher": 1, "gaussian": 3}  # μ₄ = E[v_i⁴]


def _norm2(g):
    return sum((x**2 for x in g), sp.Integer(0))


def _statistic(data, V):
    """(1/K) Σ_k (g·v_k) v_k, the tangents v_k the rows of V (K×n); a column like g."""
    g, K = data["g"], V.shape[0]
    terms = [(V[k, :] * g)[0] * V[k, :].T for k in range(K)]
    return sum(terms[1:], terms[0]) / K


def _target(data):
    return data["g"]


def _mean(data, space, sizes):
    return data["g"]


def _covariance(data, space, sizes):
    g, K = data["g"], sizes["K"]
    n = g.shape[0]
    cov = _norm2(g) * sp.eye(n) + g * g.T
    if space == "rademacher":  # v_i² = 1 exactly: the diagonal loses 2g_i²
        cov -= 2 * sp.diag(*[x**2 for x in g])
    return cov / K


ESTIMATOR = Estimator(
    name="forward_gradient",
    title="Forward gradient (1/K) Σ_k (∇f·v_k) v_k from K random tangents",
    data=(("g", "n×1, the gradient ∇f (only ∇f·v is queried)"),),
    sizes=("K",),
    spaces=(
        SampleSpace("rademacher", "v_k ∈ {±1}ⁿ uniform, independent; ω = the K×n sign matrix",
                    lambda sizes: sign_matrices(sizes["K"], sizes["n"])),
        SampleSpace("gaussian", "v_k ~ N(0, I_n), independent; ω = the K×n matrix of normals"),
    ),
    statistic=_statistic, target=_target, mean=_mean, variance=_covariance, output="vector", source=SOURCE,
    notes="E‖ĝ − ∇f‖² = (n+1)‖∇f‖²/K Gaussian, (n−1)‖∇f‖²/K Rademacher",
)


def _gradient(n):
    return sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"g_{i}", real=True))


def _tangents(K, n):
    return sp.Matrix(K, n, lambda k, i: sp.Symbol(f"v_{k}{i}", real=True))


def _second_moments(n):
    """A general symmetric second-moment matrix M = E[vvᵀ] (symbols)."""
    return sp.Matrix(n, n, lambda i, k: sp.Symbol(f"M_{min(i, k)}{max(i, k)}", real=True))


UNEVALUATED = sp.Function("E")  # E[expr] left standing where a (planted) statistic leaves the polynomials


def _expect_quadratic(expr, v, M):
    """E[expr] for expr a quadratic form in v: every v_i v_k replaced by M_ik (linearity of E)."""
    try:
        terms = sp.Poly(sp.expand(expr), *v).terms()
    except sp.PolynomialError:
        return UNEVALUATED(expr)
    total = sp.Integer(0)
    for powers, coefficient in terms:
        idx = [i for i, p in enumerate(powers) for _ in range(p)]
        if len(idx) != 2:
            return UNEVALUATED(expr)
        total += coefficient * M[idx[0], idx[1]]
    return total


def _gaussian(expr, variables):
    """E[expr] over independent N(0, 1) variables, for a polynomial expr (else left unevaluated)."""
    try:
        return gaussian_expectation(expr, variables)
    except sp.PolynomialError:
        return UNEVALUATED(expr)


def unbiased(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for n in DIMENSIONS:
        g, v, M = _gradient(n), _tangents(1, n), _second_moments(n)
        data, label = dict(g=g), f"n={n}"
        est = estimator.statistic(data, v)
        mean = sp.Matrix([_expect_quadratic(e, list(v), M) for e in est])
        rademacher = expectation([x.T * x for x in sign_matrices(1, n)])
        gaussian = sp.Matrix(n, n, lambda i, k: _gaussian(v[i] * v[k], list(v)))
        steps += [
            Step(f"(g·v)v = vvᵀg ({label})", est, v.T * v * g, "(g·v)v = v(vᵀg) = (vvᵀ)g"),
            Step(f"E[ĝ] = E[vvᵀ]g for any distribution of v ({label})", mean, M * g,
                 "linearity of E: each v_i v_k becomes M_ik = E[v_i v_k]"),
            Step(f"the bias E[ĝ] − g is (M − I)g: zero for every g iff M = I ({label})", (mean - g).jacobian(g),
                 M - sp.eye(n), "linear in g with matrix M − I; g = e_i reads column i"),
            Step(f"E[vvᵀ] = I, Rademacher ({label})", rademacher, sp.eye(n), "v_i² = 1, E[v_i v_k] = 0 (i ≠ k)"),
            Step(f"E[vvᵀ] = I, Gaussian ({label})", gaussian, sp.eye(n), "E[z²] = 1, independent"),
            Step(f"claimed mean = target ({label})", estimator.mean(data, "rademacher", dict(n=n, K=1)),
                 estimator.target(data), "unbiased for ∇f"),
        ]
    return Derivation(
        name="forward_gradient.unbiased",
        claim="E[(∇f·v)v] = E[vvᵀ]∇f: unbiased for every ∇f iff E[vvᵀ] = I, which Rademacher and Gaussian v meet",
        steps=tuple(steps), assumptions=("one tangent v with finite second moments M = E[vvᵀ]",), source=SOURCE,
        scope=f"n ∈ {DIMENSIONS}: symbolic ∇f and a general symmetric M; the statistic's own polynomial")


def _moments(estimator, data, space, K, n):
    """(E[ĝ], Cov[ĝ]) of the statistic: every sign matrix enumerated, or exact Gaussian moments."""
    if space == "rademacher":
        return enumerated_moments(estimator, data, space, dict(n=n, K=K))
    V = _tangents(K, n)
    est, variables = estimator.statistic(data, V), list(V)
    mean = est.applyfunc(lambda e: _gaussian(e, variables))
    centred = est - mean
    return mean, sp.Matrix(n, n, lambda i, k: _gaussian(centred[i] * centred[k], variables))


def _error_derivation(estimator: Estimator, space: str) -> Derivation:
    mu4 = FOURTH_MOMENT[space]
    steps = []
    for n, K in CASES:
        g = _gradient(n)
        data, sizes, label = dict(g=g), dict(n=n, K=K), f"n={n}, K={K}"
        mean, cov = _moments(estimator, data, space, K, n)
        if K == 1:
            second = [cov[i, i] + mean[i] ** 2 for i in range(n)]
            steps.append(Step(f"E[ĝ_i²] = ‖g‖² + (μ₄ − 1)g_i², μ₄ = {mu4} ({label})", sp.Matrix(second),
                              sp.Matrix([_norm2(g) + (mu4 - 1) * x**2 for x in g]),
                              "E[v_a v_b v_i²] = δ_ab(1 + (μ₄ − 1)δ_ai): independent, mean 0, variance 1"))
        steps += [
            Step(f"E[ĝ] = g ({label})", mean, estimator.mean(data, space, sizes), "E[vvᵀ] = I"),
            Step(f"Cov[ĝ] is the claimed covariance ({label})", cov, estimator.variance(data, space, sizes),
                 "the K tangents are independent: the covariance of one, divided by K"),
            Step(f"E‖ĝ − g‖² = tr Cov = (n {'+' if mu4 == 3 else '−'} 1)‖g‖²/K ({label})", cov.trace(),
                 (n + mu4 - 2) * _norm2(g) / K, "unbiased, so the error is the trace of the covariance"),
        ]
    kind = "Gaussian" if space == "gaussian" else "Rademacher"
    how = "every sign matrix enumerated" if space == "rademacher" else "exact Gaussian moments (Isserlis)"
    return Derivation(
        name=f"forward_gradient.error_{space}",
        claim=(f"{kind} tangents: E‖ĝ − ∇f‖² = (n {'+' if mu4 == 3 else '−'} 1)‖∇f‖²/K; Cov[ĝ] = "
               f"(‖∇f‖²I + ∇f∇fᵀ{' − 2diag(∇f_i²)' if mu4 == 1 else ''})/K"),
        steps=tuple(steps), assumptions=(f"K independent {kind} tangents",), source=SOURCE,
        scope=f"(n, K) ∈ {CASES}: symbolic ∇f, the statistic's own moments, {how}")


def error_rademacher(estimator: Estimator = ESTIMATOR) -> Derivation:
    return _error_derivation(estimator, "rademacher")


def error_gaussian(estimator: Estimator = ESTIMATOR) -> Derivation:
    return _error_derivation(estimator, "gaussian")


def error_general(estimator: Estimator = ESTIMATOR) -> Derivation:
    """The same error for a symbolic dimension n and number of tangents K, from the fourth-moment identity."""
    n, K = sp.Symbol("n", integer=True, positive=True), sp.Symbol("K", integer=True, positive=True)
    mu4 = sp.Symbol("mu_4", positive=True)
    g, b, i = sp.IndexedBase("g"), *sp.symbols("b i", integer=True)
    norm2 = sp.Symbol("G2", positive=True)  # ‖g‖² = Σ_i g_i², a name while the sum over i is taken
    second = norm2 + (mu4 - 1) * g[i] ** 2  # E[ĝ_i²], one tangent (proved from the statistic for n ≤ 4)

    def linear(term):  # Σ_i c·g_i² = c‖g‖² for c free of i; Σ_i c = nc
        c = term.function / g[i] ** 2
        return c * norm2 if i not in c.free_symbols else term

    summed = sp.Sum(second, (i, 1, n)).expand().doit().replace(lambda e: isinstance(e, sp.Sum), linear)
    per_tangent = summed - norm2  # Σ_i E[ĝ_i²] − ‖g‖²
    var_k = sp.Symbol("sigma2", positive=True)  # one tangent's squared error E‖(g·v)v − g‖²
    averaged = sp.Sum(var_k / K**2, (b, 1, K)).doit()  # Σ of K independent errors, each scaled 1/K
    return Derivation(
        name="forward_gradient.error_general",
        claim="E‖ĝ − ∇f‖² = (n + μ₄ − 2)‖∇f‖²/K for any n and K: (n + 1) for Gaussian (μ₄ = 3), (n − 1) for "
              "Rademacher (μ₄ = 1) tangents; averaging K independent tangents divides it by K",
        steps=(
            Step("one tangent: Σ_i E[ĝ_i²] − ‖g‖² = (n + μ₄ − 2)‖g‖²", per_tangent, (n + mu4 - 2) * norm2,
                 "E[ĝ_i²] = ‖g‖² + (μ₄ − 1)g_i² (forward_gradient.error_*), summed over i; E[ĝ] = g"),
            Step("Gaussian, μ₄ = 3: (n + 1)‖g‖²", per_tangent.subs(mu4, 3), (n + 1) * norm2, "E[z⁴] = 3"),
            Step("Rademacher, μ₄ = 1: (n − 1)‖g‖²", per_tangent.subs(mu4, 1), (n - 1) * norm2, "v_i⁴ = 1"),
            Step("K independent tangents: E‖(1/K)Σ_k e_k‖² = σ²/K", averaged, var_k / K,
                 "cross terms E[e_k·e_l] = 0 for k ≠ l (independent, mean 0)"),
        ),
        assumptions=("tangent coordinates independent, mean 0, variance 1, E[v_i⁴] = μ₄",), source=SOURCE,
        scope="general: symbolic n, K, μ₄ and ∇f ∈ Rⁿ (IndexedBase); the per-coordinate identity it sums is "
              f"proved from the statistic for n ∈ {DIMENSIONS}")


BUILDERS = {"forward_gradient.unbiased": unbiased, "forward_gradient.error_rademacher": error_rademacher,
            "forward_gradient.error_gaussian": error_gaussian, "forward_gradient.error_general": error_general}
