"""A fake collection of optax-style optimizer factories (functions whose first argument is ``learning_rate``,
returning a ``GradientTransformation``) for the ecosystem scan, so that its tests need no third-party package:

* ``adam_l2``: Adam, Algorithm 1 (Kingma & Ba), ε after the bias correction, L2 decay added to the gradient —
  written here from the paper, not from optax's own adam;
* ``normalized_sgd``: SGD on g/‖g‖ with the norm over every leaf: coupled, so no elementwise rule's;
* ``needs_value``: a transformation whose update needs the loss (``value=``), as optax.contrib.sophia needs
  its objective: it does not run on gradients alone;
* ``scale_by_adam_l2``: a building block (no learning rate): not listed;
* ``sgd``: optax's own, re-exported: not this package's, not listed.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
from optax import sgd  # noqa: F401  (a re-export the scan must skip)


def scale_by_adam_l2(b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0):
    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return (jnp.zeros([], jnp.int32), zeros, zeros)

    def update(grads, state, params):
        count, m, v = state
        count = count + 1
        grads = jax.tree.map(lambda g, p: g + weight_decay * p, grads, params)
        m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        t = count.astype(jnp.float64 if jax.config.jax_enable_x64 else jnp.float32)
        c1, c2 = 1 - b1**t, 1 - b2**t  # in float64 (as torch's Python floats), rounded once to the array's dtype
        step = jax.tree.map(lambda m, v: (m / c1.astype(m.dtype)) / (jnp.sqrt(v / c2.astype(v.dtype)) + eps), m, v)
        return step, (count, m, v)

    return optax.GradientTransformation(init, update)


def adam_l2(learning_rate, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0):
    return optax.chain(scale_by_adam_l2(b1, b2, eps, weight_decay), optax.scale_by_learning_rate(learning_rate))


def normalized_sgd(learning_rate, momentum=0.0):
    def update(grads, state, params=None):
        norm = optax.tree.norm(grads)
        return jax.tree.map(lambda g: g / norm, grads), state

    return optax.chain(optax.GradientTransformation(lambda params: optax.EmptyState(), update),
                       optax.sgd(learning_rate, momentum=momentum or None))


def needs_value(learning_rate, b1=0.9, b2=0.999, eps=1e-8):
    """Adam's hyperparameters (so Adam is tried), and an update that scales by the loss."""
    def update(grads, state, params=None, *, value):
        return jax.tree.map(lambda g: g * value, grads), state

    return optax.chain(optax.GradientTransformationExtraArgs(lambda params: optax.EmptyState(), update),
                       optax.adam(learning_rate, b1, b2, eps))
