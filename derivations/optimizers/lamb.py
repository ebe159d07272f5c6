"""LAMB, layer-wise adaptive moments: Adam's direction rescaled per tensor by a trust ratio, and derivations.

Source: You, Li, Reddi, Hseu, Kumar, Bhojanapalli, Song, Demmel, Keutzer, Hsieh, *Large Batch Optimization for
Deep Learning: Training BERT in 76 minutes*, arXiv 1904.00962 (2020), Algorithm 2 — LARS's layer-wise trust ratio
(seed 002_affcfe6d2abfd93d.txt, "LARS": ‖Δw‖/‖w‖ a constant per layer) put on the Adam direction (seed
002_affcfe6d2abfd93d.txt, "Adam", "Adam: Bias Correction"):

    m ← β₁m + (1-β₁)g,   v ← β₂v + (1-β₂)g²,   m̂ = m/(1-β₁ᵗ),   v̂ = v/(1-β₂ᵗ)
    u = m̂/(√v̂ + ε) + λw,   r = φ(‖w‖)/‖u‖,   w ← w - η·r·u

with r = 1 where ‖w‖ = 0 or ‖u‖ = 0.  The rule is per tensor (a list of tensors: each separately).

Convention axes, found by running the two implementations we can (tests/verify/test_lamb_check.py):

* ``bias_correction``: ``moments`` (optax.lamb, Algorithm 2: m̂, v̂ as above), ``none`` (m, v used as they are)
  or ``step_size`` (m, v uncorrected and the step η/(1-β₁ᵗ)·r·u).  pytorch_optimizer 4.1's Lamb says "version 3
  of the paper without bias correction" but is ``step_size``: its ``apply_adam_debias`` divides the step size by
  1-β₁ᵗ *after* the trust ratio, so its first step moves a tensor by 10·η·‖w‖ at β₁ = 0.9 (found by the check).
  With ε = 0 and λ = 0, ``moments`` and ``none`` give the *same* step (``lamb.bias_correction_cancels``): the
  correction multiplies a tensor's direction by one positive number, which the trust ratio divides out.
* ``ratio_eps``: ``none`` (optax: r = φ(‖w‖)/‖u‖) or ``eps`` (pytorch_optimizer: r = φ(‖w‖)/(‖u‖ + ε), the
  same ε as Adam's).
* ``weight_norm_clip``: ``none`` (optax: φ(x) = x) or ``clamp_10`` (pytorch_optimizer: φ(x) = min(x, 10),
  its class attribute ``clamp``; the paper's φ is any function with bounds, γ_l ≤ φ(x) ≤ γ_u).
* ``decay``: ``in_ratio`` (optax, Algorithm 2, pytorch_optimizer with weight_decouple=False: λw is added to the
  direction before the ratio, so the ratio sees it) or ``decoupled`` (pytorch_optimizer's default: w ← (1-ηλ)w
  first, AdamW-style; the ratio reads that w and u = the Adam direction alone).

The step count t is a hyperparameter (``step``, the count *after* this step: 1 for the first); the moments are
the state.  ε sits outside √v̂ in both implementations (optax's ``eps_root`` is a second constant under the
root, 0 by default in optax.lamb, and is not an axis here).
"""
from __future__ import annotations

import sympy as sp

from derivations.core.about import about
from derivations.core.proof import Derivation, Step
from derivations.core.reduction import ReductionRule, norm
from derivations.core.rule import ConventionAxis, Hyperparameter
from derivations.optimizers.lars import generic_case, sq, vector

SOURCE = ("You et al., Large Batch Optimization for Deep Learning, arXiv 1904.00962 (2020), Algorithm 2; "
          "seed 002_affcfe6d2abfd93d.txt (LARS, Adam); optax.lamb; pytorch_optimizer.Lamb")
DIMENSIONS = (2, 3)
CORRECTIONS = ("moments", "none", "step_size")
CLIP = 10  # pytorch_optimizer's Lamb.clamp


def _elementwise(f, *vectors) -> sp.Matrix:
    return sp.Matrix(len(vectors[0]), 1, lambda i, _: f(*(v[i] for v in vectors)))


def trust_ratio(conv: dict, w_norm, u_norm, eps):
    """φ(‖w‖)/(‖u‖ [+ ε]), and 1 where φ(‖w‖) = 0 or ‖u‖ = 0."""
    top = sp.Min(w_norm, CLIP) if conv["weight_norm_clip"] == "clamp_10" else w_norm
    bottom = u_norm + eps if conv["ratio_eps"] == "eps" else u_norm
    return sp.Piecewise((1, sp.Or(sp.Eq(top, 0), sp.Eq(u_norm, 0))), (top / bottom, True))


def _build(conv: dict, arrays: dict, hyper: dict, ratio_of=trust_ratio, square=lambda x: x**2, decays=True):
    """One step on one tensor.  A planted copy of the rule swaps a piece: ``ratio_of`` (the trust ratio),
    ``square`` (what v averages), ``decays`` (False: λ is taken and ignored, as some collections do)."""
    w, g, m, v = arrays["w"], arrays["g"], arrays["m"], arrays["v"]
    lr, b1, b2, eps, wd, t = (hyper[k] for k in ("lr", "b1", "b2", "eps", "weight_decay", "step"))
    wd = wd if decays else 0
    m_new = b1 * m + (1 - b1) * g
    v_new = b2 * v + (1 - b2) * _elementwise(square, g)
    if conv["bias_correction"] == "moments":
        m_hat, v_hat = m_new / (1 - b1**t), v_new / (1 - b2**t)
    else:
        m_hat, v_hat = m_new, v_new
    direction = _elementwise(lambda a, b: a / (sp.sqrt(b) + eps), m_hat, v_hat)
    if conv["decay"] == "in_ratio":
        w_from, u = w, direction + wd * w
    else:  # decoupled: w shrinks first, the ratio reads the shrunk w and the Adam direction alone
        w_from, u = (1 - lr * wd) * w, direction
    ratio = ratio_of(conv, norm(w_from), norm(u), eps)
    rate = lr / (1 - b1**t) if conv["bias_correction"] == "step_size" else lr
    return (("m", m_new), ("v", v_new), ("direction", direction), ("u", u), ("ratio", ratio),
            ("w", w_from - rate * ratio * u))


RULE = ReductionRule(
    name="lamb",
    title="LAMB: Adam's direction (+ λw) scaled per tensor by the trust ratio ‖w‖/‖u‖",
    shape="reduction",
    inputs=("w", "g"),
    state=("m", "v"),
    outputs=("w", "m", "v"),
    hyperparameters=(
        Hyperparameter("lr", 0.0, float("inf"), True, True, 0.001, "η, the global learning rate"),
        Hyperparameter("b1", 0.0, 1.0, False, True, 0.9, "β₁, decay of the first moment"),
        Hyperparameter("b2", 0.0, 1.0, False, True, 0.999, "β₂, decay of the second moment"),
        Hyperparameter("eps", 0.0, float("inf"), False, True, 1e-6, "ε, outside √v̂ (both peers' default 1e-6)"),
        Hyperparameter("weight_decay", 0.0, float("inf"), False, True, 0.0, "λ"),
        Hyperparameter("step", 1.0, float("inf"), False, True, 1.0, "t, this step's count (1 for the first)"),
    ),
    axes=(
        ConventionAxis("bias_correction", CORRECTIONS, "moments", (
            ("moments", "m̂ = m/(1-β₁ᵗ), v̂ = v/(1-β₂ᵗ) (optax, Algorithm 2)"),
            ("none", "m and v uncorrected"),
            ("step_size", "m and v uncorrected, the step η/(1-β₁ᵗ)·r·u: the correction outside the ratio "
                          "(pytorch_optimizer 4.1's Lamb, whatever its docstring says)"),
        )),
        ConventionAxis("ratio_eps", ("none", "eps"), "none", (
            ("none", "r = φ(‖w‖)/‖u‖ (optax)"),
            ("eps", "r = φ(‖w‖)/(‖u‖ + ε), Adam's ε again (pytorch_optimizer)"),
        )),
        ConventionAxis("weight_norm_clip", ("none", "clamp_10"), "none", (
            ("none", "φ(‖w‖) = ‖w‖ (optax)"),
            ("clamp_10", "φ(‖w‖) = min(‖w‖, 10) (pytorch_optimizer's Lamb.clamp)"),
        )),
        ConventionAxis("decay", ("in_ratio", "decoupled"), "in_ratio", (
            ("in_ratio", "u = Adam direction + λw, inside the ratio (optax, Algorithm 2)"),
            ("decoupled", "w ← (1-ηλ)w first, u = Adam direction (pytorch_optimizer's weight_decouple=True)"),
        )),
    ),
    build=_build,
    source=SOURCE,
)


# --- derivations: each built from a rule's own update (RULE, or a changed copy that must then fail) -------
lr = sp.Symbol("eta", positive=True)
b1, b2 = sp.symbols("beta_1 beta_2", positive=True)
eps, wd = sp.Symbol("epsilon", positive=True), sp.Symbol("lambda", positive=True)
t = sp.Symbol("t", positive=True, integer=True)
# β = 1/(1 + k) with k > 0: SymPy then knows 0 < β < 1 (so 1 - β > 0 and √(1 - β) is real)
k1, k2 = sp.symbols("k_1 k_2", positive=True)
B1_IN_UNIT, B2_IN_UNIT = 1 / (1 + k1), 1 / (1 + k2)


def positive_vector(name: str, n: int) -> sp.Matrix:
    return sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"{name}_{i}", positive=True))


def _update(rule: ReductionRule, n: int, *, w=None, g=None, m=None, v=None, eps_=0, wd_=0, step=t, b1_=b1,
            b2_=b2, generic=True, **conventions):
    """The rule's step with η, β₁, β₂ symbolic: every assigned value, and Δw."""
    w = vector("w", n) if w is None else w
    g = vector("g", n) if g is None else g
    m = vector("m", n) if m is None else m
    v = positive_vector("v", n) if v is None else v
    hyper = dict(lr=lr, b1=b1_, b2=b2_, eps=eps_, weight_decay=wd_, step=step)
    out = rule.update(dict(w=w, g=g, m=m, v=v), hyper, **conventions)
    if generic:
        out = {k: generic_case(sp.sympify(x)) for k, x in out.items()}
    return out, out["w"] - w


def relative_step(rule: ReductionRule = RULE) -> Derivation:
    steps = []
    for n in DIMENSIONS:
        w = vector("w", n)
        for corr in CORRECTIONS[:2]:
            _, dw = _update(rule, n, eps_=eps, wd_=wd, bias_correction=corr)
            steps.append(Step(f"n={n}, bias_correction={corr}, ε, λ > 0: ‖Δw‖² = η²‖w‖²", sq(dw), lr**2 * sq(w),
                              "Δw = -η·‖w‖·u/‖u‖ whatever u (Adam direction + λw) is", rewrite=sp.simplify))
        _, dw = _update(rule, n, eps_=eps, wd_=wd, bias_correction="step_size")
        steps.append(Step(f"n={n}, step_size: ‖Δw‖² = (η/(1-β₁ᵗ))²‖w‖², not η²‖w‖²", sq(dw),
                          (lr / (1 - b1**t)) ** 2 * sq(w), "the factor 1/(1-β₁ᵗ) is applied after the ratio",
                          rewrite=sp.simplify))
    w = sp.Matrix([12, 16])  # ‖w‖ = 20 > 10
    _, dw = _update(rule, 2, w=w, eps_=eps, wd_=wd, weight_norm_clip="clamp_10")
    steps.append(Step("n=2, ‖w‖ = 20, clamp_10: ‖Δw‖² = (10η)²", sq(dw), (10 * lr) ** 2,
                      "φ(20) = min(20, 10) = 10", rewrite=sp.simplify))
    return Derivation(
        name="lamb.relative_step",
        claim=("LAMB moves each tensor by exactly η·‖w‖ (optax's ratio: no ε, no clip), from any moments, at any "
               "step, with any ε and λ: the ratio divides by the norm of what it scales (seed 002's LARS 'effect' "
               "‖Δw‖/‖w‖ = η carried over to Adam's direction); under clamp_10 by η·min(‖w‖, 10); under step_size "
               "(pytorch_optimizer) by η·‖w‖/(1-β₁ᵗ): 10·η·‖w‖ on the first step at β₁ = 0.9"),
        steps=tuple(steps),
        assumptions=("‖w‖ > 0, components of w, g, m nonzero, v > 0", "‖u‖ > 0 (the guard's generic case)",
                     "η, β₁, β₂, ε, λ > 0, t a positive integer", "decay in_ratio, ratio_eps none"),
        source=SOURCE,
        scope="symbolic tensors of dimension n = 2 and 3; the clip on one exact instance",
        **about(rule, bias_correction=CORRECTIONS, weight_norm_clip=("none", "clamp_10")),
    )


def first_step_sign(rule: ReductionRule = RULE) -> Derivation:
    steps = []
    for n in DIMENSIONS:
        w, g = vector("w", n), vector("g", n)
        zero = sp.zeros(n, 1)
        sign_step = -lr * norm(w) / sp.sqrt(n) * _elementwise(sp.sign, g)
        for corr in CORRECTIONS[:2]:
            out, dw = _update(rule, n, m=zero, v=zero, step=1, b1_=B1_IN_UNIT, b2_=B2_IN_UNIT,
                               bias_correction=corr)
            steps.append(Step(f"n={n}, bias_correction={corr}: Δw = -η‖w‖·sign(g)/√n", dw, sign_step,
                              "m = (1-β₁)g, v = (1-β₂)g²: m/√v = c·sign(g) with c > 0 (c = 1 when corrected); "
                              "‖sign(g)‖ = √n", rewrite=sp.simplify))
    return Derivation(
        name="lamb.first_step_sign",
        claim=("from zero moments with ε = λ = 0, LAMB's first step is sign descent scaled to the tensor: "
               "Δw = -η·‖w‖·sign(g)/√n, corrected or not"),
        steps=tuple(steps),
        assumptions=("m = v = 0 before the step, t = 1", "ε = 0, λ = 0", "components of w and g nonzero",
                     "η > 0, 0 < β₁, β₂ < 1 (written 1/(1 + k), k > 0)"),
        source=SOURCE,
        scope="symbolic vectors of dimension n = 2 and 3 with nonzero components",
        **about(rule, bias_correction=CORRECTIONS[:2]),
    )


def bias_correction_cancels(rule: ReductionRule = RULE) -> Derivation:
    steps = []
    for n, clip, step in ((2, "none", 1), (2, "clamp_10", 3)):  # each n = 3 case costs SymPy seconds
        betas = dict(step=step, b1_=B1_IN_UNIT, b2_=B2_IN_UNIT, weight_norm_clip=clip)
        corrected, _ = _update(rule, n, bias_correction="moments", **betas)
        plain, _ = _update(rule, n, bias_correction="none", **betas)
        steps.append(Step(f"n={n}, t={step}, clip {clip}: the step with m̂, v̂ is the step with m, v",
                          corrected["w"], plain["w"], "m̂/√v̂ = (m/√v)·√(1-β₂ᵗ)/(1-β₁ᵗ): one positive factor per tensor, "
                          "which r·u does not see", rewrite=sp.simplify))
    w, g, m, v = sp.Matrix([1, 2]), sp.Matrix([1, 0]), sp.Matrix([0, 1]), sp.Matrix([1, 1])
    args = dict(w=w, g=g, m=m, v=v, wd_=sp.Rational(1, 2), step=1, b1_=sp.Rational(1, 2))
    corrected, _ = _update(rule, 2, bias_correction="moments", **{**args})
    plain, _ = _update(rule, 2, bias_correction="none", **args)
    gap = sp.simplify(sq(corrected["w"] - plain["w"]).subs(b2, sp.Rational(1, 2)))
    steps.append(Step("witness, λ = 1/2, β₁ = β₂ = 1/2, t = 1: the two steps differ", sp.Integer(int(gap != 0)), 1,
                      f"‖Δ‖² = {gap} ≠ 0: with λ > 0 the correction changes the mix of direction and λw"))
    return Derivation(
        name="lamb.bias_correction_cancels",
        claim=("with ε = 0 and λ = 0, Adam's bias correction does not change LAMB's step at all (it rescales a "
               "tensor's direction by one positive number, which the trust ratio divides out); it acts only "
               "through ε and λ (a witness with λ > 0)"),
        steps=tuple(steps),
        assumptions=("ε = 0, λ = 0 (except the witness)", "components of w, g, m nonzero, v > 0",
                     "η > 0, 0 < β₁, β₂ < 1 (written 1/(1 + k), k > 0)", "ratio_eps none"),
        source=SOURCE,
        scope="symbolic tensors, moments and β at (n, t) = (2, 1) and (2, 3); one exact witness",
        **about(rule, bias_correction=CORRECTIONS[:2], weight_norm_clip=("none", "clamp_10")),
    )


def zero_norm(rule: ReductionRule = RULE) -> Derivation:
    steps = []
    for n in DIMENSIONS:
        zero = sp.zeros(n, 1)
        out, dw = _update(rule, n, w=zero, eps_=eps, wd_=wd, generic=False)
        steps.append(Step(f"n={n}: at w = 0 the ratio is 1", out["ratio"], 1, "‖w‖ = 0: ratio_one"))
        steps.append(Step(f"n={n}: at w = 0 the step is Adam's, Δw = -η·m̂/(√v̂ + ε)", dw, -lr * out["direction"],
                          "r = 1 and λ·0 = 0"))
        out, dw = _update(rule, n, g=zero, m=zero, generic=False)
        steps.append(Step(f"n={n}: at g = m = 0 (λ = 0) nothing moves", sp.Matrix([out["ratio"]]).col_join(dw),
                          sp.Matrix([1]).col_join(zero), "u = 0: r = 1 and η·1·0 = 0 (no 0/0)"))
    return Derivation(
        name="lamb.zero_norm",
        claim=("where ‖w‖ = 0 or ‖u‖ = 0 the trust ratio is 1 (both peers): a tensor at 0 takes Adam's own step, "
               "and a zero direction moves nothing instead of 0/0"),
        steps=tuple(steps),
        assumptions=("η, β₁, β₂, ε, λ > 0 where they appear", "v > 0"),
        source=SOURCE,
        scope="symbolic g, m, v of dimension n = 2 and 3; the zero vector exactly",
        **about(rule),
    )


BUILDERS = {"lamb.relative_step": relative_step, "lamb.first_step_sign": first_step_sign,
            "lamb.bias_correction_cancels": bias_correction_cancels, "lamb.zero_norm": zero_norm}
