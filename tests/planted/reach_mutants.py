"""Adam written as a real kernel is written — in place, in vectors of 8 with a remainder loop, in blocks of 4096,
on a flat view — with bugs planted where small arrays and early steps never go (None: the faithful copy).

Each bug class of the issue on verification power at scale has a mutant here: the remainder loop, a block
edge, a late step (a step counter held in float32 or int32), a layout (a reshape that copies).  A list-position
bug needs a list of tensors: ``adam_over_lists`` below, for trajectory checks.
"""
from __future__ import annotations

import numpy as np

WIDTH = 8  # elements per "vector" of the main loop
BLOCK = 4096  # elements per block

MUTANTS = (
    "remainder_starts_early",  # the remainder loop starts one element early: that element is updated twice
    "block_edge_skipped",  # the first element of every block after the first is not updated
    "float32_step_counter",  # t held in float32: 2^24 + 1 reads as 2^24
    "int32_step_counter",  # t held in int32: wraps negative at 2^31
    "reshape_copies",  # works on p.reshape(-1), a copy for a non-contiguous array: the update is lost
)
LIST_MUTANTS = (
    "skips_after_empty",  # the tensor after an empty one in the list is not updated
    "second_chunk_dropped",  # tensors are taken in chunks of 8 and only the first chunk is updated
)


def _body(p, g, m, v, lr_c1, c2, beta1, beta2, eps):
    """Adam on one slice, in place, in the order of adam_mutants.adam (one rounding per operation)."""
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    p -= lr_c1 * m / (np.sqrt(v / p.dtype.type(c2)) + p.dtype.type(eps))


def adam(mutation=None):
    def step(p, g, m, v, t, lr, beta1, beta2, eps):
        if mutation == "float32_step_counter":
            t = int(np.float32(t))
        elif mutation == "int32_step_counter":
            t = int(np.array(t).astype(np.int32))
        with np.errstate(all="ignore"):
            c1, c2 = 1 - beta1**t, 1 - beta2**t
            lr_c1 = p.dtype.type(lr / c1)
            if mutation == "reshape_copies" or p.flags.c_contiguous:
                arrays = [a.reshape(-1) for a in (p, g, m, v)]
            else:  # a flat view would be a copy: update the array as it is, whole
                _body(p, g, m, v, lr_c1, c2, beta1, beta2, eps)
                return None
            for start, stop in _blocks(arrays[0].size, mutation):
                _by_vectors(*(a[start:stop] for a in arrays), lr_c1, c2, beta1, beta2, eps, mutation)
        return None

    step.__qualname__ = f"blocked_adam[{mutation}]"
    return step


def _blocks(n, mutation):
    for start in range(0, n, BLOCK):
        skip = mutation == "block_edge_skipped" and start > 0
        yield start + skip, min(start + BLOCK, n)


def _by_vectors(p, g, m, v, lr_c1, c2, beta1, beta2, eps, mutation):
    """The main loop over whole vectors of WIDTH, then the remainder."""
    main = p.size - p.size % WIDTH
    for start in range(0, main, WIDTH * 64):  # many vectors per NumPy call: the same arithmetic, faster
        stop = min(start + WIDTH * 64, main)
        _body(p[start:stop], g[start:stop], m[start:stop], v[start:stop], lr_c1, c2, beta1, beta2, eps)
    tail = main - 1 if mutation == "remainder_starts_early" and main and main < p.size else main
    _body(p[tail:], g[tail:], m[tail:], v[tail:], lr_c1, c2, beta1, beta2, eps)


def adam_over_lists(mutation=None):
    """A trajectory runner over a list of tensors: ``run({"p": [p1, p2, …]}, [[g1, g2, …] per step], …)``."""
    def run(inputs, gradients, lr, beta1, beta2, eps):
        params = [np.array(p) for p in inputs["p"]]
        states = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        seen = []
        for t, grads in enumerate(gradients, 1):
            skip = False
            for k, (p, g) in enumerate(zip(params, grads)):
                m, v = states[k]
                dropped = mutation == "second_chunk_dropped" and k >= 8
                if not dropped and not (skip and mutation == "skips_after_empty"):
                    adam()(p, g, m, v, t, lr[t - 1] if isinstance(lr, list) else lr, beta1, beta2, eps)
                skip = p.size == 0
            seen.append([p.copy() for p in params])
        return seen

    run.__qualname__ = f"adam_over_lists[{mutation}]"
    run.__optverify_lists__ = True
    return run


def catch_rates(seeds: int = 12) -> None:
    """How often each planted bug is caught over ``seeds`` seeds at the default budget (the README's figure):
    ``PYTHONPATH=tests/planted python tests/planted/reach_mutants.py 12``."""
    from verify import check

    cases = [(m, adam(m), False) for m in (None, *MUTANTS)] + [(m, adam_over_lists(m), True)
                                                               for m in (None, *LIST_MUTANTS)]
    for mutation, implementation, trajectory in cases:
        caught = sum(not check("adam", implementation, trajectory=trajectory, seed=s, raise_on_failure=False).passed
                     for s in range(seeds))
        print(f"{mutation or 'faithful copy'}: caught under {caught} of {seeds} seeds", flush=True)


if __name__ == "__main__":
    import sys

    catch_rates(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
