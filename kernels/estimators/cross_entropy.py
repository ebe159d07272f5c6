"""Cross-entropy against a target *distribution* (soft labels) on NumPy or CuPy arrays.

Written from the definition H(t, q) = −Σ_k t_k log q_k (seed 000_a2fbe8e070163c86.txt §2.3 "Data Smoothing":
mixup's and label smoothing's targets are distributions, not class indices), never from derivations/.
Logits are turned into log-probabilities by a max-shifted log-sum-exp, so that no exp overflows.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee


def _rows(name, array):
    check.floating(name, array)
    check.finite(name, array)
    if array.ndim != 2 or array.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array (examples, classes), got shape {array.shape}")


@ieee
def log_softmax(logits):
    """log q = z − logsumexp(z) per row, the maximum shifted out first (exp ≤ 1, no overflow)."""
    _rows("logits", logits)
    xp = check.namespace(logits, "logits")
    shifted = logits - xp.max(logits, axis=1, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))


@ieee
def soft_cross_entropy(logits, targets):
    """H(t, softmax(z)) = −Σ_k t_k log q_k per row (examples,): targets rows are distributions (≥ 0, sum 1)."""
    _rows("logits", logits)
    _rows("targets", targets)
    check.like("targets", targets, logits, "logits")
    xp = check.namespace(targets, "targets")
    if bool((targets < 0).any()):
        raise ValueError("targets must be >= 0 (each row a distribution over the classes)")
    return -xp.sum(targets * log_softmax(logits), axis=1)
