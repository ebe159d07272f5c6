"""Mixup on NumPy or CuPy arrays: x̃ = λx₁ + (1 − λ)x₂, ỹ = λy₁ + (1 − λ)y₂, λ ~ Beta(a, a).

Written from seed 000_a2fbe8e070163c86.txt §2.3 ("Data Smoothing": the vicinal distribution, the two mixing
formulas, "λ ~ Beta"), never from derivations/.  λ and the partner permutation are arguments, drawn by the
caller's seeded generator (``rng.beta(a, a)``, ``rng.permutation(n)``): nothing random happens here.

Cross-entropy is linear in its target, so the loss on the mixed label ỹ is λ·loss(y₁) + (1 − λ)·loss(y₂):
``mixup_loss`` computes that mixture of losses, which is what implementations (the original paper's code,
timm's ``mixup_criterion``) compute with class indices.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee
from kernels.estimators.cross_entropy import soft_cross_entropy


def _lam(lam) -> float:
    return check.scalar("lam (the mixing weight λ)", lam, low=0.0, high=1.0)


def _permutation(perm, n):
    xp = check.namespace(perm, "perm")
    if perm.ndim != 1 or perm.shape[0] != n or perm.dtype.kind not in "iu" or \
            not bool((xp.sort(perm) == xp.arange(n)).all()):
        raise ValueError(f"perm must be a permutation of range({n}) (integers)")


@ieee
def mixup(x, y, lam, perm):
    """(x̃, ỹ): each example mixed with its partner ``perm[i]``: λ·row + (1 − λ)·row[perm]; y soft/one-hot rows."""
    lam = _lam(lam)
    for name, a in (("x", x), ("y", y)):
        check.floating(name, a)
        check.finite(name, a)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must hold the same number of examples, got {x.shape[0]} and {y.shape[0]}")
    _permutation(perm, x.shape[0])
    mix = x.dtype.type(lam), y.dtype.type(lam)
    return mix[0] * x + (1 - mix[0]) * x[perm], mix[1] * y + (1 - mix[1]) * y[perm]


def _lams(lam, n):
    """One λ for the batch (a number), or one per example (an (n,) array: per-example mixing)."""
    if not hasattr(lam, "shape"):
        return _lam(lam)
    check.floating("lam (the mixing weights λ)", lam)
    if lam.shape != (n,) or (lam.size and not bool(((lam >= 0) & (lam <= 1)).all())):
        raise ValueError(f"lam (the mixing weights λ) must be a number or an ({n},) array, each in [0, 1]; "
                         f"got shape {lam.shape}")
    return lam


@ieee
def mixup_loss(logits, y1, y2, lam):
    """The mixed loss per example, as a mixture of the two losses: λ·H(y₁, q) + (1 − λ)·H(y₂, q)."""
    lam = _lams(lam, getattr(logits, "shape", (0,))[0])
    return lam * soft_cross_entropy(logits, y1) + (1 - lam) * soft_cross_entropy(logits, y2)


def beta_moments(a):
    """(E[λ], Var[λ]) for λ ~ Beta(a, a): 1/2 by symmetry, and 1/(4(2a + 1))."""
    a = check.scalar("a (Beta's parameter)", a, low=0.0, low_open=True)
    return 0.5, 1.0 / (4.0 * (2.0 * a + 1.0))
