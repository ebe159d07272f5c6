"""Planted bugs in MAML's meta-gradient: each must be caught by verify.checks.maml.check_maml (protocol
``meta_gradient(theta, tasks, *, alpha)``, tasks = [(gradient, hvp)])."""
from __future__ import annotations

import numpy as np


def _maml(theta, tasks, *, alpha, sign=-1.0, alpha_power=1, at_inner=False, hessian=True, sum_not_mean=False):
    total = np.zeros_like(theta)
    for gradient, hvp in tasks:
        inner = theta - alpha * gradient(theta)
        outer = gradient(theta) if at_inner else gradient(inner)
        if hessian:
            outer = outer + sign * alpha**alpha_power * hvp(theta, outer)
        total += outer
    return total if sum_not_mean else total / len(tasks)


MUTANTS = {  # name: (mutant, first_order claimed?)
    "Hessian term added, not subtracted": (lambda t, ts, **h: _maml(t, ts, **h, sign=1.0), False),
    "α² on the Hessian term": (lambda t, ts, **h: _maml(t, ts, **h, alpha_power=2), False),
    "outer gradient at θ, not θ'": (lambda t, ts, **h: _maml(t, ts, **h, at_inner=True), False),
    "first-order MAML where second order is claimed": (lambda t, ts, **h: _maml(t, ts, **h, hessian=False), False),
    "second order where first-order is claimed": (lambda t, ts, **h: _maml(t, ts, **h), True),
    "sum over tasks, not the mean": (lambda t, ts, **h: _maml(t, ts, **h, sum_not_mean=True), False),
}
