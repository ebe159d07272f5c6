"""Kernel arithmetic against hand computation.  Argument checks, layouts, dtypes and errstate are in
test_kernel_guarantees.py."""
import numpy as np

from kernels import adam_step, ema_update


def _arrays(n):
    rng = np.random.default_rng(0)
    p, g, m, v = (rng.standard_normal(n).astype(np.float32) for _ in range(4))
    return [p, g, m, np.abs(v)]


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


def test_ema_debiased_first_step_is_the_sample():
    v, g = np.zeros(3), np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(ema_update(v, g, 1, alpha=0.9, debias=True), g, rtol=1e-15)
