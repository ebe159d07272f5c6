"""LARS: our kernel under every convention and optax's lars against the near-exact per-step reference, planted
bugs, and the kernel's guarantees (every check before any write, a ValueError naming the argument)."""
import numpy as np
import pytest
from lars_mutants import MUTANTS

from derivations import REDUCTION_RULES
from kernels import lars_step
from verify.checks.catalogue import check_implementation
from verify.checks.elementwise import without_shrinking
from verify.checks.reduction import check_reduction, kernel_for_reduction

VARIANTS = list(REDUCTION_RULES["lars"].variants())


def _id(conv):
    return f"{conv['trust_denominator']}-{conv['lr_position']}-{'nesterov' if conv['nesterov'] else 'heavy_ball'}"


@pytest.mark.parametrize("conventions", VARIANTS, ids=_id)
def test_the_kernel_passes_every_convention_with_no_false_alarm(conventions):
    report = check_reduction("lars", conventions=conventions)
    assert report.passed, report.message()
    assert report.examples >= 50 and report.mode == "reduction" and 0 < report.worst_ratio <= 1
    assert report.dtypes == ("float32", "float64")


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_every_planted_bug_is_caught_with_default_settings(name):
    mutant, conventions = MUTANTS[name]
    with without_shrinking():  # caught is the generation phase's; shrinking was 98% of this test's 20 s
        report = check_reduction("lars", mutant, conventions)  # (the minimal ones: the two tests below)
    assert not report.passed, name
    problem = report.counterexample["problem"]
    assert "tensor" in problem and "expected" in problem or "not finite" in problem, problem
    assert "reproduce with" in report.message() and mutant.__name__ in report.counterexample["repro"]


def test_a_global_norm_needs_two_tensors_to_be_seen():
    report = check_reduction("lars", MUTANTS["one global norm over all tensors"][0])
    assert len(report.counterexample["inputs"]["params"]) == 2


def test_the_missing_zero_norm_guard_is_caught_at_a_zero_tensor():
    report = check_reduction("lars", MUTANTS["zero-norm guard missing (ratio 0 or NaN, not 1)"][0])
    inputs = report.counterexample["inputs"]
    assert not np.any(inputs["params"][report.counterexample["tensor"]]) or "not finite" in \
        report.counterexample["problem"]


def test_one_trust_ratio_per_tensor_and_ratio_one_at_zero():
    params = [np.array([3.0, 4.0]), np.zeros(2), np.array([[1.0, 0.0]])]
    grads = [np.array([0.0, 2.0]), np.array([1.0, -1.0]), np.array([[0.0, 0.0]])]
    bufs = [np.zeros(2), np.zeros(2), np.zeros((1, 2))]
    lars_step(params, grads, bufs, lr=0.5, trust_coefficient=0.1, momentum=0.9)
    # tensor 0: r = 0.1·5/2 = 0.25, s = 0.5·0.25·g; tensor 1: ‖w‖ = 0, r = 1, s = 0.5·g; tensor 2: g = 0, s = 0
    np.testing.assert_array_equal(bufs[0], [0.0, 0.25])
    np.testing.assert_array_equal(params[0], [3.0, 3.75])
    np.testing.assert_array_equal(params[1], [-0.5, 0.5])
    np.testing.assert_array_equal(params[2], [[1.0, 0.0]])


def _lists():
    rng = np.random.default_rng(0)
    params, grads, bufs = ([rng.standard_normal(4).astype(np.float32), rng.standard_normal((2, 2)).astype(np.float32)]
                           for _ in range(3))
    return params, grads, bufs


def _nan_in_second_gradient(p, g, b):
    g[1][0, 1] = np.nan


def _read_only_second_param(p, g, b):
    p[1].flags.writeable = False


def _second_buffer_aliases_first_param(p, g, b):
    b[1] = p[0].reshape(2, 2)  # a view: the step would write params[0] through bufs[1]


def _wrong_shape(p, g, b):
    b[0] = np.zeros(5, np.float32)


BAD = {  # label: (how the inputs are spoilt, extra keyword arguments, the name the message must start with)
    "list lengths": (lambda p, g, b: g.pop(), {}, "params, grads and bufs"),
    "NaN in grads[1]": (_nan_in_second_gradient, {}, "grads[1]"),
    "lr = 0": (None, dict(lr=0.0), "lr"),
    "momentum = 1": (None, dict(momentum=1.0), "momentum"),
    "negative eps": (None, dict(eps=-1e-8), "eps"),
    "trust_coefficient = 0": (None, dict(trust_coefficient=0.0), "trust_coefficient"),
    "unknown denominator": (None, dict(trust_denominator="global"), "trust_denominator"),
    "read-only params[1]": (_read_only_second_param, {}, "params[1]"),
    "bufs[1] shares params[0]'s memory": (_second_buffer_aliases_first_param, {}, "bufs[1]"),
    "bufs[0] of the wrong shape": (_wrong_shape, {}, "bufs[0]"),
    "not a list": (None, dict(params=np.zeros(3)), "params"),
}


@pytest.mark.parametrize("label", sorted(BAD))
def test_bad_input_is_a_value_error_naming_it_and_nothing_is_written(label):
    spoil, extra, named = BAD[label]
    params, grads, bufs = _lists()
    if spoil:
        spoil(params, grads, bufs)
    before = [a.copy() for a in params + bufs]
    kwargs = dict(dict(params=params, grads=grads, bufs=bufs, lr=0.1), **extra)
    with pytest.raises(ValueError) as caught:
        lars_step(kwargs.pop("params"), kwargs.pop("grads"), kwargs.pop("bufs"), **kwargs)
    assert str(caught.value).startswith(named), str(caught.value)
    for old, new in zip(before, params + bufs):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("bad, match", [
    (dict(conventions={"trust_denominator": "global"}), "not one of"),
    (dict(conventions={"lr": "inside_buffer"}), "no convention axis"),
    (dict(dtypes=("float16",)), "dtypes"),
    (dict(examples=0), "examples"),
    (dict(rule_name="fromage"), "no reduction rule"),  # (lamb is one now)
])
def test_the_check_rejects_bad_options_first(bad, match):
    args = dict(dict(rule_name="lars"), **bad)
    with pytest.raises(ValueError, match=match):
        check_reduction(args.pop("rule_name"), None, args.pop("conventions", None), **args)


def test_our_kernel_is_named_by_its_conventions_and_reached_through_the_catalogue():
    kernel = kernel_for_reduction("lars", {"trust_denominator": "paper"})
    assert kernel.__qualname__ == ("kernels.optimizers.lars.lars_step(trust_denominator='paper', "
                                   "lr_position='inside_buffer', nesterov=False)")
    report = check_implementation("lars", None, {"nesterov": True}, examples=10)
    assert report.passed and report.conventions["nesterov"] is True


# --- optax.lars: which conventions it follows, found by running it --------------------------------------------
OPTAX = dict(trust_denominator="update_norm", lr_position="inside_buffer")


@pytest.mark.parametrize("conventions", VARIANTS, ids=_id)
def test_optax_lars_follows_the_update_norm_with_lr_inside_the_buffer(conventions):
    pytest.importorskip("optax")
    from verify.adapters.frameworks.optax_lars import optax_lars

    report = check_reduction("lars", optax_lars, conventions, examples=30)
    expected = all(conventions[k] == v for k, v in OPTAX.items()) and not conventions["nesterov"]
    assert report.passed == expected, report.message()


@pytest.mark.parametrize("nesterov", [False, True])
def test_optax_lars_nesterov_is_the_rules_nesterov(nesterov):
    pytest.importorskip("optax")
    from verify.adapters.frameworks.optax_lars import optax_lars_nesterov

    report = check_reduction("lars", optax_lars_nesterov, dict(OPTAX, nesterov=nesterov), examples=30)
    assert report.passed == nesterov, report.message()
