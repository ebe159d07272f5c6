"""verify.check on RAdam: our kernel passes under every convention, every planted bug is caught, and the faithful
copy raises no false alarm under 20 seeds; the kernel's host scalars (ρ_t, 1-β^t) are accurate where the direct
formulas cancel."""
import math

import mpmath
import numpy as np
import pytest
from radam_mutants import MUTANTS, NEEDS_STEP_5, conventions_for, radam

from derivations import rule
from kernels import radam_step
from kernels.optimizers.radam import one_minus_power, radam_scalars, rho
from verify import check, check_steps, reference_step
from verify.adapters.ours import kernel_for
from verify.checks.elementwise import without_shrinking

VARIANTS = list(rule("radam").variants())


@pytest.mark.parametrize("conventions", VARIANTS, ids=lambda c: ",".join(map(str, c.values())))
def test_numpy_kernel_passes_every_convention(conventions):
    report = check("radam", kernel_for("radam", conventions), conventions, examples=15)
    assert report.passed and report.examples >= 15
    assert report.worst_ratio <= 1.0


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("conventions", VARIANTS[::5], ids=lambda c: ",".join(map(str, c.values())))
def test_numpy_kernel_passes_in_half_precision(conventions, dtype):
    assert check("radam", kernel_for("radam", conventions), conventions, dtypes=(dtype,), examples=15).passed


@pytest.mark.parametrize("mutation", MUTANTS)
def test_each_planted_bug_is_caught_with_default_settings(mutation):
    conv = conventions_for(mutation)
    with without_shrinking():
        report = check("radam", radam(mutation, **conv), conv, raise_on_failure=False)
    assert not report.passed, f"mutant {mutation} was not caught"
    assert "reference_step('radam'" in report.repro


@pytest.mark.parametrize("mutation", NEEDS_STEP_5)
def test_a_threshold_bug_is_caught_once_the_check_reaches_step_5(mutation):
    # gt4 and gt5 differ at t = 5 for β2 = 0.999 (radam.first_rectified_step); the main run's steps never reach it
    conv = conventions_for(mutation)
    report = check("radam", radam(mutation, **conv), conv, steps=6, raise_on_failure=False)
    assert not report.passed and report.counterexample.t == 5
    assert check("radam", radam(None, **conv), conv, steps=6).passed  # and the faithful copy passes there


@pytest.mark.parametrize("seed", range(20))
def test_no_false_alarm_under_20_seeds(seed):
    conv = VARIANTS[seed % len(VARIANTS)]
    assert check("radam", radam(None, **conv), conv, seed=seed, examples=20).passed


def _exact_rho(t, beta2):
    with mpmath.workprec(300):
        b = mpmath.mpf(beta2)
        rho_inf = 2 / (1 - b) - 1
        return float(rho_inf - 2 * t * b**t / (1 - b**t))


@pytest.mark.parametrize("beta2", [0.0, 0.3, 0.5, 0.6, 0.9, 0.999, 0.9999, 1 - 1e-6, 1 - 1e-9, 1 - 1e-12,
                                   0.9999999999999999])
@pytest.mark.parametrize("t", [1, 2, 4, 5, 6, 12, 1000, 10**9])
def test_host_scalars_are_accurate_where_the_direct_formulas_cancel(beta2, t):
    assert abs(rho(t, beta2)[1] - _exact_rho(t, beta2)) <= 8 * 2.0**-52 * max(1.0, _exact_rho(t, beta2))
    with mpmath.workprec(300):
        exact = float(1 - mpmath.mpf(beta2) ** t)
    assert abs(one_minus_power(beta2, t) - exact) <= 4 * 2.0**-52 * exact


def test_rectification_starts_where_the_derivation_says():
    # radam.first_rectified_step: at β2 = 0.999 the paper's test rectifies from t = 5, torch's and optax's from 6
    first = {when: next(t for t in range(1, 20) if radam_scalars(t, 0.999, when)[2] is not None)
             for when in ("gt4", "gt5", "ge5")}
    assert first == {"gt4": 5, "gt5": 6, "ge5": 6}
    assert all(radam_scalars(1, b, "gt4")[1] == pytest.approx(1.0, abs=1e-15) for b in (0.0, 0.5, 0.9, 0.999999))


@pytest.mark.parametrize(("beta2", "t", "direct_rho"), [(1 - 1e-6, 4, "> 4"), (1 - 1e-9, 12, "< 5"),
                                                        (0.9999999948234524, 5, "> 5")])  # torch.optim.RAdam's
def test_the_direct_formula_would_choose_the_other_branch(beta2, t, direct_rho):
    # ρ_t as the paper, torch and optax write it, in float64: wrong side of the threshold; ours: the exact side
    rho_inf = 2 / (1 - beta2) - 1
    direct = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    threshold = float(direct_rho[-1])
    assert (direct > threshold) == (direct_rho[0] == ">")
    assert (rho(t, beta2)[1] > threshold) != (direct > threshold)
    when = "gt4" if threshold == 4 else "gt5"
    arrays = {"p": np.zeros(1), "g": np.ones(1), "m": np.zeros(1), "v": np.zeros(1)}
    hyper = {"lr": 1e-3, "beta1": 0.0, "beta2": beta2, "eps": 1e-8}
    expected = reference_step("radam", arrays, t, hyper, {"rectify_when": when}, dtype="float64")["p"]
    radam_step(arrays["p"], arrays["g"], arrays["m"], arrays["v"], t, rectify_when=when, **hyper)
    assert math.isclose(arrays["p"][0], expected[0], rel_tol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_threshold_is_decided_exactly_near_beta2_one(dtype):
    # new: read in float64, ρ_t = ρ_∞ - 2tβ2^t/(1-β2^t) cancels at β2 = 1 - 1e-9 and fell below 5 at t = 12, so the
    # float32 reference took the momentum branch and our (correct) kernel failed by 8.6e6 ulp
    conv = {"rectify_when": "gt5"}
    report = check_steps("radam", kernel_for("radam", conv), conv, hyperparameters={"beta2": 0.999999999},
                         dtypes=(dtype,), examples=60)
    assert report.passed, report.message()
