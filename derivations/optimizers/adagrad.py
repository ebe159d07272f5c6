"""AdaGrad: the rule (accumulator, ε inside or outside √, initial value, lr decay) and its derivations.

Sources: seed 000_a2fbe8e070163c86.txt §1.3.2 (α → α/√V_t, V_t = Σ g_t²: no ε); seed 001_08f6c05329770bc7.txt
"Adagrad" (θ_{t+1} = θ_t - η/√(G_t + ε)·g_t, G_t the sum of squares up to step t); seed 003_91c12aa291f221ab.txt
"AdaGrad" (G_t = G_{t-1} + g_t², θ ← θ - ε/√(G_t + δ)·g_t).  The seeds start from G_0 = 0; frameworks add an
initial accumulator value (optax and Keras 0.1) and torch a learning-rate decay lr/(1 + (t-1)·lr_decay).
Duchi, Hazan & Singer (2011) is the paper.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.about import about, assignment, update
from derivations.core.blocks import (
    decayed_gradient,
    decoupled_decay,
    divide_by_root,
    eps_root_axis,
    weight_decay_axis,
)
from derivations.core.proof import Derivation, Step, peel_last_term
from derivations.core.rule import STEP, Hyperparameter, Rule, sym

SOURCE = ("seed 000_a2fbe8e070163c86.txt (1.3.2); seed 001_08f6c05329770bc7.txt (Adagrad); "
          "seed 003_91c12aa291f221ab.txt (AdaGrad)")


def _build(conv: dict):
    p, g, G = sym("p"), sym("g"), sym("G")
    lr, eps, lr_decay, wd = (sym(n) for n in ("lr", "eps", "lr_decay", "weight_decay"))
    grad = decayed_gradient(conv, g, p, wd)
    rate = lr / (1 + (STEP - 1) * lr_decay)  # torch's clr; 1 + 0·(t-1) = 1 without decay
    direction = divide_by_root(grad, G, eps, inside_sqrt=conv["eps_mode"] == "inside_sqrt")
    return ((G, G + grad**2), (p, decoupled_decay(conv, p - rate * direction, p, lr, wd)))


RULE = Rule(
    name="adagrad",
    title="AdaGrad",
    inputs=("p", "g"),
    state=("G",),
    outputs=("p", "G"),
    hyperparameters=(
        Hyperparameter("lr", 0.0, float("inf"), True, True, 1e-2, "learning rate η (seed 003 writes ε)"),
        Hyperparameter("eps", 0.0, float("inf"), True, True, 1e-10,
                       "δ, keeps the denominator away from 0 (the seeds give no value; torch's default)"),
        Hyperparameter("lr_decay", 0.0, float("inf"), False, True, 0.0, "the rate is lr/(1 + (t-1)·lr_decay)"),
        Hyperparameter("weight_decay", 0.0, float("inf"), False, True, 0.0, "λ, L2 or decoupled decay"),
        Hyperparameter("initial_accumulator", 0.0, float("inf"), False, True, 0.0,
                       "G_0, the accumulator before the first step (the seeds' implicit 0)"),
    ),
    axes=(
        eps_root_axis("G"),
        weight_decay_axis("the accumulator", "the AdaGrad step"),
    ),
    build=_build,
    source=SOURCE,
    nonnegative_state=("G",),
    initial=(("G", "initial_accumulator"),),
)

# --- derivations: each built from a rule (RULE, or a changed copy that its proof must then reject) -----
t = sp.Symbol("t", integer=True, nonnegative=True)
k = sp.Symbol("k", integer=True, positive=True)
g = sp.IndexedBase("g", real=True)
G0 = sp.Symbol("G_0", nonnegative=True)
G_t = sp.Symbol("G_t", nonnegative=True)  # the accumulator before a step
h = sp.Symbol("h", positive=True)  # the step's g² (g = 0 changes nothing)
lr, eps, decay = sp.symbols("eta delta gamma", positive=True)  # γ: lr_decay
x = sp.Symbol("x", real=True)
MODES = ("inside_sqrt", "outside_sqrt")
ASSUMPTIONS = ("G_0 ≥ 0", "η, δ > 0", "t ≥ 1")


def _accumulated(rule: Rule, G, gradient):
    return update(rule, "G", {"G": G, "g": gradient, "p": 0, "weight_decay": 0})


def _rate(rule: Rule, G, eps_mode: str, step=1, lr_decay=0):
    """The effective rate: the step the rule takes on p per unit of g, read from its update of p given the
    accumulator G after the step (decay none, so the step is linear in g)."""
    names = dict(p=0, g=x, G=G, lr=lr, eps=eps, lr_decay=lr_decay, weight_decay=0, t=step)
    return sp.simplify(-assignment(rule, "p", names, eps_mode=eps_mode) / x)


def _sqrt_gap(a, b):
    """√b - √a written as (b - a)/(√b + √a), whose sign SymPy can read."""
    return (b - a) / (sp.sqrt(b) + sp.sqrt(a))


def closed_form(rule: Rule = RULE) -> Derivation:
    G_sum = G0 + sp.Sum(g[k] ** 2, (k, 1, t))
    return Derivation(
        name="adagrad.closed_form",
        claim="G_t = G_0 + Σ_{k≤t} g_k² for every t ≥ 0 (seed 000's V_t = Σ g_t² when G_0 = 0)",
        steps=(
            Step("base case", G_sum.subs(t, 0), G0, "an empty sum", rewrite=lambda e: e.doit()),
            Step("inductive step", _accumulated(rule, G_sum, g[t + 1]), G_sum.subs(t, t + 1),
                 "G_{t+1} = G_t + g_{t+1}²; peel k = t+1 off the sum", rewrite=peel_last_term(t + 1)),
        ),
        assumptions=ASSUMPTIONS,
        source=SOURCE,
        **about(rule),
    )


def rate_nonincreasing(rule: Rule = RULE) -> Derivation:
    steps = []
    for mode in MODES:
        before = _rate(rule, G_t, mode)
        after = _rate(rule, _accumulated(rule, G_t, sp.sqrt(h)), mode)
        if mode == "inside_sqrt":
            cert = lr * _sqrt_gap(G_t + eps, G_t + h + eps) / (sp.sqrt(G_t + eps) * sp.sqrt(G_t + h + eps))
        else:
            cert = lr * _sqrt_gap(G_t, G_t + h) / ((sp.sqrt(G_t) + eps) * (sp.sqrt(G_t + h) + eps))
        steps.append(Step(f"{mode}: rate after ≤ rate before", after, before,
                          "G_{t+1} = G_t + g² ≥ G_t and η/(√G + δ), η/√(G + δ) decrease in G", relation="<=",
                          certificate=cert))
    decayed = [_rate(rule, G_t, "inside_sqrt", step=s, lr_decay=decay) for s in (t + 1, t + 2)]
    steps.append(Step("lr_decay: rate at t+1 ≤ rate at t", decayed[1], decayed[0],
                      "η/(1 + (t-1)γ) decreases in t for γ > 0", relation="<=",
                      certificate=lr * decay / ((1 + t * decay) * (1 + (t + 1) * decay) * sp.sqrt(G_t + eps))))
    return Derivation(
        name="adagrad.rate_nonincreasing",
        claim=("the effective rate η/(√G_t + δ) (or η/√(G_t + δ)) never increases from one step to the next, "
               "with or without lr_decay, whatever the gradient"),
        steps=tuple(steps),
        assumptions=ASSUMPTIONS + ("g² = h > 0 (at g = 0 the accumulator and the rate stay)", "γ = lr_decay > 0 in the last step"),
        source=SOURCE,
        notes="Seeds 001 and 003: \"G_t increases monotonically\" — so the rate can only fall; whether it falls "
              "to 0 is adagrad.rate_limit.",
        **about(rule, eps_mode=MODES),
    )


def rate_limit(rule: Rule = RULE) -> Derivation:
    square_summable = G0 + sp.Sum(1 / k**2, (k, 1, t))  # g_k = 1/k: Σ g_k² = π²/6 < ∞
    divergent = G0 + t  # g_k = 1: Σ g_k² = t → ∞
    limit = _rate(rule, G0 + sp.pi**2 / 6, "outside_sqrt")
    return Derivation(
        name="adagrad.rate_limit",
        claim=("the rate tends to 0 only when Σ g_k² diverges: with g_k = 1/k it tends to η/(√(G_0 + π²/6) + δ) > 0; "
               "with g_k = 1 it tends to 0"),
        steps=(
            Step("the accumulator follows the rule", _accumulated(rule, square_summable, 1 / (t + 1)),
                 square_summable.subs(t, t + 1), "G_{t+1} = G_t + 1/(t+1)²", rewrite=peel_last_term(t + 1)),
            Step("square-summable: the limit", sp.Limit(_rate(rule, square_summable, "outside_sqrt"), t, sp.oo),
                 limit, "Σ 1/k² = π²/6 (Euler); the rate is continuous in G", rewrite=lambda e: sp.sympify(e).doit()),
            Step("square-summable: the limit is positive", 0, limit, "η, δ > 0 and G_0 + π²/6 > 0", relation="<",
                 certificate=limit),
            Step("divergent: the limit is 0", sp.Limit(_rate(rule, divergent, "outside_sqrt"), t, sp.oo), 0,
                 "G_t = G_0 + t → ∞", rewrite=lambda e: sp.sympify(e).doit()),
        ),
        assumptions=ASSUMPTIONS,
        source=SOURCE,
        notes=("Seeds 001 and 003 say the learning rate \"decreases to 0 (stops learning)\"; that holds only when "
               "Σ g_t² diverges, e.g. for gradients bounded away from 0.  Gradients that shrink like 1/t keep a "
               "positive rate forever."),
        **about(rule, eps_mode="outside_sqrt"),
    )


# Each builder takes the rule (registry.derivations_about passes RULE or a changed copy).
BUILDERS = {"adagrad.closed_form": closed_form, "adagrad.rate_nonincreasing": rate_nonincreasing,
            "adagrad.rate_limit": rate_limit}
