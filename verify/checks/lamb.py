"""The check of LAMB (derivations/optimizers/lamb.py) against a near-exact per-step reference, componentwise.

It follows verify/checks/reduction.py (LARS) and reuses its draws and its norm analysis: Hypothesis draws a dtype,
a list of 1-4 tensors (sometimes a whole tensor of w or g at 0), moments m (any sign) and v (> 0, so that
v_new > 0 and ε = 0 never divides by 0), the hyperparameters, the step count t and 1-3 steps; each step the
implementation gets the state it returned the step before, so the bound is of one step.

**Reference.**  m_new = β₁m + (1-β₁)g and v_new = β₂v + (1-β₂)g² are exact Fractions; the correction
1-βᵗ, the square roots and what follows in mpmath at 320 bits.

**Tolerance**, componentwise, first order (u the unit roundoff, Higham ch. 3), each term one rounding:

* m_new: 1-β₁, two products, the sum: e_m = 4u(β₁|m| + (1-β₁)|g|); v_new: also g²: e_v = 5u(β₂v + (1-β₂)g²);
* 1-βᵗ: βᵗ within (4 + 2⌈log₂t⌉)u relative (binary powering: ≤ 2⌈log₂t⌉ products; a libm pow ≤ 2 ulps), then one
  subtraction: ρ_c = (k·u·βᵗ + u(1-βᵗ))/(1-βᵗ) — large when βᵗ is near 1 (β₂ = 0.999, t = 1: ×1000), which is
  the real conditioning of the correction, not slack;
* m̂ = m/c: e_m/c + |m̂|(ρ_c + 2u) (a division, or a reciprocal then a product); v̂ likewise;
* √v̂: |√a - √b| ≤ |a-b|/(√a + √b) ≤ min(√e, e/(√v̂ + √(v̂ - e))) plus u; + ε one rounding;
* d = m̂/(√v̂ + ε): (e_m̂ + |d|·e_den)/(den - e_den) + 2u|d|;
* u = d + λw (in_ratio): + u|λw| + u|u|;  w₀ = (1-ηλ)w (decoupled): 3u(1 + ηλ)|w|;
* the norms, the ratio, the step η·r·u and w₀ - step as in reduction.py; min(·, 10) is 1-Lipschitz;
  ``step_size``'s η/(1-β₁ᵗ) adds the correction's ρ_c and one rounding, relative, to the step.

Where the analysis cannot decide (a norm's bound reaches a quarter of it; u = 0 exactly but not computed
exactly; ε = 0 and √v̂ within its error of 0) the example is discarded and counted.  The bound is multiplied by
(1 + 64nu) for second-order terms and by ``REASSOCIATION_FACTOR`` (2) for other evaluation orders.

The implementation's protocol: ``step(params, grads, ms, vs, *, step, lr, b1, b2, eps, weight_decay)`` with lists
of arrays, returning ``(params_new, ms_new, vs_new)`` or None after updating them in place.
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import strategies as st

from derivations.registry import REDUCTION_RULES
from verify.checks.common import Tracker, conclude, label, to_numpy
from verify.checks.elementwise import property_run
from verify.checks.matrix import MatrixReport, gamma
from verify.checks.reduction import (
    DTYPES,
    PRECISION,
    ULP_TERMS,
    UNDECIDED,
    Undecided,
    _abs,
    _array,
    _compare,
    _exact,
    _f32,
    _mp,
    _values,
    call_per_tensor,
    draw_tensors,
    repro_per_tensor,
    returned_like,
)
from verify.reference.tolerance import REASSOCIATION_FACTOR, smallest_subnormal, unit_roundoff

HYPERPARAMETERS = ("lr", "b1", "b2", "eps", "weight_decay")
HYPER_DRAWS = dict(
    lr=st.one_of(st.sampled_from((1e-3, 0.1, 0.5, 1.0, 2.0**-7)), st.floats(1e-4, 2.0)),
    b1=st.one_of(st.sampled_from((0.9, 0.0, 0.5, 0.99)), st.floats(0.0, 0.999)),
    b2=st.one_of(st.sampled_from((0.999, 0.99, 0.5, 0.9)), st.floats(0.01, 0.9999)),
    eps=st.sampled_from((1e-6, 0.0, 1e-8, 1e-3, 0.25)),
    weight_decay=st.one_of(st.sampled_from((0.0, 0.0, 0.01, 0.1, 0.5)), st.floats(0.0, 2.0)),
)
STEP_DRAW = st.sampled_from((1, 1, 2, 3, 10, 100, 1000))
CLAMP = 10


def _positive(draw, dtype, shape, kind_label):
    """v > 0: |drawn| with zeros replaced by the smallest drawn magnitude 2⁻²⁰."""
    values = draw(_values(dtype, math.prod(shape)), label=kind_label)
    return np.asarray([abs(x) or 2.0**-20 for x in values], dtype=dtype).reshape(shape)


def _norm(values, errors, n, u, tiny):
    """‖x‖ of mpf values and the bound on the computed norm's error (reduction.py's analysis)."""
    N = mpmath.sqrt(mpmath.fsum(x * x for x in values))
    if N == 0:
        return N, 0.0
    f = float(N)
    return N, float(np.sqrt(np.sum(np.square(errors)))) + (gamma(n, u) / 2 + u) * f + n * tiny / (2 * f)


def _correction(beta: Fraction, t: int, u: float):
    """1-βᵗ (mpf) and its computed relative error bound ρ."""
    power = _mp(beta) ** t
    c = 1 - power
    k = 4 + 2 * math.ceil(math.log2(t)) if t > 1 else 1
    return c, (k * u * float(power) + u * float(c)) / float(c)


def lamb_tensor(w, g, m, v, hyper: dict, conv: dict, dtype: str, t: int):
    with mpmath.workprec(PRECISION):
        return _lamb_tensor(w, g, m, v, hyper, conv, dtype, t)


def _lamb_tensor(w, g, m, v, hyper, conv, dtype, t):
    u, tiny = unit_roundoff(dtype), smallest_subnormal(dtype)
    W, G, M, V = _exact(w), _exact(g), _exact(m), _exact(v)
    n = len(W)
    lr, b1, b2, eps, wd = (Fraction(float(hyper[k])) for k in HYPERPARAMETERS)
    M1 = [b1 * a + (1 - b1) * x for a, x in zip(M, G)]
    V1 = [b2 * a + (1 - b2) * x * x for a, x in zip(V, G)]
    e_m = 4 * u * np.array([float(abs(b1 * a) + abs((1 - b1) * x)) for a, x in zip(M, G)]) + 2 * tiny
    e_v = 5 * u * np.array([float(b2 * a + (1 - b2) * x * x) for a, x in zip(V, G)]) + 2 * tiny
    if conv["bias_correction"] == "moments":  # (step_size: the correction is applied to the step, below)
        (c1, r1), (c2, r2) = _correction(b1, t, u), _correction(b2, t, u)
    else:
        (c1, r1), (c2, r2) = (mpmath.mpf(1), -2 * u), (mpmath.mpf(1), -2 * u)  # no division: no rounding
    mh = [_mp(x) / c1 for x in M1]
    vh = [_mp(x) / c2 for x in V1]
    e_mh = e_m / float(c1) + _abs(mh) * (r1 + 2 * u)
    e_vh = e_v / float(c2) + _abs(vh) * (r2 + 2 * u)
    s = [mpmath.sqrt(x) for x in vh]
    fs, fvh = _abs(s), _abs(vh)
    e_s = np.minimum(np.sqrt(e_vh), e_vh / (fs + np.sqrt(np.maximum(fvh - e_vh, 0.0)))) + u * fs
    den = [x + _mp(eps) for x in s]
    fden = _abs(den)
    e_den = e_s + (u * fden if eps else 0.0)
    if not np.all(e_den < UNDECIDED * fden):
        raise Undecided("√v̂ + ε within its rounding error of 0")
    d = [a / b for a, b in zip(mh, den)]
    e_d = (e_mh + _abs(d) * e_den) / (fden - e_den) + 2 * u * _abs(d) + tiny
    if conv["decay"] == "in_ratio":
        W0 = [_mp(x) for x in W]
        e_w0 = np.zeros(n)
        U = [a + _mp(wd) * _mp(x) for a, x in zip(d, W)]
        e_u = e_d + (u * np.array([float(abs(wd * x)) for x in W]) + u * _abs(U) + tiny if wd else 0.0)
    else:
        shrink = 1 - lr * wd
        if wd and shrink == 0 and any(W) and float(lr) * float(wd) != float(lr * wd):
            raise Undecided("1 - ηλ = 0 but ηλ is not a float: the computed w₀ is rounding noise")
        W0 = [_mp(shrink * x) for x in W]
        e_w0 = (3 * u * float(1 + lr * wd) * np.array([float(abs(x)) for x in W]) + tiny) if wd else np.zeros(n)
        U, e_u = d, e_d
    Nw, e_Nw = _norm(W0, e_w0, n, u, tiny)
    Nu, e_Nu = _norm(U, e_u, n, u, tiny)
    if Nu == 0 and not (all(a == 0 for a in M1) and (conv["decay"] == "decoupled" or not wd or not any(W))
                        and not any(M) and not any(G)):
        raise Undecided("u is 0 exactly but not computed exactly")
    top, e_top = (min(Nw, mpmath.mpf(CLAMP)), e_Nw) if conv["weight_norm_clip"] == "clamp_10" else (Nw, e_Nw)
    if top == 0 or Nu == 0:
        r, e_r = mpmath.mpf(1), 0.0
    else:
        for value, err in ((Nw, e_Nw), (Nu, e_Nu)):
            if not err < UNDECIDED * float(value):
                raise Undecided("a norm's rounding error bound reaches a quarter of it")
        D = Nu + _mp(eps) if conv["ratio_eps"] == "eps" else Nu
        e_D = e_Nu + (u * float(D) if conv["ratio_eps"] == "eps" and eps else 0.0)
        r = top / D
        e_r = (e_top + float(r) * e_D) / (float(D) - e_D) + u * float(r) + tiny
    rate, e_rate = _mp(lr), 0.0
    if conv["bias_correction"] == "step_size":  # η/(1-β₁ᵗ): the correction's error and one division
        c, rho = _correction(b1, t, u)
        rate, e_rate = rate / c, rho + u
    step = [rate * r * x for x in U]
    e_step = float(rate) * (float(r) * e_u + e_r * _abs(U)) + (2 * u + e_rate) * _abs(step) + 2 * tiny
    w_new = [a - b for a, b in zip(W0, step)]
    e_w = e_w0 + e_step + u * _abs(w_new) + tiny
    safety = REASSOCIATION_FACTOR * (1 + 64 * n * u)
    extra = ULP_TERMS * tiny
    return dict(w=(w_new, safety * e_w + extra), m=([_mp(x) for x in M1], safety * e_m + extra),
                v=([_mp(x) for x in V1], safety * e_v + extra), ratio=float(r))


def check_lamb(implementation, conv: dict, *, examples=40, seed=0, dtypes=DTYPES, max_size=5, name=None, xp=np,
               steps=3) -> MatrixReport:
    tracker = Tracker()
    dtype_draw, steps_draw = st.sampled_from(dtypes), st.integers(1, steps)

    @property_run(seed, examples)
    def run(data):
        dtype, shapes, params = draw_tensors(data, dtype_draw, max_size)
        ms = [_array(data.draw, dtype, s, f"m[{i}]", zero_weight=5) for i, s in enumerate(shapes)]
        vs = [_positive(data.draw, dtype, s, f"v[{i}]") for i, s in enumerate(shapes)]
        hyper = {k: _f32(data.draw(HYPER_DRAWS[k], label=k)) for k in HYPERPARAMETERS}
        t0 = data.draw(STEP_DRAW, label="first step count")
        k = data.draw(steps_draw, label="steps")
        for t in range(t0, t0 + k):
            grads = [_array(data.draw, dtype, s, f"g[{i}] step {t}") for i, s in enumerate(shapes)]
            if t == t0:
                tracker.examples += 1
            inputs = {name: [a.tolist() for a in arrays] for name, arrays in
                      (("params", params), ("grads", grads), ("ms", ms), ("vs", vs))}
            context = dict(dtype=dtype, step=t, t=t, hyperparameters=hyper, inputs=inputs)
            try:
                refs = [lamb_tensor(*arrays, hyper, conv, dtype, t) for arrays in zip(params, grads, ms, vs)]
            except Undecided:
                if t == t0:
                    tracker.discard()
                return
            try:
                lists = dict(params=params, grads=grads, ms=ms, vs=vs)
                got = [[to_numpy(a) for a in arrays]
                       for arrays in call_per_tensor(implementation, lists, ("params", "ms", "vs"), xp, step=t, **hyper)]
            except Exception as exc:
                tracker.mismatch(f"the implementation raised {type(exc).__name__}: {exc}", context)
            if any(len(arrays) != len(params) for arrays in got):
                tracker.mismatch(f"returned {[len(a) for a in got]} arrays for {len(params)} tensors", context)
            for i, (ref, w) in enumerate(zip(refs, params)):
                for what, array in zip(("w", "m", "v"), (got[0][i], got[1][i], got[2][i])):
                    returned_like(tracker, f"{what}[{i}]", array, w, ref["ratio"], t, context)
                    _compare(tracker, what, array, *ref[what], w.shape, dict(context, tensor=i))
            params, ms, vs = ([np.array(a) for a in arrays] for arrays in got)

    report = MatrixReport("lamb", conv, name or label(implementation), mode="reduction", dtypes=tuple(dtypes))
    def repro(failure):
        return repro_per_tensor(implementation, failure, ("params", "grads", "ms", "vs"), ("params", "ms", "vs"),
                                keywords=f"step={failure['t']}, ")
    return conclude(run, tracker, report, repro,
                    "the rounding analysis could not bound the step")


class LambKernel:
    """kernels.optimizers.lamb.lamb_step under one choice of conventions, in the check's protocol."""

    AXES = ("bias_correction", "ratio_eps", "weight_norm_clip", "decay")

    def __init__(self, conv: dict):
        self.conv = {k: conv[k] for k in self.AXES}
        args = ", ".join(f"{k}={v!r}" for k, v in self.conv.items())
        self.__qualname__ = f"kernels.optimizers.lamb.lamb_step({args})"
        self.__optverify_call__ = ("from verify.checks.reduction import kernel_for_reduction",
                                   f"kernel_for_reduction('lamb', {self.conv!r})")

    def __call__(self, params, grads, ms, vs, *, step, lr, b1, b2, eps, weight_decay):
        from kernels.optimizers.lamb import lamb_step

        lamb_step(params, grads, ms, vs, step=step, lr=lr, b1=b1, b2=b2, eps=eps, weight_decay=weight_decay,
                  **self.conv)


def kernel_for_lamb(conventions: dict | None = None) -> LambKernel:
    return LambKernel(REDUCTION_RULES["lamb"].conventions(**(conventions or {})))
