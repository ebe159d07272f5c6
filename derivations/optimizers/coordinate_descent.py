"""Coordinate and block-coordinate descent by exact minimisation on a quadratic.

Sources: seed 004_11e585ad4da93776.txt ("Coordinate Descent": minimise with respect to one variable w_i, then
another; block coordinate descent over a subset; "Bad case: J(w_1, w_2) = (w_1 - w_2)² + α(w_1² + w_2²)") and
seed 002_affcfe6d2abfd93d.txt ("Diagonal Hessian": on 4x_1² + x_2², "first find the best x₂ on any x₁, and
find the best x₁"; "Hessian = Diagonal × Rotation": coordinate descent "converges slowly … not rotational
invariant. Gradient descent is rotational invariant").

One step of the rule is one sweep: for each block B in turn, δ = -H_BB⁻¹g_B, x_B ← x_B + δ, g ← g + H[:, B]δ
(the exact minimiser of the quadratic over x_B with the rest fixed).  Cyclic single-coordinate sweeps are
Gauss-Seidel on Ax = b.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.about import about
from derivations.core.objective import MatrixRule, Oracle, dot, quadratic, vector
from derivations.core.proof import Derivation, Step
from derivations.core.rule import ConventionAxis
from derivations.optimizers.newton import symmetric
from derivations.optimizers.steepest_descent import largest

SOURCE = "seed 004_11e585ad4da93776.txt (Coordinate Descent); seed 002_affcfe6d2abfd93d.txt (Diagonal Hessian, Rotation)"
BLOCK_SIZES = {"single": 1, "pairs": 2}


def blocks_of(n: int, size: int):
    return [list(range(s, min(s + size, n))) for s in range(0, n, size)]


def _update(x, g, H, p):
    """Exact minimisation over the block p: δ = -H_pp⁻¹g_p, x_p += δ, g += H[:, p]δ."""
    delta = -H.extract(p, p).inv() * g.extract(p, [0])
    x = sp.Matrix(x)
    for j, i in enumerate(p):
        x[i] += delta[j]
    return x, g + H.extract(list(range(x.shape[0])), p) * delta


def _chosen_first(sizes, k):
    """Block k is the first of the largest: larger than those before it, at least those after."""
    return sp.And(*(sizes[k] > s for s in sizes[:k]), *(sizes[k] >= s for s in sizes[k + 1:]))


def _sweep(order: str, x, g, H, parts, j: int):
    """Updates j, j+1, … of a sweep.  Greedy picks the block with the largest ‖g_B‖² (Gauss-Southwell); where SymPy
    cannot decide which that is (symbolic g), every choice is kept as a Piecewise branch."""
    if j == len(parts):
        return x, g
    if order == "cyclic":
        return _sweep(order, *_update(x, g, H, parts[j]), H, parts, j + 1)
    sizes = [dot(g.extract(p, [0]), g.extract(p, [0])) for p in parts]
    try:
        k = largest(sizes)
    except ValueError:
        branches = [(_sweep(order, *_update(x, g, H, p), H, parts, j + 1), _chosen_first(sizes, k) if k < len(parts) - 1
                     else True) for k, p in enumerate(parts)]
        pick = lambda which, i: sp.Piecewise(*[(b[which][i], c) for b, c in branches])  # noqa: E731
        return (sp.Matrix(x.shape[0], 1, lambda i, _: pick(0, i)), sp.Matrix(x.shape[0], 1, lambda i, _: pick(1, i)))
    return _sweep(order, *_update(x, g, H, parts[k]), H, parts, j + 1)


def _build(conv: dict, x, oracle: Oracle, state: dict, first: bool, hyper: dict):
    parts = blocks_of(x.shape[0], BLOCK_SIZES[conv["block"]])
    x, g = _sweep(conv["order"], sp.Matrix(x), oracle.g, oracle.H, parts, 0)
    return (("x", x), ("g", g))


RULE = MatrixRule(
    name="coordinate_descent",
    title="(Block) coordinate descent: one sweep of exact minimisation over each block in turn",
    shape="matrix",
    state=(),
    outputs=("x", "g"),
    hyperparameters=(),
    axes=(
        ConventionAxis("order", ("cyclic", "greedy"), "cyclic", (
            ("cyclic", "blocks in turn, 1, 2, …, m (seed 004: one variable, then another; Gauss-Seidel)"),
            ("greedy", "m updates, each of the block with the largest ‖g_B‖₂ (Gauss-Southwell; first on ties)"),
        )),
        ConventionAxis("block", ("single", "pairs"), "single", (
            ("single", "one coordinate at a time: δ = -g_i/H_ii"),
            ("pairs", "consecutive pairs (the last alone when n is odd): δ = -H_BB⁻¹g_B (seed 004: block CD)"),
        )),
    ),
    build=_build,
    source=SOURCE,
)


def _gauss_seidel_steps(rule: MatrixRule):
    steps = []
    for n in (2, 3):
        A, b, x = symmetric("A", n), vector("b", n), vector("x", n)
        out = rule.update(x, quadratic(A, b)(x), {}, first=True)
        lower = sp.Matrix(n, n, lambda i, j: A[i, j] if j <= i else 0)  # D + L
        steps.append(Step(f"n={n}, the rule (cyclic): one sweep is Gauss-Seidel, x⁺ = x - (D + L)⁻¹(Ax - b)", out["x"],
                          x - lower.inv() * (A * x - b), "x_i⁺ = (b_i - Σ_(j<i) A_ij x_j⁺ - Σ_(j>i) A_ij x_j)/A_ii"))
        steps.append(Step(f"n={n}, the rule: the carried g is ∇f(x⁺)", out["g"],
                          A * out["x"] - b, "g ← g + A[:, i]δ_i after each coordinate"))
        steps.append(Step(f"n={n}, the rule: g⁺_(n-1) = 0 (exact minimisation over the last coordinate)", out["g"][n - 1],
                          0, "δ = -g_i/A_ii"))
    A, b, x = symmetric("A", 2), vector("b", 2), vector("x", 2)
    steps.append(Step("n=2, the rule (pairs): one block sweep is one Newton step, landing on A⁻¹b",
                      rule.update(x, quadratic(A, b)(x), {}, first=True, block="pairs")["x"], A.inv() * b,
                      "the single block is all of x"))
    return tuple(steps)


def gauss_seidel(rule: MatrixRule = RULE) -> Derivation:
    return Derivation(
        name="coordinate_descent.gauss_seidel",
        claim=("on ½xᵀAx - bᵀx a cyclic sweep of exact coordinate minimisation is one Gauss-Seidel iteration "
               "x⁺ = x - (D + L)⁻¹(Ax - b); the gradient carried by the rule is ∇f(x⁺); a block that is all of x is "
               "a Newton step"),
        steps=_gauss_seidel_steps(rule),
        assumptions=("A symmetric with nonzero diagonal (A ≻ 0 for a minimum)", "the 2×2 block invertible"),
        source=SOURCE,
        scope="symbolic symmetric A, b, x for n = 2 and 3; the pair block for n = 2",
        **about(rule, block=("single", "pairs")),
    )


alpha = sp.Symbol("alpha", positive=True)


def bad_case(rule: MatrixRule = RULE) -> Derivation:
    """Seed 004's bad case J = (w_1 - w_2)² + α(w_1² + w_2²) = ½wᵀHw, H = [[2+2α, -2], [-2, 2+2α]]."""
    w = vector("w", 2)
    H = sp.Matrix([[2 + 2 * alpha, -2], [-2, 2 + 2 * alpha]])
    J = (w[0] - w[1]) ** 2 + alpha * (w[0] ** 2 + w[1] ** 2)
    sweep = lambda x: rule.update(x, quadratic(H, sp.zeros(2, 1))(x), {}, first=True)["x"]  # noqa: E731
    one = sweep(w)
    kappa = sp.Symbol("kappa", positive=True)
    k_of_alpha = (2 + alpha) / alpha
    lam = sorted(H.eigenvals(), key=lambda e: e.subs(alpha, 1))
    return Derivation(
        name="coordinate_descent.bad_case",
        claim=("on seed 004's bad case (w_1 - w_2)² + α(w_1² + w_2²), a cyclic sweep maps (w_1, w_2) to "
               "(w_2/(1+α), w_2/(1+α)²), so every sweep after the first contracts by exactly 1/(1+α)²; κ(H) = (2+α)/α, "
               "and one sweep equals two steps of gradient descent at its best fixed rate (κ-1)/(κ+1) = 1/(1+α)"),
        steps=(
            Step("the Hessian of J", sp.hessian(J, w), H, "∂²J/∂w_i∂w_j"),
            Step("the rule: one sweep", one, sp.Matrix([w[1] / (1 + alpha), w[1] / (1 + alpha) ** 2]),
                 "w_1 ← w_2/(1+α), then w_2 ← w_1/(1+α)"),
            Step("the rule: the next sweep multiplies both coordinates by 1/(1+α)²", sweep(one), one / (1 + alpha) ** 2,
                 "w_2 carries everything, and it shrinks by 1/(1+α)² per sweep"),
            Step("eigenvalues 2α and 4 + 2α", sp.Matrix(lam), sp.Matrix([2 * alpha, 4 + 2 * alpha]),
                 "H = (2+2α)I - 2[[0, 1], [1, 0]]"),
            Step("κ(H) = (2+α)/α", lam[1] / lam[0], k_of_alpha, "(4 + 2α)/(2α)"),
            Step("GD's best rate (κ-1)/(κ+1) at κ = (2+α)/α is 1/(1+α); squared, a sweep's factor",
                 ((kappa - 1) / (kappa + 1)).subs(kappa, k_of_alpha) ** 2, 1 / (1 + alpha) ** 2,
                 "(2/α)/((2+2α)/α) = 1/(1+α)"),
        ),
        assumptions=("α > 0", "cyclic order w_1 then w_2"),
        source=SOURCE,
        scope="general in α and the starting point",
        **about(rule, order="cyclic", block="single"),
    )


def rotation_witness(rule: MatrixRule = RULE) -> Derivation:
    """Seed 002's 4x_1² + x_2² (Hessian diag(8, 2)) and the same rotated by 45°: equal spectra, CD differs."""
    x = vector("x", 2)
    D = sp.diag(8, 2)
    Q = sp.Matrix([[1, -1], [1, 1]]) / sp.sqrt(2)
    R = Q * D * Q.T
    sweep = lambda A, y: rule.update(y, quadratic(A, sp.zeros(2, 1))(y), {}, first=True)["x"]  # noqa: E731
    start = sp.Matrix([1, 1])
    return Derivation(
        name="coordinate_descent.rotation_witness",
        claim=("coordinate descent is not rotation invariant (seed 002): on 4x_1² + x_2² one sweep reaches the minimum "
               "from any point, while on the same quadratic rotated by 45° (same spectrum) it does not, and every "
               "later sweep contracts by (3/5)² = 9/25; gradient descent commutes with rotations "
               "(gradient_descent.rotation_invariance)"),
        steps=(
            Step("the rotated Hessian", R, sp.Matrix([[5, 3], [3, 5]]), "Q diag(8, 2) Qᵀ, Q the 45° rotation"),
            Step("same spectrum", sp.Matrix(sorted(R.eigenvals())), sp.Matrix([2, 8]), "QDQᵀ is similar to D"),
            Step("the rule on diag(8, 2): one sweep from any x lands on 0", sweep(D, x), sp.zeros(2, 1),
                 "a diagonal Hessian decouples the coordinates"),
            Step("the rule on the rotated Hessian: one sweep from (1, 1) does not", sweep(R, start),
                 sp.Matrix([-sp.Rational(3, 5), sp.Rational(9, 25)]), "x_1 = -3x_2/5, then x_2 = -3x_1/5"),
            Step("… and each later sweep multiplies by 9/25", sweep(R, sweep(R, start)),
                 sp.Rational(9, 25) * sweep(R, start), "x_2 ← (3/5)²x_2"),
        ),
        assumptions=("cyclic order x_1 then x_2",),
        source=SOURCE,
        scope="one exact witness (n = 2); the diagonal case for every starting point",
        **about(rule, order="cyclic", block="single"),
    )


BUILDERS = {"coordinate_descent.gauss_seidel": gauss_seidel, "coordinate_descent.bad_case": bad_case,
            "coordinate_descent.rotation_witness": rotation_witness}
