"""BFGS (inverse-Hessian update) and L-BFGS (the two-loop recursion) on a quadratic with exact line search.

Source: seed 004_11e585ad4da93776.txt ("BFGS": Newton's θ* = θ_0 - H⁻¹∇J; BFGS approximates H⁻¹ by M_t
and steps along ρ_t = M_t g_t; "O(n²) memory, L-BFGS lowers it").  The seed gives no update formula:
the one here is the standard inverse update (Nocedal & Wright, *Numerical Optimization*, 2nd ed., (6.17)
and Algorithm 7.4), with s_k = x_(k+1) - x_k, y_k = g_(k+1) - g_k, ρ_k = 1/y_kᵀs_k:

    H_(k+1) = (I - ρ_k s_k y_kᵀ) H_k (I - ρ_k y_k s_kᵀ) + ρ_k s_k s_kᵀ.

Proved here, each from the rules themselves: the secant equation H_(k+1)y_k = s_k; symmetry; positive
definiteness is kept iff y_kᵀs_k > 0; L-BFGS's two-loop direction with m pairs equals -H_m g where H_m is m
BFGS updates of γI; γ = sᵀy/yᵀy is the least-squares solution of the secant equation for γI; and on a
quadratic with exact line search, BFGS from H_0 = I makes the same iterates as linear CG.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.about import about
from derivations.core.objective import MatrixRule, Oracle
from derivations.core.proof import Derivation, Step
from derivations.core.rule import ConventionAxis, Hyperparameter
from derivations.optimizers.conjugate_gradient import cg_run, rational_instance
from derivations.optimizers.newton import cholesky_factor, symmetric, vector

SOURCE = "seed 004_11e585ad4da93776.txt (BFGS); update formula: Nocedal & Wright (6.17), Algorithm 7.4"


def dot(a, b):
    return (a.T * b)[0]


def _exact_step(x, g, H, d, line_search: str = "exact"):
    """The step along d: exact line search on the quadratic model with Hessian H, α = -gᵀd/dᵀHd, or (``any``) the
    implementation's own α > 0 (fixed, Armijo, Wolfe: a free symbol); then s = αd and y = Hs."""
    alpha = -dot(g, d) / dot(d, H * d) if line_search == "exact" else sp.Symbol("alpha", positive=True)
    s = alpha * d
    return (("alpha", alpha), ("x", x + s), ("s", s), ("y", H * s))


# --- BFGS -------------------------------------------------------------------------------------------
def _build_bfgs(conv: dict, x, oracle: Oracle, state: dict, first: bool, hyper: dict):
    """Update the inverse approximation M with the last pair (s, y) (none at the first step: M = M_0),
    step along d = -Mg with an exact line search."""
    M = state["M"]
    if not first:
        s, y = state["s"], state["y"]
        rho = 1 / dot(y, s)
        n = M.shape[0]
        left = sp.eye(n) - rho * s * y.T
        M = left * M * left.T + rho * s * s.T
    d = -M * oracle.g
    return (("M", M), ("d", d)) + _exact_step(x, oracle.g, oracle.H, d)


BFGS = MatrixRule(
    name="bfgs",
    title="BFGS: inverse-Hessian update M ← (I - ρsyᵀ)M(I - ρysᵀ) + ρssᵀ, d = -Mg, exact line search",
    shape="matrix",
    state=("M", "s", "y"),
    outputs=("M", "d", "x", "s", "y"),
    hyperparameters=(),
    axes=(ConventionAxis("line_search", ("exact",), "exact", (
        ("exact", "α = -gᵀd/dᵀAd on ½xᵀAx - bᵀx (the line search is part of the oracle)"),
    )),),
    build=_build_bfgs,
    source=SOURCE,
    illustration=lambda n: ({"M": symmetric("M_prev", n), "s": vector("s_prev", n), "y": vector("y_prev", n)}, None),
)


# --- L-BFGS -----------------------------------------------------------------------------------------
def two_loop(g, pairs, gamma):
    """r = H g by the two-loop recursion (Nocedal & Wright Algorithm 7.4), pairs oldest first."""
    q, alphas = g, []
    for s, y in reversed(pairs):
        a = dot(s, q) / dot(y, s)
        alphas.append(a)
        q = q - a * y
    r = gamma * q
    for (s, y), a in zip(pairs, reversed(alphas)):
        b = dot(y, r) / dot(y, s)
        r = r + (a - b) * s
    return r


def _build_lbfgs(conv: dict, x, oracle: Oracle, state: dict, first: bool, hyper: dict):
    """d = -H g from the last m pairs (oldest first) and H_0 = γI; then an exact line search."""
    m = hyper["memory"]
    pairs = [] if first else list(state["pairs"])[-int(m):]
    if pairs and conv["scaling"] == "ratio":
        s, y = pairs[-1]
        gamma = dot(s, y) / dot(y, y)
    else:
        gamma = sp.Integer(1)
    d = -two_loop(oracle.g, pairs, gamma)
    return (("gamma", gamma), ("d", d)) + _exact_step(x, oracle.g, oracle.H, d, conv["line_search"])


LBFGS = MatrixRule(
    name="lbfgs",
    title="L-BFGS: d = -H_m g by the two-loop recursion over the last m pairs, H_0 = γI, exact line search",
    shape="matrix",
    state=("pairs",),
    outputs=("gamma", "d", "x", "s", "y"),
    hyperparameters=(Hyperparameter("memory", 1, float("inf"), False, True, 10,
                                     "m ≥ 1: how many (s, y) pairs are kept (the newest)"),),
    axes=(
        ConventionAxis("scaling", ("ratio", "identity"), "ratio", (
            ("ratio", "γ = s_(k-1)ᵀy_(k-1) / y_(k-1)ᵀy_(k-1), the newest pair (Nocedal & Wright (7.20); torch, scipy)"),
            ("identity", "γ = 1: H_0 = I (plain BFGS's start)"),
        )),
        ConventionAxis("line_search", ("exact", "any"), "exact", (
            ("exact", "α = -gᵀd/dᵀAd on ½xᵀAx - bᵀx (the line search is part of the oracle)"),
            ("any", "the implementation's own α (fixed step, Armijo, strong Wolfe): only x_(k+1) - x_k ∥ d_k checked"),
        )),
    ),
    build=_build_lbfgs,
    source=SOURCE,
    # one stored pair (m = 1 shown: the two-loop over more pairs is the same loop, longer)
    illustration=lambda n: ({"pairs": [(vector("s_prev", n), vector("y_prev", n))]}, {"memory": 1}),
)
RULE = LBFGS  # the registry's RULE: see RULES below for both


def bfgs_update(rule: MatrixRule, M, s, y):
    """The rule's own M after one update with the pair (s, y) (the other outputs are not read)."""
    n = M.shape[0]
    return rule.update(vector("x", n), Oracle(vector("g", n), symmetric("A", n)), {"M": M, "s": s, "y": y},
                       first=False)["M"]


def _secant_steps(rule: MatrixRule, n: int):
    M, s, y = symmetric("M", n), vector("s", n), vector("y", n)
    new = bfgs_update(rule, M, s, y)
    return (
        Step(f"n={n}, the rule: secant equation M_(k+1)y_k = s_k", new * y, s,
             "(I - ρysᵀ)y = y - ρ(sᵀy)y = 0, and ρssᵀy = s"),
        Step(f"n={n}, the rule: M_(k+1) is symmetric", new, new.T, "(I - ρsyᵀ)M(I - ρsyᵀ)ᵀ + ρssᵀ with M = Mᵀ"),
    )


def _positive_definite_steps(rule: MatrixRule, n: int):
    """M_(k+1) ≻ 0 iff y_kᵀs_k > 0, for M_k = LLᵀ ≻ 0."""
    L, s, y, z = cholesky_factor(n), vector("s", n), vector("y", n), vector("z", n)
    s[0] = sp.Symbol("s_0", real=True, nonzero=True)  # y_0 is solved for below
    M = L * L.T
    c = sp.Symbol("c", positive=True)  # c = yᵀs > 0, by solving for y_0 (s_0 ≠ 0)
    y_c = y.subs(y[0], (c - sum(y[i] * s[i] for i in range(1, n))) / s[0])
    new = bfgs_update(rule, M, s, y_c)
    w = z - (dot(s, z) / c) * y_c
    certificate = sum(((L.T * w)[i] ** 2 for i in range(n)), sp.Integer(0)) + dot(s, z) ** 2 / c
    general = bfgs_update(rule, symmetric("M", n), s, y)
    return (
        Step(f"n={n}, the rule: zᵀM_(k+1)z ≥ 0 when yᵀs = c > 0", sp.Integer(0), dot(z, new * z),
             "zᵀM_(k+1)z = ‖Lᵀw‖² + (sᵀz)²/c with w = z - (sᵀz/c)y; = 0 forces sᵀz = 0, then w = z = 0",
             relation="<=", certificate=certificate),
        Step(f"n={n}, the rule: yᵀM_(k+1)y = yᵀs", dot(y, general * y), dot(y, s),
             "the secant equation: so yᵀs ≤ 0 makes M_(k+1) not positive definite (only if)"),
    )


def positive_definite(rule: MatrixRule = BFGS) -> Derivation:
    return Derivation(
        name="bfgs.secant",
        claim=("the BFGS inverse update satisfies the secant equation M_(k+1)y_k = s_k, keeps M symmetric, and "
               "keeps M positive definite iff y_kᵀs_k > 0"),
        steps=sum((_secant_steps(rule, n) for n in (2, 3)), ()) + sum((_positive_definite_steps(rule, n)
                                                                       for n in (2, 3)), ()),
        assumptions=("M_k symmetric", "M_k = LLᵀ ≻ 0 for the positive-definite claim", "y_kᵀs_k ≠ 0", "s_0 ≠ 0"),
        source=SOURCE,
        scope="symbolic M_k, s_k, y_k, z in dimensions n = 2 and 3",
        **about(rule),
    )


def _two_loop_steps(lbfgs: MatrixRule, bfgs: MatrixRule, n: int, m: int, scaling: str):
    g = vector("g", n)
    pairs = [(vector(f"s{i}", n), vector(f"y{i}", n)) for i in range(m)]
    out = lbfgs.update(vector("x", n), Oracle(g, symmetric("A", n)), {"pairs": pairs}, first=False,
                       hyper={"memory": m}, scaling=scaling)
    M = out["gamma"] * sp.eye(n)
    for s, y in pairs:
        M = bfgs_update(bfgs, M, s, y)
    return Step(f"n={n}, m={m}, γ {scaling}: the two-loop d = -H_m g", out["d"], -M * g,
                "each loop applies one factor (I - ρysᵀ) on the way in and its transpose plus ρssᵀ on the way out")


def _gamma_step(lbfgs: MatrixRule, n: int):
    s, y, gam = vector("s", n), vector("y", n), sp.Symbol("gamma", real=True)
    got = lbfgs.update(vector("x", n), Oracle(vector("g", n), symmetric("A", n)), {"pairs": [(s, y)]},
                       first=False, hyper={"memory": 1})["gamma"]
    residual = gam * y - s
    return Step(f"n={n}, the rule: γ minimises ‖γy - s‖²", gam, got,
                "d/dγ ‖γy - s‖² = 2yᵀ(γy - s) = 0: the secant equation for γI in least squares",
                relation="solves", equation=sp.diff(dot(residual, residual), gam))


def two_loop_equals_bfgs(lbfgs: MatrixRule = LBFGS, bfgs: MatrixRule = BFGS) -> Derivation:
    cases = ((2, 1, "ratio"), (2, 2, "ratio"), (2, 2, "identity"), (3, 1, "ratio"))
    return Derivation(
        name="lbfgs.two_loop",
        claim=("with m pairs the L-BFGS two-loop direction equals -H_m g, where H_m is m BFGS inverse updates of "
               "γI (oldest pair first); γ = sᵀy/yᵀy is the least-squares γ with γy ≈ s"),
        steps=tuple(_two_loop_steps(lbfgs, bfgs, n, m, sc) for n, m, sc in cases) + (_gamma_step(lbfgs, 2),
                                                                                  _gamma_step(lbfgs, 3)),
        assumptions=("y_iᵀs_i ≠ 0", "yᵀy ≠ 0"),
        source=SOURCE,
        scope="symbolic g, s_i, y_i: (n, m) = (2, 1), (2, 2) under both scalings, (3, 1); γ for n = 2, 3",
        **about(lbfgs, scaling=("ratio", "identity")),
    )


def _run(rule: MatrixRule, A, b, x0, state: dict, hyper=None):
    """The rule run n steps on ½xᵀAx - bᵀx, exactly; returns the iterates."""
    x, xs = x0, []
    for t in range(A.shape[0]):
        g = A * x - b
        if g == sp.zeros(*g.shape):
            break
        out = rule.update(x, Oracle(g, A), state, first=(t == 0), hyper=hyper)
        x = out["x"]
        xs.append(x)
        if "M" in out:
            state = {"M": out["M"], "s": out["s"], "y": out["y"]}
        else:
            state = {"pairs": list(state.get("pairs", [])) + [(out["s"], out["y"])]}
    return xs


def quadratic_termination(bfgs: MatrixRule = BFGS, lbfgs: MatrixRule = LBFGS) -> Derivation:
    steps = []
    for n, seed in ((2, 0), (3, 0), (3, 2), (4, 1)):
        A, b, x0 = rational_instance(n, seed)
        cg = [r["x"] for r in cg_run(A, b, x0)]
        full = _run(bfgs, A, b, x0, {"M": sp.eye(n)})
        limited = _run(lbfgs, A, b, x0, {}, hyper={"memory": n})
        tag = f"n={n} instance {seed}"
        k = min(len(cg), len(full))
        steps += [
            Step(f"{tag}: BFGS (M_0 = I) iterates = linear CG iterates", sp.Matrix.hstack(*full[:k]),
                 sp.Matrix.hstack(*cg[:k]), "with exact line search both search the same Krylov space, conjugately"),
            Step(f"{tag}: BFGS reaches A⁻¹b in ≤ n steps", full[-1], A.inv() * b, "quadratic termination"),
            Step(f"{tag}: L-BFGS (m = n, γ ratio) reaches A⁻¹b in ≤ n steps", limited[-1], A.inv() * b,
                 "conjugate directions with exact line search; γI only rescales the start"),
        ]
    return Derivation(
        name="bfgs.quadratic_termination",
        claim=("on ½xᵀAx - bᵀx with exact line search, BFGS from M_0 = I makes the iterates of linear CG and "
               "reaches A⁻¹b in at most n steps; so does L-BFGS with m ≥ n pairs"),
        steps=tuple(steps),
        assumptions=("A symmetric positive definite", "exact line search"),
        source=SOURCE,
        scope="exact rational instances n = 2, 3, 4 (not a proof for every A)",
        **about(bfgs),
    )


RULES = (BFGS, LBFGS)
# Built on first use: see registry.py.
BUILDERS = {"bfgs.secant": positive_definite, "lbfgs.two_loop": two_loop_equals_bfgs,
            "bfgs.quadratic_termination": quadratic_termination}
# rule name -> the builders about it (derivations_about(rule) builds each with the given rule in its place)
ABOUT = {"bfgs": {"bfgs.secant": positive_definite, "bfgs.quadratic_termination": quadratic_termination},
         "lbfgs": {"lbfgs.two_loop": two_loop_equals_bfgs}}
