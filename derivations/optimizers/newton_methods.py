"""Newton's method beyond the first step: root finding vs minimisation, quadratic convergence, saddles, damping.

Source: seed 003 ("Newton's Method": root finding x_{t+1} = x_t - f(x_t)/f'(x_t), minimisation
x_{t+1} = x_t - f'(x_t)/f''(x_t), "1/f''(x_t) acts as learning rate", "guarantees only local minima"); seed 004
("Approximate Second-Order Methods": "Saddle point is problematic for Newton's method → regularization
strategy"); seed 002 ("Newton's Method").  derivations/optimizers/newton.py proves the first step on a quadratic;
these derivations read the steps ``root_step`` and ``damped_step`` below (a planted copy can be passed in).
"""
from __future__ import annotations

import sympy as sp

from derivations.core.proof import Derivation, Step

SOURCE = "seed 003 (Newton's Method); seed 004 (Approximate Second-Order Methods, saddle points); seed 002"
x, e = sp.symbols("x e", real=True)


def root_step(h, at):
    """One Newton step for a root of h (an expression in x): at - h(at)/h'(at)."""
    return at - (h / sp.diff(h, x)).subs(x, at)


def damped_step(H: sp.Matrix, g: sp.Matrix, damping) -> sp.Matrix:
    """The regularised Newton step -(H + λI)⁻¹g (λ = 0: Newton's own)."""
    return -(H + damping * sp.eye(H.shape[0])).LUsolve(g)


def root_and_minimisation(step=root_step) -> Derivation:
    f = sp.Function("f")(x)
    t = sp.Symbol("x_t", real=True)
    minimise = t - (sp.diff(f, x) / sp.diff(f, x, 2)).subs(x, t)
    quadratic = sp.Rational(3, 2) * (x - 2) ** 2 + 5
    return Derivation(
        name="newton_methods.root_and_minimisation",
        claim=("seed 003's minimisation step x - f'/f'' is its root-finding step x - f/f' applied to f': Newton "
               "minimisation looks for a stationary point, not a minimum; 1/f'' is the step's learning rate, and "
               "on a quadratic one step lands on the stationary point from anywhere"),
        steps=(
            Step("root step on h = f' is x - f'(x)/f''(x)", step(sp.diff(f, x), t), minimise, "h' = f''"),
            Step("on f = 3/2(x-2)² + 5 one step lands on x* = 2", step(sp.diff(quadratic, x), t), 2,
                 "f' is linear, and Newton's step solves a linear equation exactly"),
        ),
        assumptions=("f twice differentiable, f''(x_t) ≠ 0",),
        source=SOURCE,
        scope="a symbolic function f; one quadratic instance",
    )


def quadratic_convergence(step=root_step) -> Derivation:
    a, b, c = sp.symbols("a b c", real=True, nonzero=True)  # f'' , f''' , f'''' at the minimiser x*
    # f' near x* = 0 (f'(x*) = 0): its Taylor polynomial to the order that fixes e_{t+1} to O(e³)
    f_prime = a * x + b * x**2 / 2 + c * x**3 / 6
    e_next = step(f_prime, e)  # the error after a step from x* + e
    leading = sp.limit(e_next / e**2, e, 0)
    return Derivation(
        name="newton_methods.quadratic_convergence",
        claim=("near a minimiser x* with f''(x*) ≠ 0, Newton's minimisation step maps the error e_t to "
               "e_{t+1} = (f'''(x*)/(2f''(x*)))·e_t² + O(e_t³): quadratic local convergence"),
        steps=(
            Step("e_{t+1}/e_t² → f'''/(2f'') as e_t → 0", leading, b / (2 * a),
                 "e - f'(x*+e)/f''(x*+e) with f' = ae + be²/2 + ce³/6: the e and e²/… terms cancel to b/(2a)·e²"),
            Step("the e² coefficient of the series of e_{t+1}", sp.series(e_next, e, 0, 3).removeO().coeff(e, 2),
                 b / (2 * a), "the same, read off the series"),
            Step("no e¹ term: the error is not merely linearly reduced", sp.series(e_next, e, 0, 3).removeO().coeff(e, 1),
                 0, "the e terms cancel exactly"),
        ),
        assumptions=("f four times differentiable near x*, f'(x*) = 0, f''(x*) = a ≠ 0, f'''(x*) = b ≠ 0",),
        source=SOURCE,
        scope="general: symbolic Taylor coefficients a, b, c (higher ones do not reach the e² term)",
    )


def saddle_and_damping(step=damped_step) -> Derivation:
    H = sp.diag(1, -1)  # an indefinite quadratic f = ½xᵀHx: a saddle at 0
    x0 = sp.Matrix([0, 1])

    def f(v):
        return (v.T * H * v)[0] / 2

    g0 = H * x0
    newton = x0 + step(H, g0, 0)
    damped = x0 + step(H, g0, 2)
    lam1, lam2 = sp.symbols("lambda_1 lambda_2", real=True)
    g1, g2 = sp.symbols("g_1 g_2", real=True, nonzero=True)
    shift = sp.Symbol("mu", positive=True)  # λ = -min(λ₁, λ₂) + μ: H + λI ≻ 0
    d1, d2 = sp.symbols("d_1 d_2", nonnegative=True)  # λ₁ = m + d₁, λ₂ = m + d₂ with m the smaller eigenvalue
    m = sp.Symbol("m", real=True)
    Hs, gs = sp.diag(m + d1, m + d2), sp.Matrix([g1, g2])
    direction = step(Hs, gs, -m + shift)
    slope = (gs.T * direction)[0]
    return Derivation(
        name="newton_methods.saddle_and_damping",
        claim=("seed 004's warning made exact: on the indefinite f = ½(x₁² - x₂²) the Newton step from (0, 1) lands "
               "on the saddle (0, 0) and *raises* f from -1/2 to 0; the regularised step -(H + λI)⁻¹g with "
               "λ > -λ_min is always a descent direction (here λ = 2 lowers f to -2)"),
        steps=(
            Step("the Newton step lands on the stationary point (0, 0)", newton, sp.zeros(2, 1), "-H⁻¹Hx₀ = -x₀"),
            Step("which is a saddle: H has eigenvalues 1 and -1", sp.Matrix(sorted(H.eigenvals())), sp.Matrix([-1, 1]),
                 "indefinite"),
            Step("f rises along the Newton step: f(x₀) < f(saddle)", f(x0), f(newton), "-1/2 < 0",
                 relation="<", certificate=f(newton) - f(x0)),
            Step("damped (λ = 2): f(x₀ + d) = -2 < f(x₀)", f(damped), f(x0), "(H + 2I)⁻¹ = diag(1/3, 1)",
                 relation="<", certificate=f(x0) - f(damped)),
            Step("any λ > -λ_min: gᵀd < 0 (a descent direction)", slope, 0,
                 "gᵀd = -Σ g_i²/(λ_i + λ), each λ_i + λ = d_i + μ > 0", relation="<",
                 certificate=g1**2 / (d1 + shift) + g2**2 / (d2 + shift)),
        ),
        assumptions=("H diagonal in its eigenbasis (any symmetric H after an orthogonal change of basis)",
                     "λ = -λ_min + μ, μ > 0", "g ≠ 0"),
        source=SOURCE,
        scope="the saddle on one exact instance; the descent property for symbolic 2×2 spectra and gradients",
    )


BUILDERS = {"newton_methods.root_and_minimisation": root_and_minimisation,
            "newton_methods.quadratic_convergence": quadratic_convergence,
            "newton_methods.saddle_and_damping": saddle_and_damping}
