"""SGD with momentum and Nesterov momentum: the rule with its convention axes, and derivations.

Sources: seed 003_91c12aa291f221ab.txt "Gradient Descent with Momentum", forms (1) v ← αv - εg,
θ ← θ + v; (2) v ← αv + (1-α)g, θ ← θ - εv; (3) v ← αv + g, θ ← θ - εv, and its note on NAG
("calculate gradient at θ + αv"); seed 002_affcfe6d2abfd93d.txt "Momentum" (v_0 = 0,
v_t = αv_{t-1} - η g_t, w_t = w_{t-1} + v_t); seed 001_08f6c05329770bc7.txt "Momentum" and
"Nesterov Momentum" (lr inside the buffer); seed 000_a2fbe8e070163c86.txt 1.3.1 (the EMA form).

The rule calls the buffer ``buf`` and keeps it with the sign of the gradient (form (3)); form (1)'s
velocity is v = -buf when the learning rate sits inside the buffer.  Form (2) is the dampening
hyperparameter τ set to α.  With a gradient *stream* (gradients given, not computed from θ),
Nesterov's look-ahead form is the plain momentum recursion with g read at θ + αv; what frameworks
run is the reformulation in θ' = θ + αv, which ``sgd.nesterov_lookahead`` proves equivalent.
"""
from __future__ import annotations

import sympy as sp

from .core import Derivation, Step
from .rule import FIRST_STEP, ConventionAxis, Hyperparameter, Rule, sym

SOURCE = ("seed 003_91c12aa291f221ab.txt (Gradient Descent with Momentum, forms (1)-(3), NAG); "
          "seed 002_affcfe6d2abfd93d.txt (Momentum); seed 001_08f6c05329770bc7.txt (Momentum, Nesterov Momentum)")


def _build(conv: dict):
    p, g, buf = sym("p"), sym("g"), sym("buf")
    lr, mu, tau, wd = (sym(n) for n in ("lr", "momentum", "dampening", "weight_decay"))
    grad = g + wd * p if conv["weight_decay"] == "l2" else g
    # How much of the gradient enters the buffer: 1-τ, except that a buffer initialised with the
    # first gradient takes that gradient whole.
    coefficient = 1 - tau if conv["init"] == "zero" else 1 - tau + tau * FIRST_STEP
    scale = lr if conv["lr"] == "inside_buffer" else 1  # the buffer holds lr-scaled steps
    new_buf = mu * buf + scale * coefficient * grad
    step = scale * grad + mu * buf if conv["nesterov"] else buf  # read after the buffer update
    new_p = p - step if conv["lr"] == "inside_buffer" else p - lr * step
    if conv["weight_decay"] == "decoupled":
        new_p = new_p - lr * wd * p
    return ((buf, new_buf), (p, new_p))


RULE = Rule(
    name="sgd",
    title="SGD with momentum / Nesterov momentum",
    inputs=("p", "g"),
    state=("buf",),
    outputs=("p", "buf"),
    hyperparameters=(
        Hyperparameter("lr", 0.0, float("inf"), True, True, 1e-2, "learning rate ε (η)"),
        Hyperparameter("momentum", 0.0, 1.0, False, True, 0.9, "α, decay of the momentum buffer (0 < α < 1)"),
        Hyperparameter("dampening", 0.0, 1.0, False, False, 0.0,
                       "τ: the gradient enters the buffer times 1-τ (τ = α is the EMA form (2))"),
        Hyperparameter("weight_decay", 0.0, float("inf"), False, True, 0.0, "λ, L2 or decoupled decay"),
    ),
    axes=(
        ConventionAxis("lr", ("outside_buffer", "inside_buffer"), "outside_buffer", (
            ("outside_buffer", "buf ← α buf + g, p ← p - lr·buf (form (3))"),
            ("inside_buffer", "buf ← α buf + lr·g, p ← p - buf (form (1), v = -buf)"),
        )),
        ConventionAxis("init", ("zero", "first_gradient"), "zero", (
            ("zero", "buf_0 = 0, so buf_1 = (1-τ)·g (seed 002: v_0 = 0)"),
            ("first_gradient", "buf_1 = g: the first gradient enters undampened"),
        )),
        ConventionAxis("nesterov", (False, True), False, (
            (False, "heavy ball: step along the buffer"),
            (True, "Nesterov, reformulated in θ' = θ + α v: step along g + α·buf"),
        )),
        ConventionAxis("weight_decay", ("none", "l2", "decoupled"), "none", (
            ("none", "no decay"), ("l2", "g ← g + λp before the buffer"),
            ("decoupled", "p ← p - lr·λ·p beside the momentum step"),
        )),
    ),
    build=_build,
    source=SOURCE,
)

# --- derivations -------------------------------------------------------------------------
alpha = sp.Symbol("alpha", positive=True)
eps, eps1, eps2 = sp.symbols("epsilon epsilon_1 epsilon_2", positive=True)
theta, v, b, g, g1, g2 = sp.symbols("theta v b g g_1 g_2", real=True)

FORMS = Derivation(
    name="sgd.momentum_forms",
    claim=("for a constant learning rate ε the seed's three momentum forms give one trajectory of θ: "
           "form (1) with v = -ε·b is form (3), and form (2) with b₂ = (1-α)·b and ε₂ = ε/(1-α) is form (3)"),
    steps=(
        Step("(1)→(3): the velocity stays -ε·b", (alpha * v - eps * g).subs(v, -eps * b), -eps * (alpha * b + g),
             "v ← αv - εg with v = -ε b is -ε times b ← αb + g"),
        Step("(1)→(3): the same θ", theta + (alpha * v - eps * g).subs(v, -eps * b), theta - eps * (alpha * b + g),
             "θ ← θ + v against θ ← θ - ε b, after the buffer update"),
        Step("(2)→(3): the buffer stays (1-α)·b", (alpha * v + (1 - alpha) * g).subs(v, (1 - alpha) * b),
             (1 - alpha) * (alpha * b + g), "b₂ ← αb₂ + (1-α)g with b₂ = (1-α)b"),
        Step("(2)→(3): the same θ", theta - eps / (1 - alpha) * (1 - alpha) * (alpha * b + g),
             theta - eps * (alpha * b + g), "θ ← θ - ε₂ b₂ with ε₂ = ε/(1-α)"),
    ),
    assumptions=("0 < α < 1", "ε > 0 constant", "v_0 = b_0 = b₂_0 = 0, so the relations hold at step 0 (induction)"),
    source=SOURCE,
)

# Two steps from θ_0 = 0 with zero buffers and learning rates ε_1, ε_2.
theta2_inside = (-eps1 * g1) + (alpha * (-eps1 * g1) - eps2 * g2)  # form (1): θ ← θ + v
theta2_outside = (-eps1 * g1) - eps2 * (alpha * g1 + g2)  # form (3): θ ← θ - ε_t b
witness = {alpha: sp.Rational(1, 2), eps1: 1, eps2: 2, g1: 1, g2: 0}
LR_WITNESS = Derivation(
    name="sgd.lr_position_witness",
    claim=("once the learning rate changes, lr inside the buffer (form (1)) and outside it (form (3)) differ: "
           "after two steps θ₂ differs by α·g₁·(ε₂-ε₁); at α=1/2, ε₁=1, ε₂=2, g₁=1, g₂=0 it is -3/2 against -2"),
    steps=(
        Step("the difference after two steps", theta2_inside - theta2_outside, alpha * g1 * (eps2 - eps1),
             "form (1) scales g₁ by the ε₁ it was seen with, form (3) by the current ε₂"),
        Step("witness: lr inside", theta2_inside.subs(witness), sp.Rational(-3, 2), "v₁ = -1, v₂ = -1/2"),
        Step("witness: lr outside", theta2_outside.subs(witness), -2, "b₁ = 1, b₂ = 1/2, θ₂ = -1 - 2·1/2"),
        Step("witness: they differ", theta2_inside.subs(witness), theta2_outside.subs(witness),
             "-3/2 - (-2) = 1/2 > 0", relation=">", certificate=sp.Rational(1, 2)),
    ),
    assumptions=("θ_0 = 0, v_0 = b_0 = 0", "learning rate ε_1 at step 1, ε_2 at step 2"),
    source=SOURCE,
    notes="So only a changing learning rate tells the two conventions apart; the cross-check draws schedules.",
)

theta_ahead = sp.Symbol("theta'", real=True)  # θ' = θ + αv, where the gradient g is evaluated
v_new = alpha * v - eps * g
NESTEROV = Derivation(
    name="sgd.nesterov_lookahead",
    claim=("Nesterov's look-ahead form v ← αv - ε∇f(θ+αv), θ ← θ + v is, in θ' = θ + αv, the reformulation "
           "θ' ← θ' - εg + αv with g = ∇f(θ'); with b = -v/ε it is b ← αb + g, θ' ← θ' - ε(g + αb)"),
    steps=(
        Step("θ' after one step", (theta + v_new) + alpha * v_new, (theta + alpha * v) - eps * g + alpha * v_new,
             "θ'_new = θ_new + α v_new with θ_new = θ + v_new"),
        Step("buffer form of the velocity", v_new.subs(v, -eps * b), -eps * (alpha * b + g), "v = -ε b"),
        Step("buffer form of θ'", (theta_ahead - eps * g + alpha * v_new).subs(v, -eps * b),
             theta_ahead - eps * (g + alpha * (alpha * b + g)), "substitute v = -ε b into the reformulation"),
    ),
    assumptions=("ε constant over the step", "g = ∇f(θ + αv) = ∇f(θ')"),
    source=SOURCE + "; Sutskever et al. (2013), Section 2",
    notes="The reformulated iterate θ' is what frameworks store as the parameter.",
)

DERIVATIONS = (FORMS, LR_WITNESS, NESTEROV)
