"""A copy of the Adam kernel with planted bugs, one per name in MUTANTS (None: the faithful copy).

Written as plain NumPy, step for step like kernels/optimizers/adam.py, so that each mutant is one edit.
"""
from __future__ import annotations

import numpy as np

MUTANTS = (
    "eps_inside_sqrt",  # ε moved inside √
    "bias_correction_t_minus_1",  # 1 - β^(t-1)
    "drop_one_minus_beta1",  # m ← β1 m + g
    "swap_betas",  # β1 and β2 exchanged
    "drop_sqrt",  # divide by v̂ + ε
    "coupled_decay",  # decay added to the gradient although decoupled was asked for
    "amsgrad_max_of_old_v",  # AMSGrad max taken over the previous v
    "skip_correction_when_small",  # 1 - β^t taken as 1 once β^t < 1e-8 ("converged"): wrong by β^t, in float64
)


def adam(mutation=None, *, decay="none", amsgrad="off"):
    def step(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay=0.0, vmax=None):
        if mutation == "swap_betas":
            beta1, beta2 = beta2, beta1
        wd_coupled = decay == "l2" or (decay == "decoupled" and mutation == "coupled_decay")
        grad = g + weight_decay * p if wd_coupled else g
        v_old = v.copy()
        m = beta1 * m + (grad if mutation == "drop_one_minus_beta1" else (1 - beta1) * grad)
        v = beta2 * v + (1 - beta2) * grad * grad
        tb = t - 1 if mutation == "bias_correction_t_minus_1" else t
        with np.errstate(all="ignore"):
            c1, c2 = 1 - beta1**tb, 1 - beta2**tb
            if mutation == "skip_correction_when_small":
                c1, c2 = (1.0 if beta**tb < 1e-8 else c for beta, c in ((beta1, c1), (beta2, c2)))
            vsrc = v
            if amsgrad == "raw":
                vmax = np.maximum(vmax, v_old if mutation == "amsgrad_max_of_old_v" else v)
                vsrc = vmax
            v_hat = vsrc / p.dtype.type(c2)
            if mutation == "eps_inside_sqrt":
                denom = np.sqrt(v_hat + p.dtype.type(eps))
            elif mutation == "drop_sqrt":
                denom = v_hat + p.dtype.type(eps)
            else:
                denom = np.sqrt(v_hat) + p.dtype.type(eps)
            new_p = p - p.dtype.type(lr / c1) * m / denom
        if decay == "decoupled" and mutation != "coupled_decay":
            new_p = new_p - p.dtype.type(lr * weight_decay) * p
        out = {"p": new_p.astype(p.dtype), "m": m.astype(p.dtype), "v": v.astype(p.dtype)}
        if vmax is not None:
            out["vmax"] = vmax.astype(p.dtype)
        return out

    step.__qualname__ = f"adam_copy[{mutation}]"
    return step


def conventions_for(mutation) -> dict:
    """The convention under which each mutant must be caught (where its bug can show)."""
    if mutation == "coupled_decay":
        return {"decay": "decoupled"}
    if mutation == "amsgrad_max_of_old_v":
        return {"amsgrad": "raw"}
    return {}


def kwargs_for(mutation) -> dict:
    conv = conventions_for(mutation)
    return {"decay": conv.get("decay", "none"), "amsgrad": conv.get("amsgrad", "off")}
