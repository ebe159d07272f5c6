"""A copy of the AdaGrad kernel with planted bugs, one per name in MUTANTS (None: the faithful copy).

Plain NumPy, step for step like kernels/optimizers/adagrad.py, so that each mutant is one edit.
"""
from __future__ import annotations

import numpy as np

MUTANTS = (
    "eps_outside_sqrt",  # g/(√G + ε) although ε inside √ was asked for
    "old_accumulator",  # divides by √G of the step before (g² added after the step)
    "lr_decay_off_by_one",  # lr/(1 + t·lr_decay) instead of (t-1)
    "abs_instead_of_square",  # G ← G + |g|
    "l2_missing_from_accumulator",  # g + λp in the step, plain g² in G
)


def adagrad(mutation=None, *, eps_mode="inside_sqrt", decay="none"):
    def step(p, g, G, t, lr, eps, lr_decay=0.0, weight_decay=0.0):
        as_t = p.dtype.type
        grad = g + as_t(weight_decay) * p if decay == "l2" else g
        seen = g if mutation == "l2_missing_from_accumulator" else grad
        old = G.copy()
        G = G + (np.abs(seen) if mutation == "abs_instead_of_square" else seen * seen)
        source = old if mutation == "old_accumulator" else G
        inside = eps_mode == "inside_sqrt" and mutation != "eps_outside_sqrt"
        with np.errstate(all="ignore"):
            denom = np.sqrt(source + as_t(eps)) if inside else np.sqrt(source) + as_t(eps)
            shift = t if mutation == "lr_decay_off_by_one" else t - 1
            rate = lr / (1.0 + shift * lr_decay)
            new_p = p - as_t(rate) * (grad / denom)
            if decay == "decoupled":
                new_p = p * as_t(1.0 - lr * weight_decay) - as_t(rate) * (grad / denom)
        return {"p": new_p.astype(p.dtype), "G": G.astype(p.dtype)}

    step.__qualname__ = f"adagrad_copy[{mutation}]"
    return step


def conventions_for(mutation) -> dict:
    """The convention under which each mutant must be caught (where its bug can show)."""
    if mutation == "l2_missing_from_accumulator":
        return {"decay": "l2"}
    return {}
