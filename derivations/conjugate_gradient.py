"""Conjugate gradients on a quadratic with exact line search.

Source: seed 004_11e585ad4da93776.txt ("Conjugate Gradients": H-conjugate directions,
Conjugate Direction Theorem, Fletcher-Reeves and Polak-Ribière β, Algorithm 2).  The seed
writes d_t = ∇J + β_t d_{t-1} and lets the line search pick the sign of ε; we write the
usual descent form d_t = -g_t + β_t d_{t-1}, which is the same line through x_t.
"""
from __future__ import annotations

import sympy as sp

from .core import Derivation, Step
from .newton import vector

SOURCE = "seed 004_11e585ad4da93776.txt (Conjugate Gradients; Algorithm 2)"


def dot(a, b):
    return (a.T * b)[0]


def cg_run(A: sp.Matrix, b: sp.Matrix, x0: sp.Matrix):
    """Exact CG (Polak-Ribière β, exact line search); returns the per-step records."""
    x, g = x0, A * x0 - b
    d = -g
    records = []
    for _ in range(A.shape[0]):
        if g == sp.zeros(*g.shape):
            break
        alpha = -dot(g, d) / dot(d, A * d)
        x, g_new = x + alpha * d, g + alpha * A * d
        beta_fr = dot(g_new, g_new) / dot(g, g)
        beta_pr = dot(g_new, g_new - g) / dot(g, g)
        records.append(dict(d=d, g_new=g_new, x=x, beta_fr=beta_fr, beta_pr=beta_pr))
        d, g = -g_new + beta_pr * d, g_new
    return records


def rational_instance(n: int, seed: int):
    """A fixed SPD matrix A = MᵀM + I and vectors b, x0 with small integer entries."""
    M = sp.Matrix(n, n, lambda i, j: sp.Integer((7 * (i + 1) * (j + 2) + 3 * seed + i * i) % 5 - 2))
    A = M.T * M + sp.eye(n)
    b = sp.Matrix(n, 1, lambda i, _: sp.Integer((3 * i + seed) % 4 - 1))
    x0 = sp.Matrix(n, 1, lambda i, _: sp.Rational((i + seed) % 3, 2))
    return A, b, x0


def _instance_steps(n: int, seed: int):
    A, b, x0 = rational_instance(n, seed)
    rec = cg_run(A, b, x0)
    ds = [r["d"] for r in rec]
    pairs = [(i, j) for i in range(len(ds)) for j in range(i)]
    tag = f"n={n} instance {seed}"
    return (
        Step(f"{tag}: g_(k+1)ᵀd_k = 0", sp.Matrix([dot(r["g_new"], r["d"]) for r in rec]), sp.zeros(len(rec), 1),
             "exact line search minimises along d_k"),
        Step(f"{tag}: d_iᵀAd_j = 0 (i ≠ j)", sp.Matrix([dot(ds[i], A * ds[j]) for i, j in pairs] or [0]),
             sp.zeros(max(len(pairs), 1), 1), "the directions are A-conjugate"),
        Step(f"{tag}: β_FR = β_PR", sp.Matrix([r["beta_fr"] for r in rec]), sp.Matrix([r["beta_pr"] for r in rec]),
             "successive gradients are orthogonal on a quadratic"),
        Step(f"{tag}: x after ≤ n steps is A⁻¹b", rec[-1]["x"], A.inv() * b,
             "n conjugate directions span ℝⁿ (Conjugate Direction Theorem)"),
    )


def _symbolic_steps(n: int):
    # Everything below depends on A only through u = A·d (the line search and g(x + αd) = g + αAd),
    # so u is taken as a free symbolic vector: the identities then hold for every matrix A.
    g0, d, u = vector("g", n), vector("d", n), vector("u", n)
    alpha = -dot(g0, d) / dot(d, u)
    g1 = g0 + alpha * u
    # The first CG step, d_0 = -g_0, u = A·d_0.
    d0 = -g0
    a0 = -dot(g0, d0) / dot(d0, u)
    g1_cg = g0 + a0 * u
    beta_pr = dot(g1_cg, g1_cg - g0) / dot(g0, g0)
    beta_fr = dot(g1_cg, g1_cg) / dot(g0, g0)
    d1 = -g1_cg + beta_pr * d0
    return (
        Step(f"n={n} symbolic: exact line search gives g_(k+1)ᵀd_k = 0", dot(g1, d), 0,
             "g(x + αd) = g + αAd and α = -gᵀd/dᵀAd"),
        Step(f"n={n} symbolic: d_1ᵀAd_0 = 0", dot(d1, u), 0, "Ad_0 = (g_1 - g_0)/α_0 and the Polak-Ribière β"),
        Step(f"n={n} symbolic: β_FR = β_PR on the first step", beta_fr, beta_pr, "g_1ᵀg_0 = -g_1ᵀd_0 = 0"),
    )


INSTANCES = ((2, 0), (2, 1), (3, 0), (3, 2), (4, 1), (5, 3))


def conjugacy() -> Derivation:
    return Derivation(
        name="cg.conjugacy",
        claim=(
            "on ½xᵀAx - bᵀx with exact line search: g_(k+1)ᵀd_k = 0, the directions are A-conjugate, "
            "Fletcher-Reeves and Polak-Ribière β coincide, and CG reaches A⁻¹b in at most n steps"
        ),
        steps=sum((_symbolic_steps(n) for n in (2, 3, 4)), ()) + sum((_instance_steps(n, s) for n, s in INSTANCES), ()),
        assumptions=("A symmetric positive definite", "exact line search", "d_0 = -g_0"),
        source=SOURCE,
        scope=(
            "the first step symbolically for n = 2, 3, 4 (symbolic g, d and u = Ad, so for every A); the full claim "
            "(all directions, termination) on exact rational instances n = 2, 3, 4, 5 — not a proof for every A"
        ),
    )


# Built on first use (exact CG on six rational instances takes a while): see registry.py.
BUILDERS = {"cg.conjugacy": conjugacy}
