"""Lanczos and Gauss quadrature (stochastic Lanczos quadrature, SLQ), and λ_max by Lanczos versus power iteration.

Source: seed 000_a2fbe8e070163c86.txt §1.4.1.2 "Spectrum" (SLQ, named only) and §1.4.2 "Loss Topology"
(sharpness = the largest eigenvalue of the Hessian); COVERAGE D6, D7; issue 11.  Lanczos from a start v builds the
tridiagonal T_k = tridiag(β, α, β) with A V_k = V_k T_k + β_k v_{k+1} e_kᵀ; T_k = U Θ Uᵀ gives nodes θ_j and
weights τ_j = (e_1ᵀu_j)².

Claims, in exact arithmetic on rational symmetric matrices (β_j = √(rational): SymPy keeps it exact):
(1) Σ_j τ_j θ_j^p = e_1ᵀT^p e_1 (the spectral theorem), and Σ τ_j = ‖U e_1‖² = 1;
(2) the moment identity ‖v‖² e_1ᵀT_k^p e_1 = vᵀA^p v for p ≤ 2k − 1 (Gauss quadrature is exact to degree 2k − 1),
    and not for p = 2k in general — so SLQ with f a polynomial of degree ≤ 2k − 1 is Hutchinson on f(A): unbiased;
(3) power iteration's Rayleigh quotient tends to the eigenvalue of largest *magnitude*: on an indefinite A with
    |λ_min| > λ_max it is λ_min, while Lanczos' largest node (after n steps) is λ_max — the sharpness.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.proof import Derivation, Step

SOURCE = "seed 000_a2fbe8e070163c86.txt §1.4.1.2 (Spectrum: SLQ), §1.4.2 (sharpness); COVERAGE D6, D7; issue 11"
# rational symmetric matrices and starts proved on (one indefinite, one with a repeated eigenvalue: early breakdown)
CASES = ((sp.Matrix([[2, 1, 0], [1, -1, 3], [0, 3, 1]]) / 2, sp.Matrix([1, -1, 1])),
         (sp.Matrix([[1, 0, 0, 0], [0, 2, 1, 0], [0, 1, 2, 0], [0, 0, 0, -3]]), sp.Matrix([1, 1, -1, 1])),
         (sp.Matrix([[3, -1, 2, 0], [-1, 0, 1, 1], [2, 1, -2, 1], [0, 1, 1, 4]]) / 4, sp.Matrix([1, 1, 1, -1])))


def lanczos(A: sp.Matrix, v: sp.Matrix, k: int):
    """Exact Lanczos (full orthogonalisation; exact arithmetic needs none, but it is free here): (α, β) lists, stopping
    early where the Krylov space is invariant (β = 0)."""
    q = v / sp.sqrt((v.T * v)[0])
    basis, alpha, beta = [q], [], []
    for j in range(k):
        w = A * basis[-1]
        alpha.append(sp.nsimplify(sp.simplify((basis[-1].T * w)[0])))
        for b in basis:
            w = w - b * sp.simplify((b.T * w)[0])
        w = w.applyfunc(sp.simplify)
        norm2 = sp.simplify((w.T * w)[0])
        if j == k - 1 or norm2 == 0:
            break
        beta.append(sp.sqrt(norm2))
        basis.append((w / beta[-1]).applyfunc(sp.simplify))
    return alpha, beta


def tridiagonal(alpha, beta) -> sp.Matrix:
    s = len(alpha)
    return sp.Matrix(s, s, lambda i, j: alpha[i] if i == j else beta[min(i, j)] if abs(i - j) == 1 else 0)


def quadrature(T: sp.Matrix):
    """Nodes and weights of T exactly: eigenvalues θ_j and (e_1ᵀu_j)² for unit eigenvectors u_j."""
    nodes, weights = [], []
    for value, multiplicity, vectors in T.eigenvects():
        for u in sp.Matrix.orthogonalize(*vectors, normalize=True):
            nodes.append(value)
            weights.append(u[0] ** 2)
    return nodes, weights


def moment_identity() -> Derivation:
    steps = []
    for index, (A, v) in enumerate(CASES):
        n = A.shape[0]
        for k in range(1, n + 1):
            alpha, beta = lanczos(A, v, k)
            T, s = tridiagonal(alpha, beta), len(alpha)
            exact_to = 2 * k - 1 if s == k else 10  # an invariant Krylov space: exact for every degree
            label = f"A #{index}, k={k}" + (f" (invariant after {s} steps)" if s < k else "")
            for p in range(0, min(exact_to, 2 * k + 1) + 1):
                lhs, rhs = (v.T * v)[0] * (T ** p)[0, 0], (v.T * A ** p * v)[0]
                if p <= exact_to:
                    steps.append(Step(f"‖v‖² e₁ᵀT^{p}e₁ = vᵀA^{p}v ({label})", lhs, rhs,
                                      "T^p e₁ = V_kᵀA^p v/‖v‖ while the Krylov degree p/2 ≤ k − 1 on each side"))
    return Derivation(
        name="lanczos.moment_identity",
        claim="Gauss quadrature from k Lanczos steps is exact for degree ≤ 2k − 1: ‖v‖² e₁ᵀT_k^p e₁ = vᵀA^p v",
        steps=tuple(steps), assumptions=("A symmetric", "exact arithmetic"), source=SOURCE,
        scope="three rational symmetric A (n = 3, 4; one with early breakdown), every k ≤ n, p ≤ 2k − 1")


def moment_not_exact_beyond() -> Derivation:
    A, v = CASES[0]
    steps = []
    for k in (1, 2):
        alpha, beta = lanczos(A, v, k)
        T = tridiagonal(alpha, beta)
        gap = (v.T * A ** (2 * k) * v)[0] - (v.T * v)[0] * (T ** (2 * k))[0, 0]
        steps.append(Step(f"vᵀA^{2 * k}v − ‖v‖²e₁ᵀT^{2 * k}e₁ > 0 (k={k})", gap, 0,
                          "degree 2k: the Gauss rule's error is ‖v‖²·∏(x − θ_j)² integrated, positive", ">",
                          certificate=gap))
    return Derivation(
        name="lanczos.not_exact_beyond", claim="degree 2k is not integrated exactly (a witness: the bound 2k − 1 is tight)",
        steps=tuple(steps), assumptions=("A symmetric",), source=SOURCE, scope="A #0 of lanczos.moment_identity, k = 1, 2")


def weights_and_nodes() -> Derivation:
    steps = []
    for index, (A, v) in enumerate(CASES[:2]):
        for k in (1, 2):
            T = tridiagonal(*lanczos(A, v, k))
            nodes, weights = quadrature(T)
            label = f"A #{index}, k={k}"
            steps.append(Step(f"Σ τ_j = 1 ({label})", sum(weights), 1, "‖Uᵀe₁‖² = ‖e₁‖², U orthogonal"))
            for p in range(4):
                steps.append(Step(f"Σ τ_j θ_j^{p} = e₁ᵀT^{p}e₁ ({label})", sum(w * x ** p for w, x in zip(weights, nodes)),
                                  (T ** p)[0, 0], "T^p = UΘ^pUᵀ"))
            if index != 1:  # A #0's eigenvalues are casus irreducibilis: no exact order in SymPy
                continue
            low, high = min(A.eigenvals()), max(A.eigenvals())
            for j, x in enumerate(nodes):
                steps.append(Step(f"node {j} ≥ λ_min ({label})", x, low, "a Rayleigh quotient of A (Cauchy interlacing)",
                                  ">=", certificate=sp.nsimplify(x - low)))
                steps.append(Step(f"node {j} ≤ λ_max ({label})", x, high, "a Rayleigh quotient of A (Cauchy interlacing)",
                                  "<=", certificate=sp.nsimplify(high - x)))
    return Derivation(
        name="lanczos.weights_and_nodes",
        claim="weights τ_j = (e₁ᵀu_j)² sum to 1; Σ τ_j θ_j^p = e₁ᵀT^p e₁; nodes lie in [λ_min, λ_max]",
        steps=tuple(steps), assumptions=("A symmetric",), source=SOURCE, scope="A #0, #1 of lanczos.moment_identity, k = 1, 2; the nodes' interval for A #1 (rational eigenvalues)")


def power_vs_lanczos() -> Derivation:
    t = sp.Symbol("t", positive=True, integer=True)
    lam = (sp.Integer(-3), sp.Integer(1), sp.Integer(2))  # |λ_min| = 3 > λ_max = 2
    c = (sp.Integer(1), sp.Integer(2), sp.Integer(1))  # the start's components in the eigenbasis
    rayleigh = sum(ci**2 * li ** (2 * t + 1) for ci, li in zip(c, lam)) / sum(ci**2 * li ** (2 * t) for ci, li in zip(c, lam))
    A = sp.diag(*lam)
    alpha, beta = lanczos(A, sp.Matrix(c), 3)
    top = max(tridiagonal(alpha, beta).eigenvals())
    return Derivation(
        name="lanczos.power_vs_lanczos",
        claim="on A with eigenvalues (−3, 1, 2), power iteration's Rayleigh quotient → −3 (largest magnitude), "
              "Lanczos' largest node after n steps = 2 = λ_max (the sharpness)",
        steps=(Step("lim_t (Aᵗv)ᵀA(Aᵗv)/‖Aᵗv‖² = λ_min", sp.limit(rayleigh, t, sp.oo), lam[0],
                    "the (−3)^{2t} terms dominate numerator and denominator"),
               Step("Lanczos' largest node = λ_max", top, max(lam), "n steps: T is similar to A")),
        assumptions=("the start has a component along every eigenvector",), source=SOURCE,
        scope="A = diag(−3, 1, 2), v = (1, 2, 1)", notes="returning |λ| or the dominant λ as 'λ_max' is the bug class")


BUILDERS = {"lanczos.moment_identity": moment_identity, "lanczos.not_exact_beyond": moment_not_exact_beyond,
            "lanczos.weights_and_nodes": weights_and_nodes, "lanczos.power_vs_lanczos": power_vs_lanczos}
