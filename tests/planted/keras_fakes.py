"""A fake package of Keras 3 optimizer classes (keras.optimizers.Optimizer subclasses) for the ecosystem scan:

* ``PaperAdam``: Adam, Algorithm 1 (Kingma & Ba), ε after the bias correction, with Keras' own decoupled weight decay
  (the base class applies it) — written here from the paper, not from keras.optimizers.Adam;
* ``NormalizedSGD``: SGD on g/‖g‖ per variable: coupled, so no elementwise rule's.
"""
from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import ops  # noqa: E402


class PaperAdam(keras.optimizers.Optimizer):
    def __init__(self, learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8, weight_decay=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name="paper_adam", **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.m = [self.add_variable_from_reference(v, "m") for v in variables]
        self.v = [self.add_variable_from_reference(v, "v") for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr, t = ops.cast(learning_rate, dtype), ops.cast(self.iterations + 1, "float64")
        c1 = ops.cast(1 - ops.power(self.beta_1, t), dtype)  # 1-β^t in float64, rounded once (as torch's floats)
        c2 = ops.cast(1 - ops.power(self.beta_2, t), dtype)
        m, v = self.m[self._get_variable_index(variable)], self.v[self._get_variable_index(variable)]
        self.assign(m, self.beta_1 * m + (1 - self.beta_1) * gradient)
        self.assign(v, self.beta_2 * v + (1 - self.beta_2) * gradient * gradient)
        self.assign_sub(variable, lr * (m / c1) / (ops.sqrt(v / c2) + self.epsilon))


class NormalizedSGD(keras.optimizers.Optimizer):
    def __init__(self, learning_rate=0.1, momentum=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, name="normalized_sgd", **kwargs)
        self.momentum = momentum

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        self.assign_sub(variable, lr * gradient / ops.sqrt(ops.sum(gradient * gradient)))
