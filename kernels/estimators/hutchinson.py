"""Hutchinson's trace estimator on NumPy or CuPy arrays: tr̂(A) = (1/m) Σ_j x_jᵀ A x_j.

Written from seed 000_a2fbe8e070163c86.txt §1.4.1.1 ("draw x_1, ..., x_m from random {-1, 1}", the
estimate (1/m) Σ x_jᵀ A x_j; the seed's sum runs over i but means the probes j), never from derivations/.

The probes are an argument, never drawn here (so a check can average over every probe exactly, and a
caller's seed decides everything): draw bits with your own generator and map them with
``rademacher_probes`` (or pass Gaussian normals as they are).  ``A`` is an n×n array, or a function
``matvec(v) -> A v`` when A is never formed (the matrix-free case the seed is about).  The array module is
the probes' (``_validate.namespace``): CuPy probes run on the GPU.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee

PROBES = ("rademacher", "gaussian")


def rademacher_probes(bits, dtype="float64"):
    """Bits in {0, 1} (any integer or bool array, e.g. ``rng.integers(0, 2, (m, n))``) → probes 2b − 1 ∈ {±1}."""
    check.namespace(bits, "bits")  # a NumPy or CuPy array, or a ValueError naming it
    if bits.size and not bool(((bits == 0) | (bits == 1)).all()):
        raise ValueError("bits must hold only 0 and 1")
    return 2 * bits.astype(dtype) - 1


def _probes(probes, name="probes", count="m"):
    """The namespace of an (m, n) array of m >= 1 finite probes as rows (forward gradient: tangents, K)."""
    xp = check.namespace(probes, name)
    check.floating(name, probes)
    if probes.ndim != 2 or probes.shape[0] == 0:
        raise ValueError(f"{name} must be an ({count}, n) array with {count} >= 1 {name} as rows, got shape "
                         f"{probes.shape}")
    check.finite(name, probes)
    return xp


def _quadratic_forms(xp, A, probes):
    """x_jᵀ A x_j for every row x_j of probes, as an (m,) array."""
    if callable(A):
        products = xp.stack([xp.asarray(A(x), dtype=probes.dtype) for x in probes])  # row j: A x_j
    else:
        n = probes.shape[1]  # the n×n exemplar is a broadcast view: no n×n temporary per call
        check.like("A", A, xp.broadcast_to(probes[:1, :1], (n, n)), "an n×n matrix of the probes' kind")
        check.finite("A", A)
        products = probes @ A.T  # row j: (A x_j)ᵀ
    if products.shape != probes.shape:
        raise ValueError(f"matvec returned shape {products.shape[1:]}, expected ({probes.shape[1]},)")
    return xp.sum(probes * products, axis=1)


@ieee
def hutchinson_trace(A, probes):
    """(1/m) Σ_j x_jᵀ A x_j, the m probes x_j the rows of ``probes`` (m×n); a 0-d array of the probes' dtype.

    Unbiased for tr(A) when E[xxᵀ] = I (Rademacher or standard Gaussian probes)."""
    xp = _probes(probes)
    forms = _quadratic_forms(xp, A, probes)
    return xp.sum(forms) / probes.dtype.type(probes.shape[0])


@ieee
def hutchinson_variance(A, m: int, probes: str = "rademacher"):
    """Var[tr̂] predicted for m independent probes: 2(‖S‖_F² − Σ S_ii²)/m (Rademacher) or 2‖S‖_F²/m
    (Gaussian), where S = (A + Aᵀ)/2.  The symmetric part, not A: xᵀAx = xᵀSx for every x, so the
    estimate, and its variance, see only S."""
    check.choice("probes", probes, PROBES)
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f"m (the number of probes) must be an integer >= 1, got {m!r}")
    xp = check.namespace(A, "A")
    check.floating("A", A)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square matrix, got shape {A.shape}")
    check.finite("A", A)
    S = (A + A.T) / 2
    total = xp.sum(S * S)
    if probes == "rademacher":
        total = total - xp.sum(xp.diagonal(S) ** 2)  # x_i² = 1: the diagonal does not vary
    return 2 * total / A.dtype.type(m)
