"""Keras 3 (JAX backend) normalisation layers as implementations of verify/checks/normalization.py's protocol:
``run(problem) -> Outcome``.  Each layer is built in float32 (Keras' default floatx) with the problem's ε and
momentum passed as Keras' own arguments, γ and β assigned, called with ``training=True`` on every batch (eager
calls update the moving statistics), then with ``training=False`` on ``problem.eval_x``.  The channel axis is
1, as in the problems (``axis=1``); LayerNormalization normalises the problem's trailing axes.
"""
from __future__ import annotations

import numpy as np


def require():
    from verify.adapters.frameworks.keras_adapter import require as keras_require

    keras_require()


def _keras():
    from verify.adapters.frameworks.keras_adapter import _import_keras

    return _import_keras()


def _run(layer, problem, moving=False):
    from verify.checks.normalization import Outcome

    def forward(x, training):
        return np.asarray(layer(x.astype(np.float32), training=training))

    layer.build(problem.eval_x.shape)
    layer.gamma.assign(np.asarray(problem.gamma, dtype=np.float32))
    layer.beta.assign(np.asarray(problem.beta, dtype=np.float32))
    train = [forward(x, True) for x in problem.batches]
    y = forward(problem.eval_x, False)
    if not moving:
        return Outcome(train, y)
    return Outcome(train, y, np.asarray(layer.moving_mean), np.asarray(layer.moving_variance))


def batch_normalization(problem):
    keras = _keras()
    layer = keras.layers.BatchNormalization(axis=1, momentum=problem.momentum, epsilon=problem.eps, dtype="float32")
    return _run(layer, problem, moving=True)


def layer_normalization(problem):
    keras = _keras()
    nd = problem.eval_x.ndim
    axes = list(range(nd - problem.dims, nd))
    layer = keras.layers.LayerNormalization(axis=axes if len(axes) > 1 else axes[0], epsilon=problem.eps,
                                            dtype="float32")
    return _run(layer, problem)


def group_normalization(problem):
    keras = _keras()
    layer = keras.layers.GroupNormalization(groups=problem.groups, axis=1, epsilon=problem.eps, dtype="float32")
    return _run(layer, problem)


for _fn, _name in ((batch_normalization, "BatchNormalization"), (layer_normalization, "LayerNormalization"),
                   (group_normalization, "GroupNormalization")):
    _fn.__qualname__ = f"keras.layers.{_name}"
