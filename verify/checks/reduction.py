"""Checks of per-tensor reduction rules (LARS) against a near-exact reference, with componentwise bounds.

A reduction rule (derivations/core/reduction.py) updates a *list* of tensors, each through norms of the whole
tensor: LARS scales tensor i's update u = g + λw by its own trust ratio r = tc·‖w‖/(‖u‖ + ε) (or
/(‖g‖ + λ‖w‖ + ε), the paper's), then runs a momentum buffer.  Hypothesis draws, per example, a dtype, a list
of 1-4 tensors (1-D or 2-D, up to ``max_size`` elements; sometimes w = 0 or g = 0 for a whole tensor, to reach
the zero-norm convention), a buffer (0 or drawn), the hyperparameters (λ = 0 and ε = 0 often) and 1-3 steps of
gradients.  Each step the implementation gets the state it returned the step before (its own w and buf, as
the CG check feeds CG its own iterates), so errors cannot accumulate and a bound of a few roundings holds.

**Reference.**  The inputs are floats, so exact as Fractions: u = g + λw, the sums of squares, and every zero
test (which tensors take ratio 1) are exact.  The square roots and what follows (ratio, increment, buffer,
new w) are evaluated with mpmath at 320 bits — relative error below 2⁻³⁰⁰, nothing beside the bound.

**Tolerance**, componentwise, by a first-order running error analysis of one step (u the dtype's unit
roundoff, γ_k = ku/(1 - ku), Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., ch. 3):

* u_i = g_i + λw_i: two roundings, |û_i - u_i| ≤ u|λw_i| + u|u_i| =: e_i (exact when λ = 0);
* a norm ‖x‖ computed from x̂: the sum of n nonnegative squares has relative error ≤ γ_n in any order
  (§3.1; pairwise and blocked sums do better), √ adds u, so ‖x̂‖ is computed within (γ_n/2 + u)‖x‖, and
  |‖x̂‖ - ‖x‖| ≤ ‖x̂ - x‖₂ ≤ ‖e‖₂ (the triangle inequality); an underflowing square adds ≤ n·s_min/(2‖x‖);
* the paper's ‖g‖ + λ‖w‖ + ε adds λ times ‖w‖'s error and one rounding per operation (nonnegative terms:
  every partial sum is at most the total); ‖u‖ + ε one more;
* the ratio tc·‖w‖/D: the numerator's and the denominator's errors as a quotient's (e_top + |q|·e_bottom)/
  (D - e_bottom), plus u for tc·‖w‖ and u for the division;
* the increment lr·r·u_i: r's error times |u_i|, r·e_i, and two roundings (lr·r, then ·u_i, in either order);
  the buffer μ·buf + s and Nesterov's μ·buf + s one rounding per operation; w - lr·d one or two.

Where the exact ‖w‖ or the denominator's norm is 0 the ratio is exactly 1 (``zero_norm = ratio_one``) and so
is the implementation's: w = 0 gives ‖ŵ‖ = 0 exactly, g = 0 with λ = 0 gives û = 0.  Examples where the
analysis cannot decide are *discarded* and counted: where the relative error bound of ‖w‖ or of the
denominator reaches 1/4 (u = g + λw cancels, or squares underflow — the computed norm might be 0, flipping
the guard), and where u = 0 exactly but some λw_i is not a float (the computed û is rounding noise, and
r·û/‖û‖ has norm tc·‖w‖ whatever it is).  The draws keep magnitudes in [2⁻²⁰, 2²⁰] so both are rare.
The bound is multiplied by (1 + 64nu) for the second-order terms, by ``REASSOCIATION_FACTOR`` (2) for
implementations that evaluate in another order (verify/reference/tolerance.py), and a few smallest
subnormals are added per operation for products that underflow.

Entry points: ``REDUCTION_RULES``, ``kernel_for_reduction(name, conventions)`` and ``check_reduction``.

The implementation's protocol: ``step(params, grads, bufs, *, lr, trust_coefficient, weight_decay, eps,
momentum)`` with three lists of arrays (one per tensor, of the check's array module), returning
``(params_new, bufs_new)`` (two lists) or None after updating ``params`` and ``bufs`` in place.  Its
conventions are its own: the check says which of the rule's it is compared against.
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import strategies as st

from derivations.registry import REDUCTION_RULES
from verify.checks.common import Tracker, conclude, label, to_numpy
from verify.checks.elementwise import how_to_call, property_run
from verify.checks.matrix import MatrixReport, gamma
from verify.core import options as options_
from verify.reference.tolerance import REASSOCIATION_FACTOR, smallest_subnormal, unit_roundoff

DTYPES = ("float32", "float64")
PRECISION = 320  # bits of the mpmath reference
HYPERPARAMETERS = ("lr", "trust_coefficient", "weight_decay", "eps", "momentum")
MIN_EXPONENT, MAX_EXPONENT = -20, 20  # drawn nonzero magnitudes lie in [2⁻²⁰, 2²¹)
UNDECIDED = 0.25  # a norm whose relative error bound reaches this: the example is discarded
ULP_TERMS = 8  # smallest subnormals added per output for underflow


# --- draws ---------------------------------------------------------------------------------------------
def _f32(x: float) -> float:
    """A hyperparameter exact in float32 (so in float64 too): the implementation's cast changes nothing."""
    return float(np.float32(x))


# Strategies are built once (building them per draw costs more than the check itself).
@functools.lru_cache(maxsize=None)
def _values(dtype: str, n: int):
    """n floats of ``dtype``: ±m·2^e with a full-width mantissa m ∈ [1, 2), |e| ≤ 20, and sometimes 0."""
    width = 32 if dtype == "float32" else 64
    magnitude = st.builds(lambda s, m, e: s * m * 2.0**e, st.sampled_from((1.0, -1.0)),
                          st.floats(1.0, 2.0, exclude_max=True, width=width), st.integers(MIN_EXPONENT, MAX_EXPONENT))
    return st.lists(st.one_of(magnitude, st.just(0.0)), min_size=n, max_size=n)


@functools.lru_cache(maxsize=None)
def _shapes(max_size: int):
    """A tensor's shape: 1-D, or 2-D when its size factors (the rule reads it flattened)."""
    by_size = {n: st.sampled_from([(n,)] + [(a, n // a) for a in range(2, n) if n % a == 0])
               for n in range(1, max_size + 1)}
    return st.integers(1, max_size).flatmap(lambda n: by_size[n])


KINDS = {weight: st.sampled_from(("drawn",) * 5 + ("zero",) * weight) for weight in (1, 5)}


def _array(draw, dtype, shape, kind_label, zero_weight=1):
    """An array of ``shape``: drawn values, or (sometimes) all zeros — a whole tensor at 0."""
    n = math.prod(shape)
    kind = draw(KINDS[zero_weight], label=kind_label)
    values = [0.0] * n if kind == "zero" else draw(_values(dtype, n), label=kind_label + " values")
    return np.asarray(values, dtype=dtype).reshape(shape)


HYPER_DRAWS = dict(
    lr=st.one_of(st.sampled_from((0.5, 0.1, 1.0, 2.0**-7, 3.0)), st.floats(1e-3, 4.0)),
    trust_coefficient=st.one_of(st.sampled_from((0.02, 0.001, 0.5, 1.0, 3.0)), st.floats(1e-4, 10.0)),
    weight_decay=st.one_of(st.sampled_from((0.0, 0.0, 5e-4, 0.1, 0.5, 2.0)), st.floats(0.0, 4.0)),
    eps=st.sampled_from((0.0, 0.0, 1e-8, 1e-3, 0.25)),
    momentum=st.one_of(st.sampled_from((0.9, 0.0, 0.5, 0.99)), st.floats(0.0, 0.999)),
)


# --- the reference and its bound, one tensor, one step --------------------------------------------------
def _exact(a) -> list:
    return [Fraction(float(x)) for x in np.ravel(a)]


def _mp(x: Fraction):
    return mpmath.mpf(x.numerator) / x.denominator


def _representable(x: Fraction, dtype: str) -> bool:
    f = float(x)
    return Fraction(f) == x and float(np.dtype(dtype).type(f)) == f


class Undecided(Exception):
    """The analysis cannot bound this tensor's step (see the module docstring): the example is discarded."""


def _norm_bound(values, errors, n: int, u: float, tiny: float):
    """‖x‖ (mpf) and the bound on |computed ‖x̂‖ - ‖x‖|, x exact (Fractions), ``errors`` bounding |x̂_i - x_i|."""
    square_sum = sum((x * x for x in values), Fraction(0))
    norm = mpmath.sqrt(_mp(square_sum))
    N = float(norm)
    if N == 0:
        return norm, 0.0, Fraction(0)
    err = float(np.sqrt(np.sum(np.square(errors)))) + (gamma(n, u) / 2 + u) * N + n * tiny / (2 * N)
    return norm, err, square_sum


def lars_tensor(w, g, buf, hyper: dict, conv: dict, dtype: str):
    """The exact step of one tensor (mpf lists: new w, new buf) and componentwise bounds on the implementation's
    errors in them, all flat.  Raises Undecided where the analysis says nothing."""
    with mpmath.workprec(PRECISION):
        return _lars_tensor(w, g, buf, hyper, conv, dtype)


def _lars_tensor(w, g, buf, hyper, conv, dtype):
    u, tiny = unit_roundoff(dtype), smallest_subnormal(dtype)
    W, G, B = _exact(w), _exact(g), _exact(buf)
    n = len(W)
    lr, tc, wd, eps, mu = (Fraction(float(hyper[k])) for k in HYPERPARAMETERS)
    inside = conv["lr_position"] == "inside_buffer"
    U = [gi + wd * wi for gi, wi in zip(G, W)]
    absU = np.array([abs(float(x)) for x in U])
    if wd:  # λw_i and the sum, one rounding each; u = g exactly when λ = 0
        e_u = u * np.array([abs(float(wd * wi)) for wi in W]) + u * absU + tiny
    else:
        e_u = np.zeros(n)
    Nw, e_Nw, Sw = _norm_bound(W, np.zeros(n), n, u, tiny)
    if conv["trust_denominator"] == "update_norm":
        Nd, e_Nd, Sd = _norm_bound(U, e_u, n, u, tiny)
        exact_zero = Sd == 0
        if exact_zero and any(W) and wd and not all(_representable(wd * wi, dtype) for wi in W):
            raise Undecided("u = g + λw is 0 but λw is not a float: the computed u is rounding noise")
    else:
        Ng, e_Ng, Sg = _norm_bound(G, np.zeros(n), n, u, tiny)
        Nd = Ng + _mp(wd) * Nw
        e_Nd = e_Ng + float(wd) * e_Nw + (u * float(wd) * float(Nw) + u * float(Nd) + tiny if wd else 0.0)
        exact_zero = Sg == 0 and (wd == 0 or Sw == 0)
    if Sw == 0 or exact_zero:  # zero_norm = ratio_one: exactly 1, and computed exactly so
        r, e_r = mpmath.mpf(1), 0.0
    else:
        for value, err in ((Nw, e_Nw), (Nd, e_Nd)):
            if not err < UNDECIDED * float(value):
                raise Undecided("a norm's rounding error bound reaches a quarter of it")
        top, e_top = _mp(tc) * Nw, float(tc) * e_Nw + u * float(tc) * float(Nw) + tiny
        D = Nd + _mp(eps)
        e_D = e_Nd + (u * float(D) if eps else 0.0)
        r = top / D
        e_r = (e_top + float(r) * e_D) / (float(D) - e_D) + u * float(r) + tiny
    scale_in = _mp(lr) if inside else mpmath.mpf(1)
    s = [scale_in * r * _mp(x) for x in U]
    absS = _abs(s)
    e_s = float(scale_in) * (float(r) * e_u + e_r * absU) + (2 if inside else 1) * u * absS + 2 * tiny
    b_new = [_mp(mu) * _mp(b) + x for b, x in zip(B, s)]
    absB = _abs(b_new)
    e_b = e_s + u * _abs([mu * b for b in B]) + u * absB + tiny
    if conv["nesterov"]:
        d = [_mp(mu) * b + x for b, x in zip(b_new, s)]
        e_d = float(mu) * e_b + e_s + u * float(mu) * absB + u * _abs(d) + 2 * tiny
    else:
        d, e_d = b_new, e_b
    if not inside:
        d = [_mp(lr) * x for x in d]
        e_d = float(lr) * e_d + u * _abs(d) + tiny
    w_new = [_mp(wi) - x for wi, x in zip(W, d)]
    e_w = e_d + u * _abs(w_new) + tiny
    safety = REASSOCIATION_FACTOR * (1 + 64 * n * u)
    return dict(w=(w_new, safety * e_w + ULP_TERMS * tiny), buf=(b_new, safety * e_b + ULP_TERMS * tiny),
                ratio=float(r))


def _abs(values) -> np.ndarray:
    return np.array([abs(float(x)) for x in values])


# --- the check ------------------------------------------------------------------------------------------
def call_per_tensor(implementation, lists: dict, returned: tuple, xp, **keywords):
    """``implementation(*lists.values(), **keywords)`` on copies (one list of tensors per argument): updated in
    place (it returns None: the lists named in ``returned`` are read back) or returning new ones for them."""
    args = {name: [xp.asarray(a.copy()) for a in arrays] for name, arrays in lists.items()}
    result = implementation(*args.values(), **keywords)
    if result is None:
        return tuple(args[name] for name in returned)
    if not (isinstance(result, (tuple, list)) and len(result) == len(returned)):
        expected = ", ".join(f"{name}_new" for name in returned)
        raise TypeError(f"returned {type(result).__name__}; expected ({expected}) or None")
    return result


def repro_per_tensor(implementation, failure: dict, names: tuple, printed: tuple, keywords="", comment="") -> str:
    """The lines that rebuild a failure's lists of tensors ``names`` and call the implementation on them."""
    importing, expression = how_to_call(implementation)
    dtype = failure["dtype"]
    lines = ["    import numpy as np", f"    {importing}"]
    for name in names:
        arrays = ", ".join(f"np.array({a!r}, dtype={dtype!r})" for a in failure["inputs"][name])
        lines.append(f"    {name} = [{arrays}]")
    hyper = ", ".join(f"{k}={v!r}" for k, v in failure["hyperparameters"].items())
    call = f"print({expression}({', '.join(names)}, {keywords}{hyper}), {', '.join(printed)}){comment}"
    lines.append(f"    {'# ' if importing.startswith('#') else ''}{call}")
    return "\n".join(lines)


def _compare(tracker, what: str, got, expected, allowed, shape, context):
    """Componentwise |got - expected| ≤ allowed; a failure names the tensor, the component, expected and got."""
    got = np.ravel(got)
    with mpmath.workprec(PRECISION):
        error = np.array([float(abs(_mp(Fraction(float(a))) - e)) for a, e in zip(got, expected)])
    bad = ~(error <= allowed)
    if bad.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(allowed > 0, error / allowed, np.inf)
        k = int(np.argmax(np.where(bad, ratio, -1)))
        where = np.unravel_index(k, shape) if len(shape) > 1 else (k,)
        component = ",".join(map(str, where))
        tracker.mismatch(f"step {context['step']}, tensor {context['tensor']}: {what}[{component}]: expected "
                         f"{float(expected[k])!r}, got {float(got[k])!r} (error {error[k]:.6g} > allowed "
                         f"{allowed[k]:.6g})", context)
    tracker.compare_ratios(what, error, allowed, context)


def draw_tensors(data, dtype_draw, max_size: int):
    """The dtype, the shapes of 1 to 4 tensors and the parameters, drawn as every per-tensor check draws them."""
    dtype = data.draw(dtype_draw, label="dtype")
    shapes = data.draw(st.lists(_shapes(max_size), min_size=1, max_size=4), label="tensors")
    return dtype, shapes, [_array(data.draw, dtype, s, f"w[{i}]") for i, s in enumerate(shapes)]


def returned_like(tracker, what: str, got, like, ratio, step: int, context) -> None:
    """An implementation's returned tensor must have the parameter's shape and dtype and be finite (the trust
    ratio it was computed with in the message: a NaN there usually comes from 0/0 in the ratio)."""
    if got.shape != like.shape or got.dtype != like.dtype:
        tracker.mismatch(f"{what}: returned shape {got.shape}, dtype {got.dtype}; expected {like.shape}, "
                         f"{like.dtype}", context)
    if not np.isfinite(got).all():
        tracker.mismatch(f"{what} is not finite: {got.tolist()} (step {step}, trust ratio {ratio:.6g})", context)


def check_lars(implementation, conv: dict, *, examples=60, seed=0, dtypes=DTYPES, max_size=5, name=None,
               xp=np, steps=3) -> MatrixReport:
    tracker = Tracker()
    dtype_draw, steps_draw = st.sampled_from(dtypes), st.integers(1, steps)

    @property_run(seed, examples)
    def run(data):
        dtype, shapes, params = draw_tensors(data, dtype_draw, max_size)
        bufs = [_array(data.draw, dtype, s, f"buf[{i}]", zero_weight=5) for i, s in enumerate(shapes)]
        hyper = {k: _f32(data.draw(HYPER_DRAWS[k], label=k)) for k in HYPERPARAMETERS}
        k = data.draw(steps_draw, label="steps")
        for t in range(1, k + 1):
            grads = [_array(data.draw, dtype, s, f"g[{i}] step {t}") for i, s in enumerate(shapes)]
            if t == 1:  # every draw of the example's first step made: it runs (an invalid draw is not counted)
                tracker.examples += 1
            inputs = dict(params=[a.tolist() for a in params], grads=[a.tolist() for a in grads],
                          bufs=[a.tolist() for a in bufs])
            context = dict(dtype=dtype, step=t, hyperparameters=hyper, inputs=inputs)
            try:
                refs = [lars_tensor(w, g, b, hyper, conv, dtype) for w, g, b in zip(params, grads, bufs)]
            except Undecided:
                if t == 1:
                    tracker.discard()
                return  # what was compared before stays compared
            try:
                got_params, got_bufs = call_per_tensor(implementation, dict(params=params, grads=grads, bufs=bufs),
                                                       ("params", "bufs"), xp, **hyper)
                got_params, got_bufs = [to_numpy(a) for a in got_params], [to_numpy(a) for a in got_bufs]
            except Exception as exc:
                tracker.mismatch(f"the implementation raised {type(exc).__name__}: {exc}", context)
            if len(got_params) != len(params) or len(got_bufs) != len(bufs):
                tracker.mismatch(f"returned {len(got_params)} params and {len(got_bufs)} bufs for {len(params)} "
                                 f"tensors", context)
            for i, (ref, w, gw, gb) in enumerate(zip(refs, params, got_params, got_bufs)):
                for what, got in ((f"w[{i}]", gw), (f"buf[{i}]", gb)):
                    returned_like(tracker, what, got, w, ref["ratio"], t, context)
                _compare(tracker, "w", gw, *ref["w"], w.shape, dict(context, tensor=i))
                _compare(tracker, "buf", gb, *ref["buf"], w.shape, dict(context, tensor=i))
            params, bufs = [np.array(a) for a in got_params], [np.array(a) for a in got_bufs]

    report = MatrixReport("lars", conv, name or label(implementation), mode="reduction", dtypes=tuple(dtypes))
    def repro(failure):
        return repro_per_tensor(implementation, failure, ("params", "grads", "bufs"), ("params", "bufs"),
                                comment=f"  # step {failure['step']}")
    return conclude(run, tracker, report, repro,
                    "the rounding analysis could not bound the step")


# --- our kernel and the entry points --------------------------------------------------------------------
class _LarsKernel:
    """kernels.optimizers.lars.lars_step under one choice of conventions, in the check's protocol."""

    def __init__(self, conv: dict):
        self.conv = {k: conv[k] for k in ("trust_denominator", "lr_position", "nesterov")}
        args = ", ".join(f"{k}={v!r}" for k, v in self.conv.items())
        self.__qualname__ = f"kernels.optimizers.lars.lars_step({args})"
        self.__optverify_call__ = ("from verify.checks.reduction import kernel_for_reduction",
                                   f"kernel_for_reduction('lars', {self.conv!r})")

    def __call__(self, params, grads, bufs, *, lr, trust_coefficient, weight_decay, eps, momentum):
        from kernels.optimizers.lars import lars_step

        lars_step(params, grads, bufs, lr=lr, trust_coefficient=trust_coefficient, weight_decay=weight_decay,
                  eps=eps, momentum=momentum, **self.conv)


def kernel_for_reduction(name: str, conventions: dict | None = None):
    """Our kernel for reduction rule ``name`` under ``conventions`` (missing axes: the rule's defaults)."""
    if name not in REDUCTION_RULES:
        raise ValueError(f"no reduction rule named {name!r}; known: {sorted(REDUCTION_RULES)}")
    if name == "lamb":  # its own check and kernel wrapper (verify/checks/lamb.py)
        from verify.checks.lamb import kernel_for_lamb
        return kernel_for_lamb(conventions)
    return _LarsKernel(REDUCTION_RULES[name].conventions(**(conventions or {})))


def check_reduction(rule_name: str, implementation=None, conventions=None, *, examples=60, seed=0, dtypes=DTYPES,
                    max_size=5, name=None, xp=np, steps=3) -> MatrixReport:
    """Check ``implementation`` (default: our kernel) against reduction rule ``rule_name`` under ``conventions``
    (missing axes: the rule's defaults); the protocol is in the module docstring.  Each example runs 1 to
    ``steps`` steps, each from the state the implementation returned; ``max_size`` bounds a tensor's size.
    Every option is checked first (a ValueError naming it)."""
    if rule_name not in REDUCTION_RULES:
        raise ValueError(f"no reduction rule named {rule_name!r}; known: {sorted(REDUCTION_RULES)}")
    dtypes = options_.dtype_names(dtypes)
    if set(dtypes) - set(DTYPES):
        raise ValueError(f"dtypes: reduction rules are checked in {DTYPES}, got {dtypes}")
    examples, seed = options_.positive_int("examples", examples), options_.seed(seed)
    max_size, steps = options_.positive_int("max_size", max_size), options_.positive_int("steps", steps)
    if conventions is not None and not isinstance(conventions, dict):
        raise ValueError(f"conventions must be a dict of axis -> value, got {type(conventions).__name__}")
    conv = REDUCTION_RULES[rule_name].conventions(**(conventions or {}))
    implementation = implementation or kernel_for_reduction(rule_name, conv)
    if rule_name == "lamb":
        from verify.checks.lamb import check_lamb
        return check_lamb(implementation, conv, examples=examples, seed=seed, dtypes=tuple(dtypes),
                          max_size=max_size, name=name, xp=xp, steps=steps)
    return check_lars(implementation, conv, examples=examples, seed=seed, dtypes=tuple(dtypes), max_size=max_size,
                      name=name, xp=xp, steps=steps)
