"""MAML's meta-gradient over a batch of tasks, from gradient and Hessian-vector-product oracles.

Written from seed 000 (MAML: inner step θ'_i = θ - α∇L_i(θ), meta-objective Σ_i L_i(θ'_i)) and Finn et al., ICML
2017 (Algorithm 1; §5.2 first-order approximation), never from derivations/:

    meta-gradient = (1/k) Σ_i [∇L_i(θ'_i) - α·∇²L_i(θ)·∇L_i(θ'_i)]      second order (one HVP per task)
                  = (1/k) Σ_i ∇L_i(θ'_i)                              first_order=True (FOMAML)

Each task is a pair (gradient, hvp): gradient(x) = ∇L_i(x), hvp(x, v) = ∇²L_i(x)·v.  Arrays via ``xp``.
"""
from __future__ import annotations

from kernels.core import validate as check

__all__ = ["maml_meta_gradient"]


def maml_meta_gradient(theta, tasks, *, alpha: float, first_order: bool = False):
    """The mean meta-gradient over ``tasks`` at ``theta`` (a new array; nothing is written)."""
    check.scalar("alpha", alpha, low=0.0, low_open=True)
    check.choice("first_order", first_order, (False, True))
    check.arrays({"theta": theta}, written=())
    if theta.ndim != 1:
        raise ValueError(f"theta must be a 1-D array, got shape {theta.shape}")
    if not isinstance(tasks, (list, tuple)) or not tasks:
        raise ValueError("tasks must be a non-empty list of (gradient, hvp) pairs")
    xp = check.namespace(theta)
    a = theta.dtype.type(alpha)
    total = xp.zeros_like(theta)
    for gradient, hvp in tasks:
        outer = gradient(theta - a * gradient(theta))
        total += outer if first_order else outer - a * hvp(theta, outer)
    return total / theta.dtype.type(len(tasks))
