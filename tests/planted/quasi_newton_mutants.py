"""Planted bugs in the L-BFGS and BFGS kernels: each must be caught by verify.checks.quasi_newton with default
settings.  Each mutant is the kernel (kernels/optimizers/lbfgs.py) with one thing changed, named by a flag."""
from __future__ import annotations

import numpy as np


def _two_loop(g, S, Y, gamma, *, bug):
    q, alphas = g.copy(), []
    for s, y in zip(reversed(S), reversed(Y)):
        a = np.dot(y if bug == "first loop reads y" else s, q) / np.dot(y, s)
        alphas.append(a)
        q = q - a * y
    r = gamma * q
    order = list(zip(reversed(S), reversed(Y), alphas)) if bug == "second loop newest first" else \
        list(zip(S, Y, reversed(alphas)))
    for s, y, a in order:
        b = np.dot(y, r) / np.dot(y, s)
        r = r + ((b - a) if bug == "β - α" else (a - b)) * s
    return r


def _lbfgs(x0, grad, hvp, iterations, memory, *, bug=None):
    with np.errstate(all="ignore"):
        x, g = x0.copy(), np.asarray(grad(x0))
        S, Y, seen = [], [], []
        for _ in range(iterations):
            if not S:
                gamma = x.dtype.type(1)
            elif bug == "γ inverted":
                gamma = np.dot(Y[-1], Y[-1]) / np.dot(S[-1], Y[-1])
            else:
                gamma = np.dot(S[-1], Y[-1]) / np.dot(Y[-1], Y[-1])
            d = -_two_loop(g, S, Y, gamma, bug=bug)
            seen.append((x.copy(), g.copy(), d.copy(), [s.copy() for s in S], [y.copy() for y in Y], gamma))
            alpha = -np.dot(g, d) / np.dot(d, np.asarray(hvp(x, d)))
            s = alpha * d
            x = x + s
            g_new = np.asarray(grad(x))
            y = g_new - g
            g = g_new
            if np.dot(s, y) > 0:
                if bug == "keeps the oldest pairs":
                    S, Y = (S + [s])[:memory], (Y + [y])[:memory]
                else:
                    S, Y = (S + [s])[-memory:], (Y + [y])[-memory:]
        return x, seen


def _lbfgs_mutant(bug):
    def mutant(x0, *, grad, hvp, iterations, memory, value=None):
        return _lbfgs(x0, grad, hvp, iterations, memory, bug=bug)

    mutant.__qualname__ = f"lbfgs mutant: {bug}"
    return mutant


LBFGS_MUTANTS = {bug: _lbfgs_mutant(bug) for bug in (
    "γ inverted", "first loop reads y", "second loop newest first", "β - α", "keeps the oldest pairs")}


def _bfgs(x0, grad, hvp, iterations, *, bug=None):
    with np.errstate(all="ignore"):
        x, g = x0.copy(), np.asarray(grad(x0))
        M, seen = np.eye(x.shape[0], dtype=x.dtype), []
        for _ in range(iterations):
            d = -(M @ g)
            seen.append((x.copy(), g.copy(), d.copy(), M.copy()))
            alpha = -np.dot(g, d) / np.dot(d, np.asarray(hvp(x, d)))
            s = alpha * d
            x = x + s
            g_new = np.asarray(grad(x))
            y = g_new - g
            g = g_new
            if np.dot(s, y) > 0:
                rho = 1 / (np.dot(y, y) if bug == "ρ = 1/yᵀy" else np.dot(y, s))
                if bug == "factors swapped":  # (I - ρysᵀ)M(I - ρsyᵀ): the DFP-like order
                    left = np.eye(len(s), dtype=x.dtype) - rho * np.outer(y, s)
                else:
                    left = np.eye(len(s), dtype=x.dtype) - rho * np.outer(s, y)
                M = left @ M @ left.T + (0 if bug == "no ρssᵀ term" else rho * np.outer(s, s))
        return x, seen


def _bfgs_mutant(bug):
    def mutant(x0, *, grad, hvp, iterations, value=None):
        return _bfgs(x0, grad, hvp, iterations, bug=bug)

    mutant.__qualname__ = f"bfgs mutant: {bug}"
    return mutant


BFGS_MUTANTS = {bug: _bfgs_mutant(bug) for bug in ("ρ = 1/yᵀy", "factors swapped", "no ρssᵀ term")}


def bfgs_as_written(x0, *, grad, hvp, iterations, value=None):
    """Not a bug: the product form (I - ρsyᵀ)M(I - ρysᵀ) + ρssᵀ, which the check's bound (written for the
    expanded form) must also pass, doubled (REASSOCIATION_FACTOR)."""
    return _bfgs(x0, grad, hvp, iterations)


# --- nonlinear CG: kernels/optimizers/nonlinear_cg.py with one thing changed; (mutant, conventions checked under)
def _ncg(x0, grad, hvp, value, iterations, *, beta, restart, line_search, bug=None):
    from kernels.optimizers import line_search as ls

    with np.errstate(all="ignore"):
        x, g = x0.copy(), np.asarray(grad(x0))
        g_prev = d = None
        seen = []
        n = x.shape[0]
        for t in range(iterations):
            every = t % n == (1 if bug == "restart one late" else 0)
            if t == 0 or (restart == "every_n" and every and t > 0) or not g.any():
                d = -g
            else:
                if beta == "fletcher_reeves":
                    b = np.sqrt(np.dot(g, g) / np.dot(g_prev, g_prev)) if bug == "FR with norms, not squares" \
                        else np.dot(g, g) / np.dot(g_prev, g_prev)
                else:
                    b = np.dot(g_prev if bug == "PR numerator reads g_(t-1)" else g, g - g_prev) / np.dot(g_prev, g_prev)
                    if beta == "pr_plus" and bug != "PR+ without the max":
                        b = max(b, 0)
                d = -g + b * d
                if restart == "descent" and ((np.dot(g, d) < 0) if bug == "descent test inverted"
                                             else not np.dot(g, d) < 0):
                    d = -g
            seen.append((x.copy(), g.copy(), d.copy()))
            alpha = ls.step_length(np, x, g, d, line_search=line_search, hvp=hvp, value=value)
            x = x + alpha * d
            g_prev, g = g, np.asarray(grad(x))
        return x, seen


def _ncg_mutant(bug, conventions):
    ls_name = "exact" if conventions["line_search"] == "exact" else "armijo"

    def mutant(x0, *, grad, hvp, iterations, value=None):
        return _ncg(x0, grad, hvp, value, iterations, beta=conventions["beta"], restart=conventions["restart"],
                    line_search=ls_name, bug=bug)

    mutant.__qualname__ = f"nonlinear_cg mutant: {bug}"
    return mutant, conventions


_C = dict(beta="polak_ribiere", restart="none", line_search="exact")
NONLINEAR_CG_MUTANTS = {bug: _ncg_mutant(bug, {**_C, **conv}) for bug, conv in (
    ("restart one late", dict(restart="every_n")),
    ("FR with norms, not squares", dict(beta="fletcher_reeves")),
    ("PR numerator reads g_(t-1)", {}),
    ("PR+ without the max", dict(beta="pr_plus", restart="descent", line_search="any")),
    ("descent test inverted", dict(restart="descent")),
)}
