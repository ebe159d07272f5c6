"""Objective oracles for matrix rules, and the Hypothesis strategies that draw them.

A matrix rule (Newton, CG) is handed an objective through ``value(x)``, ``grad(x)`` and ``hvp(x, v)``
(optax's extra-args protocol), not a gradient stream.  Every objective here is exact data: its
coefficients are floats of the checked dtype (so what the implementation sees *is* the objective,
an exact rational one), and the oracle's outputs are the exact values rounded once to the dtype.  So
the oracle adds at most u·|value| per component, and hvp(x, e_j) of a quadratic is exact.

Drawn objectives (see ``objectives``):

* quadratic ½xᵀAx - bᵀx with A = Q diag(λ) Qᵀ, Q a product of Householder reflections I - 2vvᵀ/vᵀv
  with integer v (rational and orthogonal, so A is exactly rational with the drawn spectrum), then
  rounded to the dtype; spectra positive with a chosen condition number, indefinite (a saddle),
  or singular at the edges;
* field F(x) = Ax - b with A = Q₁ diag(σ) Q₂ᵀ non-symmetric (Newton as root finding, seed
  003_91c12aa291f221ab.txt: x - f/f'): grad is F, hvp the Jacobian product, value is NaN;
* logistic Σ log(1 + exp(-yᵢaᵢᵀx)) + ½μ‖x‖² on drawn data: smooth, not quadratic (mpmath, then
  rounded once).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import strategies as st

KINDS = ("quadratic", "field", "logistic")
CONDITION_NUMBERS = (1, 2, 10, 100, 1000, 10**4)


def round_to(q: Fraction, dtype) -> float:
    """The Fraction q rounded once to ``dtype`` (float32 or float64), to nearest."""
    f64 = float(q)  # correctly rounded
    if np.dtype(dtype) == np.float64:
        return f64
    c = np.float32(f64)
    best = min((c, np.nextafter(c, np.float32(np.inf)), np.nextafter(c, np.float32(-np.inf))),
               key=lambda y: abs(Fraction(float(y)) - q))  # no double rounding
    return float(best)


def exact(a) -> list:
    """A float array as a list of exact Fractions."""
    return [Fraction(float(v)) for v in np.asarray(a, dtype=np.float64).ravel()]


def matvec(A, v):
    return [sum((a * x for a, x in zip(row, v)), Fraction(0)) for row in A]


@dataclass(frozen=True)
class Objective:
    kind: str
    dtype: str
    A: tuple = ()  # rows of Fractions (quadratic, field): the dtype's floats, exactly
    b: tuple = ()
    features: tuple = ()  # logistic: rows aᵢ (Fractions), labels yᵢ = ±1, ridge μ
    labels: tuple = ()
    mu: Fraction = Fraction(0)
    spectrum: tuple = ()  # as drawn, before rounding (for the report)

    @property
    def n(self) -> int:
        return len(self.b) if self.kind != "logistic" else len(self.features[0])

    @property
    def symmetric(self) -> bool:
        return self.kind != "field"

    # --- exact values --------------------------------------------------------------------------
    def grad_exact(self, x):
        """∇f(x) (F(x) for a field): Fractions for quadratic and field, mpf for logistic."""
        if self.kind != "logistic":
            return [ax - bi for ax, bi in zip(matvec(self.A, x), self.b)]
        with mpmath.workdps(60):
            out = [mpmath.mpf(self.mu.numerator) / self.mu.denominator * _mp(xi) for xi in x]
            for a, y in zip(self.features, self.labels):
                s = _sigmoid(-y * _dot(a, x))
                for i, ai in enumerate(a):
                    out[i] -= y * _mp(ai) * s
            return out

    def hvp_exact(self, x, v):
        if self.kind != "logistic":
            return matvec(self.A, v)
        with mpmath.workdps(60):
            out = [_mp(self.mu) * _mp(vi) for vi in v]
            for a, y in zip(self.features, self.labels):
                s = _sigmoid(_dot(a, x) * y)
                w = s * (1 - s) * _dot(a, v)
                for i, ai in enumerate(a):
                    out[i] += _mp(ai) * w
            return out

    def value_exact(self, x):
        if self.kind == "field":
            return mpmath.nan
        if self.kind == "quadratic":
            return sum(xi * ai for xi, ai in zip(x, matvec(self.A, x))) / 2 - sum(bi * xi for bi, xi in zip(self.b, x))
        with mpmath.workdps(60):
            total = _mp(self.mu) * sum(_mp(xi) ** 2 for xi in x) / 2
            return total + sum(mpmath.log1p(mpmath.exp(-y * _dot(a, x))) for a, y in zip(self.features, self.labels))

    def describe(self) -> dict:
        f = lambda rows: [[float(v) for v in r] for r in rows]  # noqa: E731
        if self.kind == "logistic":
            return dict(kind=self.kind, dtype=self.dtype, features=f(self.features), labels=list(self.labels),
                        mu=float(self.mu))
        return dict(kind=self.kind, dtype=self.dtype, A=f(self.A), b=[float(v) for v in self.b],
                    spectrum=[float(v) for v in self.spectrum])


def _mp(q):
    return mpmath.mpf(q.numerator) / q.denominator if isinstance(q, Fraction) else mpmath.mpf(q)


def _dot(a, x):
    return mpmath.fsum(_mp(ai) * _mp(xi) for ai, xi in zip(a, x))


def _sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


def _fraction(v) -> Fraction:
    if isinstance(v, Fraction):
        return v
    man, exp = mpmath.mpf(v).man_exp  # v = man·2^exp exactly
    return Fraction(man) * Fraction(2) ** exp


def _rounded(values, dtype):
    """Exact values (Fractions or 60-digit mpf) rounded once to ``dtype``."""
    return np.asarray([round_to(_fraction(v), dtype) for v in values], dtype=dtype)


def oracle(objective: Objective, xp=np) -> dict:
    """``value``, ``grad`` and ``hvp`` callables on ``xp`` arrays of the objective's dtype: each the exact
    value rounded once (so deterministic, and exact where the value is representable)."""
    dtype = objective.dtype

    def host(a):
        a = np.asarray(a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else a)
        return exact(a) if np.isfinite(a).all() else None

    def nan(x):  # a non-finite argument: IEEE would propagate NaN, so does the oracle
        return xp.full(np.shape(x), np.nan, dtype=dtype)

    def grad(x):
        hx = host(x)
        return nan(x) if hx is None else xp.asarray(_rounded(objective.grad_exact(hx), dtype))

    def hvp(x, v):
        hx, hv = host(x), host(v)
        return nan(v) if hx is None or hv is None else xp.asarray(_rounded(objective.hvp_exact(hx, hv), dtype))

    def value(x):
        if host(x) is None:
            return float("nan")
        v = objective.value_exact(host(x))
        return float("nan") if v != v else float(_rounded([v], dtype)[0])

    return dict(value=value, grad=grad, hvp=hvp)


# --- strategies -------------------------------------------------------------------------------------
def householder(v):
    """I - 2vvᵀ/vᵀv for an integer vector v ≠ 0: rational and orthogonal."""
    vv = sum(x * x for x in v)
    n = len(v)
    return [[Fraction(int(i == j)) - Fraction(2 * v[i] * v[j], vv) for j in range(n)] for i in range(n)]


def matmul(P, R):
    return [[sum((P[i][k] * R[k][j] for k in range(len(R))), Fraction(0)) for j in range(len(R[0]))]
            for i in range(len(P))]


def transpose(P):
    return [list(r) for r in zip(*P)]


@st.composite
def orthogonal(draw, n: int):
    Q = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    nonzero = st.lists(st.integers(-3, 3), min_size=n, max_size=n).filter(any)
    for _ in range(draw(st.integers(0 if n == 1 else 1, 2), label="reflections")):
        Q = matmul(Q, householder(draw(nonzero, label="v")))
    return Q


@st.composite
def spectrum(draw, n: int, kind: str):
    """Eigenvalues (or singular values) m·2^e, the largest over the smallest about the drawn κ."""
    kappa = draw(st.sampled_from(CONDITION_NUMBERS), label="kappa")
    scale = Fraction(2) ** draw(st.integers(-3, 3), label="scale")
    top = Fraction(kappa)
    inner = st.fractions(min_value=1, max_value=max(top, 1), max_denominator=4)
    lam = [Fraction(1), top] + [draw(inner, label="eigenvalue") for _ in range(n - 2)]
    lam = lam[:n] if n > 1 else [Fraction(1)]
    if kind == "indefinite" and n > 1:
        flips = draw(st.lists(st.booleans(), min_size=n, max_size=n).filter(lambda f: any(f) and not all(f)))
        lam = [-x if f else x for x, f in zip(lam, flips)]
    elif kind == "singular":
        lam[draw(st.integers(0, n - 1), label="zero at")] = Fraction(0)
    return [x * scale for x in draw(st.permutations(lam))]


def dyadic_vector(n: int, dtype):
    return st.lists(st.integers(-64, 64).map(lambda k: Fraction(k, 16)), min_size=n, max_size=n)


@st.composite
def objectives(draw, dtype: str, n: int, kinds=("quadratic",), spectra=("positive", "indefinite", "singular"),
               weights=None):
    kind = draw(st.sampled_from(kinds), label="objective")
    if kind == "logistic":
        m = n + 1
        entry = st.integers(-8, 8).map(lambda k: Fraction(k, 4))
        features = tuple(tuple(draw(st.lists(entry, min_size=n, max_size=n))) for _ in range(m))
        labels = tuple(draw(st.lists(st.sampled_from((-1, 1)), min_size=m, max_size=m)))
        mu = draw(st.sampled_from((Fraction(1, 4), Fraction(1, 2), Fraction(1))), label="mu")
        return Objective("logistic", dtype, features=features, labels=labels, mu=mu)
    shape = draw(st.sampled_from(spectra) if weights is None else
                 st.sampled_from(sum(([s] * w for s, w in zip(spectra, weights)), [])), label="spectrum")
    lam = draw(spectrum(n, shape))
    Q = draw(orthogonal(n))
    P = draw(orthogonal(n)) if kind == "field" else Q
    exact_A = matmul(matmul(Q, [[lam[i] if i == j else Fraction(0) for j in range(n)] for i in range(n)]),
                     transpose(P))
    if kind == "field" and exact_A == transpose(exact_A):  # Q₁ = ±Q₂ drawn: skew it so that Aᵀ ≠ A
        exact_A[0][-1] += 1
    A = tuple(tuple(Fraction(round_to(a, dtype)) for a in row) for row in exact_A)
    b = tuple(Fraction(round_to(v, dtype)) for v in draw(dyadic_vector(n, dtype), label="b"))
    return Objective(kind, dtype, A=A, b=b, spectrum=tuple(lam))


def point(n: int, dtype: str):
    """A starting point: small dyadic rationals, exact in every dtype."""
    return dyadic_vector(n, dtype).map(lambda v: np.asarray([float(x) for x in v], dtype=dtype))
