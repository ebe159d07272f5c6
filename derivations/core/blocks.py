"""Conventions that recur across rules, each declared once: its axis and the function that applies it.

In the spirit of optax's ``chain(scale_by_adam, add_decayed_weights, scale_by_learning_rate)``: a rule's
``_build`` composes these blocks instead of writing each convention inline.  Each block returns the very
expression tree the rules wrote before (tests/derivations/test_derivations_blocks.py holds frozen copies), since
verify/reference/tolerance.py counts roundings over the tree: ``p - lr*(a + b)`` is not ``p - lr*a - lr*b`` there.
Blocks take the rule's conventions (``conv``) and symbols; they know nothing of a particular rule.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.rule import STEP, ConventionAxis


# --- exponential moving averages: the EMA rule, Adam's moments, RMSProp's averages ----------------
def ema(decay, average, x):
    """decay·average + (1-decay)·x: seed 003_91c12aa291f221ab.txt's EWMA step."""
    return decay * average + (1 - decay) * x


def bias_correction(decay):
    """1 - decay^t: the total weight an EMA started at 0 has given its t inputs (ema.weight_sum)."""
    return 1 - decay**STEP


# --- where ε sits in the denominator: RMSProp's δ, Adam's ε -------------------------------------------
def divide_by_root(x, second_moment, eps, inside_sqrt: bool):
    """x/√(s + ε) when ε is inside the root, else x/(√s + ε)."""
    return x / sp.sqrt(second_moment + eps) if inside_sqrt else x / (sp.sqrt(second_moment) + eps)


def eps_root_axis(accumulator: str) -> ConventionAxis:
    """ε inside or outside the root of ``accumulator`` (RMSProp's r, AdaGrad's G); inside is the seeds' form."""
    return ConventionAxis("eps_mode", ("inside_sqrt", "outside_sqrt"), "inside_sqrt", (
        ("inside_sqrt", f"g/√({accumulator} + δ), as seeds 001 and 003 write it"),
        ("outside_sqrt", f"g/(√{accumulator} + δ)"),
    ))


# --- weight decay: none, L2 (on the gradient) or decoupled (on the parameter) -------------------------
DECAY = "decay"  # the axis; the hyperparameter λ keeps the name weight_decay


def weight_decay_axis(before: str, beside: str) -> ConventionAxis:
    """The axis, its meanings naming what the L2 term enters ``before`` and what decoupled decay sits ``beside``."""
    return ConventionAxis(DECAY, ("none", "l2", "decoupled"), "none", (
        ("none", "no decay"), ("l2", f"g ← g + λp before {before}"),
        ("decoupled", f"p ← p - lr·λ·p beside {beside}"),
    ))


def decayed_gradient(conv: dict, g, p, wd):
    """The gradient the rule goes on with: g + λp under L2, g otherwise."""
    return g + wd * p if conv[DECAY] == "l2" else g


def decoupled_decay(conv: dict, new_p, p, lr, wd):
    """The new parameter, less lr·λ·p (of the parameter before the step) under decoupled decay."""
    return new_p - lr * wd * p if conv[DECAY] == "decoupled" else new_p


# --- the learning rate inside or outside a momentum buffer ---------------------------------------------
LR_POSITION = "lr_position"  # the axis; the hyperparameter keeps the name lr


def lr_position_axis(outside: str, inside: str) -> ConventionAxis:
    """The axis, with the rule's own one-line forms of each position."""
    return ConventionAxis(LR_POSITION, ("outside_buffer", "inside_buffer"), "outside_buffer", (
        ("outside_buffer", outside), ("inside_buffer", inside),
    ))


def buffer_scale(conv: dict, lr):
    """What each increment of the buffer is multiplied by: lr when the buffer holds lr-scaled steps, else 1."""
    return lr if conv[LR_POSITION] == "inside_buffer" else 1


def apply_step(conv: dict, p, step, lr):
    """p less the step: already lr-scaled when lr sits inside the buffer, scaled by lr here otherwise."""
    return p - step if conv[LR_POSITION] == "inside_buffer" else p - lr * step
