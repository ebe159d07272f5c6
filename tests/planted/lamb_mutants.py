"""Planted bugs in LAMB: each must be caught by verify.checks.lamb with default settings.

Each mutant is one plausible mistake in an otherwise correct NumPy LAMB under optax's conventions (bias-corrected
moments, ratio ‖w‖/‖u‖, no clip, decay in u), written out so that the change is visible.  The check protocol:
``step(params, grads, ms, vs, *, step, lr, b1, b2, eps, weight_decay)``, in place.
"""
from __future__ import annotations

import numpy as np


def _norm(x):
    return np.sqrt(np.sum(x * x))


def _lamb(params, grads, ms, vs, *, step, lr, b1, b2, eps, weight_decay, eps_inside=False, correct_v=True,
          square=True, one_minus_b2=True, ratio_of=None, guard=True, global_norm=False, decay_after=False,
          t_offset=0, swap_betas=False, sign=1.0):
    with np.errstate(all="ignore"):
        t = step + t_offset
        if swap_betas:  # β₂ where β₁ belongs in the first moment
            b1, b2 = b2, b1
        directions = []
        for w, g, m, v in zip(params, grads, ms, vs):
            T = w.dtype.type
            m *= T(b1)
            m += T(1 - b1) * g
            v *= T(b2)
            v += (T(1 - b2) if one_minus_b2 else T(1)) * (g * g if square else np.abs(g))
            mh = m / T(1 - b1**t)
            vh = v / T(1 - b2**t) if correct_v else v
            d = mh / (np.sqrt(vh + T(eps)) if eps_inside else np.sqrt(vh) + T(eps))
            directions.append(d if decay_after else d + T(weight_decay) * w)
        if global_norm:  # one norm over the whole list of tensors instead of one per tensor
            all_w = _norm(np.concatenate([w.ravel() for w in params]))
            all_u = _norm(np.concatenate([u.ravel() for u in directions]))
        for w, u in zip(params, directions):
            T = w.dtype.type
            wn, un = (all_w, all_u) if global_norm else (_norm(w), _norm(u))
            r = ratio_of(wn, un) if ratio_of else wn / un
            if guard and (wn == 0 or un == 0):
                r = T(1)
            step_ = T(lr) * r * u
            if decay_after:  # λw added after the ratio: it escapes the trust ratio
                step_ = step_ + T(lr) * T(weight_decay) * w
            w -= T(sign) * step_


def eps_inside_sqrt(*a, **h):
    _lamb(*a, **h, eps_inside=True)


def v_uncorrected(*a, **h):
    _lamb(*a, **h, correct_v=False)


def abs_not_square(*a, **h):
    _lamb(*a, **h, square=False)


def v_without_one_minus_b2(*a, **h):
    _lamb(*a, **h, one_minus_b2=False)


def ratio_inverted(*a, **h):
    _lamb(*a, **h, ratio_of=lambda wn, un: un / wn)


def squared_ratio(*a, **h):
    _lamb(*a, **h, ratio_of=lambda wn, un: (wn / un) ** 2)


def no_zero_norm_guard(*a, **h):
    _lamb(*a, **h, guard=False)


def global_norm(*a, **h):
    _lamb(*a, **h, global_norm=True)


def decay_after_ratio(*a, **h):
    _lamb(*a, **h, decay_after=True)


def step_count_off_by_one(*a, **h):
    _lamb(*a, **h, t_offset=1)


def betas_swapped(*a, **h):
    _lamb(*a, **h, swap_betas=True)


def ascent(*a, **h):
    _lamb(*a, **h, sign=-1.0)


MUTANTS = {  # name: (mutant, the conventions it claims)
    "ε inside the square root": (eps_inside_sqrt, {}),
    "v̂ not bias-corrected (m̂ is)": (v_uncorrected, {}),
    "|g| instead of g² in v": (abs_not_square, {}),
    "v ← β₂v + g² (no 1-β₂)": (v_without_one_minus_b2, {}),
    "ratio inverted ‖u‖/‖w‖": (ratio_inverted, {}),
    "ratio squared": (squared_ratio, {}),
    "zero-norm guard missing (ratio 0 or NaN, not 1)": (no_zero_norm_guard, {}),
    "one global norm over all tensors": (global_norm, {}),
    "λw added after the trust ratio": (decay_after_ratio, {}),
    "step count off by one (t + 1)": (step_count_off_by_one, {}),
    "β₁ and β₂ swapped": (betas_swapped, {}),
    "ascent: w + step": (ascent, {}),
    "optax's LAMB claimed as pytorch_optimizer's conventions": (
        lambda *a, **h: _lamb(*a, **h),
        dict(bias_correction="step_size", ratio_eps="eps", weight_norm_clip="clamp_10")),
}
MUTANTS["optax's LAMB claimed as pytorch_optimizer's conventions"][0].__name__ = "optax_lamb_copy"


# --- planted changes in the rule itself: the derivations about LAMB must fail (tests/derivations) -----------
def _rule_mutants():
    import dataclasses
    import functools

    import sympy as sp

    from derivations.optimizers import lamb

    def with_ratio(ratio_of):
        return with_build(ratio_of=ratio_of)

    def with_build(**pieces):
        return dataclasses.replace(lamb.RULE, build=functools.partial(lamb._build, **pieces))

    def no_guard(conv, wn, un, eps):  # the ratio's formula everywhere: 0 at w = 0, 0/0 at u = 0
        top = sp.Min(wn, lamb.CLIP) if conv["weight_norm_clip"] == "clamp_10" else wn
        return top / (un + eps if conv["ratio_eps"] == "eps" else un)

    def clip_ignored(conv, wn, un, eps):
        return lamb.trust_ratio({**conv, "weight_norm_clip": "none"}, wn, un, eps)

    # (ε in the ratio where none is claimed also fails lamb.relative_step, but refuting its symbolic step costs
    # SymPy minutes: not planted here)
    return {
        "clamp_10 claimed, not applied": (with_ratio(clip_ignored), {"lamb.relative_step"}),
        "no zero-norm guard": (with_ratio(no_guard), {"lamb.zero_norm"}),
        # v averages |g|: m/√v is no longer c·sign(g); the trust ratio still fixes the step's length
        "|g| instead of g² in v": (with_build(square=sp.Abs), {"lamb.first_step_sign"}),
        # λ taken and ignored (pytorch_optimizer's AdamP/SGDP/AdamWSN with weight_decouple=False): the witness
        # that the correction acts through λ sees no difference any more
        "weight decay ignored": (with_build(decays=False), {"lamb.bias_correction_cancels"}),
    }


RULE_MUTANTS = _rule_mutants()
