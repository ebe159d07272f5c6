"""optax.sgd seen as a gradient-descent run with history, for verify/checks/descent.py.

optax.sgd(η) is gradient descent with a fixed step; optax.sgd(η, momentum=β) keeps the trace m_t = g_t + βm_(t-1)
and steps x_(t+1) = x_t - ηm_t, which is Polyak's heavy ball x_(t+1) = x_t - ηg_t + β(x_t - x_(t-1)) in exact
arithmetic (ηm_(t-1) = x_(t-1) - x_t).  The test (tests/verify/test_descent_check.py) checks both against the
``gradient_descent`` rule.  JAX computes in float32 unless x64 is enabled: checked in float32 only.
"""
from __future__ import annotations

import numpy as np

CHECK_OPTIONS = dict(dtypes=("float32",))


def optax_sgd(x0, *, iterations, lr, momentum=0.0, grad, hvp=None, value=None):
    """``iterations`` updates of optax.sgd(lr, momentum or None) from x0; returns (x_k, [(x_t, g_t), ...])."""
    import jax.numpy as jnp
    import optax

    opt = optax.sgd(lr, momentum=momentum or None)
    params = jnp.asarray(x0)
    state = opt.init(params)
    seen = []
    for _ in range(iterations):
        x = np.asarray(params)
        g = np.asarray(grad(x), dtype=x.dtype)
        seen.append((x.copy(), g.copy()))
        updates, state = opt.update(jnp.asarray(g), state, params)
        params = optax.apply_updates(params, updates)
    return np.asarray(params), seen
