"""Kernel argument checks: a clear ValueError naming the argument, and nothing modified."""
import numpy as np
import pytest

from kernels import adam_step, ema_update


def _arrays(n=4, dtype=np.float32):
    rng = np.random.default_rng(0)
    p, g, m, v = (rng.standard_normal(n).astype(dtype) for _ in range(4))
    return [p, g, m, np.abs(v)]


BAD_ADAM = [
    (dict(lr=-1e-3), "lr"), (dict(lr=0.0), "lr"), (dict(lr=float("nan")), "lr"),
    (dict(beta1=1.0), "beta1"), (dict(beta2=-0.1), "beta2"), (dict(eps=0.0), "eps"),
    (dict(eps=float("inf")), "eps"), (dict(weight_decay=-1.0), "weight_decay"),
    (dict(eps_mode="outside"), "eps_mode"), (dict(decay="coupled"), "decay"), (dict(amsgrad="on"), "amsgrad"),
    (dict(amsgrad="raw"), "vmax"), (dict(lr="0.1"), "lr"),
]


@pytest.mark.parametrize("kwargs,name", BAD_ADAM)
def test_adam_rejects_bad_hyperparameters_before_writing(kwargs, name):
    p, g, m, v = _arrays()
    before = [a.copy() for a in (p, g, m, v)]
    with pytest.raises(ValueError, match=name):
        adam_step(p, g, m, v, 1, **kwargs)
    for a, b in zip((p, g, m, v), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("t", [0, -1, 1.5, True])
def test_adam_rejects_bad_step_count(t):
    with pytest.raises(ValueError, match="t "):
        adam_step(*_arrays(), t)


@pytest.mark.parametrize("which,name", [(1, "g"), (0, "p")])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_adam_rejects_nonfinite_inputs_untouched(which, name, bad):
    arrays = _arrays()
    arrays[which][2] = bad
    before = [a.copy() for a in arrays]
    with pytest.raises(ValueError, match=f"{name} contains NaN or inf"):
        adam_step(*arrays, 3)
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b)


def test_adam_rejects_shape_and_dtype_mismatch():
    p, g, m, v = _arrays()
    with pytest.raises(ValueError, match="g has shape"):
        adam_step(p, g[:3], m, v, 1)
    with pytest.raises(ValueError, match="v has dtype float64"):
        adam_step(p, g, m, v.astype(np.float64), 1)
    with pytest.raises(ValueError, match="p must have a floating dtype"):
        adam_step(p.astype(np.int32), g.astype(np.int32), m.astype(np.int32), v.astype(np.int32), 1)
    with pytest.raises(ValueError, match="NumPy or CuPy"):
        adam_step([1.0], g, m, v, 1)


def test_adam_rejects_negative_second_moment():
    p, g, m, v = _arrays()
    v[1] = -1.0
    with pytest.raises(ValueError, match="v must be finite and >= 0"):
        adam_step(p, g, m, v, 1)


def test_adam_rejects_read_only_state():
    p, g, m, v = _arrays()
    m.flags.writeable = False
    with pytest.raises(ValueError, match="m must be writable"):
        adam_step(p, g, m, v, 1)


def test_adam_first_step_matches_hand_computation():
    # t=1 with zero state: m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε) = lr·sign(g) up to ε.
    p = np.array([1.0, 1.0, 1.0])
    g = np.array([0.5, -2.0, 0.0])
    m, v = np.zeros(3), np.zeros(3)
    adam_step(p, g, m, v, 1, lr=0.1, eps=1e-8)
    np.testing.assert_allclose(p, [1 - 0.1 * 0.5 / (0.5 + 1e-8), 1 + 0.1 * 2 / (2 + 1e-8), 1.0], rtol=1e-15)
    np.testing.assert_allclose(m, 0.1 * g, rtol=1e-15)
    np.testing.assert_allclose(v, 0.001 * g**2, rtol=1e-15)


def test_adam_scratch_buffer_gives_identical_results():
    a = _arrays(1000)
    b = [x.copy() for x in a]
    for t in (1, 2, 3):
        adam_step(*a, t, weight_decay=0.1, decay="decoupled")
        adam_step(*b, t, weight_decay=0.1, decay="decoupled", scratch=np.empty_like(b[0]))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_ema_rejects_bad_input_untouched():
    v, g = np.zeros(3), np.ones(3)
    with pytest.raises(ValueError, match="alpha"):
        ema_update(v, g, 1, alpha=1.0)
    with pytest.raises(ValueError, match="g contains NaN"):
        ema_update(v, np.array([1.0, np.nan, 0.0]), 1)
    with pytest.raises(ValueError, match="g has shape"):
        ema_update(v, np.ones(2), 1)
    np.testing.assert_array_equal(v, 0.0)


def test_ema_debiased_first_step_is_the_sample():
    v, g = np.zeros(3), np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(ema_update(v, g, 1, alpha=0.9, debias=True), g, rtol=1e-15)
