"""LARS, layer-wise adaptive rate scaling: one trust ratio per tensor, and derivations about it.

Source: seed 002_affcfe6d2abfd93d.txt ("LARS": split the parameters into groups w^1..w^L and update each
by w_{t+1} = w_t - η ∇L(w_t)·‖w_t‖/‖∇L(w_t)‖, with the "effect" ‖Δw_t‖/‖w_t‖ = η, and Table 2's per-layer
‖w‖, ‖∇L(w)‖ of AlexNet-BN).  The seed omits what the paper it cites adds — You, Gitman and Ginsburg,
*Large Batch Training of Convolutional Networks*, arXiv 1708.03888 (2017), Algorithm 1: the trust
coefficient η_tc (the seed's "constant η" is η_tc with lr = 1), weight decay β inside the ratio,
momentum m and the global learning rate γ inside the buffer:

    λ_l = η_tc·‖w_l‖ / (‖∇L(w_l)‖ + β‖w_l‖),   v ← m·v + γ·λ_l·(∇L(w_l) + βw_l),   w ← w - v,

and what optax (``optax.lars``, read from its source: ``chain(add_decayed_weights, scale_by_trust_ratio,
scale_by_learning_rate, trace)``) adds: ε in the denominator and ratio 1 when a norm is 0.  The rule
is per tensor, on w flattened; a list of tensors is updated by applying it to each separately.

Names: the hyperparameters are optax's (``lr``, ``trust_coefficient``, ``weight_decay`` λ, ``eps``,
``momentum`` μ) and the step is written u = g + λw, r = trust ratio, s = lr·r·u (lr inside the buffer).

Convention axes:

* ``trust_denominator``: ``update_norm`` (optax: r = tc·‖w‖/(‖g + λw‖ + ε), the norm of what it scales)
  or ``paper`` (Algorithm 1: r = tc·‖w‖/(‖g‖ + λ‖w‖ + ε)).  The default is optax's, the one a user of a
  framework meets (torch has no LARS; optax is the reference implementation we can run); the two agree
  when λ = 0 and differ by the triangle inequality ‖g + λw‖ ≤ ‖g‖ + λ‖w‖ otherwise (``lars.decay_bound``).
* ``zero_norm``: ``ratio_one`` only, an explicit convention like CG's first step: r = 1 where ‖w‖ = 0 or
  the denominator's norm (‖g + λw‖, or ‖g‖ + λ‖w‖) is 0.  The seed's formula gives 0 at w = 0 (a layer
  initialised at zero would never move) and 0/0 at g = 0; optax takes r = 1 in both (``lars.zero_norm``).
* ``lr_position``: ``inside_buffer`` (optax chains scale_by_learning_rate before trace; Algorithm 1's
  v ← m·v + γλ(g + βw)): buf ← μ·buf + lr·r·u, w ← w - buf; or ``outside_buffer``: buf ← μ·buf + r·u,
  w ← w - lr·buf.  The buffer keeps the sign of the gradient (optax's trace holds -buf).
* ``nesterov``: False, or True as optax's trace(nesterov=True): w ← w - (μ·buf_new + s).
"""
from __future__ import annotations

from dataclasses import replace

import sympy as sp

from derivations.core.about import about
from derivations.core.blocks import apply_step, buffer_scale, lr_position_axis
from derivations.core.proof import Derivation, Step
from derivations.core.reduction import ReductionRule, dot, norm
from derivations.core.rule import ConventionAxis, Hyperparameter

SOURCE = ("seed 002_affcfe6d2abfd93d.txt (LARS); You, Gitman, Ginsburg, Large Batch Training of Convolutional "
          "Networks, arXiv 1708.03888 (2017), Algorithm 1; optax.lars")
DIMENSIONS = (2, 3)
DENOMINATORS = ("update_norm", "paper")
POSITIONS = ("inside_buffer", "outside_buffer")


def trust_ratio(conv: dict, w, g, u, tc, wd, eps):
    """tc·‖w‖/(denominator + ε), and 1 where ‖w‖ = 0 or the denominator's norm is 0 (``zero_norm``)."""
    w_norm = norm(w)
    denominator = norm(u) if conv["trust_denominator"] == "update_norm" else norm(g) + wd * w_norm
    return sp.Piecewise((1, sp.Or(sp.Eq(w_norm, 0), sp.Eq(denominator, 0))),
                        (tc * w_norm / (denominator + eps), True))


def _build(conv: dict, arrays: dict, hyper: dict, ratio_of=trust_ratio):
    """One step on one tensor; ``ratio_of`` is the trust ratio (a planted copy of the rule swaps it)."""
    w, g, buf = arrays["w"], arrays["g"], arrays["buf"]
    lr, tc, wd, eps, mu = (hyper[k] for k in ("lr", "trust_coefficient", "weight_decay", "eps", "momentum"))
    u = g + wd * w  # optax's add_decayed_weights; Algorithm 1's ∇L(w) + βw
    ratio = ratio_of(conv, w, g, u, tc, wd, eps)
    step = buffer_scale(conv, lr) * ratio * u
    new_buf = mu * buf + step
    direction = mu * new_buf + step if conv["nesterov"] else new_buf  # read after the buffer update
    return (("u", u), ("ratio", ratio), ("step", step), ("buf", new_buf), ("w", apply_step(conv, w, direction, lr)))


RULE = ReductionRule(
    name="lars",
    title="LARS: per-tensor trust ratio tc·‖w‖/(‖g + λw‖ + ε), momentum buffer",
    shape="reduction",
    inputs=("w", "g"),
    state=("buf",),
    outputs=("w", "buf"),
    hyperparameters=(
        Hyperparameter("lr", 0.0, float("inf"), True, True, 0.1, "global learning rate γ (seed 002's η)"),
        Hyperparameter("trust_coefficient", 0.0, float("inf"), True, True, 0.001,
                       "η_tc, how far one step may move w relative to ‖w‖ (You et al.: 0.001)"),
        Hyperparameter("weight_decay", 0.0, float("inf"), False, True, 0.0, "λ (the paper's β), inside u = g + λw"),
        Hyperparameter("eps", 0.0, float("inf"), False, True, 0.0, "ε added to the ratio's denominator (optax: 0)"),
        Hyperparameter("momentum", 0.0, 1.0, False, True, 0.9, "μ, decay of the momentum buffer"),
    ),
    axes=(
        ConventionAxis("trust_denominator", DENOMINATORS, "update_norm", (
            ("update_norm", "r = tc·‖w‖/(‖g + λw‖ + ε): the norm of the update it scales (optax)"),
            ("paper", "r = tc·‖w‖/(‖g‖ + λ‖w‖ + ε) (You et al. 2017, Algorithm 1)"),
        )),
        ConventionAxis("zero_norm", ("ratio_one",), "ratio_one", (
            ("ratio_one", "r = 1 where ‖w‖ = 0 or the denominator's norm is 0; the seed's formula gives 0 at w = 0 "
                          "and 0/0 at g = 0 (optax's choice)"),
        )),
        replace(lr_position_axis("buf ← μ·buf + r·u, w ← w - lr·buf",
                                 "buf ← μ·buf + lr·r·u, w ← w - buf (optax, Algorithm 1)"), default="inside_buffer"),
        ConventionAxis("nesterov", (False, True), False, (
            (False, "heavy ball: w moves along the new buffer"),
            (True, "Nesterov (optax's trace): w moves along μ·buf_new + the new increment"),
        )),
    ),
    build=_build,
    source=SOURCE,
)


# --- derivations: each built from a rule's own update (RULE, or a changed copy that must then fail) -------
lr, tc = sp.symbols("eta eta_tc", positive=True)
wd = sp.Symbol("lambda", positive=True)
eps = sp.Symbol("epsilon", positive=True)
mu = sp.Symbol("mu", nonnegative=True)
c = sp.Symbol("c", positive=True)


def vector(name: str, n: int) -> sp.Matrix:
    """Real components, each nonzero: then SymPy knows ‖v‖ > 0 (see the derivations' scope)."""
    return sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"{name}_{i}", real=True, nonzero=True))


def sq(v) -> sp.Expr:
    return sum((x**2 for x in v), sp.Integer(0))


def generic_case(value):
    """``value`` where every quantity the rule tests for 0 is nonzero: each undecided ``Eq(x, 0)`` is false.

    The zero-norm guard is a Piecewise on ‖w‖ = 0 or the denominator's norm = 0; with nonzero components SymPy
    decides ‖w‖ ≠ 0 and ‖g‖ ≠ 0 itself, but not ‖g + λw‖ ≠ 0, which a derivation then assumes (and says so)."""
    return value.replace(lambda e: isinstance(e, sp.Eq) and e.rhs == 0, lambda e: sp.false)


def _update(rule: ReductionRule, n: int, *, w=None, g=None, buf=None, wd_=0, eps_=0, mu_=0, generic=True,
            **conventions):
    """The rule's step from (w, g, buf) with η, η_tc symbolic: every assigned value, and Δw."""
    w = vector("w", n) if w is None else w
    g = vector("g", n) if g is None else g
    buf = sp.zeros(n, 1) if buf is None else buf
    hyper = dict(lr=lr, trust_coefficient=tc, weight_decay=wd_, eps=eps_, momentum=mu_)
    out = rule.update(dict(w=w, g=g, buf=buf), hyper, **conventions)
    if generic:
        out = {k: generic_case(sp.sympify(v)) for k, v in out.items()}
    return out, out["w"] - w


def relative_step(rule: ReductionRule = RULE) -> Derivation:
    steps = []
    for n in DIMENSIONS:
        w = vector("w", n)
        for den in DENOMINATORS:
            for pos in POSITIONS:
                _, dw = _update(rule, n, trust_denominator=den, lr_position=pos)
                steps.append(Step(f"n={n}, {den}, lr {pos}: ‖Δw‖² = (η·η_tc)²‖w‖²", sq(dw), (lr * tc) ** 2 * sq(w),
                                  "Δw = -η·η_tc·‖w‖·g/‖g‖ (μ = λ = ε = 0, buf = 0), so ‖Δw‖ = η·η_tc·‖w‖"))
        _, dw = _update(rule, n, wd_=wd, nesterov=True)
        steps.append(Step(f"n={n}, update_norm, λ > 0, Nesterov: ‖Δw‖² = (η·η_tc)²‖w‖²", sq(dw), (lr * tc) ** 2 * sq(w),
                          "with ε = 0 the ratio divides by ‖g + λw‖, the norm of what it scales, whatever λ"))
        _, dw = _update(rule, n)
        steps.append(Step(f"n={n}: ‖Δw‖/‖w‖ = η·η_tc (the seed's constant η is η_tc at lr 1)", norm(dw) / norm(w),
                          lr * tc, "both norms > 0: the square root of the identity above", rewrite=sp.simplify))
    return Derivation(
        name="lars.relative_step",
        claim=("at the first step (buf = 0) without momentum, decay or ε, LARS moves each tensor by a fixed fraction "
               "of its norm: ‖Δw‖/‖w‖ = η·η_tc, whatever the gradient (seed 002: 'a constant η'); under the "
               "update_norm denominator this holds for any λ when ε = 0"),
        steps=tuple(steps),
        assumptions=("‖w‖ > 0 and ‖g‖ > 0 (components nonzero)", "‖g + λw‖ > 0 where λ > 0", "η, η_tc > 0",
                     "buf = 0, μ = 0, ε = 0",
                     "λ = 0 unless the step says λ > 0"),
        source="seed 002_affcfe6d2abfd93d.txt (LARS, 'Effect'); " + SOURCE.split("; ", 1)[1],
        scope=("symbolic vectors of dimension n = 2 and 3 with nonzero components (SymPy then knows the norms are "
               "positive; both sides are continuous where ‖w‖, ‖g‖ > 0, a set in which those vectors are dense)"),
        **about(rule, trust_denominator=DENOMINATORS, lr_position=POSITIONS, nesterov=(False, True)),
    )


def decay_bound(rule: ReductionRule = RULE) -> Derivation:
    steps = []
    for n in DIMENSIONS:
        w, g = vector("w", n), vector("g", n)
        W, G = norm(w), norm(g)
        _, dw = _update(rule, n, wd_=wd, eps_=eps, trust_denominator="update_norm")
        U = norm(g + wd * w)
        steps.append(Step(
            f"n={n}, update_norm: ‖Δw‖² ≤ (η·η_tc)²‖w‖²", sq(dw), (lr * tc) ** 2 * sq(w),
            "‖Δw‖ = η·η_tc·‖w‖·‖u‖/(‖u‖ + ε) with u = g + λw, and ‖u‖/(‖u‖ + ε) ≤ 1 for ε ≥ 0", relation="<=",
            certificate=(lr * tc) ** 2 * sq(w) * (2 * eps * U + eps**2) / (U + eps) ** 2))
        _, dw = _update(rule, n, wd_=wd, eps_=eps, trust_denominator="paper")
        # ‖g‖·‖w‖ - gᵀw = ‖ ‖w‖g - ‖g‖w ‖² / (2‖g‖‖w‖): Cauchy-Schwarz with its square as the certificate
        cs = sq(W * g - G * w) / (2 * G * W)
        D = G + wd * W + eps
        steps.append(Step(f"n={n}: Cauchy-Schwarz gᵀw ≤ ‖g‖‖w‖", dot(g, w), G * W,
                          "‖g‖‖w‖ - gᵀw = ‖ ‖w‖g - ‖g‖w ‖²/(2‖g‖‖w‖) ≥ 0", relation="<=", certificate=cs))
        steps.append(Step(f"n={n}: triangle inequality ‖g + λw‖² ≤ (‖g‖ + λ‖w‖)²", sq(g + wd * w), (G + wd * W) ** 2,
                          "expand both: the gap is 2λ(‖g‖‖w‖ - gᵀw) ≥ 0 by Cauchy-Schwarz", relation="<=",
                          certificate=2 * wd * cs))
        steps.append(Step(
            f"n={n}, paper: ‖Δw‖² ≤ (η·η_tc)²‖w‖²", sq(dw), (lr * tc) ** 2 * sq(w),
            "‖Δw‖ = η·η_tc·‖w‖·‖g + λw‖/(‖g‖ + λ‖w‖ + ε) and the triangle inequality", relation="<=",
            certificate=(lr * tc) ** 2 * sq(w) * (2 * wd * cs + 2 * eps * (G + wd * W) + eps**2) / D**2))
    return Derivation(
        name="lars.decay_bound",
        claim=("with weight decay λ > 0 and ε > 0 the first step moves a tensor by at most η·η_tc of its norm, "
               "under either denominator: ‖Δw‖ = η·η_tc·‖w‖·‖u‖/(‖u‖ + ε) (update_norm), "
               "η·η_tc·‖w‖·‖g + λw‖/(‖g‖ + λ‖w‖ + ε) ≤ η·η_tc·‖w‖ (paper: the triangle inequality)"),
        steps=tuple(steps),
        assumptions=("‖w‖ > 0 and ‖g‖ > 0 (components nonzero)", "‖g + λw‖ > 0 (the guard's generic case)",
                     "η, η_tc, λ, ε > 0", "buf = 0, μ = 0"),
        source=SOURCE,
        scope=("symbolic vectors of dimension n = 2 and 3 with nonzero components (so SymPy can prove each "
               "certificate ≥ 0; both sides are continuous where ‖w‖, ‖g‖ > 0), compared squared"),
        **about(rule, trust_denominator=DENOMINATORS),
    )


def scale_invariance(rule: ReductionRule = RULE) -> Derivation:
    steps = []
    for n in DIMENSIONS:
        g = vector("g", n)
        for den in DENOMINATORS:
            for nesterov in (False, True):
                buf = vector("b", n)
                conv = dict(trust_denominator=den, nesterov=nesterov)
                one, _ = _update(rule, n, buf=buf, mu_=mu, **conv)
                scaled, _ = _update(rule, n, g=c * g, buf=buf, mu_=mu, **conv)
                steps.append(Step(f"n={n}, {den}, nesterov={nesterov}: the step for c·g is the step for g",
                                  scaled["w"], one["w"], "‖c·g‖ = c‖g‖ for c > 0: r(c·g)·c·g = r(g)·g"))
    return Derivation(
        name="lars.scale_invariance",
        claim=("without decay or ε the update does not depend on the gradient's scale: g and c·g (c > 0) give the "
               "same step, from any buffer; only the gradient's direction and ‖w‖ matter"),
        steps=tuple(steps),
        assumptions=("c > 0", "λ = 0, ε = 0", "‖w‖ > 0 and ‖g‖ > 0 (components nonzero)"),
        source=SOURCE,
        scope="symbolic vectors (w, g, buf) of dimension n = 2 and 3 with nonzero components, symbolic μ",
        **about(rule, trust_denominator=DENOMINATORS, nesterov=(False, True)),
    )


def zero_norm(rule: ReductionRule = RULE) -> Derivation:
    steps = []
    for n in DIMENSIONS:
        g, zero = vector("g", n), sp.zeros(n, 1)
        for den in DENOMINATORS:
            out, dw = _update(rule, n, w=zero, wd_=wd, eps_=eps, generic=False, trust_denominator=den)
            steps.append(Step(f"n={n}, {den}: at w = 0 the ratio is 1", out["ratio"], 1,
                              "‖w‖ = 0: the zero_norm convention (ratio_one)"))
            steps.append(Step(f"n={n}, {den}: at w = 0 the step is plain SGD, Δw = -η·g", dw, -lr * g,
                              "r = 1 and u = g + λ·0 = g"))
            out, dw = _update(rule, n, g=zero, generic=False, trust_denominator=den)
            steps.append(Step(f"n={n}, {den}: at g = 0 (λ = ε = 0) the ratio is 1 and nothing moves",
                              sp.Matrix([out["ratio"]]).col_join(dw), sp.Matrix([1]).col_join(zero),
                              "the denominator's norm is 0: r = 1, and u = 0"))
    w, g = vector("w", 2), vector("g", 2)
    def seed(w_, g_):  # seed 002's step η·∇L·‖w‖/‖∇L‖, read literally (per component, as IEEE would)
        return sp.Matrix([lr * x * norm(w_) / norm(g_) for x in g_])

    steps.append(Step("the seed's formula at w = 0 does not move w", seed(sp.zeros(2, 1), g), sp.zeros(2, 1),
                      "η·g·‖0‖/‖g‖ = 0: a layer initialised at zero would stay there"))
    steps.append(Step("the seed's formula at g = 0 is 0/0", sp.Integer(int(seed(w, sp.zeros(2, 1)).has(sp.nan))), 1,
                      "η·0·‖w‖/‖0‖ = 0·∞: undefined, hence the explicit convention"))
    return Derivation(
        name="lars.zero_norm",
        claim=("where ‖w‖ = 0 or the denominator's norm is 0 the rule takes ratio 1 (optax's convention): a tensor at "
               "w = 0 takes a plain SGD step -η·g, and g = 0 (λ = ε = 0) moves nothing; the seed's formula instead "
               "leaves w = 0 where it is and is 0/0 at g = 0"),
        steps=tuple(steps),
        assumptions=("η, η_tc, λ, ε > 0 where they appear", "buf = 0, μ = 0"),
        source=SOURCE,
        scope="symbolic g (or w) of dimension n = 2 and 3 with nonzero components; the zero vector exactly",
        **about(rule, trust_denominator=DENOMINATORS, zero_norm="ratio_one"),
    )


# Built on first use (simplifying square roots of symbolic sums takes a moment): see registry.py.
BUILDERS = {"lars.relative_step": relative_step, "lars.decay_bound": decay_bound,
            "lars.scale_invariance": scale_invariance, "lars.zero_norm": zero_norm}
