"""A copy of the RAdam kernel with planted bugs, one per name in MUTANTS (None: the faithful copy), and planted
changes in copies of the rule (RULE_MUTANTS) that the derivations about RAdam must reject.

The copy is plain NumPy, step for step like kernels/optimizers/radam.py, so that each mutant is one edit.  Its host
scalars come from the kernel's ``rho`` and ``one_minus_power`` (ρ_t and 1-β^t without cancellation), which the
host-side mutants then change.
"""
from __future__ import annotations

import math

import numpy as np
from rule_changes import ignoring, planted

from kernels.optimizers.radam import one_minus_power, rho

MUTANTS = (
    "rho_inf_without_minus_one",  # ρ_∞ = 2/(1-β2): every ρ_t one too large
    "rho_at_previous_step",  # ρ_{t-1} in place of ρ_t
    "rectifier_not_normalised",  # r_t = √((ρ_t-4)(ρ_t-2)/ρ_t), without ρ_∞/((ρ_∞-4)(ρ_∞-2))
    "momentum_step_uncorrected",  # the un-rectified step lr·m instead of lr·m/(1-β1^t)
    "adam_step_before_the_test",  # the adaptive step (r_t = 1) while ρ_t fails the test, not the momentum step
    "eps_inside_sqrt",  # m̂/√(v̂ + ε)
    "uncorrected_without_sqrt_c2",  # torch's form missing √(1-β2^t): lr·r_t/(1-β1^t)·m/(√v + ε)
    "coupled_decay",  # decay added to the gradient although decoupled was asked for
    "rho_written_out",  # ρ_t = ρ_∞ - 2tβ2^t/(1-β2^t) in float64, as torch writes it: cancels for β2 near 1
)
# Caught only when the check visits t = 5 or 6: the main run's steps t ∈ {1..4, 10..13, 1000..1003} never do (there
# ρ_t lies in (4, 5] only for β2 ∈ (0.6, 0.69)); with steps ≥ 5, or in the threshold run (t = 3..8, β2 near 1, where
# ρ_5 ≈ 4.99999: the default budget caught it at example 184, its last run).
NEEDS_STEP_5 = (
    "paper_test_for_torch",  # ρ_t > 4 although ρ_t > 5 was asked for: rectifies t = 5 at β2 = 0.999
)


def _passes(rho_t: float, rectify_when: str) -> bool:
    if rectify_when == "gt4":
        return rho_t > 4.0
    return rho_t > 5.0 if rectify_when == "gt5" else rho_t >= 5.0


def radam(mutation=None, *, rectify_when="gt4", eps_mode="after_correction", decay="none"):
    def step(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay=0.0):
        as_t = p.dtype.type
        wd_coupled = decay == "l2" or (decay == "decoupled" and mutation == "coupled_decay")
        grad = g + as_t(weight_decay) * p if wd_coupled else g
        m = as_t(beta1) * m + as_t(1.0 - beta1) * grad
        v = as_t(beta2) * v + as_t(1.0 - beta2) * (grad * grad)
        c1, c2 = one_minus_power(beta1, t), one_minus_power(beta2, t)
        rho_inf, rho_t = rho(t - 1 if mutation == "rho_at_previous_step" and t > 1 else t, beta2)
        if mutation == "rho_written_out":
            rho_inf = 2.0 / (1.0 - beta2) - 1.0
            rho_t = rho_inf - 2.0 * t * beta2**t / (1.0 - beta2**t)
        if mutation == "rho_inf_without_minus_one":
            rho_inf, rho_t = rho_inf + 1.0, rho_t + 1.0
        test = "gt4" if mutation == "paper_test_for_torch" and rectify_when == "gt5" else rectify_when
        passes = _passes(rho_t, test)
        with np.errstate(all="ignore"):
            if passes or mutation == "adam_step_before_the_test":
                if not passes:
                    r = 1.0
                elif mutation == "rectifier_not_normalised":
                    r = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) / rho_t)
                else:
                    r = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                if eps_mode == "uncorrected":
                    factor = r / c1 if mutation == "uncorrected_without_sqrt_c2" else r * math.sqrt(c2) / c1
                    update = as_t(lr * factor) * (m / (np.sqrt(v) + as_t(eps)))
                elif mutation == "eps_inside_sqrt":
                    update = as_t(lr * r / c1) * (m / np.sqrt(v * as_t(1.0 / c2) + as_t(eps)))
                else:
                    update = as_t(lr * r / c1) * (m / (np.sqrt(v) * as_t(math.sqrt(1.0 / c2)) + as_t(eps)))
            else:
                update = m * as_t(lr if mutation == "momentum_step_uncorrected" else lr / c1)
            new_p = p - update
            if decay == "decoupled" and mutation != "coupled_decay":
                new_p = p * as_t(1.0 - lr * weight_decay) - update
        return {"p": new_p.astype(p.dtype), "m": m.astype(p.dtype), "v": v.astype(p.dtype)}

    step.__qualname__ = f"radam_copy[{mutation}]"
    return step


def conventions_for(mutation) -> dict:
    """The conventions under which each mutant must be caught (where its bug can show)."""
    if mutation == "paper_test_for_torch":
        return {"rectify_when": "gt5"}
    if mutation == "uncorrected_without_sqrt_c2":
        return {"eps_mode": "uncorrected"}
    if mutation == "coupled_decay":
        return {"decay": "decoupled"}
    return {}


# --- planted changes in the rule itself: the derivations about RAdam must fail (tests/derivations) -----------
def instead(rule, axis: str, value, other):
    """A copy of ``rule`` that builds the variants with ``axis`` = ``value`` as if it were ``other``."""
    import dataclasses

    return dataclasses.replace(rule, build=lambda conv: rule.build({**conv, axis: other} if conv[axis] == value
                                                                   else conv))


def _rule_mutants():
    """{label: (a copy of the radam rule with one change, the derivations that must fail)}; every other
    derivation about the rule must still prove."""
    import sympy as sp

    from derivations.core.rule import STEP, sym
    from derivations.optimizers.radam import RULE

    m, b1, b2 = sym("m"), sym("beta1"), sym("beta2")
    c2 = 1 - b2**STEP
    every = {"radam.rectifier", "radam.tends_to_adam", "radam.first_rectified_step"}
    return {
        "the momentum step without bias correction (α·m_t)": (
            planted(RULE, "p", m / (1 - b1**STEP), m), {"radam.first_rectified_step"}),
        "optax's ρ_t ≥ 5 read as torch's ρ_t > 5": (instead(RULE, "rectify_when", "ge5", "gt5"), {"radam.rectifier"}),
        "torch's and optax's tests read as the paper's ρ_t > 4": (
            ignoring(RULE, rectify_when="gt4"), {"radam.rectifier", "radam.first_rectified_step"}),
        "ρ_t without the factor 2 (ρ_∞ - t·β2^t/(1-β2^t))": (
            planted(RULE, "p", -2 * STEP * b2**STEP / c2, -STEP * b2**STEP / c2),
            {"radam.rectifier", "radam.first_rectified_step"}),
        "r_t's numerator with 2/(1-β2) for ρ_∞": (planted(RULE, "p", 2 / (1 - b2) - 1, 2 / (1 - b2)), every),
        "ε on the uncorrected √v without the √(1-β2^t)": (planted(RULE, "p", sp.sqrt(c2), 1), {"radam.rectifier"}),
    }


RULE_MUTANTS = _rule_mutants()
