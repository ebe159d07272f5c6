"""Newton's step: the stationary point of the second-order model, a minimum when H ≻ 0.

Sources: seed 002_affcfe6d2abfd93d.txt ("Newton's Method": Δ = -H⁻¹g, "if the function is
indeed quadratic, Newton's method converges in a single step"), seed 003_91c12aa291f221ab.txt
(θ ← θ - H⁻¹∇f) and seed 004_11e585ad4da93776.txt (θ* = θ_0 - H⁻¹∇J(θ_0), Algorithm 1).
"""
from __future__ import annotations

import sympy as sp

from derivations.core.about import about
from derivations.core.objective import MatrixRule, Oracle, quadratic
from derivations.core.proof import Derivation, Step
from derivations.core.rule import ConventionAxis, Hyperparameter

SOURCE = "seed 002_affcfe6d2abfd93d.txt (Newton's Method); seed 003_91c12aa291f221ab.txt; seed 004_11e585ad4da93776.txt"
DIMENSIONS = (2, 3)


def symmetric(name: str, n: int) -> sp.Matrix:
    return sp.Matrix(n, n, lambda i, j: sp.Symbol(f"{name}_{min(i, j)}{max(i, j)}", real=True))


def vector(name: str, n: int) -> sp.Matrix:
    return sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"{name}_{i}", real=True))


def cholesky_factor(n: int) -> sp.Matrix:
    """Lower-triangular L with positive diagonal: H = L Lᵀ spans every positive definite H."""
    return sp.Matrix(n, n, lambda i, j: sp.Symbol(f"l_{i}{j}", positive=(i == j), real=True) if j <= i else 0)


def model(f0, g, H, d):
    return f0 + (g.T * d)[0] + (d.T * H * d)[0] / 2


def gradient(expr, d):
    return sp.Matrix([sp.diff(expr, x) for x in d])


def lower_mirrored(H: sp.Matrix) -> sp.Matrix:
    """What a Cholesky solve reads of H: its lower triangle, mirrored (it never looks above the diagonal)."""
    n = H.shape[0]
    return sp.Matrix(n, n, lambda i, j: H[max(i, j), min(i, j)])


def _build(conv: dict, x, oracle: Oracle, state: dict, first: bool, hyper: dict):
    # Damped Newton: solve (H + λI)Δ = g, then x ← x - Δ (seed 004 Algorithm 1, with the "regularization
    # strategy" it names for saddle points as λ ≥ 0).  The symmetric solve reads only H's lower triangle.
    H = lower_mirrored(oracle.H) if conv["solve"] == "symmetric" else oracle.H
    n = H.shape[0]
    delta = (H + hyper["damping"] * sp.eye(n)).inv() * oracle.g
    return (("delta", delta), ("x", x - delta))


RULE = MatrixRule(
    name="newton",
    title="Damped Newton step x ← x - (H + λI)⁻¹g",
    shape="matrix",
    state=(),
    outputs=("x",),
    hyperparameters=(Hyperparameter("damping", 0.0, float("inf"), False, True, 0.0,
                                    "λ ≥ 0 added to H's diagonal (Levenberg-Marquardt damping)"),),
    axes=(ConventionAxis("solve", ("symmetric", "general"), "symmetric", (
        ("symmetric", "Cholesky of H + λI: H is taken as symmetric (its lower triangle) and H + λI ≻ 0"),
        ("general", "LU with partial pivoting of H + λI: any nonsingular H, e.g. a Jacobian (root finding)"),
    )),),
    build=_build,
    source=SOURCE,
)


def _rule_steps(rule: MatrixRule, n: int):
    """Claims about the rule's own update, read from ``rule`` (change the rule and these fail)."""
    A, b, x, e = symmetric("A", n), vector("b", n), vector("x", n), vector("d", n)
    lam = sp.Symbol("lambda", nonnegative=True)
    plain = rule.update(x, quadratic(A, b)(x), {}, first=True, hyper={"damping": 0})["x"]
    g, H = vector("g", n), symmetric("H", n)
    damped = rule.update(x, Oracle(g, H), {}, first=True, hyper={"damping": lam})["delta"]
    general = rule.update(x, Oracle(g, H), {}, first=True, hyper={"damping": lam}, solve="general")["delta"]
    damped_model = model(0, g, H, e) + lam * (e.T * e)[0] / 2
    return (
        Step(f"n={n}, the rule: one undamped step on ½xᵀAx - bᵀx lands on A⁻¹b", plain, A.inv() * b,
             "x - A⁻¹(Ax - b) = A⁻¹b from any x"),
        Step(f"n={n}, the rule: -Δ is stationary for the damped model m(d) + ½λ‖d‖²",
             gradient(damped_model, e).subs(dict(zip(e, -damped)), simultaneous=True), sp.zeros(n, 1),
             "g + (H + λI)(-(H + λI)⁻¹g) = 0"),
        Step(f"n={n}, the rule: the symmetric and general solves agree on symmetric H", damped, general,
             "the lower triangle mirrored is H itself when H = Hᵀ"),
    )


def _steps_for(n: int):
    H, g, d, e = symmetric("H", n), vector("g", n), vector("Delta", n), vector("d", n)
    f0 = sp.Symbol("f_0", real=True)
    newton = -H.inv() * g
    L = cholesky_factor(n)
    P = L * L.T
    newton_pd = -P.inv() * g
    A, b, x = symmetric("A", n), vector("b", n), vector("x", n)
    c = sp.Symbol("c", real=True)
    quadratic = (x.T * A * x)[0] / 2 - (b.T * x)[0] + c
    q_grad, q_hess = gradient(quadratic, x), sp.hessian(quadratic, x)
    return (
        Step(f"n={n}: gradient of the model", gradient(model(f0, g, H, d), d), g + H * d,
             "d/dΔ (gᵀΔ + ½ΔᵀHΔ) = g + HΔ for symmetric H"),
        Step(f"n={n}: Δ = -H⁻¹g is stationary", (g + H * d).subs(dict(zip(d, newton))), sp.zeros(n, 1),
             "g + H(-H⁻¹g) = 0 (H invertible)"),
        Step(f"n={n}: a minimum when H ≻ 0", model(f0, g, P, newton_pd), model(f0, g, P, newton_pd + e),
             "m(Δ*+d) - m(Δ*) = ½ dᵀHd = ½‖Lᵀd‖² ≥ 0 with H = LLᵀ", relation="<=",
             certificate=sum(((L.T * e)[i] ** 2 for i in range(n)), sp.Integer(0)) / 2),
        Step(f"n={n}: quadratic gradient and Hessian", q_grad.col_insert(1, q_hess), (A * x - b).col_insert(1, A),
             "∇(½xᵀAx - bᵀx + c) = Ax - b, ∇² = A for symmetric A"),
        Step(f"n={n}: one Newton step lands on A⁻¹b", x - q_hess.inv() * q_grad, A.inv() * b,
             "x - A⁻¹(Ax - b) = A⁻¹b from any x"),
    )


def newton_step(rule: MatrixRule = RULE) -> Derivation:
    n_sym = sp.Symbol("n", integer=True, positive=True)
    A_n, x_n, b_n = sp.MatrixSymbol("A", n_sym, n_sym), sp.MatrixSymbol("x", n_sym, 1), sp.MatrixSymbol("b", n_sym, 1)
    return Derivation(
        name="newton.step",
        claim=(
            "Δ = -H⁻¹g is the stationary point of m(Δ) = f + gᵀΔ + ½ΔᵀHΔ and its minimum when H ≻ 0; "
            "on ½xᵀAx - bᵀx + c one Newton step from any x lands on the exact minimizer A⁻¹b"
        ),
        steps=sum((_steps_for(n) for n in DIMENSIONS), ()) + _rule_steps(rule, 2)
        + (
            Step("any n: one Newton step lands on A⁻¹b", (x_n - A_n.I * (A_n * x_n - b_n)).expand(), A_n.I * b_n,
                 "matrix algebra: A⁻¹A = I", rewrite=lambda e: sp.simplify(e)),
        ),
        assumptions=("H, A symmetric and invertible", "H ≻ 0 for the minimum, written H = LLᵀ (Cholesky, L_ii > 0)",
                     "H + λI invertible for the rule's damped step"),
        source=SOURCE,
        scope=(
            "symbolic entries in fixed dimensions n = 2 and 3 for every claim; "
            "the one-step claim also for symbolic n (matrix symbols); the rule's own damped update for n = 2"
        ),
        **about(rule, solve=("symmetric", "general")),
    )


# Built on first use (inverting symbolic 3×3 matrices takes a while): see registry.py.
BUILDERS = {"newton.step": newton_step}
