"""Elementwise kernels in cache-sized tiles: every in-place pass of a step runs over one tile before the next.

A kernel's step is a chain of in-place ufunc passes (m *= β1, tmp = (1-β1)·g, m += tmp, ...).  Run over whole
arrays, each pass streams every array it touches through memory, a dozen times a step; run over one tile of
every array at a time, the tile's p, g, state and work buffers stay in the core's L2 cache from the first pass to
the last, and each element crosses the memory bus once.  A kernel writes its step once, as ``body``, and hands
it to ``tiled`` with its arrays: ``body`` runs on consecutive flat tiles of all of them, or once on the whole
arrays where tiles cannot be cut (below).

Nothing changes per element: every element goes through the same ufuncs, with the same scalars, in the same
order, and the elementwise IEEE operations (+, -, ×, ÷, √, max, |x|, sign) do not depend on an element's
neighbours or on how many elements a call gets, so tiled and whole-array steps agree to the bit
(tests/kernels/test_kernel_tiling.py).  That needs the arrays to be disjoint, which the kernels' validation
makes sure of before anything is written.

Tiles are cut from flat views, so every array must be contiguous in one order (C, or all Fortran); a strided
view, or a mix of orders, runs as one whole-array call with whole-array work buffers, as the kernels always
did.  So do CuPy arrays: a GPU gains nothing from tiles (the fused kernel is one pass already).

TILE_BYTES (per array) was chosen by measurement on the 2-core bench machine (AMD EPYC, 1 MiB L2 per core, 32 MiB
L3): float32 Adam, SGD, RMSProp and Adadelta at 1M and 10M parameters, tiles of 2^12 ... 2^18 elements, interleaved
rounds, medians (the sweep is in the closing note of issue 13).  2^17 float32 elements was fastest or within 3 % of
it in every case; 2^16 was 1-4 % slower.  Tiles that keep all of a step's arrays in L2 (2^14, six or seven arrays of
64 KiB) lose: NumPy pays about a microsecond of Python and dispatch per ufunc call, a dozen calls a tile, and its
loops run about as fast from L3 as from L2; what matters is that the arrays stream from memory once a step, not a
dozen times.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy

TILE_BYTES = 1 << 19  # 512 KiB: 2^17 float32 elements a tile, 2^16 float64

_local = threading.local()  # per thread: the work buffers of the tiled path, reused by every step
_threads = {"count": 1, "pool": None}  # set_threads: tiles shared among this many threads


def set_threads(count: int) -> None:
    """Share a step's tiles among ``count`` threads (default 1).  NumPy's ufuncs release the GIL, so the threads
    run in parallel; each element still goes through the same ufuncs with the same scalars, so the results are
    bit-identical to one thread (tests/kernels/test_kernel_tiling.py)."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"threads: expected an integer >= 1, got {count!r}")
    if count != _threads["count"]:
        if _threads["pool"] is not None:
            _threads["pool"].shutdown()
        _threads.update(count=count, pool=ThreadPoolExecutor(count, "optverify-tile") if count > 1 else None)


def threads() -> int:
    return _threads["count"]


def tile_elements(dtype) -> int:
    """Elements of ``dtype`` in one tile."""
    return max(1, TILE_BYTES // numpy.dtype(dtype).itemsize)


def _flat(arrays):
    """1-D views of ``arrays`` (None stays None) in one memory order, or None if some array has no such view."""
    present = [a for a in arrays if a is not None]
    for order, contiguous in (("C", "c_contiguous"), ("F", "f_contiguous")):
        if all(getattr(a.flags, contiguous) for a in present):
            return [None if a is None else a.reshape(-1, order=order) for a in arrays]
    return None


def _storage(dtype, size: int, scratch):
    """``size`` elements to cut the work buffers from: the caller's scratch where it is contiguous and large
    enough, else this thread's buffer for ``dtype`` (grown as needed, never shrunk: a few hundred KiB)."""
    if scratch is not None and scratch.flags.c_contiguous and scratch.size >= size:
        return scratch.reshape(-1)[:size]
    buffers = _local.__dict__.setdefault("buffers", {})
    buffer = buffers.get(dtype)
    if buffer is None or buffer.size < size:
        buffer = buffers[dtype] = numpy.empty(size, dtype)
    return buffer[:size]


def tiled(xp, body, arrays, *, work: int = 0, scratch=None) -> None:
    """Run ``body(*arrays, *work_buffers)`` over cache-sized tiles of ``arrays``.

    ``arrays``: the kernel's arrays, all of one shape and dtype, disjoint where written (the kernel has
    validated them); None for state that the conventions leave unused, passed to ``body`` as None.
    ``work``: how many work buffers ``body`` takes after them, each shaped like the tile (whatever values).
    ``scratch``: the caller's work array like ``arrays[0]``, or None: the first work buffer of the whole-array
    call, and the storage of the tiled path's work buffers where it is contiguous and large enough.
    """
    reference = arrays[0]
    flat = _flat(arrays) if xp is numpy else None
    if flat is None:  # one call on the whole arrays, as they are, with whole-array work buffers
        given = [scratch] if work and scratch is not None else []
        body(*arrays, *given, *(xp.empty_like(reference) for _ in range(work - len(given))))
        return
    n = reference.size
    tile = max(1, min(n, tile_elements(reference.dtype)))  # n = 0: no tile at all
    starts = range(0, n, tile)
    pool = _threads["pool"]
    if pool is None or len(starts) < 2:
        _run_tiles(body, flat, starts, tile, n, work, scratch)
        return
    errors = numpy.geterr()  # the caller's errstate (the kernel's ieee()): thread-local in NumPy, so passed on
    share = [starts[k::_threads["count"]] for k in range(_threads["count"])]
    futures = [pool.submit(_run_tiles, body, flat, mine, tile, n, work, None, errors) for mine in share if mine]
    for future in futures:
        future.result()  # an exception in a thread is raised here


def _run_tiles(body, flat, starts, tile: int, n: int, work: int, scratch, errors=None) -> None:
    """``body`` on the tiles that begin at ``starts``, with work buffers of this thread (or the caller's scratch)."""
    storage = _storage(flat[0].dtype, work * tile, scratch)
    full = [storage[k * tile:(k + 1) * tile] for k in range(work)]
    with numpy.errstate(**(errors or numpy.geterr())):
        for start in starts:
            stop = min(start + tile, n)
            buffers = full if stop - start == tile else [b[:stop - start] for b in full]  # the last, shorter tile
            body(*(None if a is None else a[start:stop] for a in flat), *buffers)
