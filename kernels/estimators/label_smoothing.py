"""Label smoothing on NumPy or CuPy arrays: the one-hot target y becomes a softened distribution.

Seed 000_a2fbe8e070163c86.txt §2.3 names "label smoothing" and gives no formula.  Two conventions exist, and a
parameter chooses (written from their definitions, never from derivations/):

* ``spread="all"``: t = (1 − ε)y + ε/K — the mass ε spread over *all* K classes, the true one included
  (Szegedy et al. 2016); the true class keeps 1 − ε + ε/K.
* ``spread="others"``: t = (1 − ε)y + ε/(K − 1)·(1 − y) — ε spread over the K − 1 *wrong* classes only;
  the true class keeps exactly 1 − ε.

Both rows sum to 1.  Which one a framework follows is found by running it (verify/adapters/frameworks/
label_smoothing.py).
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee

SPREADS = ("all", "others")


@ieee
def smooth_labels(onehot, eps, spread="all"):
    """The smoothed targets of one-hot rows ``onehot`` (examples, K) for smoothing ε ∈ [0, 1]."""
    eps = check.scalar("eps (the smoothing)", eps, low=0.0, high=1.0)
    check.choice("spread", spread, SPREADS)
    check.floating("onehot", onehot)
    xp = check.namespace(onehot, "onehot")
    if onehot.ndim != 2 or onehot.shape[1] < (2 if spread == "others" else 1):
        raise ValueError(f"onehot must be 2-D (examples, classes), with >= 2 classes for spread='others'; "
                         f"got shape {onehot.shape}")
    if onehot.size and not bool((((onehot == 0) | (onehot == 1)).all()) and bool((onehot.sum(axis=1) == 1).all())):
        raise ValueError("onehot must hold one 1 per row and 0 elsewhere")
    K = onehot.shape[1]
    one = onehot.dtype.type
    if spread == "all":
        return onehot * one(1 - eps) + one(eps / K)
    return xp.where(onehot == 1, one(1 - eps), one(eps / (K - 1)))
