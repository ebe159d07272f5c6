"""A "passed" must mean something: each test here is a way the first slice passed, or crashed,
where it should have failed with a clear reason (the trust issue).  Each failed on that code."""
import time

import numpy as np
import pytest
import sympy as sp
from adam_mutants import MUTANTS, adam, conventions_for, kwargs_for

import verify.core.deadline
from derivations import Rule
from derivations import rule as find_rule
from derivations.core.rule import sym
from verify import check, check_trajectory
from verify.adapters.ours import kernel_for
from verify.checks.elementwise import ElementwiseTracker, Mismatch, without_shrinking


def returns_42(p, g, m, v, t, lr, beta1, beta2, eps):
    return np.full_like(p, 42), m, v


def buggy_adam(p, g, m, v, t, lr, beta1, beta2, eps):
    """Module level, so a reproduction can import it: ε inside the √."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return p - lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t) + eps), m, v


# --- fixed hyperparameters, names, options ---------------------------------------------------
@pytest.mark.parametrize("fixed,words", [
    ({"beta1": 1.0}, ["beta1", "[0, 1)"]),  # passed with p = 42: the reference was NaN everywhere
    ({"beta1": 1.5}, ["beta1", "[0, 1)"]),
    ({"lr": float("nan")}, ["lr", "(0, inf)"]),
    ({"eps": 0.0}, ["eps", "(0, inf)"]),
    ({"lr": "0.1"}, ["lr", "real number"]),
    ({"lr2": 0.1}, ["lr2", "lr, beta1, beta2, eps, weight_decay"]),  # silently ignored before
])
def test_fixed_hyperparameters_are_checked_against_the_rule(fixed, words):
    with pytest.raises(ValueError) as info:
        check("adam", returns_42, hyperparameters=fixed)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("names,word", [(("lrr",), "lrr"), (("beta1",), "beta1"), ("lr", "schedules")])
def test_unknown_or_unschedulable_schedules_are_rejected(names, word):
    with pytest.raises(ValueError, match=word) as info:
        check("adam", returns_42, schedules=names)
    assert "lr" in str(info.value)


@pytest.mark.parametrize("option,value", [
    ("dtypes", "float64"), ("dtypes", ()), ("dtypes", ("int32",)), ("examples", 0), ("examples", -3),
    ("examples", 2.5), ("examples", True), ("steps", 0), ("max_size", 0), ("seed", 1.5), ("deadline", 0),
    ("deadline", float("inf")),
])
def test_bad_options_name_themselves(option, value):
    with pytest.raises(ValueError, match=option):
        check("adam", returns_42, **{option: value})


def test_options_are_validated_for_trajectories_too():
    with pytest.raises(ValueError, match="beta2"):
        check_trajectory("adam", lambda inputs, gradients, **h: [], hyperparameters={"beta2": 1.0})


# --- non-finite references -----------------------------------------------------------------
def _compare(got, expected, allowed, rounded=None, dtype="float32"):
    """True when one element passes the tracker's comparison."""
    got = np.array([got], dtype=dtype)
    try:
        ElementwiseTracker().compare("p", got, np.array([expected]), np.array([allowed]), np.array([1.0]), t=1, dtype=dtype,
                           arrays={}, hyper={}, rounded=rounded)
    except Mismatch:
        return False
    return True


@pytest.mark.parametrize("got,expected,allowed,passes", [
    (42.0, np.nan, 1e-6, False),  # a number where the reference is undefined: counted as error 0 before
    (42.0, np.inf, np.inf, False),  # a finite value for an infinite reference, even with no bound
    (-np.inf, np.inf, np.inf, False),
    (np.nan, np.inf, np.inf, False),
    (np.nan, np.nan, 0.0, True),  # the same NaN in the same place
    (np.inf, np.inf, 0.0, True),
    (np.nan, 1.0, 1e-3, False),  # NaN for a number under a finite bound
    (np.nan, 1.0, np.inf, True),  # ... allowed only where the analysis sets no bound (its √ may see < 0)
    (np.inf, 3.4028235e38, 1e32, True),  # the exact value is within the bound of float32's overflow point
    (np.inf, 1e38, 1e32, False),
    (-np.inf, 3.4028235e38, 1e32, False),
])
def test_non_finite_values_pass_only_when_matched(got, expected, allowed, passes):
    assert _compare(got, expected, allowed) is passes


@pytest.mark.parametrize("got,rounded,allowed,passes", [
    # Centered RMSProp, α = 1.1e-308, g = v = 0, ḡ = 1: exactly, v - ḡ² = -α² < 0 and the reference is
    # NaN; in float64 ḡ² underflows to 0 and the step is 0.  A value near the float64 evaluation passes.
    (0.0, 0.0, 1e-300, True), (5.0, 0.0, 1e-300, False), (0.0, np.nan, 1e-300, False),
    # α = 3.5e-12, g = ḡ = 1, v = 0 in float32 (soak seed 17): exactly v' - ḡ'² = -α, but 1 - α rounds to
    # 1 and the kernel divides by 0 + ε; the bound is unbounded there, so any value passes.
    (-1e5, np.nan, np.inf, True),
])
def test_an_undefined_reference_within_rounding_of_a_value(got, rounded, allowed, passes):
    assert _compare(got, np.nan, allowed, rounded=np.array([rounded]), dtype="float64") is passes


def test_centered_rmsprop_where_one_minus_alpha_rounds_to_one():
    conv = find_rule("rmsprop").conventions(centered=True, eps_mode="outside_sqrt")
    report = check("rmsprop", kernel_for("rmsprop", conv), conv, seed=17, examples=30, dtypes=("float32",),
                   hyperparameters=dict(alpha=3.5402371138804067e-12))
    assert report.passed


def test_centered_rmsprop_where_the_mean_square_underflows():
    from verify.reference.elementwise import compile_rule

    conv = find_rule("rmsprop").conventions(centered=True, eps_mode="outside_sqrt")
    arrays = {k: np.array([x]) for k, x in dict(p=0.0, g=0.0, v=0.0, gavg=1.0, buf=0.0).items()}
    hyper = dict(lr=1e-3, alpha=1.1125369292536007e-308, eps=1e-8, momentum=0.0)
    assert np.isnan(compile_rule("rmsprop", conv).reference(arrays, 10, hyper, "float64")["p"][0])
    report = check("rmsprop", kernel_for("rmsprop", conv), conv, hyperparameters=dict(alpha=hyper["alpha"]),
                   dtypes=("float64",), examples=40)
    assert report.passed


def test_a_product_that_underflows_before_a_huge_factor_is_charged():
    # Adadelta, lr inside the buffer (found by a faster element strategy, seed 9): u' = g²·lr²·(u+ε)/(v'+ε) with
    # g² subnormal.  Along the rule's tree g²·lr² underflows to 0 before ×(u+ε)/(v'+ε) ≈ 10²⁹, so the float64 value
    # is 0 while the exact one is 7.7e-300: an implementation may legitimately give 0, and ours, multiplying in
    # another order, gave the exact value to 1 ulp — which the bound (charged as value/partial = 0) called a
    # 5e8-ulp error.  The loss of an underflowed partial product is now scaled by the factors left out.
    from verify.checks.elementwise import _verdict
    from verify.reference.elementwise import compile_rule
    from verify.reference.tolerance import REASSOCIATION_FACTOR, bound_program

    conv = {"lr_position": "inside_buffer", "decay": "none"}
    compiled = compile_rule("adadelta", conv)
    arrays = {k: np.array([x]) for k, x in dict(p=0.0, g=8.801260681173758e-162, v=0.0, u=1e21).items()}
    hyper = {"lr": 0.001, "rho": 0.0, "eps": 1e-08}
    expected = compiled.reference(arrays, 10, hyper, "float64")["u"]
    values, bounds, _ = bound_program(compiled).evaluate({**arrays, "t": 10, **hyper}, {}, "float64")
    allowed = REASSOCIATION_FACTOR * bounds[compiled.outputs.index("u")]
    got = dict(arrays)
    kernel_for("adadelta", conv)(**got, t=10, **hyper)
    for candidate in (got["u"], values[compiled.outputs.index("u")]):  # our kernel's order, and the tree's (0)
        assert _verdict(np.asarray(candidate, dtype=np.float64), expected, allowed, "float64")[1].all()


def centered_rmsprop_clamped(p, g, v, buf, gavg, t, lr, alpha, eps, momentum):
    """Centered RMSProp that clamps v - ḡ² at 0: a number where the reference is undefined."""
    v = alpha * v + (1 - alpha) * g * g
    gavg = alpha * gavg + (1 - alpha) * g
    d = g / np.sqrt(np.maximum(v - gavg * gavg, 0) + eps)
    buf = momentum * buf + d
    return p - lr * buf, v, gavg, buf


def test_a_number_where_the_reference_is_undefined_fails():
    report = check("rmsprop", centered_rmsprop_clamped, {"centered": True}, raise_on_failure=False)
    assert not report.passed
    assert "undefined (NaN)" in report.message()


def _sqrt_rule(offset: float) -> Rule:
    """y = √(offset - g²): undefined (NaN) wherever offset - g² < 0."""
    g = sym("g")
    return Rule(name=f"sqrt_{offset:g}", title="test rule", inputs=("g",), state=(), outputs=("y",),
                hyperparameters=(), axes=(), build=lambda conv: ((sym("y"), sp.sqrt(offset - g * g)),),
                source="tests", schedulable=())


def test_a_check_whose_examples_are_all_undefined_does_not_pass():
    report = check_steps_sqrt(-1.0)
    assert not report.passed and report.examples == 0 and report.discarded == _budget(-1.0) + 1
    assert "no example ran" in report.message()


def test_a_check_whose_examples_are_mostly_undefined_does_not_pass():
    report = check_steps_sqrt(1e-12)  # defined only where every drawn g is (nearly) 0
    assert not report.passed and report.discarded > report.examples > 0
    assert report.discarded == _budget(1e-12) + 1  # it stops once it can no longer pass
    assert "most drawn examples were discarded" in report.message()


def _budget(offset) -> int:
    """The most examples check_steps_sqrt runs: its main run's and each reach run's."""
    from verify.checks.elementwise import reach_examples, reach_runs
    from verify.reference.elementwise import compile_rule

    return 20 + len(reach_runs(compile_rule(_sqrt_rule(offset)), 6)) * reach_examples(20)


def check_steps_sqrt(offset):
    def y(g, t):
        with np.errstate(invalid="ignore"):
            return np.sqrt(g.dtype.type(offset) - g * g)

    return check(_sqrt_rule(offset), y, raise_on_failure=False, examples=20, dtypes=("float64",))  # about counting: one dtype


def test_discarded_examples_are_counted_and_reported():
    conv = find_rule("rmsprop").conventions(centered=True)
    report = check("rmsprop", kernel_for("rmsprop", conv), conv, examples=60)
    assert report.passed and report.discarded > 0  # drawn states with v < ḡ² at the first step
    assert report.as_dict()["discarded"] == report.discarded


# --- float16 and bfloat16 ----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("rule", ["adam", "sgd", "rmsprop", "ema"])
def test_kernels_pass_in_half_precision(rule, dtype):
    conv = dict(next(iter(find_rule(rule).variants())))
    report = check(rule, kernel_for(rule, conv), conv, dtypes=(dtype,), examples=30)
    assert report.passed and report.dtypes == (dtype,)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("mutation", ["eps_inside_sqrt", "drop_one_minus_beta1", "swap_betas", "drop_sqrt"])
def test_planted_bugs_are_caught_in_half_precision(mutation, dtype):
    with without_shrinking():  # caught is the generation phase's; shrinking only minimises
        report = check("adam", adam(mutation), dtypes=(dtype,), raise_on_failure=False)
    assert not report.passed and report.counterexample.dtype == dtype


# --- hangs --------------------------------------------------------------------------------
def hangs(p, g, m, v, t, lr, beta1, beta2, eps):
    time.sleep(30)


def test_a_hanging_implementation_fails_at_its_deadline(monkeypatch, capsys):
    monkeypatch.setattr(verify.core.deadline, "FIRST_LINE_AFTER", 0.2)
    monkeypatch.setattr(verify.core.deadline, "EVERY", 0.2)
    start = time.perf_counter()
    report = check("adam", hangs, deadline=1.0, progress=True, raise_on_failure=False)
    assert time.perf_counter() - start < 10
    assert not report.passed and "did not return within 1 s" in report.message()
    assert "waiting for the implementation" in capsys.readouterr().err  # the heartbeat, as plain lines


def test_a_long_check_prints_progress_lines(monkeypatch, capsys):
    monkeypatch.setattr(verify.core.deadline, "FIRST_LINE_AFTER", 0.0)
    monkeypatch.setattr(verify.core.deadline, "EVERY", 0.0)
    check("ema", kernel_for("ema", {"debias": False}), examples=5, progress=True)
    err = capsys.readouterr().err
    assert "examples so far" in err and "\r" not in err


def test_no_deadline_calls_on_this_thread():
    import threading

    seen = []

    def ema(g, v, t, alpha):
        seen.append(threading.current_thread() is threading.main_thread())
        return alpha * v + (1 - alpha) * g, alpha * v + (1 - alpha) * g

    check("ema", ema, examples=3, deadline=None)
    assert seen and all(seen)


# --- failures that read well ---------------------------------------------------------------
def test_a_malformed_result_is_the_checkers_complaint_not_a_crash():
    def two_values(p, g, m, v, t, lr, beta1, beta2, eps):
        return p, m

    report = check("adam", two_values, raise_on_failure=False)
    assert "returned 2 values" in report.message() and "raised Mismatch" not in report.message()


def test_a_shape_problem_reproduction_prints_no_nan_comparison():
    def wrong_shape(p, g, m, v, t, lr, beta1, beta2, eps):
        return p[:1], m, v

    report = check("adam", wrong_shape, raise_on_failure=False)
    assert "came back with shape" in report.message()
    assert "gave nan" not in report.repro and "nan ... " not in report.message()


def test_the_reproduction_imports_an_importable_implementation_and_runs():
    report = check("adam", buggy_adam, raise_on_failure=False)
    assert "from test_check_trust import buggy_adam" in report.repro
    namespace = {}
    exec("\n".join(line[4:] for line in report.repro.splitlines()).replace("print(", "shown = ("), namespace)
    c = report.counterexample
    assert float(namespace["got"][0][c.index]) == c.got  # the snippet reproduces what the check saw
    assert namespace["expected"]["p"][c.index] == c.expected


def test_the_reproduction_of_a_closure_says_how_to_complete_it():
    report = check("adam", adam("drop_sqrt"), raise_on_failure=False)
    assert "cannot be imported" in report.repro
    exec("\n".join(line[4:] for line in report.repro.splitlines()), {})  # still runs: the call is commented


def test_the_reproduction_of_our_kernels_rebuilds_them():
    report = check("adam", kernel_for("adam", find_rule("adam").conventions()), hyperparameters={"eps": 1e-3}, examples=3)
    assert report.passed and report.call[0] == "from verify.adapters.ours import kernel_for"


@pytest.mark.parametrize("mutation", MUTANTS)
def test_counterexamples_have_one_element(mutation):
    report = check("adam", adam(mutation, **kwargs_for(mutation)), conventions_for(mutation), raise_on_failure=False)
    assert all(len(v) == 1 for v in report.counterexample.arrays.values()), report.counterexample.arrays


def test_trajectory_counterexamples_are_cut_at_the_failing_step_on_one_element():
    def run(inputs, gradients, lr, beta1, beta2, eps):
        step = adam("drop_one_minus_beta1")
        p = inputs["p"]
        m, v, seen = np.zeros_like(p), np.zeros_like(p), []
        for t, g in enumerate(gradients, 1):
            out = step(p, g, m, v, t, lr, beta1, beta2, eps)
            p, m, v = out["p"], out["m"], out["v"]
            seen.append(p)
        return seen

    report = check("adam", run, trajectory=True, raise_on_failure=False)
    c = report.counterexample
    assert not report.passed and len(c.history["gradients"]) == c.t
    assert all(len(g) == 1 for g in c.history["gradients"])


def test_a_hanging_optimizer_ends_its_crosscheck_survey():
    from verify.adapters.conventions import fingerprint

    def run(inputs, gradients, **hyperparameters):
        time.sleep(30)

    start = time.perf_counter()
    fp = fingerprint("sgd", run, examples=3, deadline=0.5)
    assert time.perf_counter() - start < 10 and "did not return within" in fp.error


def test_a_hang_is_not_called_again_to_minimise_it():
    calls = []

    def hangs_once(p, g, m, v, t, lr, beta1, beta2, eps):
        calls.append(t)
        time.sleep(30)

    check("adam", hangs_once, deadline=0.3, raise_on_failure=False)
    assert len(calls) == 1


# --- the half-precision soak's findings (python -m verify.soak --dtypes float16 bfloat16) -------------
@pytest.mark.parametrize("rule,conventions,seed", [
    # bfloat16: v - ḡ² rounds to -1, + ε = 1 gives 0, and g = 0 over √0 is NaN where the exact step is 0
    ("rmsprop", dict(centered=True, decay="decoupled"), 13),
    # float16: 1 - α rounds to 1, so v' - ḡ'² = 0 where exactly it is -α < 0 (the reference is NaN)
    ("rmsprop", dict(centered=True, decay="l2"), 30),
    # float16: (g + λp)² overflows to inf inside v = β₂v + (1-β₂)(g + λp)², though v itself is finite
    ("adam", dict(decay="l2"), 32),
])
def test_half_precision_soak_findings(rule, conventions, seed):
    conv = find_rule(rule).conventions(**conventions)
    report = check(rule, kernel_for(rule, conv), conv, seed=seed, examples=30, dtypes=("float16", "bfloat16"))
    assert report.passed


def test_an_intermediate_that_overflows_has_no_bound():
    from verify.reference.elementwise import compile_rule
    from verify.reference.tolerance import bound_program

    compiled = compile_rule("adam", find_rule("adam").conventions())
    arrays = {k: np.array([x], dtype=np.float16) for k, x in dict(p=0.0, g=300.0, m=0.0, v=0.0).items()}
    hyper = dict(lr=1e-3, beta1=0.9, beta2=0.99, eps=1e-3)
    _, bounds, _ = bound_program(compiled).evaluate({**arrays, "t": 1, **hyper}, {}, "float16")
    bound = dict(zip(compiled.outputs, bounds))
    assert np.isinf(bound["v"]).all()  # g² = 90000 > 65504
    _, bounds, _ = bound_program(compiled).evaluate({**arrays, "t": 1, **hyper}, {}, "float32")
    assert np.isfinite(dict(zip(compiled.outputs, bounds))["v"]).all()


@pytest.mark.parametrize("x,b,value,bound", [
    (4.0, 0.0, 2.0, 0.0),  # exact operand: √ is exact apart from its own rounding (added by the caller)
    (-1e-12, 1e-9, 0.0, np.inf),  # negative by less than its error: the root may be NaN or up to √(x+b)
    (-1.0, 1e-9, np.nan, np.nan),  # certainly negative: undefined, not merely unbounded
])
def test_a_root_tells_unbounded_from_undefined(x, b, value, bound):
    from verify.reference.tolerance import _fractional_power

    with np.errstate(invalid="ignore"):  # as BoundProgram.evaluate calls it
        v, e = _fractional_power(np.array([x]), np.array([b]), 0.5, 2.0**-24)
    np.testing.assert_array_equal(v, [value])
    np.testing.assert_array_equal(e, [bound])


def _bounds(exprs, arrays, bounds, env, dtype="float32"):
    from verify.reference.tolerance import BoundProgram

    values, errors, _ = BoundProgram(exprs, list(arrays)).evaluate({**arrays, **env}, bounds, dtype)
    return values, errors


@pytest.mark.parametrize("subnormals", [True, False])
def test_an_exact_zero_has_no_underflow_charge(subnormals):
    """Lion's c = β1·m + (1-β1)·g at m = g = 0 is exactly 0, so sign(c) is exact (its sign(0) → +1 bug shows);
    a subnormal sum is exact where subnormals are kept, and may be flushed (to 0: ≤ the smallest normal) where not."""
    from verify.reference.tolerance import BoundProgram

    b, m, g = sp.symbols("b m g", real=True)
    c = b * m + (1 - b) * g
    arrays = {"m": np.array([0.0, 1e-44]), "g": np.array([0.0, 0.0])}
    values, errors, _ = BoundProgram([c, sp.sign(c), m + g], ["m", "g"]).evaluate({**arrays, "b": 0.5}, {},
                                                                                     "float32", subnormals)
    assert errors[0][0] == 0.0 and errors[1][0] == 0.0 and errors[2][0] == 0.0  # exact: sign(0) = 0 must come out
    assert errors[0][1] >= np.finfo(np.float32).smallest_subnormal  # 0.5·1e-44 underflows
    flushed = errors[2][1] >= np.finfo(np.float32).tiny
    assert flushed == (not subnormals) and (flushed or errors[2][1] < np.finfo(np.float32).smallest_subnormal)


def test_abs_is_exact_and_sign_flips_only_where_its_operand_may_change_sign():
    x = sp.Symbol("x", real=True)
    arrays = {"x": np.array([-2.0, 1e-9, 0.0, 0.0])}
    error = {"x": np.array([1e-6, 1e-6, 0.0, 1e-6])}
    (a, s), (ea, es) = _bounds([sp.Abs(x), sp.sign(x)], arrays, error, {})
    np.testing.assert_array_equal(a, [2.0, 1e-9, 0.0, 0.0])
    np.testing.assert_array_equal(ea, error["x"])  # |x| adds no rounding: its operand's error only
    np.testing.assert_array_equal(s, [-1.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(es, [0.0, 2.0, 0.0, 2.0])  # 1e-9 ± 1e-6 and 0 ± 1e-6 may come out as -1


def test_a_host_side_test_picks_one_branch_and_its_bound():
    from derivations.core.rule import STEP

    x = sp.Symbol("x", real=True)
    chosen = sp.Piecewise((x * x * x, STEP > 5), (x, True))  # the first branch rounds twice, the second never
    arrays = {"x": np.array([3.0])}
    for t, value, rounded in ((6, 27.0, True), (5, 3.0, False)):
        (v,), (e,) = _bounds([chosen], arrays, {}, {"t": t})
        assert v[0] == value and (e[0] > 0) == rounded


def test_a_host_function_is_charged_the_roundings_it_declares():
    from derivations.core.rule import STEP, host_function

    b = sp.Symbol("b", real=True)
    power = host_function("power_by_loop", lambda t, b: b**t, lambda t, b: t)  # t roundings, declared
    arrays = {"x": np.array([1.0])}
    (v,), (e,) = _bounds([sp.Symbol("x", real=True) * power(STEP, b)], arrays, {}, {"t": 10, "b": 0.5}, "float64")
    assert v[0] == 0.5**10
    # the host value's 10 roundings at u = 2⁻⁵³, then the product's own rounding at the array's u
    assert e[0] == pytest.approx(10 * 2.0**-53 * 0.5**10 + 2.0**-53 * 0.5**10, rel=1e-12)
