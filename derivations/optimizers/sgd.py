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

Seed 003 writes ε for the learning rate (seed 002 writes η); here it is ``lr``, the rule's hyperparameter,
in code and symbols, and η in the claims, since elsewhere ε is the ``eps`` in a denominator, not a step size.
Each derivation reads the rule itself (``about.update``/``unroll``), with dampening τ = 0 unless it says
otherwise, so a change to the rule fails its proof.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.about import about, unroll, update
from derivations.core.blocks import (
    apply_step,
    buffer_scale,
    decayed_gradient,
    decoupled_decay,
    lr_position_axis,
    weight_decay_axis,
)
from derivations.core.proof import Derivation, Step
from derivations.core.rule import FIRST_STEP, ConventionAxis, Hyperparameter, Rule, sym

SOURCE = ("seed 003_91c12aa291f221ab.txt (Gradient Descent with Momentum, forms (1)-(3), NAG); "
          "seed 002_affcfe6d2abfd93d.txt (Momentum); seed 001_08f6c05329770bc7.txt (Momentum, Nesterov Momentum)")


def _build(conv: dict):
    p, g, buf = sym("p"), sym("g"), sym("buf")
    lr, mu, tau, wd = (sym(n) for n in ("lr", "momentum", "dampening", "weight_decay"))
    grad = decayed_gradient(conv, g, p, wd)
    # How much of the gradient enters the buffer: 1-τ, except that a buffer initialised with the
    # first gradient takes that gradient whole.
    coefficient = 1 - tau if conv["init"] == "zero" else 1 - tau + tau * FIRST_STEP
    scale = buffer_scale(conv, lr)
    new_buf = mu * buf + scale * coefficient * grad
    step = scale * grad + mu * buf if conv["nesterov"] else buf  # read after the buffer update
    return ((buf, new_buf), (p, decoupled_decay(conv, apply_step(conv, p, step, lr), p, lr, wd)))


RULE = Rule(
    name="sgd",
    title="SGD with momentum / Nesterov momentum",
    inputs=("p", "g"),
    state=("buf",),
    outputs=("p", "buf"),
    hyperparameters=(
        Hyperparameter("lr", 0.0, float("inf"), True, True, 1e-2, "learning rate η (seed 003 writes ε)"),
        Hyperparameter("momentum", 0.0, 1.0, False, True, 0.9, "α, decay of the momentum buffer (0 < α < 1)"),
        Hyperparameter("dampening", 0.0, 1.0, False, False, 0.0,
                       "τ: the gradient enters the buffer times 1-τ (τ = α is the EMA form (2))"),
        Hyperparameter("weight_decay", 0.0, float("inf"), False, True, 0.0, "λ, L2 or decoupled decay"),
    ),
    axes=(
        lr_position_axis("buf ← α buf + g, p ← p - lr·buf (form (3))",
                         "buf ← α buf + lr·g, p ← p - buf (form (1), v = -buf)"),
        ConventionAxis("init", ("zero", "first_gradient"), "zero", (
            ("zero", "buf_0 = 0, so buf_1 = (1-τ)·g (seed 002: v_0 = 0)"),
            ("first_gradient", "buf_1 = g: the first gradient enters undampened"),
        )),
        ConventionAxis("nesterov", (False, True), False, (
            (False, "heavy ball: step along the buffer"),
            (True, "Nesterov, reformulated in θ' = θ + α v: step along g + α·buf"),
        )),
        weight_decay_axis("the buffer", "the momentum step"),
    ),
    build=_build,
    source=SOURCE,
)

# --- derivations: each built from a rule (RULE, or a changed copy that its proof must then reject) -----
alpha = sp.Symbol("alpha", positive=True)
lr, lr_1, lr_2 = sp.symbols("lr lr_1 lr_2", positive=True)
theta, v, b, g, g1, g2 = sp.symbols("theta v b g g_1 g_2", real=True)
INSIDE, OUTSIDE = "inside_buffer", "outside_buffer"


def _after(rule: Rule, output: str, buf, *, p=theta, lr=lr, dampening=0, position=OUTSIDE, nesterov=False):
    """The rule's ``output`` after one step from parameter p and buffer ``buf`` with gradient g, momentum α."""
    names = dict(p=p, buf=buf, g=g, lr=lr, momentum=alpha, dampening=dampening)
    return update(rule, output, names, lr_position=position, nesterov=nesterov)


def momentum_forms(rule: Rule = RULE) -> Derivation:
    # The seed's forms as conventions of the rule: (1) is lr inside the buffer with v = -buf, (3) lr outside,
    # (2) lr outside with dampening τ = α.
    def velocity(v_old):  # form (1)'s v ← αv - lr·g, the negated buffer
        return -_after(rule, "buf", -v_old, position=INSIDE)

    return Derivation(
        name="sgd.momentum_forms",
        claim=("for a constant learning rate η the seed's three momentum forms give one trajectory of θ: "
               "form (1) with v = -η·b is form (3), and form (2) with b₂ = (1-α)·b and η₂ = η/(1-α) is form (3)"),
        steps=(
            Step("(1)→(3): the velocity stays -η·b", velocity(-lr * b), -lr * _after(rule, "buf", b),
                 "v ← αv - ηg with v = -η b is -η times b ← αb + g"),
            Step("(1)→(3): the same θ", _after(rule, "p", lr * b, position=INSIDE), _after(rule, "p", b),
                 "θ ← θ + v against θ ← θ - η b, after the buffer update"),
            Step("(2)→(3): the buffer stays (1-α)·b", _after(rule, "buf", (1 - alpha) * b, dampening=alpha),
                 (1 - alpha) * _after(rule, "buf", b), "b₂ ← αb₂ + (1-α)g with b₂ = (1-α)b"),
            Step("(2)→(3): the same θ", _after(rule, "p", (1 - alpha) * b, lr=lr / (1 - alpha), dampening=alpha),
                 _after(rule, "p", b), "θ ← θ - η₂ b₂ with η₂ = η/(1-α)"),
        ),
        assumptions=("0 < α < 1", "η > 0 constant", "v_0 = b_0 = b₂_0 = 0, so the relations hold at step 0 (induction)"),
        source=SOURCE,
        notes="The rule's dampening τ is 0 in forms (1) and (3) and α in form (2).",
        **about(rule, lr_position=(OUTSIDE, INSIDE)),
    )


# The witness: two steps from θ_0 = 0 with zero buffers and learning rates lr_1, lr_2.
WITNESS = {alpha: sp.Rational(1, 2), lr_1: 1, lr_2: 2, g1: 1, g2: 0}


def _theta_2(rule: Rule, position: str):
    steps = [dict(g=gk, lr=lk, momentum=alpha, dampening=0) for gk, lk in ((g1, lr_1), (g2, lr_2))]
    return unroll(rule, {"p": 0, "buf": 0}, steps, lr_position=position)[-1]["p"]


def lr_position_witness(rule: Rule = RULE) -> Derivation:
    inside, outside = _theta_2(rule, INSIDE), _theta_2(rule, OUTSIDE)
    return Derivation(
        name="sgd.lr_position_witness",
        claim=("once the learning rate changes, lr inside the buffer (form (1)) and outside it (form (3)) differ: "
               "after two steps θ₂ differs by α·g₁·(η₂-η₁); at α=1/2, η₁=1, η₂=2, g₁=1, g₂=0 it is -3/2 against -2"),
        steps=(
            Step("the difference after two steps", inside - outside, alpha * g1 * (lr_2 - lr_1),
                 "form (1) scales g₁ by the η₁ it was seen with, form (3) by the current η₂"),
            Step("witness: lr inside", inside.subs(WITNESS), sp.Rational(-3, 2), "v₁ = -1, v₂ = -1/2"),
            Step("witness: lr outside", outside.subs(WITNESS), -2, "b₁ = 1, b₂ = 1/2, θ₂ = -1 - 2·1/2"),
            Step("witness: they differ", inside.subs(WITNESS), outside.subs(WITNESS),
                 "-3/2 - (-2) = 1/2 > 0", relation=">", certificate=sp.Rational(1, 2)),
        ),
        assumptions=("θ_0 = 0, v_0 = b_0 = 0", "learning rate η_1 at step 1, η_2 at step 2"),
        source=SOURCE,
        notes="So only a changing learning rate tells the two conventions apart; the cross-check draws schedules.",
        **about(rule, lr_position=(OUTSIDE, INSIDE)),
    )


theta_ahead = sp.Symbol("theta'", real=True)  # θ' = θ + αv, where the gradient g is evaluated


def nesterov_lookahead(rule: Rule = RULE) -> Derivation:
    v_new = alpha * v - lr * g  # the seed's look-ahead velocity, g read at θ + αv
    return Derivation(
        name="sgd.nesterov_lookahead",
        claim=("Nesterov's look-ahead form v ← αv - η∇f(θ+αv), θ ← θ + v is, in θ' = θ + αv, the reformulation "
               "θ' ← θ' - ηg + αv with g = ∇f(θ'); with b = -v/η it is b ← αb + g, θ' ← θ' - η(g + αb)"),
        steps=(
            Step("θ' after one step", (theta + v_new) + alpha * v_new, (theta + alpha * v) - lr * g + alpha * v_new,
                 "θ'_new = θ_new + α v_new with θ_new = θ + v_new"),
            Step("buffer form of the velocity", v_new.subs(v, -lr * b), -lr * _after(rule, "buf", b, nesterov=True),
                 "v = -η b"),
            Step("buffer form of θ'", (theta_ahead - lr * g + alpha * v_new).subs(v, -lr * b),
                 _after(rule, "p", b, p=theta_ahead, nesterov=True),
                 "substitute v = -η b into the reformulation"),
        ),
        assumptions=("η constant over the step", "g = ∇f(θ + αv) = ∇f(θ')"),
        source=SOURCE + "; Sutskever et al. (2013), Section 2",
        notes="The reformulated iterate θ' is what frameworks store as the parameter.",
        **about(rule, nesterov=True),
    )


# Each builder takes the rule (registry.derivations_about passes RULE or a changed copy).
BUILDERS = {"sgd.momentum_forms": momentum_forms, "sgd.lr_position_witness": lr_position_witness,
            "sgd.nesterov_lookahead": nesterov_lookahead}
