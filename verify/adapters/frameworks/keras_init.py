"""keras.initializers as peers of derivations/estimators/initialization.py (JAX backend, float32).

Each adapter is ``init(shape, seed) -> NumPy float64 array``: the initializer built with ``seed`` and called on
``shape``.  Nothing here says which fan, layout or gain it uses: verify/checks/initialization.py finds that from
the variance of what it draws.
"""
from __future__ import annotations

import os

import numpy as np


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    return keras


def require():
    _keras()


def _init(name, **options):
    def init(shape, seed):
        keras = _keras()
        return np.asarray(getattr(keras.initializers, name)(seed=seed, **options)(tuple(shape)), dtype=np.float64)
    init.__qualname__ = f"keras.initializers.{name}({', '.join(f'{k}={v!r}' for k, v in options.items())})"
    return init


glorot_uniform = _init("GlorotUniform")
glorot_normal = _init("GlorotNormal")
he_uniform = _init("HeUniform")
he_normal = _init("HeNormal")
truncated_normal_std1 = _init("TruncatedNormal", stddev=1.0)

# (label, adapter)
PEERS = (
    ("keras.initializers.GlorotUniform", glorot_uniform),
    ("keras.initializers.GlorotNormal", glorot_normal),
    ("keras.initializers.HeUniform", he_uniform),
    ("keras.initializers.HeNormal", he_normal),
)
