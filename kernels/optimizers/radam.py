"""RAdam (Rectified Adam) in place, with every convention as an argument.

Written from Liu et al. (2020), "On the Variance of the Adaptive Learning Rate and Beyond", Algorithm 2, never
from derivations/: Adam's moments m ← β1·m + (1-β1)·g, v ← β2·v + (1-β2)·g²; ρ_∞ = 2/(1-β2) - 1 and
ρ_t = ρ_∞ - 2t·β2^t/(1-β2^t); while ρ_t passes the test the step is α·r_t·m̂/(√v̂ + ε) with
r_t = √((ρ_t-4)(ρ_t-2)ρ_∞/((ρ_∞-4)(ρ_∞-2)ρ_t)), before that the momentum step α·m̂ (m̂ = m/(1-β1^t),
v̂ = v/(1-β2^t)).  Seed 003_91c12aa291f221ab.txt names RAdam ("rectifies variance of adaptive learning rate")
without a formula.

Conventions: ``rectify_when`` is the test: "gt4" ρ_t > 4 (the paper), "gt5" ρ_t > 5 (torch), "ge5" ρ_t ≥ 5
(optax, the authors' code).  ``eps_mode``: "after_correction" divides by √v̂ + ε (optax), "uncorrected" by
(√v + ε)/√(1-β2^t) (torch).  ``decay``: none, l2, decoupled (kernels/core/blocks.py).

ρ_t, r_t, 1-β^t and every step scalar depend on t and the β's only: they are computed once per step in float64
on the host (the test too), then cast to the arrays' dtype.  ρ_t and 1-β^t are computed without the cancellation
of the direct formulas (``rho``, ``one_minus_power``), which for β2 near 1 lose most of float64's digits: as
torch and optax compute ρ_t, β2 = 1 - 10⁻⁹ gives ρ_12 < 5 (it is 12) and β2 = 1 - 10⁻⁶ gives ρ_4 > 4 (it is
3.9999975), so the test chooses the other branch.  The caller creates ``m`` and ``v`` filled with zeros.

Guarantee: every argument is checked before anything is written, and a bad one is a ValueError; the arithmetic
is IEEE (overflow gives ±inf, invalid operations NaN, whatever ``np.errstate`` says).
"""
from __future__ import annotations

import math

from kernels.core import validate as check
from kernels.core.arith import ieee, scale
from kernels.core.blocks import (
    apply_update,
    decayed_gradient,
    ema_into,
    ema_of_square_into,
    gradient_buffers,
    validate_decay,
)
from kernels.core.tiling import tiled

RECTIFY_WHEN = ("gt4", "gt5", "ge5")
EPS_MODES = ("after_correction", "uncorrected")
__all__ = ["EPS_MODES", "RECTIFY_WHEN", "one_minus_power", "radam_scalars", "radam_step", "rho", "validate_radam"]


def validate_radam(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, rectify_when, eps_mode, decay, scratch):
    check.step_count(t)
    check.scalar("lr", lr, low=0.0, low_open=True)
    check.scalar("beta1", beta1, low=0.0, high=1.0, high_open=True)
    check.scalar("beta2", beta2, low=0.0, high=1.0, high_open=True)
    check.scalar("eps", eps, low=0.0, low_open=True)
    validate_decay(decay, weight_decay)
    check.choice("rectify_when", rectify_when, RECTIFY_WHEN)
    check.choice("eps_mode", eps_mode, EPS_MODES)
    check.arrays({"p": p, "g": g, "m": m, "v": v}, {"scratch": scratch}, written=("p", "m", "v", "scratch"),
                 nonnegative_state=("v",), unread=("scratch",))


def _series_tail(x: float, term, first: int) -> float:
    """Σ_{k ≥ first} term(x, k), summed until a term no longer changes the sum (x small enough to converge)."""
    total, k = 0.0, first
    while True:
        add = term(x, k)
        if total + add == total:
            return total
        total, k = total + add, k + 1


def one_minus_power(beta: float, t: int) -> float:
    """1 - β^t in float64, to a few units in its last place: for β near 1 the direct 1 - β^t keeps only the
    digits of β^t that differ from 1 (β2 = 1 - 10⁻⁹, t = 12: 8 of 16); -expm1(t·ln β) with ln β = log1p(-(1-β))
    keeps them all (1-β is exact for β ≥ ½).  For β < ½, 1 - β^t > ½ and the direct form loses nothing."""
    if beta < 0.5:
        return 1.0 - beta**t
    return -math.expm1(t * math.log1p(-(1.0 - beta)))


def rho(t: int, beta2: float) -> tuple[float, float]:
    """(ρ_∞, ρ_t) in float64, ρ_t to a few units of float64's last place for every β2 in [0, 1).

    The paper's ρ_t = ρ_∞ - 2t·β2^t/(1-β2^t) subtracts two numbers near 2/(1-β2): for β2 = 1 - 10⁻⁶ it loses
    about 10 of float64's 16 digits (ρ_4 comes out 4.0000064 where it is 3.9999975), for β2 = 1 - 10⁻⁹ all of
    them.  With q = 1-β2, L = -ln β2 = q + (q²/2 + q³/3 + ...) and y = t·L, the same number is
    ρ_t = 2(L-q)/(qL) - 1 + (2/L)·(1 - y/(e^y - 1)), where no large terms cancel: 2(L-q)/(qL) ≈ 1 + q/6 and the
    last term ≈ t.  For β2 ≤ ½ (ρ_∞ ≤ 3) the direct formula loses nothing and is used as it stands.
    """
    q = 1.0 - beta2  # exact for β2 ≥ ½ (Sterbenz)
    rho_inf = 2.0 / q - 1.0
    if q >= 0.5:
        power = beta2**t
        return rho_inf, rho_inf - 2.0 * t * power / (1.0 - power)
    excess = _series_tail(q, lambda x, k: x**k / k, 2)  # L - q = q²/2 + q³/3 + ...
    L = q + excess
    y = t * L
    if y < 1.0:  # 1 - y/(e^y - 1) = (e^y - 1 - y)/(e^y - 1), the numerator as its series y²/2! + y³/3! + ...
        one_minus_b = _series_tail(y, lambda x, k: x**k / math.factorial(k), 2) / math.expm1(y)
    else:  # y/(e^y - 1) = y·e^-y/(1 - e^-y) ≤ 0.582: nothing cancels, and nothing overflows for a huge y
        one_minus_b = 1.0 - y * math.exp(-y) / -math.expm1(-y)
    return rho_inf, 2.0 * excess / (q * L) - 1.0 + 2.0 / L * one_minus_b


def radam_scalars(t: int, beta2: float, rectify_when: str = "gt4") -> tuple[float, float, float | None]:
    """(ρ_∞, ρ_t, r_t) at step t in float64; r_t is None when ρ_t fails the test (the momentum step)."""
    rho_inf, rho_t = rho(t, beta2)
    if rectify_when == "gt4":
        passes = rho_t > 4.0
    elif rectify_when == "gt5":
        passes = rho_t > 5.0
    else:
        passes = rho_t >= 5.0
    if not passes:
        return rho_inf, rho_t, None
    # ρ_∞ > ρ_t > 4 here, so every factor is positive
    r = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
    return rho_inf, rho_t, r


@ieee
def radam_step(p, g, m, v, t: int, *, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
               eps: float = 1e-8, weight_decay: float = 0.0, rectify_when: str = "gt4",
               eps_mode: str = "after_correction", decay: str = "none", scratch=None, validate: bool = True) -> None:
    """One RAdam step at 1-based step ``t``: updates ``p``, ``m``, ``v`` in place.

    ``m ← β1 m + (1-β1) g``, ``v ← β2 v + (1-β2) g²``; while ρ_t fails the test ``p ← p - lr·m/(1-β1^t)``,
    afterwards ``p ← p - lr·r_t·m̂/(√v̂ + ε)`` (``after_correction``) or
    ``p - lr·r_t·√(1-β2^t)/(1-β1^t)·m/(√v + ε)`` (``uncorrected``).  ``decay`` as in adam_step.
    """
    if validate:
        validate_radam(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, rectify_when, eps_mode, decay, scratch)
    # Python numbers: a NumPy scalar hyperparameter would change the host arithmetic's precision
    t = int(t)
    lr, beta1, beta2, eps, weight_decay = map(float, (lr, beta1, beta2, eps, weight_decay))
    c1, c2 = one_minus_power(beta1, t), one_minus_power(beta2, t)
    _, _, r = radam_scalars(t, beta2, rectify_when)
    xp = check.namespace(p)
    as_t = p.dtype.type  # host scalars in p's dtype: bfloat16 times a Python float would give float32
    if r is not None:  # √v̂ + ε = √v·√(1/c2) + ε after correction; else √v + ε, the √c2 moving into the step
        step = lr * r / c1 if eps_mode == "after_correction" else lr * r * math.sqrt(c2) / c1

    def body(p, g, m, v, tmp, spare=None):  # one tile; every result goes out= (a 0-d result stays an array)
        grad = decayed_gradient(xp, g, p, decay, weight_decay, out=spare)  # spare: g + λp, only for L2
        # m ← β1 m + (1-β1) g
        ema_into(xp, m, grad, beta1, tmp)
        # v ← β2 v + (1-β2) g²
        ema_of_square_into(xp, v, grad, beta2, tmp)
        if r is None:  # the variance is not tractable yet: the un-adapted momentum step lr·m̂
            xp.multiply(m, as_t(lr / c1), out=tmp)
        else:
            xp.sqrt(v, out=tmp)
            if eps_mode == "after_correction":
                scale(tmp, math.sqrt(1.0 / c2))
            tmp += as_t(eps)
            xp.divide(m, tmp, out=tmp)
            tmp *= as_t(step)
        apply_update(p, tmp, decay, lr, weight_decay)

    tiled(xp, body, (p, g, m, v), work=1 + gradient_buffers(decay), scratch=scratch)
