"""The minibatch gradient on NumPy or CuPy arrays: ĝ = (1/B) Σ_{i∈batch} g_i.

Written from seed 002_affcfe6d2abfd93d.txt ("Stochastic Gradient Descent": ĝ_mini-batch =
(1/|B|) Σ_{i∈B} ∂ℓ(x⁽ⁱ⁾, y⁽ⁱ⁾, w)/∂w; "Implementation": shuffle all data into a random permutation, take the
next B points, drop a last short batch if need be), never from derivations/.

The randomness is an argument: ``minibatch_gradient`` takes the batch's indices, ``epoch_batches`` a
permutation.  Draw them with your own seeded generator ("do not change seeds ... use the sequence",
seed 002): ``rng.permutation(N)`` gives batches without replacement, ``rng.integers(0, N, B)`` one with.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee


def _indices(name, indices, N):
    xp = check.namespace(indices, name)
    if indices.ndim != 1 or indices.dtype.kind not in "iu":
        raise ValueError(f"{name} must be a 1-D integer array, got shape {indices.shape} and dtype {indices.dtype}")
    if indices.size and not (0 <= int(xp.min(indices)) and int(xp.max(indices)) < N):
        raise ValueError(f"{name} must index the {N} examples: values in [0, {N}), got [{int(xp.min(indices))}, "
                         f"{int(xp.max(indices))}]")
    return xp


@ieee
def minibatch_gradient(per_example, batch):
    """Mean of the rows ``per_example[batch]`` ((N, ...) array, row i the gradient of example i); ``batch`` a
    non-empty 1-D integer array of row indices (repeats allowed: sampling with replacement)."""
    check.floating("per_example", per_example)
    if per_example.ndim < 1:
        raise ValueError("per_example must have a leading axis of examples")
    check.finite("per_example", per_example)
    xp = _indices("batch", batch, per_example.shape[0])
    if batch.size == 0:
        raise ValueError("batch must hold at least one index")
    return xp.sum(per_example[batch], axis=0) / per_example.dtype.type(batch.size)


def epoch_batches(permutation, B: int, drop_last: bool = False):
    """The batches of one epoch: consecutive slices of B indices of ``permutation`` (a shuffled arange(N)).
    A last batch shorter than B is dropped when ``drop_last`` (as for BatchNorm, seed 002)."""
    if isinstance(B, bool) or not isinstance(B, int) or B < 1:
        raise ValueError(f"B (the batch size) must be an integer >= 1, got {B!r}")
    xp = _indices("permutation", permutation, permutation.shape[0] if permutation.ndim == 1 else 0)
    N = permutation.shape[0]
    if bool((xp.sort(permutation) != xp.arange(N)).any()):
        raise ValueError("permutation must hold each of 0..N-1 exactly once")
    stop = N - N % B if drop_last else N
    return [permutation[i:i + B] for i in range(0, stop, B)]
