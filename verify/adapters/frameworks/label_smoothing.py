"""Frameworks' label-smoothed cross-entropy as peers of derivations/estimators/label_smoothing.py.

Each adapter is ``loss(logits, labels, eps) -> per-example losses`` (NumPy in, NumPy out) for logits (n, K)
and integer class labels (n,); it never says which convention it follows — verify/checks/label_smoothing.py
finds that by comparing its losses with each convention's 50-digit reference:

* ``torch_cross_entropy``: ``torch.nn.functional.cross_entropy(..., label_smoothing=ε, reduction="none")`` on
  class indices, float64;
* ``optax_smooth_labels``: ``optax.softmax_cross_entropy(logits, optax.smooth_labels(onehot, ε))``, float32
  (JAX's default);
* ``keras_categorical``: ``keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=ε)``, JAX
  backend, float32.
"""
from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")  # before anything imports keras (the peers' loader imports it by name)


def torch_cross_entropy(logits, labels, eps):
    import torch

    out = torch.nn.functional.cross_entropy(torch.from_numpy(np.asarray(logits, dtype=np.float64)),
                                            torch.from_numpy(np.asarray(labels, dtype=np.int64)),
                                            label_smoothing=float(eps), reduction="none")
    return out.numpy()


def optax_smooth_labels(logits, labels, eps):
    import jax.numpy as jnp
    import optax

    onehot = np.eye(np.shape(logits)[1], dtype=np.float32)[labels]
    return np.asarray(optax.softmax_cross_entropy(jnp.asarray(logits, dtype=jnp.float32),
                                                  optax.smooth_labels(jnp.asarray(onehot), float(eps))))


def keras_categorical(logits, labels, eps):
    import keras

    onehot = np.eye(np.shape(logits)[1], dtype=np.float32)[labels]
    loss = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=float(eps), reduction=None)
    return np.asarray(loss(onehot, np.asarray(logits, dtype=np.float32)))


# (framework, label users know, adapter, the package it needs)
PEERS = (
    ("torch", "torch.nn.functional.cross_entropy(label_smoothing=ε)", torch_cross_entropy, "torch"),
    ("optax", "optax.smooth_labels + optax.softmax_cross_entropy", optax_smooth_labels, "optax"),
    ("keras", "keras.losses.CategoricalCrossentropy(label_smoothing=ε)", keras_categorical, "keras"),
)
