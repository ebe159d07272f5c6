"""NAdam (Adam with Nesterov momentum): the rule, its convention axes and derivations about it.

Sources: Dozat (2016), "Incorporating Nesterov Momentum into Adam" (ICLR workshop), Algorithm 2: the momentum
schedule μ_t = β1·(1 - ½·0.96^{t·ψ}) (ψ = 1/250 = 0.004), m̄_t = μ_{t+1}·m_t/(1 - Π_{i≤t+1} μ_i)
+ (1 - μ_t)·g_t/(1 - Π_{i≤t} μ_i), θ ← θ - η·m̄_t/(√n̂_t + ε); seed 000_a2fbe8e070163c86.txt §1.3.2 ("Model
(nadam) adam + nesterov", no formula).  The moments m, v are Adam's EMAs with β1, β2 (seed 002's s_t, r_t), as
torch, Keras and optax compute them; the extra factor β2 that Dozat's Algorithm 2 puts on n̂ (optax's source notes
it) is left out, as every framework leaves it out.  The rule uses the frameworks' names: m, v, lr, momentum_decay
(ψ).

Conventions: ``momentum_schedule`` "decaying" is Dozat's, torch's and Keras's schedule (Keras fixes ψ = 1:
0.96^t); "constant" is μ_t = β1 for every t (optax.nadam: m̄ = β1·m_t/(1-β1^{t+1}) + (1-β1)·g_t/(1-β1^t)).
``decay``: none, L2 (torch's default weight_decay) or decoupled (torch's decoupled_weight_decay=True, optax.nadamw,
Keras's weight_decay).
"""
from __future__ import annotations

import functools

import mpmath
import sympy as sp

from derivations.core.about import about, assignment, unroll, update
from derivations.core.blocks import (
    bias_correction,
    decayed_gradient,
    decoupled_decay,
    divide_by_root,
    ema,
    weight_decay_axis,
)
from derivations.core.proof import UNIT_RHO, Derivation, Step, expect_linear, in_unit_interval, peel_last_term
from derivations.core.rule import STEP, ConventionAxis, Hyperparameter, Rule, host_function, sym

SOURCE = ("Dozat (2016), Incorporating Nesterov Momentum into Adam, Algorithm 2; "
          "seed 000_a2fbe8e070163c86.txt (1.3.2: nadam = adam + nesterov)")

HALF = sp.Rational(1, 2)
BASE = sp.Rational(24, 25)  # Dozat's 0.96, exactly


def schedule(step, beta1, psi):
    """μ_step = β1·(1 - ½·0.96^{step·ψ}) (Dozat's momentum schedule)."""
    return beta1 * (1 - HALF * BASE ** (step * psi))


SERIES_FROM = 4096  # Π μ_i by the series below for larger t (about 15 ms at 200 bits, whatever t; the loop: t)
FLOAT_LOOP_UP_TO = 10**4  # on floats, the loop (as an implementation takes it) up to here, the series beyond


@functools.lru_cache(maxsize=4096)
def _mpmath_product(t: int, beta1, psi, prec: int):
    return _series_product(t, beta1, psi, prec) if t > SERIES_FROM else _loop_product(t, beta1, psi, prec)


def _loop_product(t: int, beta1, psi, prec: int):
    """Π_{i≤t} μ_i one factor at a time, at ``prec`` bits: t roundings."""
    with mpmath.workprec(prec):
        base, half, product = mpmath.mpf(24) / 25, mpmath.mpf(1) / 2, mpmath.mpf(1)
        for i in range(1, t + 1):
            product *= beta1 * (1 - half * base ** (i * psi))
        return product


def _series_product(t: int, beta1, psi, prec: int):
    """Π_{i≤t} β1·(1 - ½q^i), q = 0.96^ψ, in a number of operations that does not grow with t:

        ln Π = t·ln β1 + Σ_i ln(1 - ½q^i) = t·ln β1 - Σ_{k≥1} (½)^k/k · Σ_{i≤t} q^{ik},

    each inner sum geometric: q^k·(1 - q^{kt})/(1 - q^k) = q^k·expm1(k·t·a)/expm1(k·a) with a = ψ·ln 0.96 (t where
    ψ = 0).  The terms are positive and fall at least by half from one k to the next, so the sum stops where a
    term no longer moves it at ``prec`` bits; 64 guard bits cover the exp of an exponent of up to 2^64."""
    if beta1 == 0:
        return mpmath.mpf(0)
    with mpmath.workprec(prec + 64):
        a = psi * mpmath.log(mpmath.mpf(24) / 25)
        total, k, half_k = mpmath.mpf(0), 1, mpmath.mpf(1) / 2
        while True:
            geometric = t if a == 0 else mpmath.exp(k * a) * mpmath.expm1(k * t * a) / mpmath.expm1(k * a)
            term = half_k * geometric / k
            total += term
            if term < total * mpmath.ldexp(1, -(prec + 8)):
                break
            k, half_k = k + 1, half_k / 2
        return mpmath.exp(t * mpmath.log(beta1) - total)


def _mu_product(t, beta1, psi):
    """Π_{i=1}^t μ_i: on floats (0.96 a double), on mpmath numbers (at the working precision), or on SymPy
    values for an integer t (a derivation reading the rule at t = 1, 2)."""
    if isinstance(t, sp.Basic) or isinstance(beta1, sp.Basic) or isinstance(psi, sp.Basic):
        if not sp.sympify(t).is_Integer:
            raise ValueError(f"Π μ_i has no closed form for symbolic t = {t}")
        return sp.Mul(*(schedule(i, sp.sympify(beta1), sp.sympify(psi)) for i in range(1, int(t) + 1)))
    if isinstance(beta1, mpmath.mpf) or isinstance(psi, mpmath.mpf):
        return +_mpmath_product(int(t), mpmath.mpf(beta1), mpmath.mpf(psi), mpmath.mp.prec)
    if int(t) > FLOAT_LOOP_UP_TO:  # a float64 value within a few units of the exact one, in O(1)
        return float(_series_product(int(t), mpmath.mpf(float(beta1)), mpmath.mpf(float(psi)), 64))
    product = 1.0
    for i in range(1, int(t) + 1):
        product *= float(beta1) * (1.0 - 0.5 * 0.96 ** (i * float(psi)))
    return product


# Per factor μ_i in float64: i·ψ, the power, 1 - ½x, ×β1 and the running product (5 roundings), and the
# double nearest 0.96 (at most ~2 units in μ_i's last place: ½·x·0.96^x·|δ0.96| ≤ 4.5·0.37 u): 7 in all.
MU_PRODUCT = host_function("mu_product", _mu_product, lambda t, beta1, psi: 7 * t, powered=(1,))  # β1^t·…


def _build(conv: dict):
    p, g, m, v = (sym(n) for n in ("p", "g", "m", "v"))
    lr, b1, b2, eps, psi, wd = (sym(n) for n in ("lr", "beta1", "beta2", "eps", "momentum_decay", "weight_decay"))
    grad = decayed_gradient(conv, g, p, wd)
    out = [(m, ema(b1, m, grad)), (v, ema(b2, v, grad**2))]
    if conv["momentum_schedule"] == "decaying":
        mu, mu_next, product = schedule(STEP, b1, psi), schedule(STEP + 1, b1, psi), MU_PRODUCT(STEP, b1, psi)
    else:
        mu, mu_next, product = b1, b1, b1**STEP
    # m̄ = μ_{t+1}·m_t/(1 - Π_{i≤t+1} μ_i) + (1 - μ_t)·g_t/(1 - Π_{i≤t} μ_i): Dozat's look-ahead momentum
    m_bar = mu_next * m / (1 - product * mu_next) + (1 - mu) * grad / (1 - product)
    direction = divide_by_root(m_bar, v / bias_correction(b2), eps, inside_sqrt=False)
    out.append((p, decoupled_decay(conv, p - lr * direction, p, lr, wd)))
    return tuple(out)


RULE = Rule(
    name="nadam",
    title="NAdam (Adam with Nesterov momentum)",
    inputs=("p", "g"),
    state=("m", "v"),
    outputs=("p", "m", "v"),
    hyperparameters=(
        Hyperparameter("lr", 0.0, float("inf"), True, True, 2e-3, "learning rate η (Dozat: 0.002)"),
        Hyperparameter("beta1", 0.0, 1.0, False, True, 0.9, "decay of the first-moment EMA; the schedule's limit"),
        Hyperparameter("beta2", 0.0, 1.0, False, True, 0.999, "decay of the second-moment EMA"),
        Hyperparameter("eps", 0.0, float("inf"), True, True, 1e-8, "ε, added to √v̂"),
        Hyperparameter("momentum_decay", 0.0, float("inf"), False, True, 4e-3,
                       "ψ in μ_t = β1·(1 - ½·0.96^{tψ}) (Dozat: 1/250; Keras: 1)"),
        Hyperparameter("weight_decay", 0.0, float("inf"), False, True, 0.0, "λ, L2 or decoupled decay"),
    ),
    axes=(
        ConventionAxis("momentum_schedule", ("decaying", "constant"), "decaying", (
            ("decaying", "μ_t = β1·(1 - ½·0.96^{tψ}), Π_t = μ_1⋯μ_t (Dozat, torch, Keras with ψ = 1)"),
            ("constant", "μ_t = β1: m̄ = β1·m/(1-β1^{t+1}) + (1-β1)·g/(1-β1^t) (optax.nadam)"),
        )),
        weight_decay_axis("the moments (NAdam + L2)", "the NAdam step (NAdamW)"),
    ),
    build=_build,
    source=SOURCE,
    nonnegative_state=("v",),
)

# --- derivations: each built from a rule (RULE, or a changed copy that its proof must then reject) -----
SCHEDULES = ("decaying", "constant")
t = sp.Symbol("t", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
sigma = sp.Symbol("sigma", positive=True)
beta_1 = 1 / (1 + sigma)  # every β1 in (0, 1): SymPy then knows β1 > 0 and 1 - β1 = σ/(1+σ) > 0
beta_2, psi = sp.symbols("beta_2 psi", positive=True)
lr, eps = sp.symbols("eta epsilon", positive=True)
p0, x_g, x_m = sp.symbols("p_0 g m", real=True)
P = sp.Symbol("Pi_t", positive=True)  # the product μ_1⋯μ_t the rule carries as a host function
# Positive stand-ins that let SymPy read signs: 0.96^{tψ} = 1/(1+ω), 0.96^{(t+1)ψ} = 1/(1+ω'), 0.96^ψ = z
# (at an integer t), β1^t = 1/(1+κ), Π_t = β1^t/(1+λ) (any value in (0, β1^t]).
omega, omega_next, kappa, lam, z = sp.symbols("omega omega' kappa lambda z", positive=True)
ASSUMPTIONS = ("0 < β1 < 1, written β1 = 1/(1+σ) with σ > 0", "0 < β2 < 1", "η, ε > 0", "t ≥ 1",
               "no weight decay (decay = none)")


def _dozat_mu(step):
    """Dozat's μ_step = β1·(1 - ½·0.96^{step·ψ}), written here from the paper, not read from the rule."""
    return beta_1 * (1 - sp.Rational(1, 2) * sp.Rational(24, 25) ** (step * psi))


def _is_host(e) -> bool:
    return hasattr(getattr(e, "func", None), "_imp_")


def _evaluated(expr):
    """``expr`` with the rule's host functions (Π μ_i) evaluated by their own implementation (t an integer)."""
    return expr.replace(_is_host, lambda e: e.func._imp_(*e.args))


def _stand_in(e):
    """0.96^{nψ} as 1/(1+ω) (n = t), 1/(1+ω') (n = t+1) or z^n (n an integer); β1^{at+r} = (1+σ)^{-at-r} as
    (1/(1+κ))^a·β1^r."""
    if e.base == sp.Rational(24, 25):
        n = sp.simplify(e.exp / psi)
        by_t = {t: 1 / (1 + omega), t + 1: 1 / (1 + omega_next)}.get(n)
        return by_t if by_t is not None else (z**n if n.is_Integer else e)
    a, r = sp.Poly(e.exp, t).all_coeffs()
    return (1 / (1 + kappa)) ** (-a) * (1 + sigma) ** r


def _has_stand_in(e) -> bool:
    return e.is_Pow and ((e.base == sp.Rational(24, 25) and e.exp.has(psi)) or (e.base == 1 + sigma and e.exp.has(t)))


def _visible(expr):
    """``expr`` with Π_t = β1^t/(1+λ) and every power of 0.96 and of β1 replaced by its positive stand-in."""
    return sp.sympify(expr).xreplace({P: beta_1**t / (1 + lam)}).replace(_has_stand_in, _stand_in)


def _coefficients(rule: Rule, momentum_schedule: str, step=t, product=P):
    """(c_g, c_m): the rule's step is η·(c_m·m + c_g·g)/(√v̂ + ε).  Read off its update of p at η = ε = 1 and
    v = 0, where the denominator is 1, with the product Π_t the rule carries written ``product``."""
    names = dict(p=0, g=x_g, m=x_m, v=0, lr=1, eps=1, beta1=beta_1, beta2=beta_2, momentum_decay=psi,
                 weight_decay=0, t=step)
    taken = -assignment(rule, "p", names, momentum_schedule=momentum_schedule)
    taken = taken.replace(_is_host, lambda e: product)
    return sp.diff(taken, x_g), sp.diff(taken, x_m)


def _host_product(rule: Rule, step: int):
    """Π_step as the rule computes it: its host function, evaluated at the integer ``step``."""
    names = dict(p=0, g=x_g, m=x_m, v=0, lr=1, eps=1, beta1=beta_1, beta2=beta_2, momentum_decay=psi,
                 weight_decay=0, t=step)
    taken = -assignment(rule, "p", names, momentum_schedule="decaying")
    products = {e for e in taken.atoms(sp.Function) if _is_host(e)}
    # none (a copy of the rule that dropped the product): NaN, which makes the steps reading it fail
    return _evaluated(products.pop()) if len(products) == 1 else sp.nan


def first_step(rule: Rule = RULE) -> Derivation:
    steps = []
    for schedule_ in SCHEDULES:
        start = {"p": p0, "m": 0, "v": 0}
        values = dict(g=x_g, lr=lr, beta1=beta_1, beta2=beta_2, eps=eps, momentum_decay=psi, weight_decay=0)
        (after,) = unroll(rule, start, [values], momentum_schedule=schedule_)
        taken = _evaluated(p0 - after["p"])
        # the step's factor κ, read from the rule at g = 1 (0.96^ψ = z = 1/(1+ω))
        factor = _visible(taken.subs(x_g, 1) * (1 + eps) / lr).subs(z, 1 / (1 + omega))
        if schedule_ == "decaying":
            mu1, mu2 = _dozat_mu(1), _dozat_mu(2)
            closed = 1 + mu2 * (1 - beta_1) / (1 - mu1 * mu2)
            # μ_1, μ_2, the gaps s_k = β1 - μ_k, 1 - β1 and 1 - μ_1μ_2, each a sum or product of positive terms
            w = 1 / (1 + omega)
            m1 = beta_1 * (1 + 2 * omega) / (2 * (1 + omega))
            m2 = beta_1 * (1 + 4 * omega + 2 * omega**2) / (2 * (1 + omega) ** 2)
            s1, s2 = beta_1 * w / 2, beta_1 * w**2 / 2
            gap = sigma / (1 + sigma)
            apart = sigma * (2 + sigma) / (1 + sigma) ** 2 + beta_1**2 * (w / 2 + w**2 * m1 / (2 * beta_1))
            above_one = m2 * gap / apart
            below_three_halves = (gap**2 + beta_1 * s1 + s2 * m1 + 2 * s2 * gap) / (2 * apart)
            how = "κ = 1 + μ_2(1-β1)/(1-μ_1μ_2), μ_k = β1(1 - ½·0.96^{kψ}) (Dozat's schedule)"
            why_above = "κ - 1 = μ_2(1-β1)/(1-μ_1μ_2) ≥ 0"
            why_below = "3/2 - κ = [(1-β1)² + β1s_1 + s_2μ_1 + 2s_2(1-β1)]/(2(1-μ_1μ_2)) > 0, s_k = β1 - μ_k ≥ 0"
        else:
            closed = (1 + 2 * beta_1) / (1 + beta_1)
            above_one = beta_1 / (1 + beta_1)
            below_three_halves = sigma / (1 + sigma) / (2 * (1 + beta_1))
            how = "κ = 1 + β1(1-β1)/(1-β1²) = (1+2β1)/(1+β1)"
            why_above, why_below = "κ - 1 = β1/(1+β1) ≥ 0", "3/2 - κ = (1-β1)/(2(1+β1)) > 0"
        steps += [
            Step(f"{schedule_}: the first step", taken, lr * closed * x_g / (sp.Abs(x_g) + eps),
                 f"m_1 = (1-β1)g, v̂_1 = g², √(g²) = |g|; {how}"),
            Step(f"{schedule_}: κ ≥ 1", 1, factor, why_above, relation="<=", certificate=above_one),
            Step(f"{schedule_}: κ < 3/2", factor, sp.Rational(3, 2), why_below, relation="<",
                 certificate=below_three_halves),
        ]
    return Derivation(
        name="nadam.first_step",
        claim=("from m_0 = v_0 = 0 the first step is p_0 - p_1 = η·κ·g/(|g| + ε) with 1 ≤ κ < 3/2: "
               "κ = 1 + μ_2(1-β1)/(1-μ_1μ_2) under the decaying schedule, (1+2β1)/(1+β1) under the constant one; "
               "Adam's first step is η·g/(|g| + ε) (κ = 1), so NAdam's is longer, by less than half"),
        steps=tuple(steps),
        assumptions=ASSUMPTIONS + ("ψ ≥ 0, so 0.96^ψ = 1/(1+ω) with ω ≥ 0 (ω > 0 taken: ψ = 0 is its limit)",),
        source=SOURCE,
        scope="t = 1 from zero state, symbolic in β1, β2, ψ, η, ε and g",
        notes=("With β1 = 0.9: κ = 1.474 (constant μ, optax); 1.056 under torch's ψ = 0.004 (μ_1 ≈ μ_2 ≈ 0.450) "
               "and 1.063 under Keras's ψ = 1.  The look-ahead term μ_2·m_1/(1-μ_1μ_2) is what Adam lacks."),
        **about(rule, momentum_schedule=SCHEDULES),
    )


def _limit(expr):
    return sp.Limit(expr, t, sp.oo)


def _doit(expr):
    return sp.sympify(expr).doit()


def lookahead_limit(rule: Rule = RULE) -> Derivation:
    c_g, c_m = _coefficients(rule, "decaying")
    mu, mu_next = 1 - c_g.subs(P, 0), c_m.subs(P, 0)  # μ_t and μ_{t+1}, read off the rule at Π_t = 0
    product_next = 1 - mu_next / c_m  # the product the m-term divides by: Π_t·μ_{t+1}
    # positive forms of 1 - μ_t, μ_{t+1}, 1 - μ_{t+1}, β1^t, Π_t, 1 - Π_t, 1 - Π_tμ_{t+1} and 1 - β1^{t+1}
    one_minus_mu = sigma / (1 + sigma) + beta_1 / (2 * (1 + omega))
    mu_n = beta_1 * (1 + 2 * omega_next) / (2 * (1 + omega_next))
    one_minus_mu_n = sigma / (1 + sigma) + beta_1 / (2 * (1 + omega_next))
    B = 1 / (1 + kappa)
    Pi = B / (1 + lam)
    one_minus_Pi = (kappa + lam + kappa * lam) / ((1 + kappa) * (1 + lam))
    one_minus_Pi_mu_n = one_minus_Pi + Pi * one_minus_mu_n
    one_minus_B_beta = kappa / (1 + kappa) + B * sigma / (1 + sigma)
    steps = []
    for T in (1, 2):  # the rule's Π is the running product μ_1⋯μ_t
        m_T = _coefficients(rule, "decaying", step=T)[1]  # μ_{T+1}/(1 - Π_T·μ_{T+1}), Π_T the symbol P
        steps.append(Step(f"Π_{T + 1} = Π_{T}·μ_{T + 1}", 1 - m_T.subs(P, 0) / m_T.subs(P, _host_product(rule, T)),
                          _host_product(rule, T + 1),
                          f"the product the m-term uses at step {T} is the one the g-term uses at step {T + 1}",
                          rewrite=_visible))
    steps += [
        Step("Π_1 = μ_1", _host_product(rule, 1), 1 - _coefficients(rule, "decaying", step=1)[0].subs(P, 0),
             "the product starts with the first step's μ"),
        Step("μ_t ≤ β1", _visible(mu), beta_1, "β1 - μ_t = ½β1·0.96^{tψ} ≥ 0", relation="<=",
             certificate=beta_1 / (2 * (1 + omega))),
        Step("Π_{t+1} ≤ β1^{t+1} if Π_t ≤ β1^t", _visible(product_next), _visible(beta_1 ** (t + 1)),
             "β1^{t+1} - Π_tμ_{t+1} = β1^t(β1 - μ_{t+1}) + (β1^t - Π_t)μ_{t+1} ≥ 0 (induction from Π_1 = μ_1 ≤ β1)",
             relation="<=", certificate=B * (beta_1 / (2 * (1 + omega_next)) + mu_n * lam / (1 + lam))),
        Step("c_g ≥ 1 - μ_t", _visible(1 - mu), _visible(c_g), "c_g = (1-μ_t)/(1-Π_t) with 0 < Π_t < 1",
             relation="<=", certificate=one_minus_mu * Pi / one_minus_Pi),
        Step("c_g ≤ (1 - μ_t)/(1 - β1^t)", _visible(c_g), _visible((1 - mu) / (1 - beta_1**t)), "Π_t ≤ β1^t",
             relation="<=", certificate=one_minus_mu * lam * (1 + kappa) / (kappa * (kappa + lam + kappa * lam))),
        Step("1 - μ_t → 1 - β1", _limit(1 - mu), 1 - beta_1, "0.96^{tψ} → 0 for ψ > 0", rewrite=_doit),
        Step("(1 - μ_t)/(1 - β1^t) → 1 - β1", _limit((1 - mu) / (1 - beta_1**t)), 1 - beta_1, "β1^t → 0",
             rewrite=_doit),
        Step("c_m ≥ μ_{t+1}", _visible(mu_next), _visible(c_m), "c_m = μ_{t+1}/(1 - Π_tμ_{t+1}), 0 < Π_tμ_{t+1} < 1",
             relation="<=", certificate=mu_n * Pi * mu_n / one_minus_Pi_mu_n),
        Step("c_m ≤ μ_{t+1}/(1 - β1^{t+1})", _visible(c_m), _visible(mu_next / (1 - beta_1 ** (t + 1))),
             "Π_tμ_{t+1} ≤ β1^{t+1}", relation="<=",
             certificate=mu_n * B * (beta_1 / (2 * (1 + omega_next)) + mu_n * lam / (1 + lam))
             / (one_minus_B_beta * one_minus_Pi_mu_n)),
        Step("μ_{t+1} → β1", _limit(mu_next), beta_1, "0.96^{(t+1)ψ} → 0", rewrite=_doit),
        Step("μ_{t+1}/(1 - β1^{t+1}) → β1", _limit(mu_next / (1 - beta_1 ** (t + 1))), beta_1, "β1^{t+1} → 0",
             rewrite=_doit),
    ]
    constant_g, constant_m = _coefficients(rule, "constant")
    steps += [
        Step("constant: c_g → 1 - β1", _limit(constant_g), 1 - beta_1, "(1-β1)/(1-β1^t), β1^t → 0", rewrite=_doit),
        Step("constant: c_m → β1", _limit(constant_m), beta_1, "β1/(1-β1^{t+1}), β1^{t+1} → 0", rewrite=_doit),
    ]
    return Derivation(
        name="nadam.lookahead_limit",
        claim=("as t → ∞ the step η·(c_m·m_t + c_g·g_t)/(√v̂_t + ε) of both schedules tends to "
               "η·(β1·m_t + (1-β1)·g_t)/(√v̂_t + ε): c_g → 1-β1 and c_m → β1.  β1·m_t + (1-β1)·g_t is the EMA "
               "advanced once more with the same gradient, Nesterov's look-ahead (seed 003: θ ← θ - ε(g + c·v)), "
               "where Adam steps along m_t itself.  Under the decaying schedule (ψ > 0) μ_t ≤ β1, μ_t → β1 and "
               "the product Π_t = μ_1⋯μ_t ≤ β1^t, squeezing c_g between 1-μ_t and (1-μ_t)/(1-β1^t)"),
        steps=tuple(steps),
        assumptions=ASSUMPTIONS + (
            "ψ > 0 (ψ = 0 gives μ_t = β1/2 for every t: the limits are then 1-β1/2 and β1/2)",
            ("0.96^{tψ} = 1/(1+ω), 0.96^{(t+1)ψ} = 1/(1+ω'), β1^t = 1/(1+κ), Π_t = β1^t/(1+λ): positive "
             "stand-ins for values in (0, 1] and (0, β1^t]")),
        source=SOURCE + "; seed 003_91c12aa291f221ab.txt (Nesterov: θ ← θ - ε(g + constant·v))",
        scope=("the bounds and limits symbolically in t; that the rule's Π is the running product μ_1⋯μ_t is "
               "checked at t ≤ 3 (it is a host function without a closed form)"),
        notes=("Keras's schedule is this one with ψ = 1 (0.96^t): its μ_t is within 1% of β1 after ~100 steps; "
               "torch's ψ = 0.004 takes ~24000."),
        **about(rule, momentum_schedule=SCHEDULES),
    )


beta = sp.Symbol("beta_1", positive=True)  # β1 in (0, 1), for the rewritings that evaluate sums (in_unit_interval)
mean = sp.Symbol("mu", real=True)  # E[g]
g = sp.IndexedBase("g", real=True)
s_t = (1 - beta) * sp.Sum(beta ** (t - k) * g[k], (k, 1, t))  # m_t in closed form (adam.closed_form)


def _at_stand_ins(expr):
    """``expr`` at β1 = 1/(1+σ) and β1^t = 1/(1+κ)."""
    x = sp.Dummy("x", positive=True)
    return sp.sympify(expr).xreplace({beta**t: x, beta ** (t + 1): x * beta}).subs({x: 1 / (1 + kappa),
                                                                                     beta: beta_1})


def lookahead_bias(rule: Rule = RULE) -> Derivation:
    names = dict(p=0, g=x_g, m=x_m, v=0, lr=1, eps=1, beta1=beta, beta2=beta_2, weight_decay=0, t=t)
    taken = -assignment(rule, "p", names, momentum_schedule="constant")  # c_m·m + c_g·g (denominator 1)
    c_g, c_m = sp.diff(taken, x_g), sp.diff(taken, x_m)
    m_next = update(rule, "m", {"m": s_t, "g": g[t + 1], "beta1": beta}, momentum_schedule="constant")
    mean_m_bar = expect_linear(c_m * s_t + c_g * g[t], {g: mean})
    factor = c_m * (1 - beta**t) + c_g  # E[m̄_t]/μ once E[m_t] = (1-β1^t)μ
    excess = beta**t * (1 - beta) ** 2 / ((1 - beta**t) * (1 - beta ** (t + 1)))
    # the excess over 1 at β1 = 1/(1+σ), β1^t = x = 1/(1+κ): x(1-β1)²/((1-x)(1-β1x)), each factor positive
    positive_excess = (sigma / (1 + sigma)) ** 2 / (1 + kappa) / (
        kappa / (1 + kappa) * (kappa + sigma + kappa * sigma) / ((1 + sigma) * (1 + kappa)))
    return Derivation(
        name="nadam.lookahead_bias",
        claim=("with μ_t = β1 (optax.nadam) and stationary gradients (E[g_k] = μ), the look-ahead numerator "
               "m̄_t = β1·m_t/(1-β1^{t+1}) + (1-β1)·g_t/(1-β1^t) has E[m̄_t] = μ·(1 + β1^t(1-β1)²/((1-β1^t)"
               "(1-β1^{t+1}))): it overstates the mean gradient by a factor > 1 that tends to 1 as t → ∞, where "
               "Adam's m̂_t is unbiased (adam.unbiased_moments); at t = 1 the factor is (1+2β1)/(1+β1)"),
        steps=(
            Step("m: inductive step", m_next, s_t.subs(t, t + 1),
                 "m_{t+1} = β1 m_t + (1-β1) g_{t+1}; peel k = t+1 off the sum", rewrite=peel_last_term(t + 1)),
            Step("E[m_t] = (1-β1^t) μ", expect_linear(s_t, {g: mean}), (1 - beta**t) * mean,
                 "m_t is linear in the g_k; Σ_{k≤t} (1-β1)β1^{t-k} = 1-β1^t", rewrite=in_unit_interval(beta)),
            Step("E[m̄_t]", mean_m_bar, mean * (1 + excess), "m̄_t = c_m·m_t + c_g·g_t is linear in the g_k",
                 rewrite=in_unit_interval(beta)),
            Step("E[m̄_t] = μ·(c_m(1-β1^t) + c_g)", mean_m_bar, mean * factor, "the two steps above",
                 rewrite=in_unit_interval(beta)),
            Step("the factor exceeds 1", 1, _at_stand_ins(factor),
                 "factor - 1 = x(1-β1)²/((1-x)(1-β1x)) > 0, x = β1^t ∈ (0, 1)", relation="<",
                 certificate=positive_excess),
            Step("the factor tends to 1", _limit(factor), 1, "β1^t → 0",
                 rewrite=lambda e: sp.sympify(e).subs(beta, 1 / (1 + UNIT_RHO)).doit()),
        ),
        assumptions=ASSUMPTIONS + ("E[g_k] = μ for every k (stationary)", "m_0 = 0",
                                   "β1^t = 1/(1+κ), κ > 0, in the fifth step"),
        source=SOURCE + "; optax.nadam (scale_by_adam with nesterov=True)",
        scope="the constant schedule, symbolic in t and β1",
        notes=("The decaying schedule's numerator is biased too at finite t (its first step: nadam.first_step); both "
               "biases vanish as t → ∞ (nadam.lookahead_limit)."),
        **about(rule, momentum_schedule="constant"),
    )


# Each builder takes the rule (registry.derivations_about passes RULE or a changed copy).
BUILDERS = {"nadam.first_step": first_step, "nadam.lookahead_limit": lookahead_limit,
            "nadam.lookahead_bias": lookahead_bias}
