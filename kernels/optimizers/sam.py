"""SAM (sharpness-aware minimisation) and ASAM: one step, two gradients from an oracle, in place.

Written from seed 003 ("SAM": maximise the loss in a ρ-ball, then minimise that) and Foret et al., ICLR 2021,
eq. (2)-(3): the first-order inner maximiser ε̂ = ρ·g/‖g‖ and θ ← θ - η·∇L(θ + ε̂); ASAM (Kwon et al., ICML
2021): T = diag(|θ| + η_T), ε̂ = ρ·T²g/‖Tg‖.  Never from derivations/.

Convention at g = 0 (the ratio is 0/0 there): ε̂ = 0, the step is plain gradient descent (here: no move).
Arithmetic in the arrays' dtype; one norm (a sum of squares, then √), vectors via ``xp`` (NumPy or CuPy).
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee

__all__ = ["sam_perturbation", "sam_step"]


def sam_perturbation(w, g, rho: float, adaptive: bool = False, adaptive_eta: float = 0.01):
    """ε̂ = ρ·g/‖g‖, or ρ·T²g/‖Tg‖ with T = |w| + adaptive_eta (ASAM); 0 where the norm is 0."""
    xp = check.namespace(w)
    as_t = w.dtype.type
    scale = (xp.abs(w) + as_t(adaptive_eta)) if adaptive else None
    tg = g * scale if adaptive else g
    size = xp.sqrt(xp.sum(tg * tg))
    direction = tg * scale if adaptive else g
    safe = xp.where(size == 0, as_t(1), size)  # 0/0 avoided: ε̂ = 0 where g = 0
    return xp.where(size == 0, as_t(0), as_t(rho) / safe) * direction


@ieee
def sam_step(w, gradient, *, lr: float, rho: float = 0.05, adaptive: bool = False, adaptive_eta: float = 0.01):
    """One SAM step on the 1-D array ``w`` in place: g = gradient(w), ε̂ from g, w ← w - lr·gradient(w + ε̂)."""
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("rho", rho, low=0.0)
    check.scalar("adaptive_eta", adaptive_eta, low=0.0)
    check.choice("adaptive", adaptive, (False, True))
    check.arrays({"w": w}, written=("w",))
    if w.ndim != 1:
        raise ValueError(f"w must be a 1-D array, got shape {w.shape}")
    g = gradient(w)
    if getattr(g, "shape", None) != w.shape:
        raise ValueError(f"gradient(w) must return an array of w's shape {w.shape}")
    second = gradient(w + sam_perturbation(w, g, rho, adaptive, adaptive_eta))
    w -= w.dtype.type(lr) * second
