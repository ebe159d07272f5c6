"""Lanczos, Gauss quadrature, stochastic Lanczos quadrature (SLQ) and the largest eigenvalue, on NumPy or CuPy.

Written from seed 000_a2fbe8e070163c86.txt §1.4.1.2 "Spectrum" (stochastic Lanczos quadrature, named only) and
§1.4.2 "Loss Topology" (sharpness: the largest eigenvalue of the loss Hessian), with the textbook Lanczos
process (Golub & Meurant, *Matrices, Moments and Quadrature*): k steps from a start v give a k×k tridiagonal
T = tridiag(β, α, β); its eigenvalues θ_j (nodes) and squared first eigenvector components τ_j (weights, which
sum to 1) form the Gauss quadrature of the spectral measure of A seen from v, exact for polynomials of degree
≤ 2k − 1: ‖v‖² Σ_j τ_j θ_j^p = vᵀA^p v.  With probes v, E[vvᵀ] = I, SLQ estimates tr f(A) by (1/m) Σ ‖v‖² Σ τ f(θ).

A is symmetric: an n×n array (its symmetry is checked: Lanczos on a non-symmetric matrix silently computes
something else) or ``matmat(V) -> A V`` on an (n, b) block.  All m probes advance together, so each Lanczos step
is one GEMM.  Full reorthogonalisation: k is small, and it keeps the nodes free of Lanczos' ghost copies.

λ_max: Lanczos' largest node, the *algebraic* maximum, is the sharpness.  Power iteration converges to the
eigenvalue of largest *magnitude*, which is λ_min when |λ_min| > λ_max (an indefinite Hessian, away from a
minimum): ``power_iteration`` returns that signed eigenvalue, and is no sharpness estimate there.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee
from kernels.estimators.hutchinson import _probes
from kernels.estimators.hutchpp import block_operator


def _operator(xp, A, n, dtype):
    """block_operator, plus A = Aᵀ for an array (a matmat's symmetry is the caller's)."""
    apply = block_operator(xp, A, n, dtype)
    if not callable(A) and not bool(xp.all(A == A.T)):
        raise ValueError("A must be symmetric (Lanczos and Gauss quadrature assume A = Aᵀ)")
    return apply


def _steps(k) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k (the number of Lanczos steps) must be an integer >= 1, got {k!r}")
    return k


@ieee
def lanczos(A, probes, k: int):
    """k Lanczos steps from each probe (rows of an m×n array) at once: (alpha (m, k), beta (m, k − 1), steps (m,)).

    Probe j's tridiagonal T_j has diagonal alpha[j, :s] and off-diagonal beta[j, :s − 1], s = steps[j] ≤ min(k, n):
    fewer steps where its Krylov space became invariant (β = 0: the quadrature is then exact for every f)."""
    xp = _probes(probes)
    k = _steps(k)
    m, n = probes.shape
    apply = _operator(xp, A, n, probes.dtype)
    norms = xp.linalg.norm(probes, axis=1)
    if bool(xp.any(norms == 0)):
        raise ValueError("probes must be nonzero (a Lanczos start is normalised)")
    k = min(k, n)
    basis = xp.zeros((k, m, n), dtype=probes.dtype)
    basis[0] = probes / norms[:, None]
    alpha = xp.zeros((m, k), dtype=probes.dtype)
    beta = xp.zeros((m, max(k - 1, 0)), dtype=probes.dtype)
    alive = xp.ones(m, dtype=bool)
    steps = xp.ones(m, dtype=xp.int64)
    scale = xp.zeros(m, dtype=probes.dtype)
    for j in range(k):
        W = apply(basis[j].T).T  # one GEMM: A v_j for every probe, (m, n)
        alpha[:, j] = xp.sum(W * basis[j], axis=1)
        for _ in range(2):  # full reorthogonalisation, twice ("twice is enough", Parlett)
            W = W - xp.einsum("jm,jmn->mn", xp.einsum("jmn,mn->jm", basis[:j + 1], W), basis[:j + 1])
        scale = xp.maximum(scale, xp.abs(alpha[:, j]))
        if j == k - 1:
            break
        b = xp.linalg.norm(W, axis=1)
        scale = xp.maximum(scale, b)
        alive = alive & (b > 4 * n * xp.finfo(probes.dtype).eps * scale)  # β ≈ 0: an invariant Krylov space
        beta[:, j] = xp.where(alive, b, 0)
        basis[j + 1] = xp.where(alive[:, None], W / xp.where(alive, b, 1)[:, None], 0)
        steps = steps + alive
    return alpha, beta, steps


def gauss_quadrature(alpha, beta):
    """Nodes θ (the eigenvalues of T = tridiag(β, α, β)) and weights τ (squared first eigenvector components)."""
    xp = check.namespace(alpha, "alpha")
    s = alpha.shape[0]
    T = xp.diag(alpha) + xp.diag(beta[:s - 1], 1) + xp.diag(beta[:s - 1], -1)
    nodes, vectors = xp.linalg.eigh(T)
    return nodes, vectors[0] ** 2


def probe_quadratures(A, probes, k: int):
    """Per probe j: (nodes, weights, ‖v_j‖²), the Gauss quadrature of the spectral measure of A seen from v_j."""
    alpha, beta, steps = lanczos(A, probes, k)
    xp = check.namespace(probes, "probes")
    norms2 = xp.sum(probes * probes, axis=1)
    out = []
    for j in range(probes.shape[0]):
        s = int(steps[j])
        nodes, weights = gauss_quadrature(alpha[j, :s], beta[j, :s - 1])
        out.append((nodes, weights, norms2[j]))
    return out


@ieee
def slq(A, probes, k: int, f):
    """Stochastic Lanczos quadrature: (1/m) Σ_j ‖v_j‖² Σ_i τ_ji f(θ_ji), an estimate of tr f(A).

    Unbiased for tr f(A) when E[vvᵀ] = I and f is a polynomial of degree ≤ 2k − 1 (the quadrature is then exact)."""
    if not callable(f):
        raise ValueError("f must be a function applied to the nodes, e.g. numpy.log or lambda x: x ** 2")
    terms = [norm2 * (weights @ f(nodes)) for nodes, weights, norm2 in probe_quadratures(A, probes, k)]
    return sum(terms[1:], terms[0]) / probes.dtype.type(len(terms))


@ieee
def lanczos_lambda_max(A, start, k: int):
    """The largest Ritz value after k Lanczos steps from ``start`` (n,): the algebraic λ_max, from below."""
    if getattr(start, "ndim", None) != 1:
        raise ValueError(f"start must be an (n,) array, got {type(start).__name__} of shape {getattr(start, 'shape', None)}")
    nodes, _, _ = probe_quadratures(A, start[None, :], k)[0]
    return nodes[-1]


@ieee
def power_iteration(A, start, iterations: int):
    """The Rayleigh quotient vᵀAv of v after ``iterations`` steps v ← Av/‖Av‖: the *signed* eigenvalue of largest
    magnitude (not λ_max when |λ_min| > λ_max)."""
    if getattr(start, "ndim", None) != 1:
        raise ValueError(f"start must be an (n,) array, got shape {getattr(start, 'shape', None)}")
    xp = _probes(start[None, :], "start", "1")
    iterations = _steps(iterations)
    apply = _operator(xp, A, start.shape[0], start.dtype)
    v = start / xp.linalg.norm(start)
    for _ in range(iterations):
        w = apply(v[:, None])[:, 0]
        size = xp.linalg.norm(w)
        if float(size) == 0:
            return size  # v in the null space: the eigenvalue 0
        v = w / size
    return v @ apply(v[:, None])[:, 0]


@ieee
def sharpness(hvp, start, k: int):
    """Sharpness as the seeds' first sense (S000 §1.4.2, Keskar et al.): the largest eigenvalue of the Hessian,
    by Lanczos from Hessian-vector products ``hvp(V) -> H V`` (or an n×n Hessian)."""
    return lanczos_lambda_max(hvp, start, k)
