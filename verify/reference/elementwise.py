"""References from rules: a rule + conventions → numeric step functions, compiled once and cached.

* ``float64``: NumPy, vectorised (lambdify with common-subexpression elimination).  Used as the
  reference for float16/float32 implementations: its own rounding error is bounded by the
  same running error bound as theirs with u = 2⁻⁵³ instead of 2⁻²⁴, i.e. 2⁻²⁹ of their
  tolerance, so it is as good as exact for them.
* ``mpmath``: element by element, then rounded once to float64 (mpmath rounds to nearest): the
  correctly rounded reference for float64 implementations.  Each element is evaluated at 113 and
  at 256 bits; where the two disagree after rounding (a sum that cancels, such as RMSProp's
  centered v - ḡ² + ε, or a division by a difference that vanished), it is evaluated again at
  4400 bits, enough to hold any sum of float64 products exactly (exponents span 2⁻²¹⁴⁸..2²⁰⁴⁸).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from derivations import Rule
from derivations import rule as find_rule

HIGH_PRECISION_BITS = 113
CONFIRM_BITS = 256
EXACT_BITS = 4400
KNOWN_ELEMENTS = 1 << 16  # evaluated elements kept per compiled rule (then forgotten all at once)
_UNKNOWN = object()


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    conventions: tuple  # sorted (axis, value) pairs
    arrays: tuple[str, ...]  # inputs then active state, the order the compiled functions take them
    hyperparameters: tuple[str, ...]
    outputs: tuple[str, ...]
    expressions: tuple[sp.Expr, ...]  # one per output, in the rule's input symbols
    float64_fn: object
    mpmath_fn: object
    host_branches: bool = False  # a test of t and hyperparameters picks between array expressions (RAdam)
    # element → its high-precision outputs: the evaluation is a pure function of the element's inputs, and
    # checks meet the same elements again and again (0, ±1, ½, 2 under typical rates: 59% of Adam's)
    _known: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def argument_names(self) -> tuple[str, ...]:
        return self.arrays + ("t",) + self.hyperparameters

    def _arguments(self, arrays: dict, t: int, hyper: dict):
        missing = [n for n in self.arrays if n not in arrays] + [n for n in self.hyperparameters if n not in hyper]
        if missing:
            raise ValueError(f"rule {self.rule.name!r} needs {missing}")
        return [arrays[n] for n in self.arrays] + [t] + [hyper[n] for n in self.hyperparameters]

    def float64(self, arrays: dict, t: int, hyper: dict) -> dict[str, np.ndarray]:
        args = [np.asarray(a, dtype=np.float64) if i < len(self.arrays) else a
                for i, a in enumerate(self._arguments(arrays, t, hyper))]
        shape = args[0].shape
        with np.errstate(all="ignore"):
            values = self.float64_fn(*args)
        return {n: np.broadcast_to(np.asarray(v, dtype=np.float64), shape).copy() for n, v in zip(self.outputs, values)}

    def reference(self, arrays: dict, t: int, hyper: dict, dtype) -> dict[str, np.ndarray]:
        """The reference for an implementation in ``dtype``: correctly rounded (mpmath) for float64, and for any
        dtype where a host-side test chooses the branch (decided exactly, as the bound decides it);
        float64 arithmetic for narrower dtypes, except where float64 itself gives NaN or ±inf —
        a sum that cancels to exactly 0 under a division or a √ (g² + ε - g² with ε below
        float64's resolution) — where those elements are evaluated at high precision instead."""
        if np.dtype(dtype) == np.float64 or self.host_branches:  # a branch chosen in float64 may be the wrong one
            return self.high_precision(arrays, t, hyper)
        out = self.float64(arrays, t, hyper)
        bad = np.zeros(next(iter(out.values())).shape, dtype=bool)
        for v in out.values():
            bad |= ~np.isfinite(v)
        if bad.any():
            exact = self.high_precision({k: np.asarray(a, dtype=np.float64)[bad] for k, a in arrays.items()}, t, hyper)
            for n in out:
                out[n][bad] = exact[n]
        return out

    def high_precision(self, arrays: dict, t: int, hyper: dict) -> dict[str, np.ndarray]:
        args = self._arguments(arrays, t, hyper)
        flat = [np.asarray(a, dtype=np.float64).ravel() for a in args[: len(self.arrays)]]
        scalars = [float(x) if not isinstance(x, int) else x for x in args[len(self.arrays):]]
        shape = np.asarray(args[0]).shape
        out = np.empty((len(self.outputs), flat[0].size if flat else 1), dtype=np.float64)
        # an int and a float of one value compute differently (1/2 in Python is a float64): the types are in the key
        scalar_key = (tuple(scalars), tuple(map(type, scalars)))
        if len(self._known) > KNOWN_ELEMENTS:
            self._known.clear()
        for i in range(out.shape[1]):
            values = [float(a[i]) for a in flat]  # floats only; -0.0 and 0.0 are one key, as they are one mpf
            key = (tuple(values), scalar_key)
            exact = self._known.get(key, _UNKNOWN)
            if exact is _UNKNOWN:
                exact = self._known[key] = self._element(values, scalars)
            out[:, i] = [math.nan] * len(self.outputs) if exact is None else exact
        return {n: out[k].reshape(shape) for k, n in enumerate(self.outputs)}

    def _element(self, values: list, scalars: list) -> list | None:
        """The outputs for one element, correctly rounded to float64 (None where a divisor is exactly 0)."""
        low, high = (self._at(bits, values, scalars) for bits in (HIGH_PRECISION_BITS, CONFIRM_BITS))
        settled = low is not None and low == high and not any(map(math.isnan, low))
        # 0 or √(negative) at both precisions may still be a cancellation artefact: go exact
        return low if settled else self._at(EXACT_BITS, values, scalars)

    def _at(self, bits: int, values: list, scalars: list) -> list:
        """The outputs for one element at ``bits`` of precision, rounded to float64.

        None where a divisor is exactly 0; NaN for the √ of a negative number (the reference is
        undefined there, as the implementation's NaN is)."""
        with mpmath.workprec(bits):
            try:
                results = self.mpmath_fn(*(mpmath.mpf(x) for x in values),
                                         *(mpmath.mpf(x) if isinstance(x, float) else x for x in scalars))
            except ZeroDivisionError:
                return None
            return [math.nan if isinstance(v, mpmath.mpc) else float(v) for v in results]


def compile_rule(rule: Rule | str, conventions: dict | None = None) -> CompiledRule:
    rule = find_rule(rule) if isinstance(rule, str) else rule
    conv = rule.conventions(**(conventions or {}))
    return _compile(rule, tuple(sorted(conv.items(), key=lambda kv: kv[0])))


@lru_cache(maxsize=None)
def _compile(rule: Rule, key: tuple) -> CompiledRule:
    conv = dict(key)
    updates = rule.updates(**conv)
    outputs = rule.active_outputs(**conv)
    arrays = tuple(rule.inputs) + rule.active_state(**conv)
    hyper = tuple(h.name for h in rule.active_hyperparameters(**conv))
    symbols = [sp.Symbol(n, real=True) for n in arrays] + [sp.Symbol("t", integer=True, positive=True)]
    symbols += [sp.Symbol(n, real=True) for n in hyper]
    exprs = tuple(updates[o] for o in outputs)
    f64 = sp.lambdify(symbols, list(exprs), modules="numpy", cse=True)
    fmp = sp.lambdify(symbols, list(exprs), modules="mpmath", cse=True)
    return CompiledRule(rule, key, arrays, hyper, outputs, exprs, f64, fmp, _host_branches(exprs, arrays))


def _host_branches(exprs, arrays) -> bool:
    """Whether a Piecewise whose tests read only t and hyperparameters chooses between array expressions."""
    def reads_arrays(e):
        return any(str(x) in arrays for x in sp.sympify(e).free_symbols)

    return any(isinstance(node, sp.Piecewise) and not any(reads_arrays(c) for _, c in node.args)
               and any(reads_arrays(e) for e, _ in node.args)
               for expr in exprs for node in sp.preorder_traversal(expr))


def reference_step(rule, arrays: dict, t: int, hyper: dict, conventions: dict | None = None,
                   dtype="float32") -> dict[str, np.ndarray]:
    """The reference's outputs for one step (float64 values; exact to ≤ ½ ulp of float64).

    ``dtype`` is the implementation's dtype: float64 implementations get the mpmath reference.
    """
    return compile_rule(rule, conventions).reference(arrays, t, hyper, dtype)


def reference_trajectory(rule, start: dict, gradients, hyperparameters, conventions: dict | None = None,
                         dtype="float32", initial: dict | None = None) -> list[dict[str, np.ndarray]]:
    """The reference's outputs after each step of a whole run from the rule's initial state.

    ``start`` holds the non-gradient inputs (``{"p": ...}``); ``hyperparameters`` is one dict for
    every step or a list with one dict per step (a schedule); ``initial`` sets state that does not
    start at 0 (e.g. ``{"initial_accumulator": 0.1}``).  The state is carried exactly (float64,
    or correctly rounded to float64 for ``dtype="float64"``).
    """
    compiled = compile_rule(rule, conventions)
    r = compiled.rule
    gradients = [np.asarray(g, dtype=np.float64) for g in gradients]
    per_step = hyperparameters if isinstance(hyperparameters, (list, tuple)) else [hyperparameters] * len(gradients)
    size = gradients[0].shape
    starts = dict(r.initial)
    state = {n: np.full(size, (initial or {}).get(starts.get(n), 0.0)) for n in compiled.arrays if n in r.state}
    current = {k: np.asarray(v, dtype=np.float64) for k, v in start.items()}
    out = []
    for k, g in enumerate(gradients):
        step = reference_step(r, {**current, "g": g, **state}, k + 1, per_step[k], conventions, dtype)
        state = {n: step[n] for n in state}
        current = {n: step.get(n, current[n]) for n in current}
        out.append(step)
    return out
