"""A copy of the Lion kernel with planted bugs, one per name in MUTANTS (None: the faithful copy), and planted
changes in the Lion rule itself (RULE_MUTANTS), which the derivations about Lion must reject.

The copy is plain NumPy, step for step like kernels/optimizers/lion.py, so that each mutant is one edit.

sign(0) = +1 (np.where(c >= 0, 1, -1)) was long not among them: the rounding model charged every array operation
the dtype's smallest subnormal for a possible underflow, so even an exact c = 0 (m = g = 0) lay within a bound
above 0 and sign(c) could be off by 2 there.  A sum does not underflow and a product with an exact 0 factor is
exactly 0 (verify/reference/tolerance.py), so it is caught now.
"""
from __future__ import annotations

import numpy as np
from rule_changes import ignoring, planted

MUTANTS = (
    "sign_of_new_momentum",  # sign(β2·m + (1-β2)·g): the momentum updated before the step (Signum)
    "swap_betas",  # β1 and β2 exchanged
    "no_one_minus_beta1",  # c = β1·m + g
    "decay_inside_sign",  # p ← p - lr·sign(c + λp) although decoupled decay was asked for
    "decay_without_lr",  # p ← p - lr·sign(c) - λp
    "sign_of_zero_is_plus",  # np.where(c >= 0, 1, -1): a coordinate with m = g = 0 moves by -lr every step
    "flush_subnormal_c",  # c below the smallest normal flushed to 0 (FTZ) before its sign: such coordinates stay
)


def lion(mutation=None, *, decay="none"):
    def step(p, g, m, t, lr, beta1, beta2, weight_decay=0.0):
        as_t = p.dtype.type
        if mutation == "swap_betas":
            beta1, beta2 = beta2, beta1
        grad = g + as_t(weight_decay) * p if decay == "l2" else g
        with np.errstate(all="ignore"):
            new_m = as_t(beta2) * m + as_t(1.0 - beta2) * grad
            if mutation == "sign_of_new_momentum":
                c = new_m
            elif mutation == "no_one_minus_beta1":
                c = as_t(beta1) * m + grad
            else:
                c = as_t(beta1) * m + as_t(1.0 - beta1) * grad
            if mutation == "flush_subnormal_c":
                c = np.where(np.abs(c) < np.finfo(p.dtype).tiny, as_t(0), c)
            if decay == "decoupled" and mutation == "decay_inside_sign":
                new_p = p - as_t(lr) * np.sign(c + as_t(weight_decay) * p)
            elif decay == "decoupled" and mutation == "decay_without_lr":
                new_p = p - as_t(lr) * np.sign(c) - as_t(weight_decay) * p
            elif decay == "decoupled":
                new_p = p * as_t(1.0 - lr * weight_decay) - as_t(lr) * np.sign(c)
            elif mutation == "sign_of_zero_is_plus":
                new_p = p - as_t(lr) * np.where(c >= 0, as_t(1), as_t(-1))
            else:
                new_p = p - as_t(lr) * np.sign(c)
        return {"p": new_p.astype(p.dtype), "m": new_m.astype(p.dtype)}

    step.__qualname__ = f"lion_copy[{mutation}]"
    return step


def conventions_for(mutation) -> dict:
    """The conventions under which each mutant must be caught (where its bug can show)."""
    if mutation in ("decay_inside_sign", "decay_without_lr"):
        return {"decay": "decoupled"}
    return {}


# --- planted changes in the rule itself: the derivations about Lion must fail (tests/derivations) -----------
def _rule_mutants():
    """{label: (a copy of the lion rule with one change, the derivations that must fail)}; every other
    derivation about the rule must still prove."""
    import sympy as sp

    from derivations.core.rule import sym
    from derivations.optimizers import lion

    rule = lion.RULE
    b1, b2, c = (sym(n) for n in ("beta1", "beta2", "c"))
    return {
        "lion: c without (1-β1)": (planted(rule, "c", 1 - b1, 1), {"lion.interpolation"}),
        "lion: p ← p - lr·c, without the sign": (planted(rule, "p", sp.sign(c), c),
                                                {"lion.sign_step", "lion.box_invariant"}),
        "lion: decoupled decay ignored": (ignoring(rule, decay="none"), {"lion.sign_step", "lion.box_invariant"}),
        "lion: m decays by β1, not β2": (planted(rule, "m", b2, b1), {"lion.interpolation"}),
    }


RULE_MUTANTS = _rule_mutants()
