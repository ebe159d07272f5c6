"""optax.lbfgs (zoom line search) as iterates on a quadratic (float64), for ``check_trajectory``: the update
loop is ours, so every iterate is observed; its memory and scaling are inside optax's state.  One jitted step per
(n, memory), the quadratic's A and b passed as arguments (so one compilation serves every drawn problem)."""
from __future__ import annotations

import functools

import numpy as np


def require():
    import jax

    jax.config.update("jax_enable_x64", True)


@functools.lru_cache(maxsize=None)
def _step(memory: int):
    import jax
    import optax

    opt = optax.lbfgs(memory_size=memory)

    @jax.jit
    def step(x, state, A, b):
        f = lambda z: 0.5 * z @ A @ z - b @ z  # noqa: E731
        value, grad = optax.value_and_grad_from_state(f)(x, state=state)
        updates, state = opt.update(grad, state, x, value=value, grad=grad, value_fn=f)
        return optax.apply_updates(x, updates), state

    return opt, step


def optax_lbfgs(A, b, x0, k, memory):
    import jax.numpy as jnp

    require()
    opt, step = _step(min(memory, 64))
    A_, b_ = jnp.asarray(A, dtype=jnp.float64), jnp.asarray(b, dtype=jnp.float64)
    x = jnp.asarray(x0, dtype=jnp.float64)
    state = opt.init(x)
    xs = [np.asarray(x, dtype=np.float64)]
    for _ in range(k):
        x, state = step(x, state, A_, b_)
        xs.append(np.asarray(x, dtype=np.float64))
    return xs
