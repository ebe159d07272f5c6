"""Weight initialisation: the variance each scheme gives, and why (Xavier's compromise, He's ReLU factor 2, the
truncated normal's correction).

Source: seed 001_08f6c05329770bc7.txt "Normalized Initialization (Xavier)" (W_ij ~ U(−√(6/(m + n)), √(6/(m + n))),
m inputs, n outputs; "the goal that all layers have the same activation variance and back-propagated gradient
variance") and "He Initialization" (ReLU/PReLU; no formula); COVERAGE D12–D13.

A ``Scheme`` is the formula as written — its distribution and its parameter (the uniform's bound b or the
normal's standard deviation s) as a function of m = fan_in and n = fan_out — together with the variance it is
claimed to give, gain²/fan.  The derivations integrate the distribution and compare with the claim, so a planted
change to either fails a proof.  Claims:
* U(−b, b) has variance b²/3: Xavier's bound gives 2/(m + n), between the forward 1/m and the backward 1/n;
* y = Σ_{j ≤ m} W_j x_j (independent, zero-mean W) has Var y = m·Var W·E[x²]; after a ReLU of a symmetric
  z, E[x²] = Var z/2 (leaky ReLU with slope a: (1 + a²)/2), so Var W = 2/m — gain² = 2 — keeps Var y = Var z;
* N(0, 1) truncated to [−k, k] has variance 1 − 2kφ(k)/(2Φ(k) − 1) = c²; at k = 2, c = 0.87962566103423978
  (keras' VarianceScaling divides its std by this constant), so std √V/c restores Var = V.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from derivations.core.proof import Derivation, Step

SOURCE = "seed 001_08f6c05329770bc7.txt (Normalized Initialization (Xavier); He Initialization); COVERAGE D12-D13"
M, N = sp.Symbol("m", positive=True), sp.Symbol("n", positive=True)  # fan_in, fan_out
Z = sp.Symbol("z", real=True)
KERAS_TRUNCATED_STD = sp.Rational("0.87962566103423978")  # keras.initializers.VarianceScaling's constant


@dataclass(frozen=True)
class Scheme:
    """``parameter(m, n)``: the bound b of U(−b, b) or the std s of N(0, s²) as the scheme writes it;
    ``claim(m, n)``: the variance it is said to give (gain²/fan)."""

    name: str
    distribution: str  # "uniform" or "normal"
    parameter: Callable
    claim: Callable


XAVIER_UNIFORM = Scheme("xavier_uniform", "uniform", lambda m, n: sp.sqrt(6 / (m + n)), lambda m, n: 2 / (m + n))
XAVIER_NORMAL = Scheme("xavier_normal", "normal", lambda m, n: sp.sqrt(2 / (m + n)), lambda m, n: 2 / (m + n))
HE_NORMAL = Scheme("he_normal", "normal", lambda m, n: sp.sqrt(2 / m), lambda m, n: 2 / m)
HE_UNIFORM = Scheme("he_uniform", "uniform", lambda m, n: sp.sqrt(6 / m), lambda m, n: 2 / m)
SCHEMES = (XAVIER_UNIFORM, XAVIER_NORMAL, HE_NORMAL, HE_UNIFORM)


def _gaussian(s):
    return sp.exp(-Z**2 / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2)


def distribution_variance(distribution: str, parameter):
    """∫ z² p(z) dz of U(−b, b) or N(0, s²), by integration."""
    if distribution == "uniform":
        return sp.integrate(Z**2 / (2 * parameter), (Z, -parameter, parameter))
    return sp.integrate(Z**2 * _gaussian(parameter), (Z, -sp.oo, sp.oo))


def variances(schemes=SCHEMES) -> Derivation:
    b, s = sp.Symbol("b", positive=True), sp.Symbol("s", positive=True)
    steps = [Step("Var U(−b, b) = b²/3", distribution_variance("uniform", b), b**2 / 3, "∫_{−b}^{b} z²/(2b) dz"),
             Step("Var N(0, s²) = s²", distribution_variance("normal", s), s**2, "the Gaussian's second moment")]
    for scheme in schemes:
        steps.append(Step(f"{scheme.name}: the variance of its distribution is the claimed one",
                          distribution_variance(scheme.distribution, scheme.parameter(M, N)), scheme.claim(M, N),
                          "integrate the scheme's distribution at its parameter"))
    d = sp.Symbol("d", nonnegative=True)  # n = m + d: the compromise lies between the two
    xavier = XAVIER_UNIFORM.claim(M, M + d)
    steps += [
        Step("Xavier's 2/(m + n) = 1/((m + n)/2): one over the mean fan", XAVIER_UNIFORM.claim(M, N), 1 / ((M + N) / 2),
             "the fan_avg mode"),
        Step("2/(m + n) ≤ 1/m (the forward choice), n = m + d ≥ m", xavier, 1 / M, "d ≥ 0", relation="<=",
             certificate=d / (M * (2 * M + d))),
        Step("2/(m + n) ≥ 1/n (the backward choice), n = m + d ≥ m", xavier, 1 / (M + d), "d ≥ 0", relation=">=",
             certificate=d / ((M + d) * (2 * M + d))),
    ]
    return Derivation(
        name="initialization.variances",
        claim="Xavier U(±√(6/(m + n))) and N(0, 2/(m + n)) have variance 2/(m + n), between 1/fan_in and "
              "1/fan_out; He N(0, 2/m) and U(±√(6/m)) have variance 2/fan_in",
        steps=tuple(steps), assumptions=("m = fan_in > 0, n = fan_out > 0",), source=SOURCE,
        scope="general: symbolic fans, bounds and standard deviations")


def relu_gain(scheme: Scheme = HE_NORMAL) -> Derivation:
    s, a, g2 = sp.Symbol("sigma", positive=True), sp.Symbol("a", real=True), sp.Symbol("g2", positive=True)
    j = sp.Symbol("j", integer=True, positive=True)
    relu_square = sp.integrate(Z**2 * _gaussian(s), (Z, 0, sp.oo))
    leaky_square = relu_square + sp.integrate(a**2 * Z**2 * _gaussian(s), (Z, -sp.oo, 0))
    var_w = scheme.claim(M, N)
    forward = sp.summation(var_w * relu_square, (j, 1, M))  # Var(Σ_{j ≤ m} W_j x_j), x_j = ReLU(z_j) independent
    return Derivation(
        name="initialization.relu_gain",
        claim="after a ReLU, Var y = m·Var W·σ²/2, so Var W = 2/fan_in (He: gain² = 2) keeps Var y = σ²; with "
              "leaky slope a the gain² is 2/(1 + a²)",
        steps=(
            Step("E[ReLU(z)²] = σ²/2 for z ~ N(0, σ²)", relu_square, s**2 / 2, "half the Gaussian's second moment"),
            Step("E[LeakyReLU(z)²] = (1 + a²)σ²/2", leaky_square, (1 + a**2) * s**2 / 2, "the negative half scaled by a²"),
            Step(f"{scheme.name}: Var y = Σ_{{j ≤ m}} Var W·E[x_j²] = σ²", forward, s**2,
                 "independent zero-mean weights: the variances add"),
            Step("the gain² that keeps Var y = σ² after a ReLU", g2, 2, "m·(g²/m)·σ²/2 = σ²", relation="solves",
                 equation=M * (g2 / M) * relu_square - s**2),
            Step("… after a leaky ReLU with slope a", g2, 2 / (1 + a**2), "m·(g²/m)·(1 + a²)σ²/2 = σ²",
                 relation="solves", equation=M * (g2 / M) * leaky_square - s**2),
        ),
        assumptions=("weights independent, zero mean, independent of the inputs", "pre-activations z ~ N(0, σ²) "
                     "(any symmetric law gives the same halves)"),
        source=SOURCE, scope="general: symbolic fan m, σ and slope a")


def truncated_normal() -> Derivation:
    k, V = sp.Symbol("k", positive=True), sp.Symbol("V", positive=True)
    phi = sp.exp(-Z**2 / 2) / sp.sqrt(2 * sp.pi)
    mass = sp.integrate(phi, (Z, -k, k))
    variance = sp.integrate(Z**2 * phi, (Z, -k, k)) / mass
    closed = 1 - 2 * k * phi.subs(Z, k) / mass
    c = sp.sqrt(closed.subs(k, 2))
    gap = sp.Rational(1, 10**16) - sp.Abs(c - KERAS_TRUNCATED_STD)
    return Derivation(
        name="initialization.truncated_normal",
        claim="N(0, 1) truncated to [−k, k] has variance 1 − 2kφ(k)/(2Φ(k) − 1); at k = 2 its std is "
              "c = 0.8796256610342398 (keras' constant to 16 digits), so std √V/c gives variance V",
        steps=(
            Step("the truncated variance", variance, closed, "∫_{−k}^{k} z²φ = (2Φ(k) − 1) − 2kφ(k) (by parts)"),
            Step("it is below 1 (truncation removes the tails)", closed, 1, "2kφ(k)/(2Φ(k) − 1) > 0", relation="<",
                 certificate=2 * k * phi.subs(Z, k) / mass),
            Step("keras' constant is c at k = 2 to 10⁻¹⁶", gap, 0, "evaluated", relation=">", certificate=gap),
            Step("std √V/c truncated at ±2 std: variance V", (sp.sqrt(V) / c) ** 2 * closed.subs(k, 2), V,
                 "scaling by s multiplies the variance by s²"),
        ),
        assumptions=("truncation at ±k standard deviations of the untruncated normal",), source=SOURCE,
        scope="general in k; the constant at k = 2")


BUILDERS = {"initialization.variances": variances, "initialization.relu_gain": relu_gain,
            "initialization.truncated_normal": truncated_normal}


# ---- the conventions the claims are read under (verify/checks/initialization.py evaluates them) ----
LAYOUTS = {  # where the in and out axes sit in a kernel's shape; the other axes are the receptive field
    "torch": lambda shape: (shape[1], shape[0], shape[2:]),  # (out, in, *field): nn.Linear's (out, in)
    "keras": lambda shape: (shape[-2], shape[-1], shape[:-2]),  # (*field, in, out): Dense's (in, out)
}


def fans(shape, layout: str):
    """(fan_in, fan_out): the in and out axes times the receptive field's size."""
    inp, out, field = LAYOUTS[layout](tuple(shape))
    size = sp.Mul(*field) if field else 1
    return sp.Integer(inp) * size, sp.Integer(out) * size


def claimed_variance(shape, mode: str, layout: str, gain2):
    """gain²/fan, the fan read under ``layout``; fan_avg = (fan_in + fan_out)/2 (Xavier's 2/(m + n) at gain 1)."""
    m, n = fans(shape, layout)
    return sp.nsimplify(gain2) / {"fan_in": m, "fan_out": n, "fan_avg": (m + n) / 2}[mode]
