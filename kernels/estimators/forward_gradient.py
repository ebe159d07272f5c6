"""The forward gradient on NumPy or CuPy arrays: ĝ = (1/K) Σ_k (∇f·v_k) v_k.

Written from seed 000_a2fbe8e070163c86.txt §1.2 "Forward Gradient" ("update the parameters ... by using the
directional derivative along a candidate direction"), never from derivations/: one forward-mode pass gives the
directional derivative ∇f·v along a tangent v, and (∇f·v)v is the step along v.

The tangents are an argument (a (K, n) array, one per row), never drawn here: Rademacher tangents from bits via
``rademacher_probes``, or standard normals as they are.  ``grad`` is ∇f as an (n,) array, or a function
``jvp(v) -> ∇f·v`` (a scalar) when ∇f is never formed — the case the method is for.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee
from kernels.estimators.hutchinson import PROBES, _probes


@ieee
def forward_gradient(grad, tangents):
    """(1/K) Σ_k (∇f·v_k) v_k for the K tangents v_k, the rows of ``tangents`` (K×n); an (n,) array of their dtype.

    Unbiased for ∇f when E[vvᵀ] = I (Rademacher or standard Gaussian tangents)."""
    xp = _probes(tangents, "tangents", "K")
    if callable(grad):
        directional = xp.asarray([float(grad(v)) for v in tangents], dtype=tangents.dtype)  # ∇f·v_k
    else:
        check.like("grad", grad, tangents[0], "a row of tangents")
        check.finite("grad", grad)
        directional = tangents @ grad
    return (directional @ tangents) / tangents.dtype.type(tangents.shape[0])


@ieee
def forward_gradient_error(grad, K: int, tangents: str = "gaussian"):
    """E‖ĝ − ∇f‖² predicted for K independent tangents: (n + 1)‖∇f‖²/K (Gaussian) or (n − 1)‖∇f‖²/K (Rademacher,
    whose v_i² = 1 exactly: E[v_i⁴] = 1, not 3)."""
    check.choice("tangents", tangents, PROBES)
    if isinstance(K, bool) or not isinstance(K, int) or K < 1:
        raise ValueError(f"K (the number of tangents) must be an integer >= 1, got {K!r}")
    xp = check.namespace(grad, "grad")
    check.floating("grad", grad)
    if grad.ndim != 1:
        raise ValueError(f"grad must be an (n,) array, got shape {grad.shape}")
    check.finite("grad", grad)
    n = grad.shape[0]
    factor = n + 1 if tangents == "gaussian" else n - 1
    return grad.dtype.type(factor) * xp.sum(grad * grad) / grad.dtype.type(K)
