"""Planted bugs in SAM / ASAM: each must be caught by verify.checks.sam.check_sam (protocol: step(w, gradient, *, lr,
rho), in place).  Each is one plausible mistake in an otherwise correct NumPy SAM step."""
from __future__ import annotations

import numpy as np


def _sam(w, gradient, *, lr, rho, adaptive=False, normalise=True, sign=1.0, restore=True, second=True, power=2):
    g = gradient(w)
    T = np.abs(w) + 0.01 if adaptive else np.ones_like(w)
    tg = T * g
    size = np.linalg.norm(tg)
    eps = rho * T ** (power - 1) * tg / (size if normalise else 1.0) if size else np.zeros_like(w)
    g2 = gradient(w + sign * eps) if second else g
    if not restore:  # the ascent step kept: w moves from w + ε̂
        w += eps
    w -= lr * g2


MUTANTS = {  # name: (mutant, adaptive?)
    "one gradient (plain gradient descent)": (lambda w, f, **h: _sam(w, f, **h, second=False), False),
    "ε̂ = ρg, not normalised": (lambda w, f, **h: _sam(w, f, **h, normalise=False), False),
    "ε̂ subtracted (descent side)": (lambda w, f, **h: _sam(w, f, **h, sign=-1.0), False),
    "w not restored after the ascent step": (lambda w, f, **h: _sam(w, f, **h, restore=False), False),
    "ASAM with T·g/‖Tg‖ instead of T²g/‖Tg‖": (lambda w, f, **h: _sam(w, f, **h, adaptive=True, power=1), True),
    "ASAM claimed, SAM's ε̂ used": (lambda w, f, **h: _sam(w, f, **h), True),
}
