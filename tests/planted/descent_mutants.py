"""Planted bugs in gradient, steepest and coordinate descent: each must be caught by verify/checks/descent.py with
default settings.  Each mutant is a plain NumPy copy of kernels/optimizers/descent.py with one line changed,
written out so that the change is visible.  ``MUTANTS[rule] = {name: (mutant, conventions it claims)}``."""
from __future__ import annotations

import numpy as np


# --- gradient descent ---------------------------------------------------------------------------------------
def _gd(x0, grad, hvp, iterations, lr, momentum, step, *, sign=1.0, rayleigh=False, alpha_factor=1.0,
        momentum_sign=1.0, lr_factor=1.0):
    with np.errstate(all="ignore"):
        x, x_prev, seen = x0.copy(), x0.copy(), []
        for _ in range(iterations):
            g = np.asarray(grad(x))
            seen.append((x.copy(), g.copy()))
            if step == "line_search":
                q = np.asarray(hvp(x, g))
                a = np.dot(g, q) / np.dot(g, g) if rayleigh else np.dot(g, g) / np.dot(g, q)  # (inverted)
                x_new = x - alpha_factor * a * g
            else:
                x_new = x - sign * (lr * lr_factor) * g + momentum_sign * momentum * (x - x_prev)
            x_prev, x = x, x_new
        return x, seen


def _gd_mutant(step, **change):
    def run(x0, *, iterations, lr, momentum=0.0, grad, hvp, value=None):
        return _gd(x0, grad, hvp, iterations, lr, momentum, step, **change)
    return run


# --- steepest descent ---------------------------------------------------------------------------------------
def _direction(g, norm, *, linf_scaled=False, l1_smallest=False, l2_squared=False):
    if norm == "l2":
        return -g / (np.dot(g, g) if l2_squared else np.sqrt(np.dot(g, g)))  # ‖g‖² (missing √)
    if norm == "linf":
        return -g / np.max(np.abs(g)) if linf_scaled else -np.sign(g)  # g/‖g‖∞ instead of sign(g)
    i = int(np.argmin(np.abs(g)) if l1_smallest else np.argmax(np.abs(g)))  # the smallest |g_i|
    v = np.zeros_like(g)
    v[i] = -np.sign(g[i])
    return v


def _sd_mutant(norm, step, *, gd_alpha=False, **change):
    def run(x0, *, iterations, lr, grad, hvp, value=None):
        with np.errstate(all="ignore"):
            x, seen = x0.copy(), []
            for _ in range(iterations):
                g = np.asarray(grad(x))
                v = _direction(g, norm, **change)
                seen.append((x.copy(), g.copy(), v.copy()))
                if step == "fixed":
                    a = lr
                else:
                    q = np.asarray(hvp(x, v))
                    a = np.dot(g, g) / np.dot(v, q) if gd_alpha else -np.dot(g, v) / np.dot(v, q)  # GD's α on v
                x = x + a * v
            return x, seen
    return run


# --- coordinate descent -------------------------------------------------------------------------------------
def _cd_mutant(order, block, *, jacobi=False, smallest=False, diagonal_block=False, sign=1.0):
    def run(x0, *, sweeps, grad, hvp, value=None):
        x, seen = x0.copy(), []
        n = x.shape[0]
        H = np.stack([np.asarray(hvp(x, np.eye(n, dtype=x.dtype)[j])) for j in range(n)], axis=1)
        parts = [list(range(s, min(s + block, n))) for s in range(0, n, block)]
        for _ in range(sweeps):
            g = np.asarray(grad(x))
            for k in range(len(parts)):
                if order == "greedy":
                    sizes = [np.dot(g[p], g[p]) for p in parts]
                    k = int(np.argmin(sizes) if smallest else np.argmax(sizes))  # the smallest block gradient
                p = parts[k]
                if len(p) > 1 and not diagonal_block:
                    delta = -np.linalg.solve(H[np.ix_(p, p)], g[p])
                else:
                    delta = -sign * g[p] / H[p, p]  # diagonal_block: the block's coupling H_ij ignored
                seen.append((x.copy(), g.copy(), k, delta.copy()))
                x[p] += delta
                if not jacobi:  # Jacobi: the gradient is not refreshed within the sweep
                    g = g + H[:, p] @ delta
        return x, seen
    return run


MUTANTS = {
    "gradient_descent": {
        "gradient ascent (x + ηg)": (_gd_mutant("fixed", sign=-1.0), {"step": "fixed"}),
        "line search α = gᵀHg/gᵀg (inverted)": (_gd_mutant("line_search", rayleigh=True), {"step": "line_search"}),
        "line search with the Hessian of xᵀAx taken as A: 2α": (_gd_mutant("line_search", alpha_factor=2.0),
                                                               {"step": "line_search"}),
        "heavy ball β(x_(t-1) - x_t)": (_gd_mutant("heavy_ball", momentum_sign=-1.0), {"step": "heavy_ball"}),
        "heavy ball with the momentum term dropped": (_gd_mutant("heavy_ball", momentum_sign=0.0),
                                                      {"step": "heavy_ball"}),
    },
    "steepest_descent": {
        "ℓ∞ direction -g/‖g‖∞ instead of -sign(g)": (_sd_mutant("linf", "fixed", linf_scaled=True), {"norm": "linf"}),
        "ℓ1 picks the smallest |g_i|": (_sd_mutant("l1", "fixed", l1_smallest=True), {"norm": "l1"}),
        "ℓ2 divides by ‖g‖² (missing √)": (_sd_mutant("l2", "fixed", l2_squared=True), {"norm": "l2"}),
        "line search with GD's α = gᵀg/vᵀHv on v": (_sd_mutant("l2", "line_search", gd_alpha=True),
                                                     {"norm": "l2", "step": "line_search"}),
    },
    "coordinate_descent": {
        "Jacobi: g not refreshed within a sweep": (_cd_mutant("cyclic", 1, jacobi=True), {"order": "cyclic"}),
        "greedy picks the smallest |g_i|": (_cd_mutant("greedy", 1, smallest=True), {"order": "greedy"}),
        "pairs solved as two single coordinates": (_cd_mutant("cyclic", 2, diagonal_block=True), {"block": "pairs"}),
        "δ = +g_i/H_ii (wrong sign)": (_cd_mutant("cyclic", 1, sign=-1.0), {"order": "cyclic"}),
    },
}

# The rate check (check_gd_rate) runs the kernel at the step it passes: a kernel that scales that step by 9/8
# overshoots along λ_max, where |1 - 9/8·ηλ_max| > (κ-1)/(κ+1).
RATE_MUTANT = _gd_mutant("fixed", lr_factor=9 / 8)


# --- planted changes to the rules (derivations/optimizers/*): each must fail exactly the derivations listed ----------
def _rule_mutants():
    import dataclasses

    import sympy as sp

    from derivations.core.objective import dot
    from derivations.optimizers import coordinate_descent, gradient_descent, steepest_descent

    def halved_line_search(conv, x, oracle, state, first, hyper):
        if conv["step"] != "line_search":
            return gradient_descent._build(conv, x, oracle, state, first, hyper)
        g = oracle.g
        alpha = dot(g, g) / (2 * dot(g, oracle.H * g))  # the Hessian of ½xᵀAx taken as 2A
        return (("alpha", alpha), ("x", x - alpha * g), ("x_prev", x))

    def jacobi_preconditioned(conv, x, oracle, state, first, hyper):
        out = dict(gradient_descent._build(conv, x, oracle, state, first, hyper))
        if conv["step"] == "fixed":  # x - ηD⁻¹g: Jacobi scaling, not rotation invariant
            D = sp.diag(*[oracle.H[i, i] for i in range(oracle.H.shape[0])])
            out["x"] = x - hyper["lr"] * D.inv() * oracle.g
        return tuple(out.items())

    def linf_scaled(conv, x, oracle, state, first, hyper):
        out = dict(steepest_descent._build(conv, x, oracle, state, first, hyper))
        if conv["norm"] == "linf":  # -g/‖g‖∞ instead of -sign(g)
            g = oracle.g
            v = -g / sp.Max(*[sp.Abs(c) for c in g])
            a = hyper["lr"] if conv["step"] == "fixed" else -dot(g, v) / dot(v, oracle.H * v)
            out.update(v=v, alpha=a, x=x + a * v)
        return tuple(out.items())

    def gd_alpha_on_v(conv, x, oracle, state, first, hyper):
        out = dict(steepest_descent._build(conv, x, oracle, state, first, hyper))
        if conv["step"] == "line_search":  # GD's gᵀg/gᵀHg reused along v
            v, g = out["v"], oracle.g
            a = dot(g, g) / dot(v, oracle.H * v)
            out.update(alpha=a, x=x + a * v)
        return tuple(out.items())

    def l2_unnormalised(conv, x, oracle, state, first, hyper):
        out = dict(steepest_descent._build(conv, x, oracle, state, first, hyper))
        if conv["norm"] == "l2":  # -g, not -g/‖g‖₂: the step's length is ‖g‖ times what the rule says
            g, v = oracle.g, -oracle.g
            a = hyper["lr"] if conv["step"] == "fixed" else -dot(g, v) / dot(v, oracle.H * v)
            out.update(v=v, alpha=a, x=x + a * v)
        return tuple(out.items())

    def jacobi_sweep(conv, x, oracle, state, first, hyper):
        g, H, x = oracle.g, oracle.H, sp.Matrix(x)
        for i in range(x.shape[0]):  # every coordinate from the sweep's starting gradient
            x[i] -= g[i] / H[i, i]
        return (("x", x), ("g", g))

    gd, sd, cd = gradient_descent.RULE, steepest_descent.RULE, coordinate_descent.RULE
    return {
        "gd: line search α halved": (dataclasses.replace(gd, build=halved_line_search), {"gradient_descent.rates"}),
        "gd: fixed step preconditioned by diag(H)": (dataclasses.replace(gd, build=jacobi_preconditioned),
                                                     {"gradient_descent.rates", "gradient_descent.rotation_invariance"}),
        "sd: ℓ∞ direction -g/‖g‖∞": (dataclasses.replace(sd, build=linf_scaled), {"steepest_descent.directions"}),
        "sd: GD's α along v": (dataclasses.replace(sd, build=gd_alpha_on_v), {"steepest_descent.line_search"}),
        "sd: ℓ2 direction -g, not normalised": (dataclasses.replace(sd, build=l2_unnormalised),
                                               {"steepest_descent.directions", "steepest_descent.seed_ratio_witness"}),
        "cd: Jacobi sweep": (dataclasses.replace(cd, build=jacobi_sweep),
                             {"coordinate_descent.gauss_seidel", "coordinate_descent.bad_case",
                              "coordinate_descent.rotation_witness"}),
    }


RULE_MUTANTS = _rule_mutants()
