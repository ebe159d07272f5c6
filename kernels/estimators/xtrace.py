"""XTrace: the exchangeable (leave-one-out) deflated trace estimator, on NumPy or CuPy arrays.

Written from seed 000_a2fbe8e070163c86.txt §1.4.1.1 "Trace" (Hutchinson's (1/m) Σ x_jᵀ A x_j, A queried only
through products) and the leave-one-out idea of Epperly, Tropp & Webber (2024): with m probes ω_i, for each i
deflate by P_i, the projector onto range(A·Ω_{−i}) (every probe but ω_i), and estimate the remainder with ω_i
alone — independent of P_i, so each of the m estimates tr(P_iA) + ω_iᵀ(I − P_i)A(I − P_i)ω_i is unbiased; XTrace
is their mean.  Every probe serves both as sketch and as test vector.

Products with A: m for Y = AΩ and r = rank(Y) ≤ m for Z = AQ (Q a basis of range(Y)); since
range(AΩ_{−i}) ⊂ range(Q), each P_i = Q C_i C_iᵀ Qᵀ with C_i an orthonormal basis of range(Qᵀ A Ω_{−i}), an r×(m−1)
problem, and A P_i = Z C_i C_iᵀ Qᵀ needs no further product.  Exact when rank(A) ≤ m − 1.
"""
from __future__ import annotations

from kernels.core.arith import ieee
from kernels.estimators.hutchinson import _probes
from kernels.estimators.hutchpp import block_operator, range_basis


@ieee
def xtrace_trace(A, probes):
    """XTrace estimate of tr(A) from m ≥ 2 probes ω_i (rows of an m×n array); 2m products with A at most.

    Unbiased for any A when E[ωωᵀ] = I and the probes are independent."""
    xp = _probes(probes)
    m = probes.shape[0]
    if m < 2:
        raise ValueError(f"probes: XTrace needs m >= 2 probes (each is left out once), got m = {m}")
    apply = block_operator(xp, A, probes.shape[1], probes.dtype)
    Y = apply(probes.T)  # (n, m)
    Q = range_basis(xp, Y)
    scale = xp.linalg.norm(Y, 2) if Y.size else 0.0
    Z, W, H = apply(Q), Q.T @ Y, Q.T @ probes.T  # AQ; Y and Ω in Q's coordinates
    QZ = Q.T @ Z
    total = probes.dtype.type(0)
    for i in range(m):
        C = range_basis(xp, xp.concatenate([W[:, :i], W[:, i + 1:]], axis=1), scale)  # basis of QᵀAΩ_{−i}
        c = C @ (C.T @ H[:, i])  # P_iω_i in Q's coordinates
        x = probes[i] - Q @ c  # (I − P_i)ω_i
        Ax = Y[:, i] - Z @ c  # A(I − P_i)ω_i
        total = total + xp.sum(C * (QZ @ C)) + x @ Ax  # tr(P_iA) + ω_iᵀ(I − P_i)A(I − P_i)ω_i
    return total / probes.dtype.type(m)
