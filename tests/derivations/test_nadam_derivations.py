"""NAdam's derivations prove the rule itself: they hold for the rule, and each planted change in a copy of the rule
(tests/planted/nadam_mutants.py: RULE_MUTANTS, run by test_derivations_mutants.py) fails exactly the derivations
whose proof it breaks."""
import math

import mpmath
import pytest
import sympy as sp

from derivations import DERIVATIONS, RULES
from derivations.core.rule import STEP
from derivations.optimizers import nadam

NAMES = sorted(n for n in DERIVATIONS if n.startswith("nadam."))


def test_the_family_is_registered_and_about_the_rule():
    assert NAMES == ["nadam.first_step", "nadam.lookahead_bias", "nadam.lookahead_limit"]
    assert RULES["nadam"] is nadam.RULE
    assert all(DERIVATIONS[n].rule == "nadam" for n in NAMES)


def test_the_rule_reads_like_torch_by_default():
    rule = nadam.RULE
    assert rule.conventions() == dict(momentum_schedule="decaying", decay="none")
    assert len(list(rule.variants())) == 6
    defaults = {h.name: h.default for h in rule.hyperparameters}
    assert defaults == dict(lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8, momentum_decay=4e-3, weight_decay=0.0)
    constant = {h.name for h in rule.active_hyperparameters(momentum_schedule="constant")}
    assert "momentum_decay" not in constant  # optax has no ψ
    assert rule.nonnegative_state == ("v",)


def test_the_host_product_on_floats_mpmath_and_sympy():
    mu = [0.9 * (1 - 0.5 * 0.96 ** (i * 0.3)) for i in (1, 2, 3)]
    assert nadam.MU_PRODUCT._imp_(3, 0.9, 0.3) == mu[0] * mu[1] * mu[2]
    with mpmath.workprec(200):
        exact = nadam.MU_PRODUCT._imp_(3, mpmath.mpf(0.9), mpmath.mpf(0.3))
    assert math.isclose(float(exact), math.prod(mu), rel_tol=1e-15)
    b, psi = sp.symbols("b psi", positive=True)
    symbolic = nadam.MU_PRODUCT._imp_(sp.Integer(2), b, psi)
    assert sp.simplify(symbolic - nadam.schedule(1, b, psi) * nadam.schedule(2, b, psi)) == 0
    with pytest.raises(ValueError, match="symbolic t"):
        nadam.MU_PRODUCT._imp_(STEP, b, psi)
    assert nadam.MU_PRODUCT._roundings_(STEP, b, psi) == 7 * STEP


def _series_without_its_first_term(t, beta1, psi, prec):
    """A planted bug: the series of ln Π(1 - ½q^i) summed from k = 2 (the term ½·Σq^i lost)."""
    with mpmath.workprec(prec + 64):
        a = psi * mpmath.log(mpmath.mpf(24) / 25)
        total = mpmath.nsum(lambda k: (mpmath.mpf(1) / 2) ** k / k * (
            t if a == 0 else mpmath.exp(k * a) * mpmath.expm1(k * t * a) / mpmath.expm1(k * a)), [2, mpmath.inf])
        return mpmath.exp(t * mpmath.log(beta1) - total)


CASES = [(4097, 0.9, 4e-3), (5000, 0.999, 1.0), (4500, 0.5, 0.0), (6000, 0.99, 3.16), (4200, 0.9999, 1e-10),
         (8000, 0.9999, 4e-3)]


def _agree(a, b, t, prec):
    # the loop rounds t times at prec bits; the series far less: agreement to t·2^-(prec-4), relative
    return abs(a - b) <= abs(b) * t * mpmath.ldexp(1, -(prec - 4))


@pytest.mark.parametrize("t, beta1, psi", CASES)
def test_the_product_by_its_series_is_the_product_by_the_loop(t, beta1, psi):
    prec = 113
    loop = nadam._loop_product(t, mpmath.mpf(beta1), mpmath.mpf(psi), prec)
    with mpmath.workprec(prec):
        series = nadam.MU_PRODUCT._imp_(t, mpmath.mpf(beta1), mpmath.mpf(psi))  # t > SERIES_FROM: the series
    assert t > nadam.SERIES_FROM and _agree(series, loop, t, prec)
    if psi:  # the planted series that loses its first term is told apart (at ψ = 0 every term is ∝ t: also, below)
        assert not _agree(_series_without_its_first_term(t, mpmath.mpf(beta1), mpmath.mpf(psi), prec), loop, t, prec)


def test_the_series_product_at_the_edges_of_the_domain():
    assert nadam._series_product(10**7, mpmath.mpf(0), mpmath.mpf(1), 113) == 0
    with mpmath.workprec(113):  # ψ = 0: μ_i = β1/2 for every i
        assert _agree(nadam._series_product(5000, mpmath.mpf(0.9), mpmath.mpf(0), 113), (mpmath.mpf(0.45)) ** 5000,
                      5000, 113)


@pytest.mark.parametrize("t, beta1, psi", [(10**4 + 1, 0.9999, 1.0), (10**6, 0.999999, 3.0), (2 * 10**4, 0.9, 4e-3)])
def test_the_float_product_past_the_loop_is_within_an_ulp_of_the_exact_one(t, beta1, psi):
    got = nadam.MU_PRODUCT._imp_(t, beta1, psi)
    with mpmath.workprec(200):
        exact = nadam._series_product(t, mpmath.mpf(beta1), mpmath.mpf(psi), 200)
    assert t > nadam.FLOAT_LOOP_UP_TO and abs(got - float(exact)) <= math.ulp(float(exact))
