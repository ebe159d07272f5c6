"""Tolerance policy: a rounding-error bound counted from the rule's own expression tree.

For each output we evaluate, alongside its value, a first-order running error bound
(Wilkinson-style) over the expression tree the rule defines, at the actual inputs:

* every arithmetic operation on arrays contributes one rounding, |δ| ≤ u·|result|, with u the
  unit roundoff of the implementation's dtype (2⁻²⁴ for float32), plus the dtype's smallest
  subnormal for results that underflow — in a product, for a partial product that underflows
  in whatever order the implementation multiplies the factors; a sum does not underflow (unless
  the backend flushes subnormals), and a product with an exact 0 factor is exactly 0;
* an n-term sum adds (n-1)·u·Σ|terms| — so cancellation is charged at the size of the terms
  that cancelled, not of the tiny difference, which is what makes the bound honest;
* products add relative errors; 1/x, √x and xⁿ propagate their operand's error exactly
  (worst case over the operand's error interval); max is exact;
* sub-expressions of hyperparameters and t alone (1-β^t, lr/(1-β1^t)) are charged at
  float64's u = 2⁻⁵³, because implementations compute them once per step on the host; a host
  function without a closed form (NAdam's Π μ_i) is charged the roundings it declares;
* |x| and a host-side choice between branches (RAdam's test on ρ_t) are exact; sign(x) is exact
  where x's error interval keeps one sign, and may be off by 2 where it reaches 0;
* where the error interval of a root's operand reaches below 0, or a value (with its bound) reaches
  the dtype's overflow point (g² of a huge float16 g), the implementation may return NaN or ±inf
  there: the bound is ∞ ("no bound"), distinct from NaN ("undefined": a root of a negative);
* inputs carry the bound given for them: 0 for a per-step check (exact inputs), and the bound
  accumulated so far for hidden state in a trajectory check.

Errors are reported in ulps at the magnitude the computation works at, |f|(|x|): the
expression re-evaluated with every sum replaced by the sum of its terms' magnitudes
(``scale`` below).  Where nothing cancels this is the result's own magnitude, so the figure
is the familiar ulp error; where terms cancel, it does not blow up for a tiny result that
carries the rounding of its large operands.

An implementation passes when |impl - ref| ≤ REASSOCIATION_FACTOR · bound.  The factor 2
allows evaluating the same formula in another order: reassociating a product or a sum, or
rounding a host scalar (lr/(1-β1^t), √(1-β2^t)) to the array dtype before using it, changes
which partial results are rounded; counted for the Adam and EMA kernels here, the number of
roundings on any path differs from the tree's by at most a factor 2 (e.g. Adam's denominator:
√v, ×√(1/c₂), +ε is 3 roundings against the tree's v/c₂, √, +ε with ½ of the first).  The
planted bugs in tests/ miss by orders of magnitude more.  Not covered: a host scalar that is
subnormal in the array dtype (lr·μ folded on the host with μ = 2⁻¹²⁶ in float32 loses relative
precision; a held-out reassociated SGD was flagged there, at 392 ulps against 9 allowed).
"""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from verify.core.dtypes import finfo, overflow_threshold

REASSOCIATION_FACTOR = 2.0
HOST_UNIT_ROUNDOFF = 2.0**-53


def unit_roundoff(dtype) -> float:
    return float(finfo(dtype).eps) / 2


def smallest_subnormal(dtype) -> float:
    return float(finfo(dtype).smallest_subnormal)


def ulps(error, magnitude, dtype):
    """|error| in units in the last place of ``dtype`` at ``magnitude``."""
    with np.errstate(over="ignore"):
        at = np.abs(np.asarray(magnitude, dtype=np.float64)).astype(dtype)
    spacing = np.spacing(np.where(np.isfinite(at), at, finfo(dtype).max)).astype(np.float64)
    return np.abs(error) / spacing


@dataclass(frozen=True)
class _Node:
    op: str  # "sym", "num", "add", "mul", "pow", "max"
    args: tuple[int, ...]
    payload: object  # symbol name, number, or exponent
    host: bool  # depends only on hyperparameters and t


class BoundProgram:
    """An expression tree flattened into nodes (children first), evaluated on NumPy arrays."""

    def __init__(self, exprs, array_names):
        self.nodes: list[_Node] = []
        self._index: dict = {}
        arrays = set(array_names)
        self.roots = tuple(self._add(e, arrays) for e in exprs)

    def _add(self, expr, arrays) -> int:
        if expr in self._index:
            return self._index[expr]
        host = not ({str(s) for s in expr.free_symbols} & arrays)
        if expr.is_Symbol:
            node = _Node("sym", (), str(expr), host)
        elif expr.is_Number:
            node = _Node("num", (), float(expr), True)
        elif expr.is_Add:
            node = _Node("add", tuple(self._add(a, arrays) for a in expr.args), None, host)
        elif expr.is_Mul:
            node = _Node("mul", tuple(self._add(a, arrays) for a in expr.args), None, host)
        elif expr.is_Pow:
            base, exponent = expr.args
            if exponent.is_Number:
                node = _Node("pow", (self._add(base, arrays),), float(exponent), host)
            else:
                node = _Node("powsym", (self._add(base, arrays), self._add(exponent, arrays)), None, host)
        elif isinstance(expr, sp.Max):
            node = _Node("max", tuple(self._add(a, arrays) for a in expr.args), None, host)
        elif isinstance(expr, sp.Abs):  # exact: the bound passes through
            node = _Node("abs", (self._add(expr.args[0], arrays),), None, host)
        elif isinstance(expr, sp.sign):  # exact, but flips where the operand's interval reaches 0
            node = _Node("sign", (self._add(expr.args[0], arrays),), None, host)
        elif host and (isinstance(expr, sp.Piecewise) or hasattr(expr.func, "_imp_")):
            # "1 at the first step", RAdam's ρ_t test, NAdam's product of μ_i: one host-side value
            roundings = getattr(expr.func, "_roundings_", None)  # a host function's own count of roundings
            node = _Node("select", (), (_host_function(expr), roundings and _host_function(roundings(*expr.args))), host)
        elif isinstance(expr, sp.Piecewise) and not any(str(x) in arrays for _, c in expr.args for x in c.free_symbols):
            # a host-side test (of t and hyperparameters) choosing between array expressions: RAdam's rectification
            tests = tuple(_exact_test(c) for _, c in expr.args)
            node = _Node("choose", tuple(self._add(e, arrays) for e, _ in expr.args), tests, host)
        else:
            raise NotImplementedError(f"no rounding model for {type(expr).__name__} in {expr}")
        self.nodes.append(node)
        self._index[expr] = len(self.nodes) - 1
        return len(self.nodes) - 1

    def evaluate(self, env: dict, input_bounds: dict, dtype, subnormals: bool = True, host_dtype=None):
        """Values (float64), error bounds and magnitudes |f|(|x|) of every root, for inputs ``env``.

        ``subnormals=False``: the backend flushes results below the smallest normal to zero, so an
        underflowing operation may lose up to that much instead of the smallest subnormal.
        ``host_dtype``: the precision of hyperparameter-only arithmetic (1-β^t); float64 unless an
        implementation is known, or being tested, to compute it in the array dtype.
        """
        host_u = HOST_UNIT_ROUNDOFF if host_dtype is None else unit_roundoff(host_dtype)
        u_arr = unit_roundoff(dtype)
        tiny = smallest_subnormal(dtype) if subnormals else float(finfo(dtype).tiny)
        overflow = overflow_threshold(dtype)
        vals: list = []
        bnds: list = []
        scales: list = []
        with np.errstate(all="ignore"):
            for node in self.nodes:
                u = host_u if node.host else u_arr
                value, bound = _apply(node, vals, bnds, env, input_bounds, u, tiny)
                if node.op not in ("sym", "num", "max", "select", "abs", "sign", "choose"):
                    bound = bound + u * np.abs(value) + _underflow_loss(node, value, vals, bnds, tiny, subnormals)
                if not node.host:  # it may overflow here (to ±inf, or NaN after inf - inf): no bound
                    over = np.abs(value) + bound >= overflow
                    if over.any() or np.shape(bound) != over.shape:
                        bound = np.where(over, np.inf, bound)
                scales.append(_scale(node, value, scales, env))
                vals.append(value)
                bnds.append(bound)
        return ([vals[r] for r in self.roots], [bnds[r] for r in self.roots], [scales[r] for r in self.roots])


def _underflow_loss(node: _Node, value, vals, bnds, tiny, subnormals: bool):
    """What one operation may lose to underflow besides u·|result|, up to ``tiny``; nothing where the result is an
    exact 0 (a product with an exactly known 0 factor, a sum of exactly known 0s: in any order), nor for any sum
    where subnormals are kept (every float is a multiple of the smallest subnormal, so a sum below the smallest
    normal is exact; a backend that flushes it to 0 loses up to ``tiny``, the smallest normal).  Charging ``tiny``
    to 0·m + 0·g let Lion's sign(0) → +1 bug pass: the sign of a "maybe ±tiny" value may be off by 2."""
    if node.host or (node.op == "add" and subnormals):
        return 0.0
    if node.op in ("mul", "add") and np.any(value == 0):  # (only a 0 result can be an exact 0: skip the test)
        zeros = [(np.asarray(vals[i]) == 0) & (np.asarray(bnds[i]) == 0) for i in node.args]
        exact = functools.reduce(np.logical_or if node.op == "mul" else np.logical_and, zeros)
        return np.where(exact, 0.0, tiny)
    return tiny


def _host_function(expr):
    """A host-only expression as a function of the environment (t and the hyperparameters)."""
    symbols = sorted(expr.free_symbols, key=str)
    fn = sp.lambdify(symbols, expr, "math")
    names = [str(x) for x in symbols]
    return lambda env: fn(*(env[n] for n in names))


def _exact_test(condition):
    """A host-side test decided exactly: at 256 bits, on the float64 values as given (dyadic rationals).  Read
    in float64, RAdam's ρ_t = ρ_∞ - 2tβ2^t/(1-β2^t) cancels for β2 near 1 and lands on the wrong side of its
    threshold (β2 = 1 - 10⁻⁹, t = 12): the bound of the other branch would be charged."""
    symbols = sorted(condition.free_symbols, key=str)
    fn = sp.lambdify(symbols, condition, "mpmath")
    names = [str(x) for x in symbols]

    def test(env):
        with mpmath.workprec(256):
            return bool(fn(*(mpmath.mpf(env[n]) if isinstance(env[n], float) else env[n] for n in names)))

    return test


def _chosen(node: _Node, env) -> int:
    """The index of the first branch of a host-side Piecewise whose test holds."""
    return next(k for k, test in enumerate(node.payload) if test(env))


def _scale(node: _Node, value, scales, env):
    """|f|(|x|): sums of magnitudes through +, ×, positive powers; plain magnitude elsewhere."""
    if node.op == "abs":
        return scales[node.args[0]]
    if node.op == "choose":
        return scales[node.args[_chosen(node, env)]]
    if node.op == "add":
        return sum(scales[i] for i in node.args)
    if node.op == "mul":
        out = 1.0
        for i in node.args:
            out = out * scales[i]
        return out
    if node.op == "pow" and node.payload > 0:
        return np.power(scales[node.args[0]], node.payload)
    return np.abs(value)


def _times(a, b):
    """a·b for error terms, with 0·∞ = ∞ rather than NaN: a factor with no bound may be ±inf, and
    0·inf is NaN in IEEE arithmetic, so the product has no bound (NaN would mean "undefined")."""
    product = np.multiply(a, b)
    if not np.isnan(product).any():  # no 0·∞ (the usual case): the product as it is
        return product
    a, b = np.asarray(a), np.asarray(b)
    return np.where(((a == 0) & np.isinf(b)) | (np.isinf(a) & (b == 0)), np.inf, product)


def _underflow_in_any_order(xs, bs, tiny):
    """An implementation may multiply the factors in any order; a partial product of two or more factors that
    underflows loses up to ``tiny`` absolutely, which the factors left out scale by their product.  Charge the
    largest product of the factors left out (each of the n-2 intermediate roundings may underflow).

    The product left out is taken directly, not as value/partial: where the float64 product itself underflowed
    to 0 (g²·lr² below the smallest subnormal, then ×(u+ε)/(v+ε) ≈ 10²⁹ in Adadelta), value/partial is 0 and the
    loss, amplified to ~10⁻²⁹⁵, went uncharged.  An exact 0 factor (with no error) makes the product exactly 0:
    nothing to lose."""
    n = len(xs)
    magnitudes = [np.abs(np.asarray(x, dtype=np.float64)) for x in xs]
    largest = 0.0
    for left_out in range(1, n - 1):  # partial products of n - left_out ≥ 2 factors
        for rest in itertools.combinations(magnitudes, left_out):
            largest = np.maximum(largest, functools.reduce(np.multiply, rest))
    exact_zero = functools.reduce(np.logical_or, [(m == 0) & (np.asarray(b) == 0) for m, b in zip(magnitudes, bs)])
    return np.where(exact_zero, 0.0, (n - 2) * tiny * largest)


def _apply(node: _Node, vals, bnds, env, input_bounds, u, tiny):
    """Value and *propagated* bound of one node (its own final rounding is added by the caller)."""
    if node.op == "sym":
        value = np.asarray(env[node.payload], dtype=np.float64) if not isinstance(env[node.payload], int) \
            else float(env[node.payload])
        return value, np.asarray(input_bounds.get(node.payload, 0.0), dtype=np.float64)
    if node.op == "num":
        return node.payload, 0.0
    if node.op == "select":  # one host value: exact, or charged its own count of host roundings
        value, roundings = node.payload
        value = float(value(env))
        return value, 0.0 if roundings is None else roundings(env) * u * abs(value)
    if node.op == "choose":  # the branch the host-side test picks, as it is
        k = node.args[_chosen(node, env)]
        return vals[k], bnds[k]
    xs = [vals[i] for i in node.args]
    bs = [bnds[i] for i in node.args]
    if node.op == "add":
        value = sum(xs)
        # (n-1) roundings in the running sum, each ≤ u·Σ|terms|; the last one is added by the caller.
        inner = (len(xs) - 2) * u * sum(np.abs(x) for x in xs) if len(xs) > 2 else 0.0  # no 0·∞ for two terms
        return value, sum(bs) + inner
    if node.op == "mul":
        value, bound = xs[0], bs[0]
        for k, (x, b) in enumerate(zip(xs[1:], bs[1:])):
            bound = _times(np.abs(value), b) + _times(np.abs(x), bound) + _times(bound, b)
            value = value * x
            if k < len(xs) - 2:  # intermediate products round too
                bound = bound + u * np.abs(value)
        if not node.host and len(xs) > 2:
            bound = bound + _underflow_in_any_order(xs, bs, tiny)
        return value, bound
    if node.op == "max":
        return functools.reduce(np.maximum, xs), functools.reduce(np.maximum, bs)
    if node.op == "abs":
        return np.abs(xs[0]), bs[0]
    if node.op == "sign":  # sign(x) is exact where x's error interval keeps its sign; else it may be off by 2
        x, b = np.asarray(xs[0]), np.asarray(bs[0])
        return np.sign(x), np.where((np.abs(x) > b) | (b == 0), 0.0, 2.0)
    if node.op == "powsym":  # β^t: a library pow, faithful (≤ 1 ulp) → one extra u
        value = xs[0] ** xs[1]
        rel = np.where(xs[0] != 0, bs[0] / np.abs(np.where(xs[0] != 0, xs[0], 1.0)), 0.0)
        return value, np.abs(value) * (np.abs(xs[1]) * rel + u)
    x, b, e = xs[0], bs[0], node.payload
    if not float(e).is_integer():
        return _fractional_power(x, b, e, u)
    value = np.power(x, e)
    ax = np.abs(x)
    if e > 0:
        # worst case over [|x| - b, |x| + b]; xⁿ with integer n > 1 costs n-1 roundings
        low = np.maximum(ax - b, 0.0)
        spread = np.maximum(np.power(ax + b, e) - np.power(ax, e), np.power(ax, e) - np.power(low, e))
        extra = (e - 1) * u * np.abs(value) if e > 1 else 0.0
        return value, spread + extra
    # negative exponents (1/x): unbounded if the interval reaches 0
    low = ax - b
    safe = np.where(low > 0, low, 1.0)
    spread = np.where(low > 0, np.power(safe, e) - np.power(ax, e), np.inf)
    return value, np.where(b == 0, 0.0, spread) if np.ndim(spread) else (0.0 if b == 0 else spread)


def _fractional_power(x, b, e, u):
    """√x (e = ½) and 1/√x (e = -½), whose operand must be ≥ 0.

    Where the operand's error interval [x - b, x + b] reaches below 0 (a sum that cancels, as
    v - ḡ² in centered RMSProp), the implementation may take the root of a negative number and
    get NaN, or anything up to √(x + b): no bound, and the value continues as √max(x, 0).  Where
    even x + b < 0 the root is undefined: NaN value and NaN bound."""
    value = np.power(np.maximum(x, 0.0), e)
    low = x - b
    if e > 0:  # worst case over [x - b, x + b]
        spread = np.maximum(np.power(x + b, e) - value, value - np.power(np.maximum(low, 0.0), e))
        spread = np.where(low >= 0, spread, np.inf)
    else:  # 1/√x: unbounded if the interval reaches 0; √ then a division, one more rounding
        safe = np.where(low > 0, low, 1.0)
        spread = np.where(low > 0, np.power(safe, e) - value, np.where(b == 0, 0.0, np.inf)) + u * value
    undefined = x + b < 0
    return np.where(undefined, np.nan, value), np.where(undefined, np.nan, spread)


@lru_cache(maxsize=None)
def bound_program(compiled) -> BoundProgram:
    return BoundProgram(compiled.expressions, compiled.arrays)
