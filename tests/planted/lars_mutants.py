"""Planted bugs in LARS: each must be caught by verify.checks.reduction with default settings.

Each mutant is one plausible mistake in an otherwise correct NumPy LARS (optax's conventions: the ratio over
‖g + λw‖, lr inside the buffer), written out so that the change is visible.  The check protocol:
``step(params, grads, bufs, *, lr, trust_coefficient, weight_decay, eps, momentum)``, in place.
"""
from __future__ import annotations

import numpy as np


def _norm(x):
    return np.sqrt(np.sum(x * x))


def _lars(params, grads, bufs, *, lr, trust_coefficient, weight_decay, eps, momentum, nesterov=False,
          ratio_of=None, denominator="update", guard=True, global_norm=False, lr_inside=True, decoupled=False,
          nesterov_term="right"):
    with np.errstate(all="ignore"):
        t = params[0].dtype.type
        if global_norm:  # one norm over the whole list of tensors instead of one per tensor
            all_w = np.concatenate([w.ravel() for w in params])
            all_u = np.concatenate([(g + t(weight_decay) * w).ravel() for w, g in zip(params, grads)])
        for w, g, buf in zip(params, grads, bufs):
            t = w.dtype.type
            w_old = w.copy()
            u = g if decoupled else g + t(weight_decay) * w
            w_norm, u_norm = (_norm(all_w), _norm(all_u)) if global_norm else (_norm(w), _norm(u))
            if denominator == "gradient":
                u_norm = _norm(g)  # ‖g‖ where optax divides by ‖g + λw‖
            ratio = ratio_of(w, u, w_norm, u_norm) if ratio_of else t(trust_coefficient) * w_norm / (u_norm + t(eps))
            if guard and (w_norm == 0 or u_norm == 0):
                ratio = t(1)
            s = (t(lr) * ratio if lr_inside else ratio) * u
            buf *= t(momentum)
            buf += s
            if nesterov_term == "old buffer":
                d = t(momentum) * (buf - s) + s  # μ·buf from before the update
            elif nesterov_term == "no increment":
                d = t(momentum) * buf
            else:
                d = t(momentum) * buf + s if nesterov else buf
            w -= d if lr_inside else t(lr) * d
            if decoupled:  # AdamW-style: the ratio never sees λ, w shrinks beside the step
                w -= t(lr) * t(weight_decay) * w_old


def ratio_inverted(params, grads, bufs, **hyper):
    t = params[0].dtype.type
    _lars(params, grads, bufs, **hyper,
          ratio_of=lambda w, u, wn, un: t(hyper["trust_coefficient"]) * un / (wn + t(hyper["eps"])))


def no_trust_coefficient(params, grads, bufs, **hyper):
    _lars(params, grads, bufs, **hyper, ratio_of=lambda w, u, wn, un: wn / (un + w.dtype.type(hyper["eps"])))


def gradient_norm_denominator(params, grads, bufs, **hyper):
    _lars(params, grads, bufs, **hyper, denominator="gradient")


def squared_norms(params, grads, bufs, **hyper):
    t = params[0].dtype.type
    _lars(params, grads, bufs, **hyper,
          ratio_of=lambda w, u, wn, un: t(hyper["trust_coefficient"]) * wn * wn / (un * un + t(hyper["eps"])))


def global_norm(params, grads, bufs, **hyper):
    _lars(params, grads, bufs, **hyper, global_norm=True)


def lr_outside(params, grads, bufs, **hyper):
    _lars(params, grads, bufs, **hyper, lr_inside=False)


def no_zero_norm_guard(params, grads, bufs, **hyper):
    _lars(params, grads, bufs, **hyper, guard=False)


def nesterov_old_buffer(params, grads, bufs, **hyper):
    _lars(params, grads, bufs, **hyper, nesterov=True, nesterov_term="old buffer")


def nesterov_no_increment(params, grads, bufs, **hyper):
    _lars(params, grads, bufs, **hyper, nesterov=True, nesterov_term="no increment")


def decoupled_decay(params, grads, bufs, **hyper):
    _lars(params, grads, bufs, **hyper, decoupled=True)


NESTEROV = dict(nesterov=True)
MUTANTS = {  # name: (mutant, the conventions it claims)
    "ratio inverted ‖u‖/‖w‖": (ratio_inverted, {}),
    "trust coefficient dropped": (no_trust_coefficient, {}),
    "‖g‖ instead of ‖g + λw‖ (the paper's denominator where optax's is claimed)": (gradient_norm_denominator, {}),
    "squared norms (no √)": (squared_norms, {}),
    "one global norm over all tensors": (global_norm, {}),
    "lr outside the buffer where inside is claimed": (lr_outside, {}),
    "zero-norm guard missing (ratio 0 or NaN, not 1)": (no_zero_norm_guard, {}),
    "Nesterov with the buffer before its update": (nesterov_old_buffer, NESTEROV),
    "Nesterov without the increment": (nesterov_no_increment, NESTEROV),
    "decay decoupled (w ← w - η·λ·w) instead of in u": (decoupled_decay, {}),
}


# --- planted changes in the rule itself: the derivations about LARS must fail (tests/derivations) -----------
def _rule_mutants():
    """{label: (a copy of the lars rule with one change, the derivations that must fail)}; every other
    derivation about the rule must still prove."""
    import dataclasses
    import functools

    import sympy as sp

    from derivations.core.reduction import norm
    from derivations.optimizers import lars

    def with_ratio(ratio_of):
        return dataclasses.replace(lars.RULE, build=functools.partial(lars._build, ratio_of=ratio_of))

    def guarded(conv, w, value, denominator):
        return sp.Piecewise((1, sp.Or(sp.Eq(norm(w), 0), sp.Eq(denominator, 0))), (value, True))

    def no_sqrt(conv, w, g, u, tc, wd, eps):  # squared norms: tc·‖w‖²/(‖u‖² + ε)
        d = norm(u) ** 2
        return guarded(conv, w, tc * norm(w) ** 2 / (d + eps), d)

    def squared_denominator(conv, w, g, u, tc, wd, eps):  # tc·‖w‖/(‖u‖² + ε)
        d = norm(u) ** 2
        return guarded(conv, w, tc * norm(w) / (d + eps), d)

    def no_trust_coefficient(conv, w, g, u, tc, wd, eps):
        return lars.trust_ratio(conv, w, g, u, 1, wd, eps)

    def no_guard(conv, w, g, u, tc, wd, eps):  # the seed's formula with ε: 0 at w = 0, 0/0 at g = 0
        d = norm(u) if conv["trust_denominator"] == "update_norm" else norm(g) + wd * norm(w)
        return tc * norm(w) / (d + eps)

    def always_paper(conv, w, g, u, tc, wd, eps):
        return lars.trust_ratio({**conv, "trust_denominator": "paper"}, w, g, u, tc, wd, eps)

    steps = {"lars.relative_step", "lars.decay_bound"}
    return {
        "ratio without √ (squared norms)": (with_ratio(no_sqrt), steps | {"lars.scale_invariance"}),
        "ratio over ‖u‖² instead of ‖u‖": (with_ratio(squared_denominator), steps | {"lars.scale_invariance"}),
        "ratio without the trust coefficient": (with_ratio(no_trust_coefficient), steps),
        "no zero-norm guard (the seed's formula)": (with_ratio(no_guard), {"lars.zero_norm"}),
        "the paper's denominator where update_norm is claimed": (with_ratio(always_paper), steps),
    }


RULE_MUTANTS = _rule_mutants()
