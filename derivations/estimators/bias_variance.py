"""Bias–variance decomposition of the expected squared test error.

Source: seed 002_affcfe6d2abfd93d.txt ("Bias-variance Tradeoff": h̄ = E_D[h_D], ȳ(x) = E[y|x],
expected test error = Variance + Noise + Bias², both cross terms = 0; after Cornell CS4780
lecture note 12).

The expectation is taken over a finite probability space with *symbolic* probabilities and
values: datasets D ∈ {1..N_D} with P(D = d) = r_d, inputs x ∈ {1..N_X} with P(x) = p_x, and
labels y ∈ {1..N_Y} with P(y = j | x) = q_xj; D is independent of the test point (x, y), and
h_D(x), y_xj are free symbols.  The identity is then proved for *every* distribution and
every predictor on a space of that size, not for one sample.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.proof import Derivation, Step

SOURCE = "seed 002_affcfe6d2abfd93d.txt (Bias-variance Tradeoff)"
SIZES = (3, 2, 2)  # (datasets, inputs, labels per input)


def _space(n_d: int, n_x: int, n_y: int):
    r = [sp.Symbol(f"r_{d}", nonnegative=True) for d in range(n_d - 1)]
    r.append(1 - sum(r))  # probabilities of D sum to 1
    p = [sp.Symbol(f"p_{x}", nonnegative=True) for x in range(n_x)]
    q = []
    for x in range(n_x):
        row = [sp.Symbol(f"q_{x}{j}", nonnegative=True) for j in range(n_y - 1)]
        q.append(row + [1 - sum(row)])  # P(y | x) sums to 1 for each x
    h = [[sp.Symbol(f"h_{d}{x}", real=True) for x in range(n_x)] for d in range(n_d)]
    y = [[sp.Symbol(f"y_{x}{j}", real=True) for j in range(n_y)] for x in range(n_x)]
    return r, p, q, h, y


def _terms(n_d: int, n_x: int, n_y: int):
    r, p, q, h, y = _space(n_d, n_x, n_y)
    D, X, Y = range(n_d), range(n_x), range(n_y)
    h_bar = [sum(r[d] * h[d][x] for d in D) for x in X]  # expected model h̄(x)
    y_bar = [sum(q[x][j] * y[x][j] for j in Y) for x in X]  # expected label ȳ(x)

    def E_xyD(f):
        return sum(r[d] * p[x] * q[x][j] * f(d, x, j) for d in D for x in X for j in Y)

    def E_xy(f):
        return sum(p[x] * q[x][j] * f(x, j) for x in X for j in Y)

    error = E_xyD(lambda d, x, j: (h[d][x] - y[x][j]) ** 2)
    variance = E_xyD(lambda d, x, j: (h[d][x] - h_bar[x]) ** 2)
    noise = E_xy(lambda x, j: (y_bar[x] - y[x][j]) ** 2)
    bias2 = E_xy(lambda x, j: (h_bar[x] - y_bar[x]) ** 2)
    cross_1 = E_xyD(lambda d, x, j: (h[d][x] - h_bar[x]) * (h_bar[x] - y[x][j]))
    cross_2 = E_xy(lambda x, j: (h_bar[x] - y_bar[x]) * (y_bar[x] - y[x][j]))
    around_h_bar = E_xyD(lambda d, x, j: ((h[d][x] - h_bar[x]) + (h_bar[x] - y[x][j])) ** 2)
    model_error = E_xy(lambda x, j: (h_bar[x] - y[x][j]) ** 2)
    return dict(error=error, variance=variance, noise=noise, bias2=bias2, cross_1=cross_1, cross_2=cross_2,
                around_h_bar=around_h_bar, model_error=model_error)


def decomposition() -> Derivation:
    T = _terms(*SIZES)
    return Derivation(
        name="bias_variance.decomposition",
        claim="E_{x,y,D}[(h_D(x) - y)²] = Variance + Noise + Bias², both cross terms vanishing",
        steps=(
            Step("add and subtract h̄(x)", T["error"], T["around_h_bar"], "h_D - y = (h_D - h̄) + (h̄ - y)"),
            Step("expand the square", T["around_h_bar"], T["variance"] + 2 * T["cross_1"] + T["model_error"],
                 "(a+b)² = a² + 2ab + b²; Σ_D P(D) = 1 for the b² term"),
            Step("first cross term vanishes", T["cross_1"], 0, "E_D[h_D(x) - h̄(x)] = h̄(x) - h̄(x) = 0"),
            Step("split h̄ - y around ȳ", T["model_error"], T["noise"] + T["bias2"] + 2 * T["cross_2"],
                 "h̄ - y = (h̄ - ȳ) + (ȳ - y); Σ_j P(y_j|x) = 1"),
            Step("second cross term vanishes", T["cross_2"], 0, "E_{y|x}[ȳ(x) - y] = 0"),
            Step("decomposition", T["error"], T["variance"] + T["noise"] + T["bias2"], "the steps above"),
        ),
        assumptions=("D independent of the test point (x, y)", "probabilities non-negative and summing to 1"),
        source=SOURCE,
        scope=(
            f"every distribution on a finite space of {SIZES[0]} datasets × {SIZES[1]} inputs × {SIZES[2]} labels "
            "per input (symbolic probabilities and values); larger spaces follow by the same algebra but are not checked"
        ),
    )


# Built on first use (the expectations expand to many terms): see registry.py.
BUILDERS = {"bias_variance.decomposition": decomposition}
