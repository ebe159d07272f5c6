"""RMSProp, with its centered and momentum variants: the rule, its axes and a derivation.

Sources: seed 003_91c12aa291f221ab.txt "RMSProp" (r ← ρr + (1-ρ) g⊙g, θ ← θ - ε/√(r+δ) ⊙ g: δ inside
the root); seed 001_08f6c05329770bc7.txt "RMSProp" (Hinton's ρ = 0.9, ε inside the root); seed
000_a2fbe8e070163c86.txt 1.3.2 (V_t = βV_{t-1} + (1-β)g²).  The centered variant divides by an
estimate of the standard deviation, √(r - ḡ²) with ḡ the EMA of g (Graves, "Generating
Sequences With Recurrent Neural Networks", 2013, eq. 38-41); momentum adds a buffer on top.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.about import about, in_symbols, unroll
from derivations.core.blocks import (
    apply_step,
    buffer_scale,
    decayed_gradient,
    decoupled_decay,
    divide_by_root,
    ema,
    eps_root_axis,
    lr_position_axis,
    weight_decay_axis,
)
from derivations.core.proof import Derivation, Step
from derivations.core.rule import ConventionAxis, Hyperparameter, Rule, sym

SOURCE = ("seed 003_91c12aa291f221ab.txt (RMSProp); seed 001_08f6c05329770bc7.txt (RMSProp); "
          "seed 000_a2fbe8e070163c86.txt (1.3.2)")


def _build(conv: dict):
    p, g, v, gavg, buf = (sym(n) for n in ("p", "g", "v", "gavg", "buf"))
    # alpha is the seeds' ρ, eps their δ
    lr, alpha, eps, mu, wd = (sym(n) for n in ("lr", "alpha", "eps", "momentum", "weight_decay"))
    out = []
    grad = decayed_gradient(conv, g, p, wd)
    out.append((v, ema(alpha, v, grad**2)))
    variance = v
    if conv["centered"]:
        out.append((gavg, ema(alpha, gavg, grad)))
        variance = v - gavg**2
    direction = divide_by_root(grad, variance, eps, inside_sqrt=conv["eps_mode"] == "inside_sqrt")
    out.append((buf, mu * buf + buffer_scale(conv, lr) * direction))
    out.append((p, decoupled_decay(conv, apply_step(conv, p, buf, lr), p, lr, wd)))
    return tuple(out)


RULE = Rule(
    name="rmsprop",
    title="RMSProp (centered, with momentum)",
    inputs=("p", "g"),
    state=("v", "gavg", "buf"),
    outputs=("p", "v", "gavg", "buf"),
    hyperparameters=(
        Hyperparameter("lr", 0.0, float("inf"), True, True, 1e-2, "learning rate η (seed 003 writes ε)"),
        Hyperparameter("alpha", 0.0, 1.0, False, True, 0.9, "ρ, decay of the squared-gradient average (Hinton: 0.9)"),
        Hyperparameter("eps", 0.0, float("inf"), True, True, 1e-8, "δ, keeps the denominator away from 0"),
        Hyperparameter("momentum", 0.0, 1.0, False, True, 0.0, "decay of the momentum buffer (0: none)"),
        Hyperparameter("weight_decay", 0.0, float("inf"), False, True, 0.0, "λ, L2 or decoupled decay"),
        Hyperparameter("initial_accumulator", 0.0, float("inf"), False, True, 0.0,
                       "value of the squared-gradient average before the first step"),
    ),
    axes=(
        eps_root_axis("r"),
        ConventionAxis("centered", (False, True), False, (
            (False, "divide by √r"), (True, "divide by √(r - ḡ²), ḡ the EMA of g"),
        )),
        lr_position_axis("buf ← μ buf + g/√r, p ← p - lr·buf", "buf ← μ buf + lr·g/√r, p ← p - buf"),
        weight_decay_axis("the averages", "the RMSProp step"),
    ),
    build=_build,
    source=SOURCE,
    nonnegative_state=("v",),
    initial=(("v", "initial_accumulator"),),
)

# --- derivations: each built from a rule (RULE, or a changed copy that its proof must then reject) -----
sigma = sp.Symbol("sigma", positive=True)
rho = 1 / (1 + sigma)  # every ρ in (0, 1), so SymPy knows ρ > 0 and 1-ρ > 0
g1, g2 = sp.symbols("g_1 g_2", real=True)
CENTERED = dict(centered=True, eps_mode="outside_sqrt")  # δ outside the root: the radicand is r - ḡ² itself


def _radicand(rule: Rule):
    """What the centered rule takes the square root of, in its (new) v and gavg: r - ḡ²."""
    direction = dict((str(s), e) for s, e in rule.assignments(**CENTERED))["buf"]
    roots = [e.base for e in direction.atoms(sp.Pow) if e.exp == sp.S.Half]
    if len(roots) != 1:
        raise ValueError(f"expected one square root in the buffer update, found {roots}")
    return roots[0]


def centered_variance(rule: Rule = RULE) -> Derivation:
    # r_t, ḡ_t after one and two steps of the rule from zero state, and its radicand at each.
    states = unroll(rule, {"v": 0, "gavg": 0}, [dict(g=g1, alpha=rho), dict(g=g2, alpha=rho)], **CENTERED)
    radicand = _radicand(rule)
    variance_1, variance_2 = (in_symbols(radicand, s) for s in states)
    return Derivation(
        name="rmsprop.centered_variance",
        claim=("the centered denominator's r - ḡ² is ≥ 0 in exact arithmetic for the first two steps from zero "
               "state: r₁ - ḡ₁² = ρ(1-ρ)g₁² and r₂ - ḡ₂² = ρ(1-ρ)[(1-ρ)(g₁-g₂)² + ρ²g₁² + ρg₂²]"),
        steps=(
            Step("r₁ - ḡ₁² ≥ 0", 0, variance_1, "r₁ - ḡ₁² = ρ(1-ρ)g₁², a square with a positive weight",
                 relation="<=", certificate=rho * (1 - rho) * g1**2),
            Step("r₂ - ḡ₂² ≥ 0", 0, variance_2, "a sum of squares with positive weights", relation="<=",
                 certificate=rho * (1 - rho) * ((1 - rho) * (g1 - g2) ** 2 + rho**2 * g1**2 + rho * g2**2)),
        ),
        assumptions=("0 < ρ < 1, written ρ = 1/(1+σ) with σ > 0", "r_0 = ḡ_0 = 0"),
        source=SOURCE + "; Graves (2013)",
        scope="t = 1 and t = 2 symbolically (not every t); rounding can still make r - ḡ² slightly negative",
        **about(rule, **CENTERED),
    )


# Each builder takes the rule (registry.derivations_about passes RULE or a changed copy).
BUILDERS = {"rmsprop.centered_variance": centered_variance}
