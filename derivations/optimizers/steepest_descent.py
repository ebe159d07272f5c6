"""Steepest descent under the ℓ2, ℓ∞ and ℓ1 norms, with a fixed step or an exact line search.

Sources: seed 002_affcfe6d2abfd93d.txt ("Gradient Descent is Steepest Descent", "Steepest Descent under
Euclidean Norm": f(x+v) ≈ f(x) + gᵀv, "vᵀg/‖v‖ = ‖g‖cos θ", choose v = -g; "we may choose a different norm
and get different results") and seed 004_11e585ad4da93776.txt ("Steepest Descent Method": a constant ε or the
ε minimising L(x - ε∇L); after an exact line search ∇L·d_(t-1) = 0).  The steepest unit direction minimises
the linear model gᵀv over the unit ball of the norm: -g/‖g‖₂ (ℓ2), -sign(g) (ℓ∞, sign descent) and
-sign(g_i)e_i at the largest |g_i| (ℓ1, a coordinate step).  Seed 002 writes v_sd = argmin f(x+v)/‖v‖ [sic],
meaning (f(x+v) - f(x))/‖v‖.
"""
from __future__ import annotations

import itertools

import sympy as sp

from derivations.core.about import about
from derivations.core.objective import MatrixRule, Oracle, dot, vector
from derivations.core.proof import Derivation, Step
from derivations.core.rule import ConventionAxis, Hyperparameter
from derivations.optimizers.newton import symmetric

SOURCE = "seed 002_affcfe6d2abfd93d.txt (Gradient Descent is Steepest Descent); seed 004_11e585ad4da93776.txt"


def largest(values) -> int:
    """The first index whose value is provably ≥ every other (ValueError when SymPy cannot decide)."""
    for i, a in enumerate(values):
        if all(sp.simplify(a - b).is_nonnegative for b in values):
            return i
    raise ValueError(f"cannot decide which of {list(values)} is largest")


ARGMAX = sp.Function("argmax")  # the first index of the largest argument, left unevaluated for symbolic g


def first_largest(values):
    """The first index of the largest value: an integer when SymPy can decide it, else argmax(values...)."""
    try:
        return largest(values)
    except ValueError:
        return ARGMAX(*values)


def direction(norm: str, g: sp.Matrix) -> sp.Matrix:
    if norm == "l2":
        return -g / sp.sqrt(dot(g, g))
    if norm == "linf":
        return -g.applyfunc(sp.sign)
    i = first_largest([sp.Abs(x) for x in g])
    return sp.Matrix(g.shape[0], 1, lambda j, _: -sp.sign(g[j]) * sp.KroneckerDelta(j, i))


def _build(conv: dict, x, oracle: Oracle, state: dict, first: bool, hyper: dict):
    v = direction(conv["norm"], oracle.g)
    alpha = hyper["lr"] if conv["step"] == "fixed" else -dot(oracle.g, v) / dot(v, oracle.H * v)
    return (("v", v), ("alpha", alpha), ("x", x + alpha * v))


RULE = MatrixRule(
    name="steepest_descent",
    title="Steepest descent x ← x + αv, v the unit direction minimising gᵀv under a norm",
    shape="matrix",
    state=(),
    outputs=("v", "x"),
    hyperparameters=(Hyperparameter("lr", 0.0, float("inf"), True, True, 0.1, "α > 0, the fixed step length"),),
    axes=(
        ConventionAxis("norm", ("l2", "linf", "l1"), "l2", (
            ("l2", "v = -g/‖g‖₂ (seed 002: the Euclidean norm, Cauchy-Schwarz)"),
            ("linf", "v = -sign(g) (sign descent; sign(0) = 0)"),
            ("l1", "v = -sign(g_i)e_i, i the first index of the largest |g_i| (a coordinate step)"),
        )),
        ConventionAxis("step", ("fixed", "line_search"), "fixed", (
            ("fixed", "α = lr, a constant (seed 004: a constant ε)"),
            ("line_search", "α = -gᵀv/vᵀHv, the minimiser of f(x + αv) on a quadratic (seed 004)"),
        )),
    ),
    build=_build,
    source=SOURCE,
)


def _v(rule, g, norm, n=2):
    return rule.update(vector("x", n), Oracle(g, symmetric("H", n)), {}, first=True, norm=norm)["v"]


def _l2_steps(rule: MatrixRule):
    steps = []
    for n in (2, 3):
        # nonzero components: SymPy then knows ‖g‖, ‖w‖ > 0, so the certificate is a real square (both sides are
        # continuous in g, w ≠ 0, so the inequality extends to vectors with zero components)
        g, w = (sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"{s}_{i}", real=True, nonzero=True)) for s in "gw")
        v, u = _v(rule, g, "l2", n), w / sp.sqrt(dot(w, w))
        steps.append(Step(f"n={n}, the rule (ℓ2): gᵀu ≥ gᵀv for every unit u = w/‖w‖₂", dot(g, u), dot(g, v),
                          "‖g‖ + gᵀu = ½‖g‖·‖u - v‖² (Cauchy-Schwarz)", relation=">=",
                          certificate=sp.sqrt(dot(g, g)) * dot(u - v, u - v) / 2))
        steps.append(Step(f"n={n}, the rule (ℓ2): ‖v‖₂ = 1 and gᵀv = -‖g‖₂", sp.Matrix([dot(v, v), dot(g, v)]),
                          sp.Matrix([1, -sp.sqrt(dot(g, g))]), "v = -g/‖g‖"))
    return tuple(steps)


a0, a1, d, r = sp.symbols("a_0 a_1 d r", positive=True)
p = sp.symbols("p_0 p_1", positive=True)
q = sp.symbols("q_0 q_1", positive=True)
SIGNS = tuple(itertools.product((1, -1), repeat=2))


def _linf_steps(rule: MatrixRule):
    """g = σ∘a (a > 0, every sign pattern σ) and any v with |v_i| ≤ 1, written v_i = 1 - 2p_i/(p_i + q_i)."""
    steps = []
    a = (a0, a1)
    c = [p[i] / (p[i] + q[i]) for i in range(2)]
    w = sp.Matrix([1 - 2 * c[i] for i in range(2)])
    for sigma in SIGNS:
        g = sp.Matrix([sigma[i] * a[i] for i in range(2)])
        v = _v(rule, g, "linf")
        gap = sum((sp.factor(a[i] * (1 + sigma[i] * w[i])) for i in range(2)), sp.Integer(0))
        steps.append(Step(f"the rule (ℓ∞), signs {sigma}: gᵀw ≥ gᵀv = -‖g‖₁ for every ‖w‖∞ ≤ 1", dot(g, w), dot(g, v),
                          "|g_i| + g_iw_i ≥ 0 when |w_i| ≤ 1", relation=">=", certificate=gap))
    return tuple(steps)


def _l1_steps(rule: MatrixRule):
    """n = 2, |g_0| = a_1 + d > |g_1| = a_1; any ‖w‖₁ ≤ 1 written w = (τ_0p_0, τ_1p_1)/(p_0 + p_1 + r), r ≥ 0."""
    steps = []
    big = a1 + d
    for s0, s1 in ((1, 1), (-1, 1)):
        g = sp.Matrix([s0 * big, s1 * a1])
        v = _v(rule, g, "l1")
        steps.append(Step(f"the rule (ℓ1), g = ({s0}·(a_1 + d), {s1}·a_1): v = -sign(g_0)e_0", v, sp.Matrix([-s0, 0]),
                          "coordinate 0 has the largest |g_i|"))
        for t0, t1 in SIGNS:
            w = sp.Matrix([t0 * p[0], t1 * p[1]]) / (p[0] + p[1] + r)
            gap = (big * r + big * p[0] * (1 + s0 * t0) + p[1] * (a1 * (1 + s1 * t1) + d)) / (p[0] + p[1] + r)
            steps.append(Step(f"the rule (ℓ1), g signs ({s0}, {s1}), w signs ({t0}, {t1}): gᵀw ≥ gᵀv = -‖g‖∞",
                              dot(g, w), dot(g, v), "|gᵀw| ≤ ‖g‖∞‖w‖₁ ≤ ‖g‖∞", relation=">=", certificate=gap))
    return tuple(steps)


def directions(rule: MatrixRule = RULE) -> Derivation:
    return Derivation(
        name="steepest_descent.directions",
        claim=("the unit direction minimising the linear model gᵀv is -g/‖g‖₂ over the ℓ2 ball, -sign(g) over the ℓ∞ "
               "ball (value -‖g‖₁) and -sign(g_i)e_i at the largest |g_i| over the ℓ1 ball (value -‖g‖∞): different "
               "norms give different steepest directions (seed 002)"),
        steps=_l2_steps(rule) + _linf_steps(rule) + _l1_steps(rule),
        assumptions=("g ≠ 0", "ℓ∞: every g_i ≠ 0 (each sign pattern separately)",
                     "ℓ1: a unique largest |g_i| (coordinate 0, wlog up to a permutation)"),
        source=SOURCE,
        scope=("ℓ2 for symbolic g and w, n = 2 and 3; ℓ∞ for n = 2 and each of the four sign patterns of g; ℓ1 for "
               "n = 2, two sign patterns of g and the four of w, with |g_0| > |g_1|"),
        **about(rule, norm=("l2", "linf", "l1")),
    )


def _next_gradient(rule, g, H, norm):
    """One line-search step of the rule, and the gradient after it on a quadratic: g + H(x⁺ - x)."""
    x = vector("x", 2)
    out = rule.update(x, Oracle(g, H), {}, first=True, norm=norm, step="line_search")
    return out, g + H * (out["x"] - x)


def line_search(rule: MatrixRule = RULE) -> Derivation:
    g, v, H = vector("g", 2), vector("v", 2), symmetric("H", 2)
    alpha, f0 = sp.Symbol("alpha", real=True), sp.Symbol("f_0", real=True)
    model = f0 + alpha * dot(g, v) + alpha ** 2 * dot(v, H * v) / 2
    l2, g1 = _next_gradient(rule, g, H, "l2")
    steps = [
        Step("α* = -gᵀv/vᵀHv is the stationary point of f(x + αv) on a quadratic", alpha, -dot(g, v) / dot(v, H * v),
             "d/dα (f + αgᵀv + ½α²vᵀHv) = gᵀv + αvᵀHv", relation="solves", equation=sp.diff(model, alpha)),
        Step("the rule (ℓ2, line search): x⁺ - x = -(gᵀg/gᵀHg)·g", l2["alpha"] * l2["v"], -dot(g, g) / dot(g, H * g) * g,
             "α* = ‖g‖gᵀg/gᵀHg along v = -g/‖g‖"),
        Step("the rule (ℓ2, line search): g⁺ᵀv = 0", dot(g1, l2["v"]), 0, "exact line search along v"),
        Step("the rule (ℓ2, line search): successive directions are orthogonal",
             dot(rule.update(vector("y", 2), Oracle(g1, H), {}, first=True, norm="l2")["v"], l2["v"]), 0,
             "v⁺ ∝ -g⁺ and g⁺ᵀv = 0 (seed 004: ∇L·d_(t-1) = 0; the zig-zag)"),
    ]
    for norm, gs in (("linf", sp.Matrix([a0, -a1])), ("l1", sp.Matrix([a1 + d, -a1]))):
        out, nxt = _next_gradient(rule, gs, H, norm)
        steps.append(Step(f"the rule ({norm}, line search): g⁺ᵀv = 0", dot(nxt, out["v"]), 0, "exact line search along v"))
    return Derivation(
        name="steepest_descent.line_search",
        claim=("the exact step along v on a quadratic is α* = -gᵀv/vᵀHv (along -g: gᵀg/gᵀHg), after which the new "
               "gradient is orthogonal to v; for ℓ2, successive steps are orthogonal (seed 004)"),
        steps=tuple(steps),
        assumptions=("f quadratic with symmetric Hessian H", "vᵀHv ≠ 0"),
        source=SOURCE,
        scope="n = 2, symbolic g, v, H; ℓ∞ and ℓ1 with one sign pattern of g each",
        **about(rule, norm=("l2", "linf", "l1"), step="line_search"),
    )


def seed_ratio_witness(rule: MatrixRule = RULE) -> Derivation:
    """Seed 002 writes v_sd = argmin_v f(x+v)/‖v‖ [sic].  Under the linear model, along v = tu (‖u‖ = 1, t > 0)
    that ratio is f/t + gᵀu: for f(x) > 0 it decreases without end as t grows, so there is no minimiser; the
    intended (f(x+v) - f(x))/‖v‖ = gᵀu does not depend on t and is minimised by the rule's direction."""
    t, f0 = sp.symbols("t f_0", positive=True)
    g = vector("g", 2)
    nonzero = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"g_{i}", real=True, nonzero=True))
    u = vector("u", 2)
    v = _v(rule, nonzero, "l2")
    as_written = (f0 + dot(g, t * u)) / t
    return Derivation(
        name="steepest_descent.seed_ratio_witness",
        claim=("seed 002's v_sd = argmin f(x+v)/‖v‖, read literally with f(x) > 0, has no minimiser (the ratio falls "
               "as ‖v‖ grows); the intended (f(x+v) - f(x))/‖v‖ is gᵀu, minimised over unit u by -g/‖g‖₂"),
        steps=(
            Step("as written, along v = tu: f(x+v)/‖v‖ = f/t + gᵀu", as_written, f0 / t + dot(g, u),
                 "the linear model f(x+v) = f + gᵀv"),
            Step("… which strictly decreases in t when f > 0: no minimiser", sp.diff(as_written, t), 0,
                 "d/dt (f/t) = -f/t²", relation="<", certificate=f0 / t ** 2),
            Step("as meant: (f(x+v) - f(x))/‖v‖ = gᵀu, whatever t", (f0 + dot(g, t * u) - f0) / t, dot(g, u),
                 "the constant term cancels"),
            Step("… minimised by the rule's ℓ2 direction, value -‖g‖₂", dot(nonzero, v), -sp.sqrt(dot(nonzero, nonzero)),
                 "steepest_descent.directions (Cauchy-Schwarz)"),
        ),
        assumptions=("the linear model f(x+v) ≈ f(x) + gᵀv of both seeds", "f(x) > 0 for the witness"),
        source="seed 002_affcfe6d2abfd93d.txt (Gradient Descent is Steepest Descent: v_sd = argmin f(x+v)/‖v‖)",
        scope="n = 2, symbolic g, u, f and t",
        **about(rule, norm="l2"),
    )


BUILDERS = {"steepest_descent.directions": directions, "steepest_descent.line_search": line_search,
            "steepest_descent.seed_ratio_witness": seed_ratio_witness}
