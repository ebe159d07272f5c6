"""Gradient descent on a quadratic: the per-eigendirection factor, stability, the best fixed step, exact line
search (Kantorovich), heavy ball, rotation invariance, and whitening versus per-feature standardisation.

Sources: seed 002_affcfe6d2abfd93d.txt ("Gradient Descent"; the condition-number slides: "a large condition
number λ_max/λ_min leads to slow convergence", the lr must not "overshoot in one dimension"; "Gradient descent
is rotational invariant"; "Whitening … lowers the condition number") and seed 004_11e585ad4da93776.txt
("Steepest Descent Method": a constant ε or the ε minimising L(x - ε∇L)).  No seed states a rate: the rates
here make the qualitative claim quantitative.  The seed's whitening claim is false for per-feature
standardisation (``gradient_descent.standardisation_witness``).
"""
from __future__ import annotations

import sympy as sp

from derivations.core.about import about
from derivations.core.objective import MatrixRule, Oracle, dot, quadratic, vector
from derivations.core.proof import Derivation, Step
from derivations.core.rule import ConventionAxis, Hyperparameter
from derivations.optimizers.newton import cholesky_factor, symmetric

SOURCE = "seed 002_affcfe6d2abfd93d.txt (Gradient Descent; condition number; whitening); seed 004_11e585ad4da93776.txt"


def _build(conv: dict, x, oracle: Oracle, state: dict, first: bool, hyper: dict):
    g, H = oracle.g, oracle.H
    if conv["step"] == "line_search":  # the exact minimiser of f(x - αg) on a quadratic
        alpha = dot(g, g) / dot(g, H * g)
        return (("alpha", alpha), ("x", x - alpha * g), ("x_prev", x))
    new = x - hyper["lr"] * g
    if conv["step"] == "heavy_ball" and not first:  # Polyak: + β(x_t - x_(t-1)); x_(-1) = x_0
        new = new + hyper["momentum"] * (x - state["x_prev"])
    return (("alpha", hyper["lr"]), ("x", new), ("x_prev", x))


RULE = MatrixRule(
    name="gradient_descent",
    title="Gradient descent x ← x - ηg (fixed step, exact line search, or Polyak's heavy ball)",
    shape="matrix",
    state=("x_prev",),
    outputs=("x",),
    hyperparameters=(
        Hyperparameter("lr", 0.0, float("inf"), True, True, 0.1, "η > 0, the fixed step (fixed, heavy_ball)"),
        Hyperparameter("momentum", 0.0, 1.0, False, True, 0.0, "β ∈ [0, 1), heavy ball's β(x_t - x_(t-1))"),
    ),
    axes=(ConventionAxis("step", ("fixed", "line_search", "heavy_ball"), "fixed", (
        ("fixed", "x ← x - ηg (seed 002: η_t; seed 004: a constant ε)"),
        ("line_search", "x ← x - αg with α = gᵀg / gᵀHg, the minimiser of f(x - αg) on a quadratic (seed 004)"),
        ("heavy_ball", "x_(t+1) = x_t - ηg_t + β(x_t - x_(t-1)), x_(-1) = x_0 (Polyak's momentum, not in the seeds)"),
    )),),
    build=_build,
    source=SOURCE,
)

lam, eta, s = sp.symbols("lambda eta s", positive=True)


def _eigen_steps(rule: MatrixRule):
    """e_(t+1) = (I - ηA)e_t read from the rule, for symbolic symmetric A (n = 2, 3)."""
    steps = []
    for n in (2, 3):
        A, b, x = symmetric("A", n), vector("b", n), vector("x", n)
        new = rule.update(x, quadratic(A, b)(x), {}, first=True, hyper={"lr": eta})["x"]
        x_star = A.inv() * b
        steps.append(Step(f"n={n}, the rule: e_(t+1) = (I - ηA)e_t with e = x - A⁻¹b", new - x_star,
                          (sp.eye(n) - eta * A) * (x - x_star), "g = Ax - b = A(x - x*)"))
    q, lam_s = vector("q", 2), sp.Symbol("lambda", real=True)
    A = symmetric("A", 2)
    # an eigenvector q, Aq = λq: qᵀ(I - ηA) = (1 - ηλ)qᵀ; with A = λqqᵀ/qᵀq + μ(I - qqᵀ/qᵀq) every such pair
    mu = sp.Symbol("mu", real=True)
    P = q * q.T / dot(q, q)
    A = lam_s * P + mu * (sp.eye(2) - P)
    steps.append(Step("n=2: the component along an eigenvector is multiplied by 1 - ηλ", (q.T * (sp.eye(2) - eta * A)),
                      (1 - eta * lam_s) * q.T, "A symmetric: qᵀA = λqᵀ"))
    return tuple(steps)


def _stability_steps():
    # 0 < ηλ < 2 written ηλ = 2/(1 + s), s > 0; ηλ > 2 written ηλ = 2(1 + s)
    inside, outside = 2 / (1 + s), 2 * (1 + s)
    return (
        Step("|1 - ηλ| < 1 when 0 < ηλ < 2", (1 - inside) ** 2, 1, "1 - (1 - ηλ)² = ηλ(2 - ηλ) > 0", relation="<",
             certificate=sp.factor(1 - (1 - inside) ** 2)),
        Step("|1 - ηλ| > 1 when ηλ > 2: the component grows (overshoot)", (1 - outside) ** 2, 1,
             "(1 - ηλ)² - 1 = ηλ(ηλ - 2) > 0", relation=">", certificate=sp.expand((1 - outside) ** 2 - 1)),
        Step("|1 - ηλ| = 1 at ηλ = 2: the component oscillates without decaying", (1 - 2) ** 2, 1, "1 - 2 = -1"),
    )


def _best_step_steps(rule: MatrixRule):
    lo, hi, kappa = sp.symbols("lambda_min lambda_max kappa", positive=True)
    x = vector("x", 2)
    A = sp.diag(lo, hi)
    star = 2 / (lo + hi)
    new = rule.update(x, quadratic(A, sp.zeros(2, 1))(x), {}, first=True, hyper={"lr": star})["x"]
    rate = (kappa - 1) / (kappa + 1)
    return (
        Step("the best fixed step equalises |1 - ηλ_min| and |1 - ηλ_max|", eta, star, "1 - ηλ_min = ηλ_max - 1",
             relation="solves", equation=(1 - eta * lo) + (1 - eta * hi)),
        Step("the rule with η = 2/(λ_min + λ_max): both components shrink by (κ-1)/(κ+1) in modulus",
             sp.Matrix([new[0] / x[0], -new[1] / x[1]]).subs(hi, kappa * lo), sp.Matrix([rate, rate]),
             "1 - 2λ_min/(λ_min + λ_max) = (κ - 1)/(κ + 1), κ = λ_max/λ_min"),
    )


def _line_search_steps(rule: MatrixRule):
    """n = 2, A = diag(λ_1, λ_2), b = 0 (any SPD quadratic is this after a shift and a rotation, which GD commutes
    with: gradient_descent.rotation_invariance).  Writing p = λ_1²x_1², q = λ_2²x_2² (the squared gradient)."""
    l1, l2, x1, x2 = sp.symbols("lambda_1 lambda_2 x_1 x_2", positive=True)
    x, A = sp.Matrix([x1, x2]), sp.diag(l1, l2)
    f = lambda v: dot(v, A * v) / 2  # noqa: E731
    new = rule.update(x, quadratic(A, sp.zeros(2, 1))(x), {}, first=True, step="line_search")["x"]
    g = A * x
    ratio = dot(g, g) ** 2 / (dot(g, A * g) * dot(g, A.inv() * g))
    kant = 4 * l1 * l2 / (l1 + l2) ** 2
    p, q = l1 ** 2 * x1 ** 2, l2 ** 2 * x2 ** 2
    gap = (l1 - l2) ** 2 * (p - q) ** 2 / ((l1 + l2) ** 2 * (l1 * p + l2 * q) * (p / l1 + q / l2))
    kappa = sp.Symbol("kappa", positive=True)
    return (
        Step("the rule's exact step: f(x⁺) = (1 - (gᵀg)²/(gᵀAg·gᵀA⁻¹g))·f(x)", f(new), (1 - ratio) * f(x),
             "f(x - αg) = f - α gᵀg + ½α² gᵀAg at α = gᵀg/gᵀAg, and f = ½gᵀA⁻¹g"),
        Step("Kantorovich (n=2): (gᵀg)²/(gᵀAg·gᵀA⁻¹g) ≥ 4λ_1λ_2/(λ_1 + λ_2)²", ratio, kant,
             "the gap is (λ_1 - λ_2)²(p - q)² over positive factors", relation=">=", certificate=gap),
        Step("so f - f* contracts by at most ((κ-1)/(κ+1))² per step", (1 - kant).subs(l2, kappa * l1),
             ((kappa - 1) / (kappa + 1)) ** 2, "1 - 4κ/(1 + κ)² = (κ - 1)²/(κ + 1)²"),
    )


def _heavy_ball_steps(rule: MatrixRule):
    """On ½λx², heavy ball is x_(t+1) = (1 + β - ηλ)x_t - βx_(t-1): roots of z² - (1 + β - ηλ)z + β.  With
    μ = m², L = M² and Polyak's η = 4/(M + m)², β = ((M - m)/(M + m))², the discriminant vanishes at λ = μ and
    λ = L and is a convex quadratic in λ, so it is ≤ 0 on [μ, L]: a complex (or double) pair of modulus √β."""
    m, d = sp.symbols("m d", positive=True)
    M = (1 + d) * m  # L > μ: √κ = M/m = 1 + d
    beta, lr = ((M - m) / (M + m)) ** 2, 4 / (M + m) ** 2
    x, xp_ = sp.Matrix([sp.Symbol("x_t", real=True)]), sp.Matrix([sp.Symbol("x_tm1", real=True)])
    lam_r = sp.Symbol("lambda", positive=True)
    new = rule.update(x, Oracle(sp.Matrix([lam_r * x[0]]), sp.Matrix([[lam_r]])), {"x_prev": xp_}, first=False,
                      hyper={"lr": eta, "momentum": sp.Symbol("beta")}, step="heavy_ball")["x"][0]
    b_ = sp.Symbol("beta")
    disc = lambda l_: (1 + beta - lr * l_) ** 2 - 4 * beta  # noqa: E731
    return (
        Step("the rule on ½λx²: x_(t+1) = (1 + β - ηλ)x_t - βx_(t-1)", new,
             (1 + b_ - eta * lam_r) * x[0] - b_ * xp_[0], "g = λx_t"),
        Step("Polyak's η, β: the discriminant vanishes at λ = μ", disc(m ** 2), 0, "1 + β - ημ = 2√β"),
        Step("… and at λ = L", disc(M ** 2), 0, "1 + β - ηL = -2√β"),
        Step("the discriminant is convex in λ (leading coefficient η² > 0), so ≤ 0 between", sp.diff(disc(lam_r), lam_r, 2),
             0, "2η² > 0", relation=">", certificate=2 * lr ** 2),
        Step("the modulus of the complex pair is √β = (√κ - 1)/(√κ + 1)", sp.sqrt(beta), (M / m - 1) / (M / m + 1),
             "|z|² = product of the roots = β; √κ = √(L/μ) = M/m", rewrite=lambda e: sp.factor(e)),
    )


c_, s_ = sp.symbols("c s", real=True)
ROTATION = sp.Matrix([[c_, -s_], [s_, c_]])  # orthogonal exactly when c² + s² = 1


def on_circle(e):
    """Each entry's numerator reduced modulo c² + s² - 1 (sound under the assumption c² + s² = 1)."""
    return sp.Matrix(e).applyfunc(
        lambda z: sp.reduced(sp.expand(sp.numer(sp.together(z))), [c_ ** 2 + s_ ** 2 - 1], s_, c_)[1])


def _rotation_steps(rule: MatrixRule):
    """f̃(y) = f(Qy) has gradient Qᵀg(Qy) and Hessian QᵀH(Qy)Q: the rule read through that oracle, mapped back by Q,
    is the rule read through f's oracle at x = Qy.  Symbolic g and symmetric H: for every objective, not only
    quadratics."""
    Q, g, H, y = ROTATION, vector("g", 2), symmetric("H", 2), vector("y", 2)
    steps = [Step("Q is orthogonal", Q.T * Q - sp.eye(2), sp.zeros(2, 2), "c² + s² = 1", rewrite=on_circle)]
    for step in ("fixed", "line_search"):
        rotated = rule.update(y, Oracle(Q.T * g, Q.T * H * Q), {}, first=True, hyper={"lr": eta}, step=step)["x"]
        plain = rule.update(Q * y, Oracle(g, H), {}, first=True, hyper={"lr": eta}, step=step)["x"]
        steps.append(Step(f"the rule ({step}) commutes with x = Qy", Q * rotated - plain, sp.zeros(2, 1),
                          "Q(y - αQᵀg) = Qy - αg, and gᵀg, gᵀHg are invariant under Q", rewrite=on_circle))
    return tuple(steps)


def gradient_descent_rates(rule: MatrixRule = RULE) -> Derivation:
    return Derivation(
        name="gradient_descent.rates",
        claim=(
            "on ½xᵀAx - bᵀx, gradient descent multiplies the component along each eigenvector by 1 - ηλ_i; it is "
            "stable iff 0 < η < 2/λ_max; the best fixed step 2/(λ_max + λ_min) gives the rate (κ-1)/(κ+1); exact "
            "line search contracts f - f* by at least ((κ-1)/(κ+1))² (Kantorovich); heavy ball with Polyak's η, β "
            "has rate (√κ-1)/(√κ+1)"
        ),
        steps=_eigen_steps(rule) + _stability_steps() + _best_step_steps(rule) + _line_search_steps(rule)
        + _heavy_ball_steps(rule),
        assumptions=("A symmetric positive definite, κ = λ_max/λ_min", "η > 0",
                     "heavy ball: x_(-1) = x_0, rate of the per-eigendirection recurrence"),
        source=SOURCE,
        scope=("the error recurrence for symbolic symmetric A, n = 2 and 3; the eigencomponent factor for every "
               "symmetric 2×2 A with eigenvector q; stability and the best step for symbolic λ; Kantorovich for "
               "n = 2 (A = diag(λ_1, λ_2), which rotation invariance makes general in 2-D); heavy ball's modulus "
               "per eigendirection for symbolic μ, L"),
        **about(rule, step=("fixed", "line_search", "heavy_ball")),
    )


def rotation_invariance(rule: MatrixRule = RULE) -> Derivation:
    return Derivation(
        name="gradient_descent.rotation_invariance",
        claim="gradient descent (fixed step and exact line search) commutes with every rotation x = Qy (seed 002)",
        steps=_rotation_steps(rule),
        assumptions=("Q = [[c, -s], [s, c]] with c² + s² = 1 (every rotation)", "H symmetric; for line search gᵀHg ≠ 0"),
        source=SOURCE,
        scope="n = 2, symbolic gradient g, symmetric Hessian H, point y and rotation (c, s)",
        **about(rule, step=("fixed", "line_search")),
    )


# --- whitening: seed 002 claims it "lowers the condition number" ---------------------------------------------
# A feature covariance C (the least-squares Hessian is 2C) found by search over C = BBᵀ with small integer B.
WITNESS_C = sp.Matrix([[29, -26, -11], [-26, 24, 10], [-11, 10, 5]])
WITNESS_BOUNDS = (sp.Rational(3, 8), sp.Integer(57))  # λ_min(C) ≥ 3/8 and λ_max(C) ≤ 57: κ(C) ≤ 152 (it is ≈ 149.7)
WITNESS_PROBES = (sp.Matrix([-43, 47, 100]), sp.Matrix([91, 100, 1]))  # near R's extreme eigenvectors, as w = D^(-1/2)z


def _rayleigh(C, D, w):
    """zᵀRz/zᵀz for R = D^(-1/2)CD^(-1/2) and z = D^(1/2)w: wᵀCw/wᵀDw (rational)."""
    return dot(w, C * w) / dot(w, D * w)


def _definite_steps(name: str, M: sp.Matrix, why: str):
    return tuple(Step(f"{name}: leading minor {k} > 0", M[:k, :k].det(), 0, why, relation=">",
                      certificate=M[:k, :k].det()) for k in range(1, M.shape[0] + 1))


def _mse_hessian_step():
    """Seed 002 writes the least-squares Hessian as (1/n)XᵀX; it is (2/n)XᵀX (same κ)."""
    X, w, y = sp.Matrix(3, 2, lambda i, j: sp.Symbol(f"X_{i}{j}", real=True)), vector("w", 2), vector("y", 3)
    r = X * w - y
    loss = dot(r, r) / 3
    return Step("m=3, d=2: the Hessian of (1/m)‖Xw - y‖² is (2/m)XᵀX, not (1/m)XᵀX", sp.hessian(loss, w),
                2 * X.T * X / 3, "∇ = (2/m)Xᵀ(Xw - y)")


def whitening(rule: MatrixRule = RULE) -> Derivation:
    """Full whitening W = L⁻¹ (C = LLᵀ) gives WCWᵀ = I, κ = 1; per-feature standardisation R = D^(-1/2)CD^(-1/2)
    can raise κ: a witness with exact rational bounds on both sides."""
    n = 3
    L = cholesky_factor(n)
    W = L.inv()
    C, (low, high), (w_max, w_min) = WITNESS_C, WITNESS_BOUNDS, WITNESS_PROBES
    D = sp.diag(*[C[i, i] for i in range(n)])
    kappa_c_bound = high / low
    kappa_r_bound = _rayleigh(C, D, w_max) / _rayleigh(C, D, w_min)
    return Derivation(
        name="gradient_descent.standardisation_witness",
        claim=("full whitening makes the Hessian of a least-squares objective the identity (κ = 1), but "
               "per-feature standardisation, which seed 002 also calls whitening, can raise κ: here from ≤ 152 "
               "to ≥ 198"),
        steps=(_mse_hessian_step(), Step("n=3: whitening with W = L⁻¹ gives W(LLᵀ)Wᵀ = I", W * (L * L.T) * W.T, sp.eye(n),
                                         "C = LLᵀ"),)
        + _definite_steps("λ_max(C) ≤ 57", high * sp.eye(n) - C, "57I - C ≻ 0 (Sylvester's criterion)")
        + _definite_steps("λ_min(C) ≥ 3/8", C - low * sp.eye(n), "C - 3/8·I ≻ 0 (Sylvester's criterion)")
        + (Step("κ(R) ≥ ratio of two Rayleigh quotients of R > 152 ≥ κ(C)", kappa_r_bound, kappa_c_bound,
                "λ_max(R) ≥ zᵀRz/zᵀz ≥ λ_min(R) for every z ≠ 0", relation=">",
                certificate=kappa_r_bound - kappa_c_bound),),
        assumptions=("C = XᵀX/n (centred features) positive definite; the Hessian of the mean squared error is 2C, "
                     "with the same κ",),
        source=SOURCE,
        scope="whitening for symbolic 3×3 C = LLᵀ; standardisation: one exact rational witness",
        **about(rule),
    )


BUILDERS = {"gradient_descent.rates": gradient_descent_rates,
            "gradient_descent.rotation_invariance": rotation_invariance,
            "gradient_descent.standardisation_witness": whitening}
