"""Mixup: the loss on a mixed label, λ ~ Beta(a, a).

Source: seed 000_a2fbe8e070163c86.txt §2.3 "Data Smoothing" (mixup minimizes the vicinal risk; x̃ = λx₁ + (1 − λ)x₂,
ỹ = λy₁ + (1 − λ)y₂, λ ~ Beta); COVERAGE D15.

The estimator: for one fixed prediction (log-probabilities ℓ) and two targets y₁, y₂, the statistic is the
cross-entropy on the mixed target, T(λ) = H(λy₁ + (1 − λ)y₂, q) = −Σ_k (λy₁ₖ + (1 − λ)y₂ₖ)ℓ_k; ω = λ.
Claims: T(λ) = λ·H(y₁, q) + (1 − λ)·H(y₂, q) — cross-entropy is linear in its target, so mixing the labels is
mixing the losses, which is what implementations compute; for λ ~ Beta(a, a), E[λ] = 1/2 (the density is
symmetric about 1/2) and Var[λ] = 1/(4(2a + 1)), so E[T] = (L₁ + L₂)/2 and Var[T] = (L₁ − L₂)²/(4(2a + 1)).
λ is continuous: verify/checks/mixup.py checks the kernels statistically (rigorous Hoeffding/McDiarmid bounds,
λ ∈ [0, 1]) and the mixing itself exactly.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.estimator import Estimator, SampleSpace
from derivations.core.proof import Derivation, Step

SOURCE = "seed 000_a2fbe8e070163c86.txt §2.3 (Data Smoothing: mixup); COVERAGE D15"
CLASSES = (2, 3)  # K proved: symbolic log-probabilities and (soft) targets
LAM = sp.Symbol("lambda", nonnegative=True)
A = sp.Symbol("a", positive=True)


def cross_entropy(target, log_probs):
    """H(t, q) = −Σ_k t_k ℓ_k, ℓ = log q."""
    return -sum((t * l for t, l in zip(target, log_probs)), sp.Integer(0))


def beta_moment(k: int, a=A):
    """E[λ^k] for λ ~ Beta(a, a): B(a + k, a)/B(a, a) = Γ(a + k)Γ(2a)/(Γ(a)Γ(2a + k)) (the density normalised)."""
    return sp.gamma(a + k) * sp.gamma(2 * a) / (sp.gamma(a) * sp.gamma(2 * a + k))


def _statistic(data, lam):
    """The cross-entropy on the mixed target λy₁ + (1 − λ)y₂."""
    return cross_entropy(lam * data["y1"] + (1 - lam) * data["y2"], data["logq"])


def _losses(data):
    return cross_entropy(data["y1"], data["logq"]), cross_entropy(data["y2"], data["logq"])


def _target(data):
    """The vicinal risk of the pair: the loss averaged over λ, (L₁ + L₂)/2."""
    L1, L2 = _losses(data)
    return (L1 + L2) / 2


def _mean(data, space, sizes):
    L1, L2 = _losses(data)
    return (L1 + L2) / 2


def _variance(data, space, sizes):
    L1, L2 = _losses(data)
    return (L1 - L2) ** 2 / (4 * (2 * sizes["a"] + 1))


ESTIMATOR = Estimator(
    name="mixup",
    title="Mixup's loss H(λy₁ + (1 − λ)y₂, q), λ ~ Beta(a, a)",
    data=(("logq", "K×1, the prediction's log-probabilities"), ("y1", "K×1, the first target"),
          ("y2", "K×1, the partner's target")),
    sizes=("a",),
    spaces=(SampleSpace("beta", "λ ~ Beta(a, a), continuous (checked statistically)"),),
    statistic=_statistic, target=_target, mean=_mean, variance=_variance, output="scalar", source=SOURCE,
    notes="the same λ mixes the inputs and the labels; Beta(a, a) is symmetric, so λ ↔ 1 − λ changes nothing",
)


def _symbols(K):
    logq = sp.Matrix(K, 1, lambda i, _: sp.Symbol(f"l_{i}", real=True))
    y1 = sp.Matrix(K, 1, lambda i, _: sp.Symbol(f"u_{i}", real=True))
    y2 = sp.Matrix(K, 1, lambda i, _: sp.Symbol(f"v_{i}", real=True))
    return dict(logq=logq, y1=y1, y2=y2)


def linearity(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for K in CLASSES:
        data = _symbols(K)
        L1, L2 = cross_entropy(data["y1"], data["logq"]), cross_entropy(data["y2"], data["logq"])
        T = estimator.statistic(data, LAM)
        steps += [
            Step(f"λ = 1 gives the first example's loss (K={K})", estimator.statistic(data, 1), L1, "ỹ = y₁"),
            Step(f"λ = 0 gives the partner's loss (K={K})", estimator.statistic(data, 0), L2, "ỹ = y₂"),
            Step(f"loss(ỹ) = λ·loss(y₁) + (1 − λ)·loss(y₂) (K={K})", T, LAM * L1 + (1 - LAM) * L2,
                 "H(t, q) = −Σ t_k ℓ_k is linear in t"),
            Step(f"the statistic is affine in λ (K={K})", sp.diff(T, LAM, 2), 0, "no λ² term: mixing losses is exact"),
        ]
    return Derivation(
        name="mixup.linearity",
        claim="cross-entropy on the mixed label equals the mixture of the two losses: "
              "H(λy₁ + (1 − λ)y₂, q) = λH(y₁, q) + (1 − λ)H(y₂, q)",
        steps=tuple(steps), assumptions=("the same prediction q scored against both targets",),
        source=SOURCE, scope=f"K ∈ {CLASSES}: symbolic log-probabilities, symbolic (soft) targets and λ; the sum is "
                             "termwise, so any K follows")


def beta_moments() -> Derivation:
    lam = LAM
    density = lambda a: lam ** (a - 1) * (1 - lam) ** (a - 1) * sp.gamma(2 * a) / sp.gamma(a) ** 2  # noqa: E731
    concrete = (1, 2, 3, 5)  # integer a: polynomial integrands, integrated exactly (a = 1/2 took seconds)
    steps = [Step("the Beta(a, a) density is symmetric about 1/2",
                  density(A).subs(lam, 1 - lam), density(A), "λ^{a−1}(1 − λ)^{a−1} is unchanged by λ ↔ 1 − λ")]
    steps += [Step(f"E[λ^{k}] by integration at a = {a}", sp.integrate(lam**k * density(a), (lam, 0, 1)),
                   beta_moment(k, a), "∫₀¹ λ^k Beta(a, a)(λ) dλ = B(a + k, a)/B(a, a)")
              for a in concrete for k in (1, 2)]
    E1, E2 = beta_moment(1), beta_moment(2)
    steps += [
        Step("E[λ] = 1/2", E1, sp.Rational(1, 2), "Γ(a + 1) = aΓ(a), Γ(2a + 1) = 2aΓ(2a)", rewrite=sp.gammasimp),
        Step("E[λ²] = (a + 1)/(2(2a + 1))", E2, (A + 1) / (2 * (2 * A + 1)), "Γ(x + 2) = (x + 1)xΓ(x)",
             rewrite=sp.gammasimp),
        Step("Var[λ] = 1/(4(2a + 1))", E2 - E1**2, 1 / (4 * (2 * A + 1)), "E[λ²] − E[λ]²", rewrite=sp.gammasimp),
        Step("a = 1 (uniform λ): Var = 1/12", (1 / (4 * (2 * A + 1))).subs(A, 1), sp.Rational(1, 12), "U(0, 1)"),
    ]
    return Derivation(
        name="mixup.beta_moments",
        claim="λ ~ Beta(a, a): E[λ] = 1/2 for every a > 0, Var[λ] = 1/(4(2a + 1)) (→ 1/4 as a → 0: λ near 0 or 1; "
              "→ 0 as a → ∞: λ near 1/2)",
        steps=tuple(steps), assumptions=("a > 0",), source=SOURCE,
        scope="symbolic a through the Gamma-function moment formula; the formula itself integrated for "
              "a ∈ {1, 2, 3, 5}")


def _expect_polynomial(T, a=A):
    """E[T(λ)] for T a polynomial in λ: each λ^k replaced by its Beta(a, a) moment."""
    poly = sp.Poly(sp.expand(T), LAM)
    return sum((c * beta_moment(k[0], a) for k, c in zip(poly.monoms(), poly.coeffs())), sp.Integer(0))


def moments(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for K in CLASSES:
        data = _symbols(K)
        sizes = dict(a=A)
        T = estimator.statistic(data, LAM)
        mean = _expect_polynomial(T)
        var = _expect_polynomial(T**2) - mean**2
        steps += [
            Step(f"E[T] is the claimed mean (K={K})", mean, estimator.mean(data, "beta", sizes),
                 "E over λ of the estimator's own statistic, by its Beta moments", rewrite=sp.gammasimp),
            Step(f"claimed mean = (L₁ + L₂)/2, the vicinal risk of the pair (K={K})",
                 estimator.mean(data, "beta", sizes), estimator.target(data), "E[λ] = 1/2"),
            Step(f"Var[T] is the claimed variance (K={K})", var, estimator.variance(data, "beta", sizes),
                 "E[T²] − E[T]², T affine in λ: (L₁ − L₂)²Var[λ]", rewrite=sp.gammasimp),
        ]
    return Derivation(
        name="mixup.moments",
        claim="the mixed loss T = H(λy₁ + (1 − λ)y₂, q), λ ~ Beta(a, a): E[T] = (L₁ + L₂)/2, "
              "Var[T] = (L₁ − L₂)²/(4(2a + 1))",
        steps=tuple(steps), assumptions=("λ ~ Beta(a, a), a > 0",), source=SOURCE,
        scope=f"K ∈ {CLASSES}: symbolic log-probabilities, targets and a")


BUILDERS = {"mixup.linearity": linearity, "mixup.beta_moments": beta_moments, "mixup.moments": moments}
