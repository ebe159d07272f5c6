"""SAM, sharpness-aware minimisation: the inner maximiser and the two sharpness definitions of the notes.

Source: seed 003 ("SAM (Sharpness-Aware Minimization)": Sharpness = max_{‖ε‖₂ ≤ ρ} (L(θ+ε) - L(θ)), "maximizes error
in neighborhood, then minimizes that"; the update rule is not written) and seed 000 (sharpness as the largest
Hessian eigenvalue); Foret, Kleiner, Mobahi, Neyshabur, *Sharpness-Aware Minimization for Efficiently Improving
Generalization*, ICLR 2021, eq. (2): the first-order inner maximiser ε̂ = ρ·g/‖g‖ and the two-gradient update
θ ← θ - η·∇L(θ + ε̂).  ASAM (Kwon et al. 2021) scales ε̂ by |θ|: ε̂ = ρ·T²g/‖Tg‖, T = diag(|θ|).

Derivations here are about the perturbation ``perturbation`` (a planted copy can be passed in) and the definitions:

* ``sam.inner_maximiser``: with L linearised, L(θ+ε) ≈ L(θ) + gᵀε, the maximiser over ‖ε‖ ≤ ρ is ε̂ = ρg/‖g‖
  (Cauchy–Schwarz bounds gᵀε by ρ‖g‖; ε̂ is feasible and attains it); the adaptive form maximises over the ball
  ‖T⁻¹ε‖ ≤ ρ.
* ``sam.quadratic_sharpness``: at a quadratic minimum L(θ+ε) - L(θ) = ½εᵀHε, whose maximum over ‖ε‖ ≤ ρ is
  ρ²λ_max/2: seed 003's sharpness is seed 000's λ_max times ρ²/2, so the two definitions agree up to that factor;
  and a witness that there the first-order ε̂ is 0/0 (g = 0), so SAM's step does not see that sharpness.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.proof import Derivation, Step
from derivations.core.reduction import dot, norm

SOURCE = ("seed 003 (SAM); seed 000 (sharpness, Hessian eigenvalues); Foret et al., Sharpness-Aware Minimization, "
          "ICLR 2021, eq. (2); Kwon et al., ASAM, ICML 2021")
rho = sp.Symbol("rho", positive=True)


def perturbation(g: sp.Matrix, radius, scale=None) -> sp.Matrix:
    """ε̂ = ρ·g/‖g‖ (SAM), or ρ·T²g/‖Tg‖ with T = diag(scale) (ASAM's |θ|)."""
    if scale is None:  # per component, as IEEE would: 0/0 at g = 0 (a Matrix / 0 would give zeros)
        return sp.Matrix([radius * x / norm(g) for x in g])
    tg = sp.Matrix([s * x for s, x in zip(scale, g)])
    return sp.Matrix([radius * s * x / norm(tg) for s, x in zip(scale, tg)])


def _vector(name, n, **assumptions):
    return sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"{name}_{i}", **assumptions))


def _sq(v):
    return sum((x**2 for x in v), sp.Integer(0))


def inner_maximiser(perturb=perturbation) -> Derivation:
    steps = []
    for n in (2, 3):
        g, e = _vector("g", n, real=True, nonzero=True), _vector("e", n, real=True, nonzero=True)
        eh = perturb(g, rho)
        steps.append(Step(f"n={n}: ‖ε̂‖² = ρ² (feasible, on the sphere)", _sq(eh), rho**2, "‖ρg/‖g‖‖ = ρ",
                          rewrite=sp.simplify))
        steps.append(Step(f"n={n}: gᵀε̂ = ρ‖g‖ (attains the bound)", dot(g, eh), rho * norm(g), "gᵀg/‖g‖ = ‖g‖",
                          rewrite=sp.simplify))
        cs = _sq(norm(e) * g - norm(g) * e) / (2 * norm(g) * norm(e))
        steps.append(Step(f"n={n}: any ε: gᵀε ≤ ‖g‖‖ε‖ ≤ ρ‖g‖ when ‖ε‖ ≤ ρ", dot(g, e), norm(g) * norm(e),
                          "Cauchy–Schwarz: the gap is ‖ ‖ε‖g - ‖g‖ε ‖²/(2‖g‖‖ε‖) ≥ 0", relation="<=",
                          certificate=cs))
        t = _vector("t", n, positive=True)
        ah = perturb(g, rho, scale=t)
        tinv = sp.Matrix([x / s for x, s in zip(ah, t)])
        steps.append(Step(f"n={n}, adaptive: ‖T⁻¹ε̂‖² = ρ² (on ASAM's ball)", _sq(tinv), rho**2,
                          "T⁻¹·ρT²g/‖Tg‖ = ρTg/‖Tg‖", rewrite=sp.simplify))
        steps.append(Step(f"n={n}, adaptive: gᵀε̂ = ρ‖Tg‖ (the maximum of gᵀε = (Tg)ᵀ(T⁻¹ε) there)", dot(g, ah),
                          rho * norm(sp.Matrix([s * x for s, x in zip(t, g)])), "(Tg)ᵀ(Tg)/‖Tg‖ = ‖Tg‖",
                          rewrite=sp.simplify))
    return Derivation(
        name="sam.inner_maximiser",
        claim=("with L(θ+ε) replaced by its first-order model L(θ) + gᵀε, the maximiser over ‖ε‖₂ ≤ ρ is "
               "ε̂ = ρg/‖g‖ (value ρ‖g‖); ASAM's ε̂ = ρT²g/‖Tg‖ (T = diag|θ|) is the maximiser over ‖T⁻¹ε‖ ≤ ρ"),
        steps=tuple(steps),
        assumptions=("g ≠ 0 (components nonzero)", "ρ > 0", "‖ε‖ ≤ ρ for the bound", "T = diag(t), t > 0"),
        source=SOURCE,
        scope="symbolic vectors of dimension n = 2 and 3",
    )


def quadratic_sharpness(perturb=perturbation) -> Derivation:
    l2, d = sp.symbols("lambda_2 delta", positive=True)  # λ₁ = λ₂ + δ ≥ λ₂: λ_max = λ₁
    l1 = l2 + d
    e1, e2 = sp.symbols("e_1 e_2", real=True)
    slack = sp.Symbol("sigma", nonnegative=True)  # ρ² = ‖ε‖² + σ: ε in the ball
    c, s = sp.symbols("c s", real=True)  # Q = [[c, -s], [s, c]] a rotation, c² + s² = 1
    Q = sp.Matrix([[c, -s], [s, c]])
    H = Q * sp.diag(l1, l2) * Q.T
    theta, eps = sp.Matrix(sp.symbols("theta_1 theta_2", real=True)), sp.Matrix([e1, e2])

    def L(x):  # a quadratic with its minimum at θ
        return (((x - theta).T * H * (x - theta))[0]) / 2

    on_circle = {c: sp.sqrt(1 - s**2)}
    z = Q.T * eps  # ε in the eigenbasis: ‖z‖ = ‖ε‖
    rotated = sp.expand(((eps.T * H * eps)[0]).subs(on_circle))
    in_basis = sp.expand((l1 * z[0] ** 2 + l2 * z[1] ** 2).subs(on_circle))
    bound_gap = l1 * slack + d * e2**2  # λ₁ρ² - (λ₁e₁² + λ₂e₂²) with ρ² = e₁² + e₂² + σ
    at_top = sp.Matrix([sp.sqrt(e1**2 + e2**2 + slack), 0])
    zero_g = sp.zeros(2, 1)
    steps = (
        Step("L(θ+ε) - L(θ) = ½εᵀHε at the minimum θ", L(theta + eps) - L(theta), (eps.T * H * eps)[0] / 2,
             "∇L(θ) = 0: no linear term"),
        Step("εᵀHε = λ₁z₁² + λ₂z₂² with z = Qᵀε", rotated, in_basis, "H = QΛQᵀ, Q orthogonal (c² + s² = 1)"),
        Step("‖Qᵀε‖² = ‖ε‖²", sp.expand(_sq(z).subs(on_circle)), e1**2 + e2**2, "Q orthogonal"),
        Step("in the eigenbasis, ½(λ₁z₁² + λ₂z₂²) ≤ ρ²λ_max/2 on the ball", (l1 * e1**2 + l2 * e2**2) / 2,
             l1 * (e1**2 + e2**2 + slack) / 2, "λ₁ρ² - λ₁z₁² - λ₂z₂² = λ₁σ + (λ₁-λ₂)z₂² ≥ 0", relation="<=",
             certificate=bound_gap / 2),
        Step("attained at z = ρ·e₁ (the top eigenvector)", (l1 * at_top[0] ** 2 + l2 * at_top[1] ** 2) / 2,
             l1 * (e1**2 + e2**2 + slack) / 2, "z₂ = 0, z₁² = ρ²"),
        Step("seed 003's sharpness = (ρ²/2)·seed 000's λ_max", l1 * rho**2 / 2 / l1, rho**2 / 2,
             "the two definitions agree up to the factor ρ²/2"),
        Step("witness: at the minimum g = 0, and the first-order ε̂ = ρg/‖g‖ is 0/0",
             sp.Integer(int(perturb(zero_g, rho).has(sp.nan))), 1,
             "SAM's linearised inner step is undefined exactly where the quadratic sharpness is defined"),
    )
    return Derivation(
        name="sam.quadratic_sharpness",
        claim=("at a minimum of a quadratic with Hessian H, max_{‖ε‖≤ρ} L(θ+ε) - L(θ) = ρ²λ_max(H)/2: seed 003's "
               "sharpness is seed 000's largest Hessian eigenvalue scaled by ρ²/2; there g = 0 and the first-order "
               "ε̂ = ρg/‖g‖ is undefined (0/0)"),
        steps=steps,
        assumptions=("H symmetric 2×2 = QΛQᵀ, Q a rotation, λ₁ = λ₂ + δ, δ ≥ 0, λ₂ > 0",
                     "ε in the ball: ρ² = ‖ε‖² + σ, σ ≥ 0", "θ the minimiser (∇L(θ) = 0)"),
        source=SOURCE,
        scope="n = 2, symbolic eigenvalues, rotation and ε (any 2×2 symmetric positive definite H)",
    )


BUILDERS = {"sam.inner_maximiser": inner_maximiser, "sam.quadratic_sharpness": quadratic_sharpness}
