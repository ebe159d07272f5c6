"""verify.check on SGD-momentum and RMSProp: the kernels pass under every convention, every planted
bug is caught, and the faithful copies raise no false alarm."""
import numpy as np
import pytest
from momentum_mutants import RMSPROP_MUTANTS, SGD_MUTANTS, rmsprop_for, rmsprop_with, sgd_for, sgd_with

from derivations import rule
from kernels import rmsprop_step, sgd_step
from verify import check
from verify.adapters.ours import kernel_for
from verify.checks.elementwise import without_shrinking

VARIANTS = [("sgd", c) for c in rule("sgd").variants()] + [("rmsprop", c) for c in rule("rmsprop").variants()]


@pytest.mark.parametrize("name,conventions", VARIANTS, ids=lambda x: x if isinstance(x, str) else
                         ",".join(map(str, x.values())))
def test_numpy_kernel_passes_every_convention(name, conventions):
    # A learning-rate schedule (a new lr every step) is drawn too: lr inside the buffer must use each step's lr.
    report = check(name, kernel_for(name, conventions), conventions, examples=15, schedules=("lr",))
    assert report.passed and report.examples >= 15


PLANTED = [("sgd", sgd_for, m) for m in SGD_MUTANTS] + [("rmsprop", rmsprop_for, m) for m in RMSPROP_MUTANTS]


@pytest.mark.parametrize("name,factory,mutation", PLANTED, ids=lambda x: x if isinstance(x, str) else "")
def test_each_planted_bug_is_caught(name, factory, mutation):
    step, conv = factory(mutation)
    with without_shrinking():
        report = check(name, step, conv, raise_on_failure=False)
    assert not report.passed, f"{name} mutant {mutation} was not caught"
    assert report.counterexample.error_ulps > report.counterexample.allowed_ulps


FAITHFUL = [("sgd", sgd_with, {}), ("sgd", sgd_with, {"nesterov": True, "lr_position": "inside_buffer"}),
            ("sgd", sgd_with, {"decay": "decoupled", "init": "first_gradient"}),
            ("rmsprop", rmsprop_with, {}), ("rmsprop", rmsprop_with, {"centered": True, "eps_mode": "outside_sqrt"})]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name,factory,conv", FAITHFUL, ids=lambda x: str(x) if not callable(x) else "")
def test_faithful_copies_raise_no_false_alarm(seed, name, factory, conv):
    assert check(name, factory(conv), conv, seed=seed, examples=30, schedules=("lr",)).passed


def test_sgd_forms_agree_for_a_constant_lr_and_differ_when_it_changes():
    # sgd.momentum_forms and sgd.lr_position_witness, numerically on the kernel.
    g = [np.array([1.0]), np.array([0.0])]

    def run(position, lrs):
        p, buf = np.zeros(1), np.zeros(1)
        for t, (grad, lr) in enumerate(zip(g, lrs), 1):
            sgd_step(p, grad, buf, t, lr=lr, momentum=0.5, lr_position=position)
        return p[0]

    assert run("inside_buffer", [1.0, 1.0]) == run("outside_buffer", [1.0, 1.0]) == -1.5
    assert (run("inside_buffer", [1.0, 2.0]), run("outside_buffer", [1.0, 2.0])) == (-1.5, -2.0)


BAD = [
    ("sgd", dict(lr=0.0), "lr"), ("sgd", dict(momentum=1.0), "momentum"), ("sgd", dict(dampening=1.5), "dampening"),
    ("sgd", dict(weight_decay=-0.1), "weight_decay"), ("sgd", dict(lr_position="middle"), "lr_position"),
    ("sgd", dict(init="ones"), "init"), ("sgd", dict(nesterov="yes"), "nesterov"), ("sgd", dict(decay="x"), "decay"),
    ("rmsprop", dict(alpha=1.0), "alpha"), ("rmsprop", dict(eps=0.0), "eps"), ("rmsprop", dict(eps=np.nan), "eps"),
    ("rmsprop", dict(momentum=-0.1), "momentum"), ("rmsprop", dict(eps_mode="x"), "eps_mode"),
    ("rmsprop", dict(centered=True), "gavg"), ("rmsprop", dict(momentum=0.9, buf=None), "buf"),
]


def _call(name, **kwargs):
    rng = np.random.default_rng(0)
    p, g, s = (rng.standard_normal(4).astype(np.float32) for _ in range(3))
    arrays = [p, g, np.abs(s)]
    before = [a.copy() for a in arrays]
    if name == "sgd":
        return arrays, before, lambda: sgd_step(p, g, arrays[2], 1, **kwargs)
    kwargs.setdefault("buf", np.zeros_like(p))
    return arrays, before, lambda: rmsprop_step(p, g, arrays[2], 1, **kwargs)


@pytest.mark.parametrize("name,kwargs,argument", BAD)
def test_bad_arguments_are_named_and_nothing_is_written(name, kwargs, argument):
    arrays, before, call = _call(name, **kwargs)
    with pytest.raises(ValueError, match=argument):
        call()
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["sgd", "rmsprop"])
def test_nonfinite_gradient_and_shape_mismatch_are_rejected(name):
    arrays, before, call = _call(name)
    arrays[1][0] = np.inf
    with pytest.raises(ValueError, match="g contains NaN or inf"):
        call()
    np.testing.assert_array_equal(arrays[0], before[0])
    p = np.zeros(4, np.float32)
    with pytest.raises(ValueError, match="has shape"):
        (sgd_step(p, np.zeros(3, np.float32), np.zeros(4, np.float32), 1) if name == "sgd" else
         rmsprop_step(p, np.zeros(3, np.float32), np.zeros(4, np.float32), 1))
