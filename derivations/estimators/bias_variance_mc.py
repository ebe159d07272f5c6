"""Bias–variance by Monte Carlo: bias², variance and noise estimated from R models fitted on resampled training sets
and J labels drawn per test input, unbiased for the exact decomposition; and ridge regression's variance drop.

Source: seed 002_affcfe6d2abfd93d.txt ("Bias-variance Tradeoff": Variance = E_{x,D}[(h_D(x) − h̄(x))²], Noise =
E_{x,y}[(ȳ(x) − y)²], Bias² = E_x[(h̄(x) − ȳ(x))²]; "Adding L2 regularization to linear regression lowers the
variance in the estimate of β"); COVERAGE D17, E16.  The exact decomposition is bias_variance.decomposition.

The estimator.  Training sets D_1..D_R are drawn i.i.d. from P(D) (the finite space: D = d with probability r_d),
and the model h_{D_i} fitted on each; at each test input x (weight p_x) J labels y_1..y_J are drawn from P(y | x).
With h̄̂(x) = mean_i h_{D_i}(x), s_h²(x) = Σ_i (h_{D_i}(x) − h̄̂(x))²/(R − 1), ȳ̂(x) and s_y²(x) likewise over the labels:

    variance = Σ_x p_x s_h²(x),  noise = Σ_x p_x s_y²(x),
    bias²    = Σ_x p_x [(h̄̂(x) − ȳ̂(x))² − s_h²(x)/R − s_y²(x)/J].

The 1/(R − 1) makes s² unbiased (with 1/R, E = (R − 1)/R·Var); the two subtractions remove the plug-in's bias:
E[(h̄̂ − ȳ̂)²] = Bias² + Var_h/R + Noise/J.  ω = (the R dataset indices, the J label indices per input), each
outcome weighted by its probability (a WeightedSampleSpace).

Ridge: β̂_λ = (XᵀX + λI)⁻¹Xᵀy with Cov y = σ²I has Cov β̂_λ = σ²(G + λI)⁻¹G(G + λI)⁻¹, G = XᵀX, and
σ²G⁻¹ − Cov β̂_λ = σ²λ(G + λI)⁻¹(2I + λG⁻¹)(G + λI)⁻¹ ≽ 0: the seed's claim holds in the Loewner order, for
every λ ≥ 0 (strictly for λ > 0).  Bias is the price: E β̂_λ = (G + λI)⁻¹Gβ ≠ β.
"""
from __future__ import annotations

import itertools

import sympy as sp

from derivations.core.estimator import Estimator, WeightedSampleSpace, weighted_moments
from derivations.core.proof import Derivation, Step

SOURCE = "seed 002_affcfe6d2abfd93d.txt (Bias-variance Tradeoff; L2 regularization lowers the variance); COVERAGE D17, E16"
CASES = ((2, 2, 2), (3, 2, 2), (2, 3, 2))  # (datasets N_D, fitted models R, labels drawn J), one test input, 2 labels


def _mean(values):
    return sum(values[1:], values[0]) / len(values)


def _spread(values):
    """The unbiased sample variance Σ(v − v̄)²/(n − 1)."""
    m = _mean(values)
    return sum(((v - m) ** 2 for v in values), sp.Integer(0)) / (len(values) - 1)


def outcomes(sizes):
    """Every (dataset indices, label indices per input): N_D^R · (N_Y^J)^{N_X} outcomes."""
    datasets = itertools.product(range(sizes["N_D"]), repeat=sizes["R"])
    labels = itertools.product(itertools.product(range(sizes["N_Y"]), repeat=sizes["J"]), repeat=sizes["N_X"])
    return itertools.product(datasets, labels)


def probability(omega, sizes):
    """∏_i r_{D_i} · ∏_x ∏_j q_{x, y_j}: datasets and labels drawn independently."""
    datasets, labels = omega
    r, q = sizes["r"], sizes["q"]
    out = sp.Integer(1)
    for d in datasets:
        out *= r[d]
    for x, row in enumerate(labels):
        for j in row:
            out *= q[x][j]
    return out


def _statistic(data, omega):
    """(variance, noise, bias²) estimated from the drawn datasets' predictions and the drawn labels."""
    datasets, labels = omega
    h, y, p = data["h"], data["y"], data["p"]
    R, J = len(datasets), len(labels[0])
    variance = noise = bias2 = sp.Integer(0)
    for x in range(h.shape[1]):
        preds = [h[d, x] for d in datasets]
        ys = [y[x, j] for j in labels[x]]
        sh, sy = _spread(preds), _spread(ys)
        variance += p[x] * sh
        noise += p[x] * sy
        bias2 += p[x] * ((_mean(preds) - _mean(ys)) ** 2 - sh / R - sy / J)
    return sp.Matrix([variance, noise, bias2])


def exact_terms(data, sizes):
    """(Variance, Noise, Bias²) of the exact decomposition on the finite space (bias_variance.decomposition)."""
    h, y, p, r, q = data["h"], data["y"], data["p"], sizes["r"], sizes["q"]
    D, X, Y = range(h.shape[0]), range(h.shape[1]), range(y.shape[1])
    h_bar = [sum(r[d] * h[d, x] for d in D) for x in X]
    y_bar = [sum(q[x][j] * y[x, j] for j in Y) for x in X]
    variance = sum(p[x] * r[d] * (h[d, x] - h_bar[x]) ** 2 for d in D for x in X)
    noise = sum(p[x] * q[x][j] * (y_bar[x] - y[x, j]) ** 2 for x in X for j in Y)
    bias2 = sum(p[x] * (h_bar[x] - y_bar[x]) ** 2 for x in X)
    return sp.Matrix([variance, noise, bias2])


ESTIMATOR = Estimator(
    name="bias_variance_mc",
    title="(variance, noise, bias²) from R fitted models and J labels per input",
    data=(("h", "N_D×N_X, the prediction of the model fitted on each training set at each test input"),
          ("y", "N_X×N_Y, the labels each input can have"), ("p", "N_X×1, the test inputs' probabilities")),
    sizes=("R", "J", "r", "q"),
    spaces=(WeightedSampleSpace("resampled", "R training sets i.i.d. from r, J labels per input i.i.d. from q(·|x)",
                                outcomes, probability=probability),),
    statistic=_statistic, target=lambda data: None, mean=lambda data, space, sizes: exact_terms(data, sizes),
    variance=None, output="vector", source=SOURCE,
    notes="the estimator's own variance is not claimed; its mean is the exact decomposition",
)


def _symbols(n_d):
    r = [sp.Symbol(f"r_{d}", nonnegative=True) for d in range(n_d - 1)]
    r.append(1 - sum(r))
    q0 = sp.Symbol("q_0", nonnegative=True)
    h = sp.Matrix(n_d, 1, lambda d, _: sp.Symbol(f"h_{d}", real=True))
    y = sp.Matrix(1, 2, lambda _, j: sp.Symbol(f"y_{j}", real=True))
    return dict(h=h, y=y, p=sp.Matrix([1])), r, [[q0, 1 - q0]]


def unbiased(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for n_d, R, J in CASES:
        data, r, q = _symbols(n_d)
        sizes = dict(N_D=n_d, R=R, J=J, N_X=1, N_Y=2, r=r, q=q)
        total, mean, _ = weighted_moments(estimator, data, "resampled", sizes)
        exact = estimator.mean(data, "resampled", sizes)
        label = f"N_D={n_d}, R={R}, J={J}"
        steps += [
            Step(f"the outcomes' probabilities sum to 1 ({label})", total, 1, "Σ r_d = 1, Σ_j q_j = 1"),
            Step(f"E[variance estimate] = Variance ({label})", mean[0], exact[0], "1/(R − 1): E[s²] = σ²"),
            Step(f"E[noise estimate] = Noise ({label})", mean[1], exact[1], "1/(J − 1) over the drawn labels"),
            Step(f"E[bias² estimate] = Bias² ({label})", mean[2], exact[2],
                 "E[(h̄̂ − ȳ̂)²] = Bias² + Var/R + Noise/J, the two corrections subtracted"),
            Step(f"the three sum to the expected test error ({label})", sum(exact),
                 sum(r[d] * q[0][j] * (data["h"][d] - data["y"][0, j]) ** 2 for d in range(n_d) for j in range(2)),
                 "bias_variance.decomposition on this space"),
        ]
    return Derivation(
        name="bias_variance_mc.unbiased",
        claim="the Monte Carlo (variance, noise, bias²) from R resampled fits and J labels is unbiased for the exact "
              "decomposition; with 1/R instead of 1/(R − 1), or without the bias² corrections, it is not",
        steps=tuple(steps), assumptions=("datasets and labels drawn independently", "R ≥ 2, J ≥ 2"), source=SOURCE,
        scope=f"(N_D, R, J) ∈ {CASES}, one test input with two labels: symbolic probabilities, predictions and labels; "
              "inputs enter through their weights p_x linearly, so more inputs follow")


def ridge_variance() -> Derivation:
    lam, s2 = sp.Symbol("lambda", nonnegative=True), sp.Symbol("sigma", positive=True) ** 2
    I = sp.eye(2)
    X = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"x_{i}{j}", real=True))
    GX = X.T * X
    ols_map, ridge_map = GX.inv() * X.T, (GX + lam * I).inv() * X.T  # β̂ = A y
    # G = LLᵀ (Cholesky, positive diagonal): every symmetric positive definite 2×2 G
    l1, l3, l2 = sp.Symbol("l_1", positive=True), sp.Symbol("l_3", positive=True), sp.Symbol("l_2", real=True)
    L = sp.Matrix([[l1, 0], [l2, l3]])
    G = L * L.T
    Rg = (G + lam * I).inv()
    ols, ridge = s2 * G.inv(), s2 * Rg * G * Rg
    v = sp.Matrix(sp.symbols("v_1 v_2", real=True))
    w, u = Rg * v, L.inv() * Rg * v
    sos = s2 * lam * (2 * (w.T * w)[0] + lam * (u.T * u)[0])
    s = sp.Symbol("s", positive=True)
    lam_pos = sp.Symbol("lambda", positive=True)
    eig = s2 / s - s2 * s / (s + lam) ** 2
    return Derivation(
        name="bias_variance_mc.ridge_variance",
        claim="Cov β̂_ridge = σ²(G + λI)⁻¹G(G + λI)⁻¹ ≼ σ²G⁻¹ = Cov β̂_OLS (G = XᵀX ≻ 0, λ ≥ 0): the difference is "
              "σ²λ(G + λI)⁻¹(2I + λG⁻¹)(G + λI)⁻¹, positive semidefinite; per eigenvalue s of G the variance falls "
              "from σ²/s to σ²s/(s + λ)²",
        steps=(
            Step("Cov β̂_OLS = σ²AAᵀ = σ²(XᵀX)⁻¹", s2 * ols_map * ols_map.T, s2 * GX.inv(), "Cov(Ay) = A(σ²I)Aᵀ"),
            Step("Cov β̂_ridge = σ²(G + λI)⁻¹G(G + λI)⁻¹", s2 * ridge_map * ridge_map.T,
                 s2 * (GX + lam * I).inv() * GX * (GX + lam * I).inv(), "Cov(Ay) = σ²AAᵀ, A = (G + λI)⁻¹Xᵀ"),
            Step("the difference σ²G⁻¹ − Cov β̂_ridge", ols - ridge, s2 * lam * Rg * (2 * I + lam * G.inv()) * Rg,
                 "(G + λ)G⁻¹(G + λ) − G = 2λI + λ²G⁻¹ (G commutes with itself)"),
            Step("vᵀ(difference)v = σ²λ(2‖(G + λI)⁻¹v‖² + λ‖L⁻¹(G + λI)⁻¹v‖²) ≥ 0 for every v",
                 (v.T * (ols - ridge) * v)[0], 0, "G⁻¹ = L⁻ᵀL⁻¹: a sum of squares, σ², λ ≥ 0", relation=">=",
                 certificate=sos),
            Step("per eigenvalue s of G: σ²/s − σ²s/(s + λ)² = σ²λ(2s + λ)/(s(s + λ)²)", eig,
                 s2 * lam * (2 * s + lam) / (s * (s + lam) ** 2), "common denominator"),
            Step("… > 0 for λ > 0: the variance strictly drops in every direction", eig.subs(lam, lam_pos), 0,
                 "s, σ², λ > 0", relation=">",
                 certificate=s2 * lam_pos * (2 * s + lam_pos) / (s * (s + lam_pos) ** 2)),
        ),
        assumptions=("Cov y = σ²I (fixed design)", "G = XᵀX positive definite", "λ ≥ 0"), source=SOURCE,
        scope="p = 2: symbolic X (2×2) for the covariances, symbolic Cholesky factor for every SPD G and every v; "
              "the eigenvalue form for any p")


BUILDERS = {"bias_variance_mc.unbiased": unbiased, "bias_variance_mc.ridge_variance": ridge_variance}
