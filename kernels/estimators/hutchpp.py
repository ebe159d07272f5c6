"""Hutch++: Hutchinson's trace estimator after deflating a low-rank sketch, on NumPy or CuPy arrays.

Written from seed 000_a2fbe8e070163c86.txt §1.4.1.1 "Trace" (the estimator (1/m) Σ x_jᵀ A x_j of a matrix
queried only through products Ax), and the deflation idea of Meyer, Musco, Musco & Woodruff (2021): the
trace of A is tr(PA) + tr((I − P)A(I − P)) for any orthogonal projector P, since tr(PA(I−P)) = tr((I−P)PA) = 0
and tr(PAP) = tr(PA).  Take P onto range(A·S) for a random sketch S: tr(PA) is computed exactly from A·Q
(Q an orthonormal basis), and only the small remainder (I − P)A(I − P) is estimated by Hutchinson with
probes G drawn independently of S.  Given S, the second term is unbiased, so the whole is, for any A
(symmetric or not), and it is exact when rank(A) ≤ k (then (I − P)A = 0).

Block probes: A is an n×n array or a function ``matmat(V) -> A @ V`` taking an (n, b) block, so that all
b probes are one GEMM.  The sketch and the probes are arguments, rows of (k, n) and (m, n) arrays (any
kind: signs from ``rademacher_probes``, normals, √n·sphere), never drawn here.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee
from kernels.estimators.hutchinson import _probes


def block_operator(xp, A, n: int, dtype):
    """A function V (n, b) -> A V, from an n×n array or a caller's matmat; counts the columns it multiplies."""
    if callable(A):
        def apply(V):
            out = xp.asarray(A(V), dtype=dtype)
            if out.shape != V.shape:
                raise ValueError(f"matmat returned shape {out.shape}, expected {V.shape}")
            return out
        return apply
    square_matrix(xp, A, n, dtype)
    return lambda V: A @ V


def square_matrix(xp, A, n: int, dtype) -> None:
    """A must be an n×n finite array of the probes' kind and dtype (checked without an n×n temporary)."""
    if check.namespace(A, "A") is not xp:
        raise ValueError("A must be an array of the probes' kind (NumPy or CuPy, both alike)")
    if A.ndim != 2 or A.shape != (n, n):
        raise ValueError(f"A must be an n×n matrix with n = {n} (the probes' length), got shape {A.shape}")
    if A.dtype != dtype:
        raise ValueError(f"A has dtype {A.dtype} but the probes have dtype {dtype}")
    check.finite("A", A)


def range_basis(xp, Y, scale=None):
    """An orthonormal basis (n, r) of range(Y), r its numerical rank: left singular vectors whose singular value
    exceeds max(n, b)·ε·scale (scale: σ_max(Y) unless given) — NumPy's matrix_rank rule.  An SVD, not a QR:
    a QR without pivoting cannot drop a dependent column without losing later columns' components."""
    U, s, _ = xp.linalg.svd(Y, full_matrices=False)
    if s.size == 0:
        return U[:, :0]
    top = s[0] if scale is None else scale
    tol = max(Y.shape) * xp.finfo(Y.dtype).eps * top
    return U[:, s > tol]


def deflated_hutchinson(xp, apply, Q, AQ, probes):
    """tr(QᵀAQ) + (1/m) Σ_j x_jᵀ A x_j with x_j = (I − QQᵀ) g_j: the exact part plus Hutchinson on the rest."""
    X = probes.T - Q @ (Q.T @ probes.T)  # (n, m): probes projected off range(Q)
    AX = apply(X)
    exact = xp.sum(Q * AQ)  # tr(QᵀAQ)
    return exact + xp.sum(X * AX) / probes.dtype.type(probes.shape[0])


@ieee
def hutchpp_trace(A, sketch, probes):
    """Hutch++ estimate of tr(A): sketch S (k×n rows), probes G (m×n rows); k + rank(AS) + m products with A.

    Unbiased for any A when E[ggᵀ] = I and G is independent of S; exact when rank(A) ≤ rank(AS)."""
    xp = _probes(probes)
    _probes(sketch, "sketch", "k")
    if sketch.shape[1] != probes.shape[1] or sketch.dtype != probes.dtype:
        raise ValueError(f"sketch must be (k, n) of the probes' dtype with n = {probes.shape[1]}, got shape "
                         f"{sketch.shape} {sketch.dtype}")
    apply = block_operator(xp, A, probes.shape[1], probes.dtype)
    Q = range_basis(xp, apply(sketch.T))
    return deflated_hutchinson(xp, apply, Q, apply(Q), probes)
