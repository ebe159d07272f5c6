"""Dropout with inverted scaling: y = m ⊙ x / (1 − p), each mask bit m_i ~ Bernoulli(1 − p) independently
(p the *drop* probability), and the stochastic-depth schedule that drops layer l with p_l = (l/L)·p_L.

Source: seed 000_a2fbe8e070163c86.txt §2.1 "Dropout" (a heading, and: "Model (stochastic depth) randomly drop at
the layer-level with the dropping probability linearly changes wrt depth").  The seed gives no formula
(COVERAGE D14): the scaling convention is the one torch.nn.functional.dropout and Keras ``Dropout`` follow
(scale the kept units by 1/(1 − p) while training, identity at inference), so that inference needs no rescaling.

Claims: E[y] = x and Var[y_i] = p/(1 − p)·x_i², the elements uncorrelated (without the scaling E[m ⊙ x] =
(1 − p)x).  Stochastic depth, layers l = 1..L: p_l = (l/L)p_L grows by p_L/L a layer from p_0 = 0 (the input is
never dropped) to p_L; the expected number of layers kept is L − p_L(L + 1)/2; each dropped block scaled by
1/(1 − p_l) still passes its input's mean.

The masks are not equally likely (p^{#dropped}(1 − p)^{#kept}): the sample space carries its probabilities.
"""
from __future__ import annotations

import itertools

import sympy as sp

from derivations.core.estimator import Estimator, WeightedSampleSpace, weighted_moments
from derivations.core.proof import Derivation, Step

SOURCE = "seed 000_a2fbe8e070163c86.txt §2.1 (Dropout; stochastic depth); COVERAGE D14"
DIMENSIONS = (1, 2, 3)  # n proved: symbolic x and p, every mask enumerated


def masks(n: int):
    """Every 0/1 mask of n elements (1: kept), as a column."""
    for bits in itertools.product((0, 1), repeat=n):
        yield sp.Matrix(n, 1, bits)


def mask_probability(mask, sizes):
    """p^{#dropped}(1 − p)^{#kept}: each element kept with probability 1 − p, independently."""
    p, kept = sizes["p"], sum(int(b) for b in mask)
    return p ** (len(mask) - kept) * (1 - p) ** kept


def _drop(data):
    p = data["p"]
    return p[0] if isinstance(p, sp.MatrixBase) else p


def _statistic(data, mask):
    """m ⊙ x / (1 − p), the mask a column of 0/1 (1: kept)."""
    x = data["x"]
    return sp.Matrix(x.shape[0], 1, lambda i, _: mask[i] * x[i]) / (1 - _drop(data))


def _target(data):
    return data["x"]


def _mean(data, space, sizes):
    return data["x"]


def _covariance(data, space, sizes):
    p = _drop(data)
    return sp.diag(*[p / (1 - p) * v**2 for v in data["x"]])


ESTIMATOR = Estimator(
    name="dropout",
    title="Inverted dropout m ⊙ x / (1 − p), m_i ~ Bernoulli(1 − p)",
    data=(("x", "n×1, the layer's input"), ("p", "1×1, the drop probability in [0, 1)")),
    sizes=("p",),
    spaces=(WeightedSampleSpace("bernoulli", "m_i = 1 (kept) with probability 1 − p, independently; ω = the mask",
                                lambda sizes: masks(sizes["n"]), probability=mask_probability),),
    statistic=_statistic, target=_target, mean=_mean, variance=_covariance, output="vector", source=SOURCE,
    notes="p the drop probability; kept units scaled by 1/(1 − p) in training (torch, Keras), identity at inference",
)


def _symbols(n):
    x = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"x_{i}", real=True))
    return x, sp.Symbol("p", nonnegative=True)


def moments(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for n in DIMENSIONS:
        x, p = _symbols(n)
        data, sizes, label = dict(x=x, p=sp.Matrix([[p]])), dict(n=n, p=p), f"n={n}"
        total, mean, cov = weighted_moments(estimator, data, "bernoulli", sizes)
        unscaled = mean * (1 - p)  # E[m ⊙ x] = (1 − p)·E[y]
        steps += [
            Step(f"the mask probabilities sum to 1 ({label})", total, 1, "(p + (1 − p))ⁿ"),
            Step(f"unscaled, E[m ⊙ x] = (1 − p)x ({label})", unscaled, (1 - p) * x, "E[m_i] = 1 − p"),
            Step(f"E[y] is the claimed mean ({label})", mean, estimator.mean(data, "bernoulli", sizes),
                 "the 1/(1 − p) undoes E[m_i] = 1 − p"),
            Step(f"claimed mean = x ({label})", estimator.mean(data, "bernoulli", sizes), estimator.target(data),
                 "unbiased: inference (no mask, no scale) sees the training mean"),
            Step(f"Cov[y] is the claimed covariance ({label})", cov, estimator.variance(data, "bernoulli", sizes),
                 "Var[m_i] = p(1 − p), scaled by 1/(1 − p)²; independent bits: no covariance"),
            Step(f"Var[y_i] = p/(1 − p)·x_i² ({label})", sp.Matrix([cov[i, i] for i in range(n)]),
                 sp.Matrix([p / (1 - p) * v**2 for v in x]), "the diagonal of the step above"),
        ]
    return Derivation(
        name="dropout.moments",
        claim="inverted dropout y = m ⊙ x/(1 − p), m_i ~ Bernoulli(1 − p): E[y] = x, Var[y_i] = p/(1 − p)·x_i², "
              "Cov[y_i, y_k] = 0 (i ≠ k)",
        steps=tuple(steps), assumptions=("mask bits independent, kept with probability 1 − p", "0 ≤ p < 1"),
        source=SOURCE, scope=f"n ∈ {DIMENSIONS}: symbolic x and p, every mask enumerated with its probability; "
                             "the elements are independent, so each one's mean and variance hold for any n")


def linear_drop_rate(layer, layers, last):
    """Stochastic depth's rate of layer l of L (1-based): p_l = (l/L)·p_L."""
    return layer * last / layers


def stochastic_depth(estimator: Estimator = ESTIMATOR) -> Derivation:
    l, L = sp.Symbol("l", integer=True, positive=True), sp.Symbol("L", integer=True, positive=True)
    pL, x = sp.Symbol("p_L", nonnegative=True), sp.Symbol("x", real=True)
    rate = linear_drop_rate(l, L, pL)
    block = dict(x=sp.Matrix([[x]]), p=sp.Matrix([[rate]]))
    _, block_mean, block_var = weighted_moments(estimator, block, "bernoulli", dict(n=1, p=rate))
    return Derivation(
        name="dropout.stochastic_depth",
        claim="the linear schedule p_l = (l/L)·p_L: p_0 = 0, p_L the last layer's, steps of p_L/L; Σ_l p_l = "
              "p_L(L + 1)/2, so L − p_L(L + 1)/2 layers are kept on average; a block scaled by 1/(1 − p_l) "
              "keeps its mean",
        steps=(
            Step("the input is never dropped: p_0 = 0", rate.subs(l, 0), 0, "l = 0"),
            Step("the last layer: p_L", rate.subs(l, L), pL, "l = L"),
            Step("linear in depth: p_{l+1} − p_l = p_L/L", rate.subs(l, l + 1) - rate, pL / L, "constant increment"),
            Step("Σ_{l=1}^{L} p_l = p_L(L + 1)/2", sp.summation(rate, (l, 1, L)), pL * (L + 1) / 2,
                 "Σ l = L(L + 1)/2"),
            Step("expected layers kept: L − p_L(L + 1)/2", sp.summation(1 - rate, (l, 1, L)), L - pL * (L + 1) / 2,
                 "E[kept_l] = 1 − p_l, summed"),
            Step("a block dropped at rate p_l, scaled 1/(1 − p_l): mean x", block_mean[0], x,
                 "dropout.moments with p = p_l, the estimator's own statistic"),
            Step("its variance: p_l/(1 − p_l)·x² = l·p_L/(L − l·p_L)·x²", block_var[0], l * pL / (L - l * pL) * x**2,
                 "dropout.moments with p = p_l"),
        ),
        assumptions=("layers l = 1..L, each dropped independently with p_l", "0 ≤ p_L < 1"), source=SOURCE,
        scope="general: symbolic l, L, p_L and x",
        notes="1-based l with denominator L (Huang et al. 2016); timm's linspace(0, p_L, L) over 0-based blocks "
              "uses l/(L − 1) instead — a convention, not a contradiction")


BUILDERS = {"dropout.moments": moments, "dropout.stochastic_depth": stochastic_depth}
