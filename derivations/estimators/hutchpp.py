"""Hutch++: tr̂ = tr(PA) + (1/m) Σ_j g_jᵀ(I − P)A(I − P)g_j, P the orthogonal projector onto range(A·Sᵀ).

Source: seed 000_a2fbe8e070163c86.txt §1.4.1.1 "Trace" (Hutchinson's estimator, matrix-free: only products Ax);
COVERAGE D5 and issue 11 (Hutch++, Meyer, Musco, Musco & Woodruff 2021).  The sketch S (k×n) and the probes G
(m×n) are independent sign matrices; the product QR of A·Sᵀ in an implementation is here the exact projector
P = Y(YᵀY)⁺Yᵀ, Y = A·Sᵀ — rational for rational A, so every claim is checked in exact arithmetic.

Claims: (1) for every fixed projector P, tr(PA) + tr((I − P)A(I − P)) = tr(A) (tr(PA(I − P)) = 0, tr(PAP) =
tr(PA)), so given S the estimate is unbiased — for any A, symmetric or not; (2) given S, the Hutchinson part has
the Hutchinson variance of B = (I − P)A(I − P) (derivations/estimators/hutchinson.py: 2(‖sym B‖_F² −
Σ (sym B)_ii²)/m), and by the law of total variance (E[tr̂ | S] is the constant tr A) Var[tr̂] = E_S[that];
(3) when rank(A) ≤ rank(A·Sᵀ), (I − P)A = 0 and tr̂ = tr(A) for every outcome: exact when the matvec budget
covers the rank.
"""
from __future__ import annotations

import itertools

import sympy as sp

from derivations.core.estimator import Estimator, SampleSpace, expectation, sign_matrices
from derivations.core.proof import Derivation, Step
from derivations.estimators import hutchinson

SOURCE = "seed 000_a2fbe8e070163c86.txt §1.4.1.1 (Trace); Hutch++ (Meyer et al. 2021), issue 11"
# Fixed rational matrices (non-symmetric, and indefinite symmetric): SymPy's cancellation of the projector's rational
# functions of a symbolic A took minutes beyond n = 2, k = m = 1, and for the variance (degree 8) even there.
RATIONAL2 = (sp.Matrix([[3, -1], [2, 5]]) / 4, sp.Matrix([[1, 2], [2, -3]]) / 2)
RATIONAL3 = (sp.Matrix([[2, -1, 0], [3, 1, 4], [-2, 5, -3]]) / 4, sp.Matrix([[1, 2, 0], [2, -3, 1], [0, 1, -5]]) / 2)


def projector(Y: sp.Matrix) -> sp.Matrix:
    """The orthogonal projector onto range(Y), exact: Σ_b bbᵀ/bᵀb over Gram–Schmidt's orthogonal (unnormalised)
    b, a column dependent on the earlier ones leaving b = 0 and adding nothing (= Y(YᵀY)⁺Yᵀ; one column yyᵀ/yᵀy)."""
    n = Y.shape[0]
    P, basis = sp.zeros(n, n), []
    for j in range(Y.shape[1]):
        b = Y[:, j] - sum((c * (c.T * Y[:, j])[0] / (c.T * c)[0] for c in basis), sp.zeros(n, 1))
        if all(sp.expand(e) == 0 for e in b):
            continue
        basis.append(b)
        P += b * b.T / (b.T * b)[0]
    return P


def deflated(A: sp.Matrix, P: sp.Matrix) -> sp.Matrix:
    """(I − P)A(I − P): what is left for Hutchinson once tr(PA) is computed exactly."""
    R = sp.eye(A.shape[0]) - P
    return R * A * R


def deflated_estimate(A, P, G):
    """tr(PA) + (1/m) Σ_j g_jᵀ(I − P)A(I − P)g_j, the probes g_j the rows of G."""
    return (P * A).trace() + hutchinson._statistic(dict(A=deflated(A, P)), G)


def _statistic(data, omega):
    S, G = omega
    A = data["A"]
    return deflated_estimate(A, projector(A * S.T), G)


def _target(data):
    return data["A"].trace()


def _mean(data, space, sizes):
    return data["A"].trace()


def _variance(data, space, sizes):
    """E_S[Hutchinson variance of (I − P_S)A(I − P_S)] — law of total variance, E[tr̂ | S] being constant."""
    A, m = data["A"], sizes["m"]
    parts = [hutchinson._variance(dict(A=deflated(A, projector(A * S.T))), "rademacher", dict(m=m))
             for S in sign_matrices(sizes["k"], sizes["n"])]
    return expectation(parts)


def _matrix(n):
    return sp.Matrix(n, n, lambda i, k: sp.Symbol(f"a_{i}{k}", real=True))


def outcomes(sizes):
    """Every (sketch, probes) pair of sign matrices, k×n and m×n."""
    return itertools.product(sign_matrices(sizes["k"], sizes["n"]), sign_matrices(sizes["m"], sizes["n"]))


ESTIMATOR = Estimator(
    name="hutchpp",
    title="Hutch++ trace estimator tr(PA) + (1/m) Σ_j g_jᵀ(I − P)A(I − P)g_j, P onto range(A·Sᵀ)",
    data=(("A", "n×n, any real (only products A·V are queried)"),),
    sizes=("k", "m"),
    spaces=(SampleSpace("rademacher", "sketch S ∈ {±1}^{k×n} and probes G ∈ {±1}^{m×n}, independent; "
                                      "ω = (S, G)", outcomes),),
    statistic=_statistic,
    target=_target,
    mean=_mean,
    variance=_variance,
    output="scalar",
    source=SOURCE,
    notes="the variance is E_S of the deflated matrix's Hutchinson variance; Gaussian and sphere probes: "
          "verify/checks/spectral.py (statistical)",
)


# (n, k, m) and the matrices proved there; k = 2 sign sketches include rank-deficient ones
UNBIASED_CASES = (((2, 1, 1), RATIONAL2), ((2, 1, 2), RATIONAL2), ((3, 1, 1), RATIONAL3),
                  ((3, 2, 1), RATIONAL3[:1]))
VARIANCE_CASES = (((2, 1, 1), RATIONAL2), ((2, 1, 2), RATIONAL2), ((3, 1, 1), RATIONAL3))


def _by_sketch(estimator, cases):
    """Per case: (label, A, sizes, [(S, [statistic at (S, G) for every G])]) — each outcome evaluated once."""
    for (n, k, m), matrices in cases:
        for index, A in enumerate(matrices):
            sizes = dict(n=n, k=k, m=m)
            symbolic = bool(A.free_symbols)
            label = f"n={n}, k={k}, m={m}, " + ("symbolic A" if symbolic else f"rational A #{index}")
            rows = [(S, [estimator.statistic(dict(A=A), (S, G)) for G in sign_matrices(m, n)])
                    for S in sign_matrices(k, n)]
            yield label, A, sizes, rows


def unbiased(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for label, A, sizes, rows in _by_sketch(estimator, UNBIASED_CASES):
        data = dict(A=A)
        conditionals = [expectation(values) for _, values in rows]
        steps += [Step(f"E[tr̂ | S = {list(S)}] = tr(A) ({label})", c, A.trace(),
                       "tr(PA) + tr((I−P)A(I−P)) = tr(A) for a projector P; Hutchinson unbiased given S")
                  for (S, _), c in zip(rows, conditionals)]
        steps += [Step(f"E[tr̂] is the claimed mean ({label})", expectation(conditionals),
                       estimator.mean(data, "rademacher", sizes), "the sketches are equally likely"),
                  Step(f"claimed mean = target ({label})", estimator.mean(data, "rademacher", sizes),
                       estimator.target(data), "unbiased")]
    return Derivation(
        name="hutchpp.unbiased", claim="E[tr̂ | S] = tr(A) for every sketch S, hence E[tr̂] = tr(A), for any A",
        steps=tuple(steps), assumptions=("G independent of S, uniform on {±1}^{m×n}",), source=SOURCE,
        scope="(n, k, m) ∈ {(2,1,1), (2,1,2), (3,1,1)}: two rational A each (one non-symmetric; a symbolic A's "
              "projector took SymPy seconds per sketch), (3,2,1): one (k = 2 sign sketches include rank-deficient ones); every outcome enumerated",
        notes="built from the estimator's own statistic; a missing projection (g_jᵀAg_j) is biased by tr(PA)")


def variance(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for label, A, sizes, rows in _by_sketch(estimator, VARIANCE_CASES):
        m = sizes["m"]
        for S, values in rows:
            centre = expectation(values)
            B = deflated(A, projector(A * S.T))
            steps.append(Step(f"Var[tr̂ | S = {list(S)}] = Hutchinson's of (I−P)A(I−P) ({label})",
                              expectation([(v - centre) ** 2 for v in values]),
                              hutchinson._variance(dict(A=B), "rademacher", dict(m=m)),
                              "given S, tr(PA) is constant and the rest is Hutchinson on B"))
        every = [v for _, values in rows for v in values]
        centre = expectation(every)
        steps.append(Step(f"Var[tr̂] is the claimed variance ({label})", expectation([(v - centre) ** 2 for v in every]),
                          estimator.variance(dict(A=A), "rademacher", sizes),
                          "law of total variance: Var = E_S[Var | S] + Var_S[tr A], the last 0"))
    return Derivation(
        name="hutchpp.variance",
        claim="Var[tr̂] = E_S[2(‖sym B_S‖_F² − Σ (sym B_S)_ii²)/m], B_S = (I − P_S)A(I − P_S)",
        steps=tuple(steps), assumptions=("G independent of S, uniform on {±1}^{m×n}",), source=SOURCE,
        scope="(n, k, m) ∈ {(2,1,1), (2,1,2), (3,1,1)}: two rational A each (one non-symmetric); every outcome "
              "enumerated (a symbolic A's variance, a rational function of degree 8, did not cancel in minutes)")


def exact_low_rank(estimator: Estimator = ESTIMATOR) -> Derivation:
    n, k, m = 2, 1, 1
    u = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"u_{i}", real=True))
    w = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"w_{i}", real=True))
    A = u * w.T
    probes = list(sign_matrices(m, n))
    steps = [Step(f"tr̂(S = {list(S)}, G = {list(G)}) = tr(A), A = uwᵀ", estimator.statistic(dict(A=A), (S, G)),
                  A.trace(), "A·Sᵀ = u(wᵀs) spans range(A), so (I − P)A = 0: only tr(PA) = tr(A) is left")
             for index, S in enumerate(sign_matrices(k, n)) for G in probes[index % 2::2]]  # half the (S, G) pairs
    rank2 = sp.Matrix([[1, 2], [0, -1], [3, 1]]) * sp.Matrix([[2, 0, -1], [1, 1, 1]]) / 4  # 3×3, rank 2
    G = sp.ones(1, 3)  # the remainder is 0 whatever G: one probe per sketch shows it
    for S in sign_matrices(2, 3):
        if (rank2 * S.T).rank() == 2:  # the sketch sees all of range(A)
            steps.append(Step(f"tr̂(S = {list(S)}, G = {list(G)}) = tr(A), rank 2, k = 2",
                              estimator.statistic(dict(A=rank2), (S, G)), rank2.trace(),
                              "range(A·Sᵀ) = range(A): (I − P)A = 0"))
    return Derivation(
        name="hutchpp.exact_low_rank",
        claim="rank(A) ≤ k: the sketch captures range(A) and tr̂ = tr(A) for every outcome (no variance)",
        steps=tuple(steps), assumptions=("wᵀs ≠ 0 (the sketch sees A)",), source=SOURCE,
        scope="n = 2, k = m = 1, A = uwᵀ with symbolic u, w: every sketch, half the probes (8 outcomes; SymPy's "
              "cancellation costs ~0.1 s each); n = 3, k = 2, m = 1, a rational "
              "rank-2 A: every sketch with rank(A·Sᵀ) = 2, G = 1ᵀ")


BUILDERS = {"hutchpp.unbiased": unbiased, "hutchpp.variance": variance, "hutchpp.exact_low_rank": exact_low_rank}
