"""Nonlinear conjugate gradients: Fletcher-Reeves, Polak-Ribière, PR+ and restarts, the line search in the oracle.

Source: seed 004_11e585ad4da93776.txt ("Nonlinear Conjugate Gradients": FR and PR β, Algorithm 2's
ρ_t = g_t + β_tρ_(t-1) with ε* = argmin_ε L(θ + ερ_t), and "conjugate directions no longer assured to remain at
minimum … occasionally set β_t = 0").  As for linear CG (conjugate_gradient.py) we write the descent form
d_t = -g_t + β_t d_(t-1) and take β_1 = 0 (Algorithm 2's g_0 = 0 makes β_1 = ‖g_1‖²/0).  PR+ is max(β_PR, 0)
(Powell's fix; Nocedal & Wright (5.45)).  Restarts (β := 0): every n iterations, or when d_t would not be a
descent direction (g_tᵀd_t ≥ 0).

Proved: on a quadratic with exact line search, every variant makes the iterates of linear CG (the ``cg`` rule);
with an exact line search each direction is a descent direction with g_tᵀd_t = -‖g_t‖² (so the descent restart
never fires there); PR+ differs from PR exactly where β_PR < 0 (a witness).
"""
from __future__ import annotations

import sympy as sp

from derivations.core.about import about
from derivations.core.objective import MatrixRule, Oracle
from derivations.core.proof import Derivation, Step
from derivations.core.rule import ConventionAxis
from derivations.optimizers import conjugate_gradient as linear
from derivations.optimizers.newton import symmetric, vector

SOURCE = "seed 004_11e585ad4da93776.txt (Nonlinear Conjugate Gradients; Algorithm 2); PR+: Nocedal & Wright (5.45)"


def dot(a, b):
    return (a.T * b)[0]


def beta_of(rule: str, g, g_prev):
    if rule == "fletcher_reeves":
        return dot(g, g) / dot(g_prev, g_prev)
    pr = dot(g, g - g_prev) / dot(g_prev, g_prev)
    return sp.Max(pr, 0) if rule == "pr_plus" else pr


def _build(conv: dict, x, oracle: Oracle, state: dict, first: bool, hyper: dict):
    """One iteration from x; ``state`` holds the previous g, d and the iteration number t (1-based) of this one."""
    g, n, t = oracle.g, oracle.g.shape[0], state.get("t", 1)
    restart = first or (conv["restart"] == "every_n" and (t - 1) % n == 0)
    beta = sp.Integer(0) if restart else beta_of(conv["beta"], g, state["g"])
    d = -g + beta * state["d"] if not restart else -g
    if conv["restart"] == "descent" and not restart and dot(g, d).is_nonnegative:
        beta, d = sp.Integer(0), -g  # decided symbolically only where the sign is known
    if conv["line_search"] == "exact":
        alpha = -dot(g, d) / dot(d, oracle.H * d)
    else:
        alpha = sp.Symbol("alpha", positive=True)
    return (("beta", beta), ("d", d), ("x", x + alpha * d))


RULE = MatrixRule(
    name="nonlinear_cg",
    title="Nonlinear CG: d_t = -g_t + β_t d_(t-1) (FR, PR, PR+), restarts, the line search part of the oracle",
    shape="matrix",
    state=("g", "d", "t"),
    outputs=("beta", "d", "x"),
    hyperparameters=(),
    axes=(
        ConventionAxis("beta", ("fletcher_reeves", "polak_ribiere", "pr_plus"), "polak_ribiere", (
            ("fletcher_reeves", "β_t = g_tᵀg_t / g_(t-1)ᵀg_(t-1)"),
            ("polak_ribiere", "β_t = g_tᵀ(g_t - g_(t-1)) / g_(t-1)ᵀg_(t-1) (Algorithm 2)"),
            ("pr_plus", "β_t = max(β_PR, 0) (Powell)"),
        )),
        ConventionAxis("restart", ("none", "every_n", "descent"), "none", (
            ("none", "β_t as the formula gives it (β_1 = 0 only)"),
            ("every_n", "β_t := 0 at iterations 1, n + 1, 2n + 1, … (n = the dimension)"),
            ("descent", "β_t := 0 when -g_t + β_t d_(t-1) is no descent direction (g_tᵀd_t ≥ 0)"),
        )),
        ConventionAxis("line_search", ("exact", "any"), "exact", (
            ("exact", "α = -gᵀd/dᵀAd on ½xᵀAx - bᵀx"),
            ("any", "the implementation's own α (Armijo, Wolfe): only x_(t+1) - x_t ∥ d_t checked"),
        )),
    ),
    build=_build,
    source=SOURCE,
    # the second iteration (t = 2): no restart under any convention at n = 2
    illustration=lambda n: ({"g": vector("g_prev", n), "d": vector("d_prev", n), "t": 2}, None),
)


def run(rule: MatrixRule, A, b, x0, **conventions):
    """The rule run ≤ n steps exactly on ½xᵀAx - bᵀx (exact line search); the iterates."""
    x, state, xs = x0, {}, []
    for t in range(1, A.shape[0] + 1):
        g = A * x - b
        if g == sp.zeros(*g.shape):
            break
        out = rule.update(x, Oracle(g, A), {**state, "t": t}, first=(t == 1), **conventions)
        x = out["x"]
        xs.append(x)
        state = {"g": g, "d": out["d"]}
    return xs


INSTANCES = ((2, 0), (3, 0), (3, 2), (4, 1))


def _instance_steps(rule: MatrixRule, n: int, seed: int):
    A, b, x0 = linear.rational_instance(n, seed)
    cg = sp.Matrix.hstack(*[r["x"] for r in linear.cg_run(A, b, x0)])
    steps = []
    for beta in ("fletcher_reeves", "polak_ribiere", "pr_plus"):
        for restart in ("none", "descent"):
            xs = run(rule, A, b, x0, beta=beta, restart=restart)
            steps.append(Step(f"n={n} instance {seed}, {beta}, restart {restart}: the iterates of linear CG",
                              sp.Matrix.hstack(*xs), cg, "β_FR = β_PR ≥ 0 and descent hold on a quadratic"))
    return steps


def _descent_steps(rule: MatrixRule, n: int):
    """With an exact line search g_tᵀd_(t-1) = 0, so g_tᵀd_t = -‖g_t‖² whatever β (no descent restart)."""
    h, p, gp = vector("h", n), vector("p", n), vector("q", n)
    g = h - (dot(h, p) / dot(p, p)) * p  # g_t ⟂ d_(t-1) = p: what the exact line search leaves
    out = []
    for beta in ("fletcher_reeves", "polak_ribiere"):
        d = rule.update(vector("x", n), Oracle(g, symmetric("A", n)), {"g": gp, "d": p, "t": 2}, first=False,
                        beta=beta)["d"]
        out.append(Step(f"n={n}, the rule ({beta}): g_tᵀd_t = -‖g_t‖² after an exact line search", dot(g, d),
                        -dot(g, g), "g_tᵀd_(t-1) = 0 kills the β term"))
    return out


def _pr_plus_witness(rule: MatrixRule):
    """g_1 = (1, 0), g_2 = (1/2, 1/4): β_PR = g_2ᵀ(g_2 - g_1)/‖g_1‖² = -3/16 < 0, so PR+ restarts (β = 0)."""
    g1, g2, d1 = sp.Matrix([1, 0]), sp.Matrix([sp.Rational(1, 2), sp.Rational(1, 4)]), sp.Matrix([-1, 0])
    A = sp.eye(2)
    pr = rule.update(sp.zeros(2, 1), Oracle(g2, A), {"g": g1, "d": d1, "t": 2}, first=False)["beta"]
    plus = rule.update(sp.zeros(2, 1), Oracle(g2, A), {"g": g1, "d": d1, "t": 2}, first=False, beta="pr_plus")["beta"]
    return (Step("witness: β_PR < 0 away from a quadratic's exact line search", pr, sp.Rational(-3, 16),
                 "g_2ᵀ(g_2 - g_1) = -1/4 + 1/16"),
            Step("witness: PR+ gives β = 0 there", plus, 0, "max(-3/16, 0)"))


def matches_linear_cg(rule: MatrixRule = RULE) -> Derivation:
    return Derivation(
        name="nonlinear_cg.linear_on_quadratics",
        claim=("on ½xᵀAx - bᵀx with exact line search every variant (FR, PR, PR+; no restart or the descent restart) "
               "makes the iterates of linear CG; with an exact line search g_tᵀd_t = -‖g_t‖² < 0, so the descent "
               "restart never fires there; PR+ differs from PR where β_PR < 0 (witness)"),
        steps=tuple(s for n, seed in INSTANCES for s in _instance_steps(rule, n, seed))
        + tuple(_descent_steps(rule, 2)) + tuple(_descent_steps(rule, 3)) + _pr_plus_witness(rule),
        assumptions=("A symmetric positive definite for the instances", "exact line search", "β_1 = 0"),
        source=SOURCE,
        scope=("exact rational instances n = 2, 3, 4 for the iterates (not a proof for every A); the descent "
               "identity symbolically for n = 2, 3 (g_t the projection of a free vector orthogonal to d_(t-1))"),
        **about(rule, beta=("fletcher_reeves", "polak_ribiere", "pr_plus"), restart=("none", "descent")),
    )


BUILDERS = {"nonlinear_cg.linear_on_quadratics": matches_linear_cg}
