"""Copies of the SGD-momentum and RMSProp steps with planted bugs, one per name (None: faithful).

Plain NumPy, written step for step like kernels/optimizers/sgd.py and kernels/optimizers/rmsprop.py, so each mutant is
one edit.  ``conventions`` of each factory picks the variant the copy implements.
"""
from __future__ import annotations

import numpy as np

SGD_MUTANTS = (
    "dampening_ignored",  # the gradient enters the buffer whole although τ > 0
    "nesterov_old_buffer",  # Nesterov's step reads the buffer before its update
    "lr_scaled_buffer",  # lr multiplies into the buffer although it sits outside
    "decay_after_step",  # decoupled decay shrinks the already-updated p
    "flush_subnormal_buf",  # a buffer below the smallest normal flushed to 0 (a CPU kernel built with FTZ)
)
RMSPROP_MUTANTS = (
    "eps_outside_sqrt",  # ε added after the root although inside was asked for
    "centered_plus",  # r + ḡ² instead of r - ḡ²
    "abs_not_square",  # r ← ρr + (1-ρ)|g|
    "rho_swapped",  # r ← (1-ρ)r + ρ g²
)


def sgd(mutation=None, *, lr_position="outside_buffer", init="zero", nesterov=False, decay="none"):
    def step(p, g, buf, t, lr, momentum, dampening=0.0, weight_decay=0.0):
        grad = g + weight_decay * p if decay == "l2" else g
        c = 1.0 if (init == "first_gradient" and t == 1) or mutation == "dampening_ignored" else 1.0 - dampening
        s = lr if lr_position == "inside_buffer" or mutation == "lr_scaled_buffer" else 1.0
        old = buf
        buf = momentum * buf + s * c * grad
        if mutation == "flush_subnormal_buf":
            buf = np.where(np.abs(buf) < np.finfo(p.dtype).tiny, 0.0, buf)
        d = s * grad + momentum * (old if mutation == "nesterov_old_buffer" else buf) if nesterov else buf
        new_p = p - d if lr_position == "inside_buffer" else p - lr * d
        if decay == "decoupled":
            new_p = new_p - lr * weight_decay * (new_p if mutation == "decay_after_step" else p)
        return {"p": new_p.astype(p.dtype), "buf": buf.astype(p.dtype)}

    step.__qualname__ = f"sgd_copy[{mutation}]"
    return step


def rmsprop(mutation=None, *, eps_mode="inside_sqrt", centered=False, lr_position="outside_buffer"):
    def step(p, g, v, buf, t, lr, alpha, eps, momentum, gavg=None):
        a, b = (1 - alpha, alpha) if mutation == "rho_swapped" else (alpha, 1 - alpha)
        v = a * v + b * (np.abs(g) if mutation == "abs_not_square" else g * g)
        out = {}
        var = v
        if centered:
            gavg = alpha * gavg + (1 - alpha) * g
            var = v + gavg * gavg if mutation == "centered_plus" else v - gavg * gavg
            out["gavg"] = gavg.astype(p.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            if eps_mode == "inside_sqrt" and mutation != "eps_outside_sqrt":
                d = g / np.sqrt(var + eps)
            else:
                d = g / (np.sqrt(var) + eps)
        if lr_position == "inside_buffer":
            buf = momentum * buf + lr * d
            new_p = p - buf
        else:
            buf = momentum * buf + d
            new_p = p - lr * buf
        return {**out, "p": new_p.astype(p.dtype), "v": v.astype(p.dtype), "buf": buf.astype(p.dtype)}

    step.__qualname__ = f"rmsprop_copy[{mutation}]"
    return step


SGD_WHERE = {  # the convention under which each mutant's bug can show
    None: {}, "dampening_ignored": {}, "nesterov_old_buffer": {"nesterov": True},
    "lr_scaled_buffer": {}, "decay_after_step": {"decay": "decoupled"}, "flush_subnormal_buf": {},
}
RMSPROP_WHERE = {
    None: {}, "eps_outside_sqrt": {}, "centered_plus": {"centered": True}, "abs_not_square": {}, "rho_swapped": {},
}


def sgd_with(conv: dict, mutation=None):
    """The copy implementing the rule's conventions ``conv`` (rule axis names, which are the copy's keywords)."""
    return sgd(mutation, lr_position=conv.get("lr_position", "outside_buffer"), init=conv.get("init", "zero"),
               nesterov=conv.get("nesterov", False), decay=conv.get("decay", "none"))


def rmsprop_with(conv: dict, mutation=None):
    return rmsprop(mutation, eps_mode=conv.get("eps_mode", "inside_sqrt"), centered=conv.get("centered", False),
                   lr_position=conv.get("lr_position", "outside_buffer"))


def sgd_for(mutation):
    return sgd_with(SGD_WHERE[mutation], mutation), SGD_WHERE[mutation]


def rmsprop_for(mutation):
    return rmsprop_with(RMSPROP_WHERE[mutation], mutation), RMSPROP_WHERE[mutation]
