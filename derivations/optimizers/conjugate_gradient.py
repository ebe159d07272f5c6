"""Conjugate gradients on a quadratic with exact line search.

Source: seed 004_11e585ad4da93776.txt ("Conjugate Gradients": H-conjugate directions,
Conjugate Direction Theorem, Fletcher-Reeves and Polak-Ribière β, Algorithm 2).  The seed
writes d_t = ∇J + β_t d_{t-1} and lets the line search pick the sign of ε; we write the
usual descent form d_t = -g_t + β_t d_{t-1}, which is the same line through x_t.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.about import about
from derivations.core.objective import MatrixRule, Oracle
from derivations.core.proof import Derivation, Step
from derivations.core.rule import ConventionAxis
from derivations.optimizers.newton import symmetric, vector

SOURCE = "seed 004_11e585ad4da93776.txt (Conjugate Gradients; Algorithm 2)"

# The derivations are registered as cg.* (the rule's name); `optverify prove conjugate_gradient` should
# resolve through this alias to the same family (the registry owns the lookup).
FAMILY = "cg"
ALIASES = {"conjugate_gradient": FAMILY}


def dot(a, b):
    return (a.T * b)[0]


def _build(conv: dict, x, oracle: Oracle, state: dict, first: bool, hyper: dict):
    """One CG iteration from x with gradient g = oracle.g; ``state`` holds the previous g and d.

    Seed 004's Algorithm 2 starts from g_0 = 0, ρ_0 = 0, so β_1 = ‖g_1‖²/0 and β_1ρ_0 = ∞·0 = NaN in IEEE
    arithmetic: the rule makes β_1 = 0 (d_1 = -g_1, steepest descent) its explicit first-step convention.
    """
    g, H = oracle.g, oracle.H
    if first and conv["first_step"] == "zero":
        beta = sp.Integer(0)
    else:
        gp = state["g"]
        top = dot(g, g) if conv["beta"] == "fletcher_reeves" else dot(g, g - gp)
        beta = top / dot(gp, gp)
    d = -g + beta * state["d"] if not first or conv["first_step"] != "zero" else -g
    Hd = H * d
    top = -dot(g, d) if conv["alpha"] == "line_search" else dot(g, g)
    alpha = top / dot(d, Hd)
    out = [("beta", beta), ("d", d), ("x", x + alpha * d)]
    if conv["gradient"] == "recursive":  # Hestenes-Stiefel's r_(k+1) = r_k - αAd, in g = -r
        out.append(("g", g + alpha * Hd))
    return tuple(out)


RULE = MatrixRule(
    name="cg",
    title="Linear conjugate gradients on ½xᵀAx - bᵀx with exact line search",
    shape="matrix",
    state=("g", "d"),
    outputs=("d", "x", "g"),
    hyperparameters=(),
    axes=(
        ConventionAxis("beta", ("fletcher_reeves", "polak_ribiere"), "fletcher_reeves", (
            ("fletcher_reeves", "β_t = g_tᵀg_t / g_(t-1)ᵀg_(t-1)"),
            ("polak_ribiere", "β_t = (g_t - g_(t-1))ᵀg_t / g_(t-1)ᵀg_(t-1) (Algorithm 2)"),
        )),
        ConventionAxis("alpha", ("line_search", "residual_norm"), "line_search", (
            ("line_search", "α_t = -g_tᵀd_t / d_tᵀAd_t (the Conjugate Direction Theorem)"),
            ("residual_norm", "α_t = g_tᵀg_t / d_tᵀAd_t (Hestenes-Stiefel; equal when g_tᵀd_(t-1) = 0)"),
        )),
        ConventionAxis("gradient", ("oracle", "recursive"), "oracle", (
            ("oracle", "g_t = ∇f(x_t) read from the oracle each iteration (Algorithm 2: g ← ∇)"),
            ("recursive", "g_(t+1) = g_t + α_t A d_t (the residual recurrence, as scipy's cg)"),
        )),
        ConventionAxis("first_step", ("zero",), "zero", (
            ("zero", "β_1 := 0, d_1 = -g_1; Algorithm 2 read literally (g_0 = 0) gives β_1 = ‖g_1‖²/0, NaN"),
        )),
    ),
    build=_build,
    source=SOURCE,
)


def _rule_steps(rule: MatrixRule, n: int, beta: str):
    """The rule's own first two iterations on a quadratic with symbolic symmetric A and gradient g_0."""
    A, g0, x0 = symmetric("A", n), vector("g", n), vector("x", n)
    conv = dict(beta=beta, gradient="recursive")
    one = rule.update(x0, Oracle(g0, A), {}, first=True, **conv)
    two = rule.update(one["x"], Oracle(one["g"], A), {"g": g0, "d": one["d"]}, first=False, **conv)
    tag = f"n={n}, the rule ({beta})"
    return (
        Step(f"{tag}: g_2ᵀd_1 = 0", dot(one["g"], one["d"]), 0, "exact line search along d_1"),
        Step(f"{tag}: d_2ᵀAd_1 = 0", dot(two["d"], A * one["d"]), 0, "β_2 makes d_2 A-conjugate to d_1"),
    )


def _literal_algorithm_2(rule: MatrixRule):
    """Seed 004's Algorithm 2 taken literally: g_0 = 0 and ρ_0 = 0 at the first iteration."""
    g, A, x = vector("g", 2), symmetric("A", 2), vector("x", 2)
    zero = sp.zeros(2, 1)
    # SymPy's Matrix drops zoo·0 entries, so the witness is β_1 itself; IEEE then makes β_1·ρ_0 = ∞·0 = NaN.
    beta = rule.update(x, Oracle(g, A), {"g": zero, "d": zero}, first=False)["beta"]
    undefined = sp.Integer(int(beta.has(sp.zoo, sp.nan)))
    return Step("Algorithm 2 read literally: β_1 with g_0 = 0 is undefined", undefined, 1,
                "β_1 = ‖g_1‖²/0 = ∞, and ∞·ρ_0 = ∞·0 is NaN in IEEE: hence first_step = zero (β_1 := 0)")


def cg_run(A: sp.Matrix, b: sp.Matrix, x0: sp.Matrix):
    """Exact CG (Polak-Ribière β, exact line search); returns the per-step records."""
    x, g = x0, A * x0 - b
    d = -g
    records = []
    for _ in range(A.shape[0]):
        if g == sp.zeros(*g.shape):
            break
        alpha = -dot(g, d) / dot(d, A * d)
        x, g_new = x + alpha * d, g + alpha * A * d
        beta_fr = dot(g_new, g_new) / dot(g, g)
        beta_pr = dot(g_new, g_new - g) / dot(g, g)
        records.append(dict(d=d, g_new=g_new, x=x, beta_fr=beta_fr, beta_pr=beta_pr))
        d, g = -g_new + beta_pr * d, g_new
    return records


def rational_instance(n: int, seed: int):
    """A fixed SPD matrix A = MᵀM + I and vectors b, x0 with small integer entries."""
    M = sp.Matrix(n, n, lambda i, j: sp.Integer((7 * (i + 1) * (j + 2) + 3 * seed + i * i) % 5 - 2))
    A = M.T * M + sp.eye(n)
    b = sp.Matrix(n, 1, lambda i, _: sp.Integer((3 * i + seed) % 4 - 1))
    x0 = sp.Matrix(n, 1, lambda i, _: sp.Rational((i + seed) % 3, 2))
    return A, b, x0


def _instance_steps(n: int, seed: int):
    A, b, x0 = rational_instance(n, seed)
    rec = cg_run(A, b, x0)
    ds = [r["d"] for r in rec]
    pairs = [(i, j) for i in range(len(ds)) for j in range(i)]
    tag = f"n={n} instance {seed}"
    return (
        Step(f"{tag}: g_(k+1)ᵀd_k = 0", sp.Matrix([dot(r["g_new"], r["d"]) for r in rec]), sp.zeros(len(rec), 1),
             "exact line search minimises along d_k"),
        Step(f"{tag}: d_iᵀAd_j = 0 (i ≠ j)", sp.Matrix([dot(ds[i], A * ds[j]) for i, j in pairs] or [0]),
             sp.zeros(max(len(pairs), 1), 1), "the directions are A-conjugate"),
        Step(f"{tag}: β_FR = β_PR", sp.Matrix([r["beta_fr"] for r in rec]), sp.Matrix([r["beta_pr"] for r in rec]),
             "successive gradients are orthogonal on a quadratic"),
        Step(f"{tag}: x after ≤ n steps is A⁻¹b", rec[-1]["x"], A.inv() * b,
             "n conjugate directions span ℝⁿ (Conjugate Direction Theorem)"),
    )


def _symbolic_steps(n: int):
    # Everything below depends on A only through u = A·d (the line search and g(x + αd) = g + αAd),
    # so u is taken as a free symbolic vector: the identities then hold for every matrix A.
    g0, d, u = vector("g", n), vector("d", n), vector("u", n)
    alpha = -dot(g0, d) / dot(d, u)
    g1 = g0 + alpha * u
    # The first CG step, d_0 = -g_0, u = A·d_0.
    d0 = -g0
    a0 = -dot(g0, d0) / dot(d0, u)
    g1_cg = g0 + a0 * u
    beta_pr = dot(g1_cg, g1_cg - g0) / dot(g0, g0)
    beta_fr = dot(g1_cg, g1_cg) / dot(g0, g0)
    d1 = -g1_cg + beta_pr * d0
    return (
        Step(f"n={n} symbolic: exact line search gives g_(k+1)ᵀd_k = 0", dot(g1, d), 0,
             "g(x + αd) = g + αAd and α = -gᵀd/dᵀAd"),
        Step(f"n={n} symbolic: d_1ᵀAd_0 = 0", dot(d1, u), 0, "Ad_0 = (g_1 - g_0)/α_0 and the Polak-Ribière β"),
        Step(f"n={n} symbolic: β_FR = β_PR on the first step", beta_fr, beta_pr, "g_1ᵀg_0 = -g_1ᵀd_0 = 0"),
    )


INSTANCES = ((2, 0), (2, 1), (3, 0), (3, 2), (4, 1), (5, 3))


def conjugacy(rule: MatrixRule = RULE) -> Derivation:
    return Derivation(
        name="cg.conjugacy",
        claim=(
            "on ½xᵀAx - bᵀx with exact line search: g_(k+1)ᵀd_k = 0, the directions are A-conjugate, "
            "Fletcher-Reeves and Polak-Ribière β coincide, and CG reaches A⁻¹b in at most n steps"
        ),
        steps=sum((_symbolic_steps(n) for n in (2, 3, 4)), ()) + sum((_instance_steps(n, s) for n, s in INSTANCES), ())
        + _rule_steps(rule, 2, "fletcher_reeves") + _rule_steps(rule, 2, "polak_ribiere") + (_literal_algorithm_2(rule),),
        assumptions=("A symmetric positive definite", "exact line search", "d_0 = -g_0"),
        source=SOURCE,
        scope=(
            "the first step symbolically for n = 2, 3, 4 (symbolic g, d and u = Ad, so for every A); the full claim "
            "(all directions, termination) on exact rational instances n = 2, 3, 4, 5 — not a proof for every A; "
            "the rule's own first two iterations (FR and PR) for symbolic symmetric 2×2 A and g_0"
        ),
        **about(rule, beta=("fletcher_reeves", "polak_ribiere")),
    )


# Built on first use (exact CG on six rational instances takes a while): see registry.py.
BUILDERS = {"cg.conjugacy": conjugacy}
