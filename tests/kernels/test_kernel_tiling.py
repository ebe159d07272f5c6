"""The elementwise kernels run in cache-sized tiles (kernels/core/tiling.py): the same bits as before, at every tile
boundary, in every layout, with validation still ahead of any write.

1. Old against new: every convention of every elementwise kernel (adam, sgd, rmsprop, ema, adagrad, nadam, radam,
   adamax, lion, adadelta) hashes the arrays it writes after three steps on fixed inputs; GOLDEN holds the hashes
   the kernels gave before tiling (commit 3ffa115, one whole-array ufunc pass after another), and the tiled
   kernels must give them under the default tile and under tiles of a few dozen elements.
2. Tiled against whole-array: at sizes 0, 1, one tile less one, one tile, one tile and one, several tiles and a
   bit, every convention and dtype (bfloat16 too) gives the bits of the whole-array call.
3. Layouts: strided views, Fortran order, mixed orders (the whole-array path), 0-d arrays, a caller's scratch.
4. A bad value in the last tile is a ValueError before the first tile is written.
5. A step allocates tiles, never an array of the parameters' size.

Inputs are made as in test_kernel_golden.py (exact operations on a frozen RandomState stream), so the bits are the
same on every IEEE machine, up to the host scalars' libm functions (pow, exp, log1p, expm1 in nadam and radam):
a hash that differs on another platform for those two only points there first.
"""
from __future__ import annotations

import hashlib
import inspect
import itertools
import tracemalloc

import ml_dtypes
import numpy as np
import pytest

import kernels
from kernels.core import tiling

DECAYS = ("none", "l2", "decoupled")
STEPS = ((1, 0.0123), (2, 1.0), (7, 0.0071))  # (t, lr): RAdam rectifies at t = 7 only, NAdam's μ_t moves
SIGNED = ("p", "m", "buf", "gavg")  # every array the kernels take, drawn in this order for every case
SECOND_MOMENTS = ("v", "vmax", "G", "u")

# kernel -> (step function, positional arrays, keyword state the conventions use, convention axes, hyperparameters)
SPECS = {
    "adam": ("adam_step", ("p", "g", "m", "v"), lambda c: ("vmax",) * (c["amsgrad"] != "off"),
             dict(eps_mode=("after_correction", "inside_sqrt", "uncorrected"), bias_correction=(True, False),
                  decay=DECAYS, amsgrad=("off", "raw", "corrected")),
             dict(beta1=0.87, beta2=0.993, eps=1e-3, weight_decay=0.047)),
    "sgd": ("sgd_step", ("p", "g", "buf"), lambda c: (),
            dict(lr_position=("outside_buffer", "inside_buffer"), init=("zero", "first_gradient"),
                 nesterov=(False, True), decay=DECAYS),
            dict(momentum=0.83, dampening=0.17, weight_decay=0.047)),
    "rmsprop": ("rmsprop_step", ("p", "g", "v"), lambda c: ("gavg",) * c["centered"] + ("buf",) * (c["momentum"] > 0),
                dict(eps_mode=("inside_sqrt", "outside_sqrt"), centered=(False, True),
                     lr_position=("outside_buffer", "inside_buffer"), decay=DECAYS, momentum=(0.0, 0.83)),
                dict(alpha=0.91, eps=1e-3, weight_decay=0.047)),
    "ema": ("ema_update", ("v", "g"), lambda c: (), dict(debias=(False, True), init=("zero", "first_sample")),
            dict(alpha=0.87)),
    "adagrad": ("adagrad_step", ("p", "g", "G"), lambda c: (), dict(eps_mode=("inside_sqrt", "outside_sqrt"),
                                                                    decay=DECAYS),
                dict(eps=1e-3, lr_decay=0.01, weight_decay=0.047)),
    "nadam": ("nadam_step", ("p", "g", "m", "v"), lambda c: (),
              dict(momentum_schedule=("decaying", "constant"), decay=DECAYS),
              dict(beta1=0.87, beta2=0.993, eps=1e-3, momentum_decay=4e-3, weight_decay=0.047)),
    "radam": ("radam_step", ("p", "g", "m", "v"), lambda c: (),
              dict(rectify_when=("gt4", "gt5", "ge5"), eps_mode=("after_correction", "uncorrected"), decay=DECAYS),
              dict(beta1=0.87, beta2=0.993, eps=1e-3, weight_decay=0.047)),
    "adamax": ("adamax_step", ("p", "g", "m", "u"), lambda c: (), dict(eps_mode=("inside_max", "outside_max"),
                                                                       decay=DECAYS),
               dict(beta1=0.87, beta2=0.993, eps=1e-3, weight_decay=0.047)),
    "lion": ("lion_step", ("p", "g", "m"), lambda c: (), dict(decay=DECAYS),
             dict(beta1=0.87, beta2=0.97, weight_decay=0.047)),
    "adadelta": ("adadelta_step", ("p", "g", "v", "u"), lambda c: (),
                 dict(lr_position=("outside_buffer", "inside_buffer"), decay=DECAYS),
                 dict(rho=0.91, eps=1e-3, weight_decay=0.047)),
}


def cases():
    for kernel, (_, _, _, axes, _) in SPECS.items():
        for values in itertools.product(*axes.values()):
            yield kernel, dict(zip(axes, values))


def case_id(kernel: str, conventions: dict) -> str:
    return f"{kernel}[{','.join(f'{k}={v}' for k, v in conventions.items())}]"


CASES = list(cases())
IDS = [case_id(*c) for c in CASES]


def _signed(rng, n: int, dtype):
    """Values over a dozen binades, an exact 0 and a -0 where there is room; exact operations only."""
    x = np.ldexp(rng.random_sample(n) * 2.0 - 1.0, rng.randint(-10, 4, n))
    x[:2] = (0.0, -0.0)[:min(n, 2)]
    return x.astype(dtype)


def make_arrays(n: int, dtype, seed: int = 20240) -> tuple[dict, list]:
    """Every array any kernel takes (contiguous, n elements), and the gradients of STEPS."""
    rng = np.random.RandomState(seed)
    arrays = {name: _signed(rng, n, dtype) for name in SIGNED}
    # second moments ≥ 0, and v ≥ gavg² with room, so that centered RMSProp's v - gavg² stays > 0
    gavg = arrays["gavg"].astype(np.float64)
    for name in SECOND_MOMENTS:
        arrays[name] = np.asarray(2.0 * gavg**2 + np.abs(_signed(rng, n, np.float64)), dtype)
    return arrays, [_signed(rng, n, dtype) for _ in STEPS]


def written(kernel: str, conventions: dict) -> list:
    """The arrays a step of ``kernel`` writes under ``conventions`` (scratch aside)."""
    _, positional, state, _, _ = SPECS[kernel]
    return [a for a in positional if a != "g"] + list(state(conventions))


def step(kernel: str, conventions: dict, arrays: dict, t: int, lr: float, impl=kernels, **extra):
    """One step of ``kernel`` (from ``impl``) on ``arrays``, in place; what it returns."""
    name, positional, state, _, hyper = SPECS[kernel]
    lr_arg = {} if kernel == "ema" else dict(lr=lr)
    return getattr(impl, name)(*(arrays[a] for a in positional), t, **{a: arrays[a] for a in state(conventions)},
                               **lr_arg, **hyper, **conventions, **extra)


def run(kernel: str, conventions: dict, arrays: dict, gradients: list, impl=kernels, **extra) -> list:
    """STEPS of ``kernel`` on ``arrays`` (changed in place); the bytes of every array it writes (the debiased EMA's
    average too) after each step."""
    out = []
    for (t, lr), g in zip(STEPS, gradients):
        arrays["g"] = g
        result = step(kernel, conventions, arrays, t, lr, impl, **extra)
        results = [arrays[a] for a in written(kernel, conventions)] + ([result] if kernel == "ema" else [])
        out += [np.ascontiguousarray(a).tobytes() for a in results]
    return out


def digest(kernel: str, conventions: dict, impl=kernels) -> str:
    """The hash of GOLDEN: float16, float32, float64 at 1,000 elements, float32 at 40,003 (several tiles of any
    size up to 2^15 elements, and not a multiple of one)."""
    parts = []
    for dtype, n in (("float16", 1000), ("float32", 1000), ("float64", 1000), ("float32", 40003)):
        arrays, gradients = make_arrays(n, dtype)
        for b in run(kernel, conventions, arrays, gradients, impl):
            parts.append(b)
    return hashlib.sha256(b"".join(parts)).hexdigest()[:16]


@pytest.fixture
def small_tiles(monkeypatch):
    """Tiles of 64 bytes: 16 float32 elements, 8 float64, 32 float16 or bfloat16."""
    monkeypatch.setattr(tiling, "TILE_BYTES", 64)
    return 64


@pytest.fixture
def whole_arrays(monkeypatch):
    """Force the whole-array path (the one strided views take), as the kernels ran before tiling."""

    def use_whole_arrays():
        monkeypatch.setattr(tiling, "_flat", lambda arrays: None)

    return use_whole_arrays


# ---------------------------------------------------------------------------------------------------------------
# 1. Old against new.


@pytest.mark.parametrize("kernel,conventions", CASES, ids=IDS)
def test_same_bits_as_the_kernels_before_tiling(kernel, conventions, monkeypatch):
    expected = GOLDEN[case_id(kernel, conventions)]
    assert digest(kernel, conventions) == expected, "the kernel's arithmetic changed (default tiles)"
    monkeypatch.setattr(tiling, "TILE_BYTES", 1024)
    assert digest(kernel, conventions) == expected, "the kernel's arithmetic changed (1024-byte tiles)"


@pytest.fixture
def three_threads():
    tiling.set_threads(3)
    yield 3
    tiling.set_threads(1)


@pytest.mark.parametrize("kernel,conventions", CASES, ids=IDS)
def test_tiles_shared_among_threads_give_the_same_bits(kernel, conventions, three_threads, monkeypatch):
    monkeypatch.setattr(tiling, "TILE_BYTES", 1024)  # many tiles, so every thread gets some
    assert digest(kernel, conventions) == GOLDEN[case_id(kernel, conventions)]


def test_threads_must_be_a_positive_integer():
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="threads"):
            tiling.set_threads(bad)
    assert tiling.threads() == 1


def test_the_table_covers_every_case_and_no_other():
    assert set(GOLDEN) == set(IDS)
    assert {kernel for kernel, _ in CASES} == set(SPECS)


# ---------------------------------------------------------------------------------------------------------------
# 2. Tiled against whole-array, at every tile boundary.

DTYPES = [np.float16, ml_dtypes.bfloat16, np.float32, np.float64]


def _sizes(dtype) -> list:
    tile = tiling.tile_elements(dtype)
    return [0, 1, tile - 1, tile, tile + 1, 3 * tile + 5]


def _tiled_and_whole(kernel, conventions, n, dtype, use_whole_arrays):
    tiled = run(kernel, conventions, *make_arrays(n, dtype))
    use_whole_arrays()
    return tiled, run(kernel, conventions, *make_arrays(n, dtype))


@pytest.mark.parametrize("kernel,conventions", CASES, ids=IDS)
def test_small_tiles_give_the_bits_of_one_whole_array_call(kernel, conventions, small_tiles, monkeypatch):
    for dtype, n in ((dtype, n) for dtype in DTYPES for n in _sizes(dtype)):
        with monkeypatch.context() as patch:
            tiled, whole = _tiled_and_whole(kernel, conventions, n, dtype,
                                            lambda: patch.setattr(tiling, "_flat", lambda arrays: None))
        assert tiled == whole, f"{np.dtype(dtype).name}, n = {n}"


FIRST_CASES = [next(c for c in CASES if c[0] == kernel) for kernel in SPECS]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("kernel,conventions", FIRST_CASES, ids=[case_id(*c) for c in FIRST_CASES])
def test_default_tiles_give_the_bits_of_one_whole_array_call(kernel, conventions, dtype, monkeypatch):
    tile = tiling.tile_elements(dtype)
    assert tile >= 1024  # the default is cache-sized, not the small tiles of the other tests
    for n in (tile - 1, tile + 1, 2 * tile + 3):
        with monkeypatch.context() as patch:
            tiled, whole = _tiled_and_whole(kernel, conventions, n, dtype,
                                            lambda: patch.setattr(tiling, "_flat", lambda arrays: None))
        assert tiled == whole, f"n = {n}"


# ---------------------------------------------------------------------------------------------------------------
# 3. Layouts.

SENTINEL = 7.0
# one case per kernel with every array its conventions can take (L2: the extra work buffer)
FULL_CASES = [(kernel, conventions) for kernel, conventions in CASES
              if conventions.get("decay", "l2") == "l2" and conventions.get("amsgrad", "raw") == "raw"
              and conventions.get("centered", True) and conventions.get("momentum", 0.83) == 0.83
              and conventions.get("debias", True)]
FULL_CASES = [next(c for c in FULL_CASES if c[0] == kernel) for kernel in SPECS]
FULL_IDS = [case_id(*c) for c in FULL_CASES]


def _every_other(a):
    base = np.full(2 * a.size, SENTINEL, a.dtype)
    base[::2] = a.reshape(-1)
    return base[::2].reshape(a.shape), base


@pytest.mark.parametrize("kernel,conventions", FULL_CASES, ids=FULL_IDS)
def test_every_layout_gives_the_bits_of_contiguous_arrays(kernel, conventions, small_tiles):
    n = 3 * tiling.tile_elements(np.float32) + 5
    expected = run(kernel, conventions, *make_arrays(n, np.float32))
    # strided views: the whole-array path, and the buffer's other elements untouched
    arrays, gradients = make_arrays(n, np.float32)
    views = {name: _every_other(a) for name, a in arrays.items()}
    assert run(kernel, conventions, {k: v for k, (v, _) in views.items()},
               [_every_other(g)[0] for g in gradients]) == expected
    assert all((base[1::2] == SENTINEL).all() for _, base in views.values())
    # every array in Fortran order (tiled through the F-order flat views), and a mix of C and F (whole arrays):
    # the bytes of F-ordered results are read out in C order, so compare with C-ordered runs of the same shape
    shape = (7, 3 * tiling.tile_elements(np.float32) + 1)
    c_arrays, c_gradients = make_arrays(shape[0] * shape[1], np.float32)
    c_arrays = {k: a.reshape(shape) for k, a in c_arrays.items()}
    c_gradients = [g.reshape(shape) for g in c_gradients]
    expected = run(kernel, conventions, {k: a.copy() for k, a in c_arrays.items()}, c_gradients)
    fortran = {k: np.asfortranarray(a) for k, a in c_arrays.items()}
    assert run(kernel, conventions, fortran, [np.asfortranarray(g) for g in c_gradients]) == expected
    mixed = {k: np.asfortranarray(a) if i % 2 else a.copy() for i, (k, a) in enumerate(c_arrays.items())}
    assert run(kernel, conventions, mixed, [np.asfortranarray(g) for g in c_gradients]) == expected


@pytest.mark.parametrize("kernel,conventions", FULL_CASES, ids=FULL_IDS)
def test_zero_dimensional_arrays_give_the_bits_of_one_element(kernel, conventions):
    expected = run(kernel, conventions, *make_arrays(1, np.float32))
    arrays, gradients = make_arrays(1, np.float32)
    scalars = {k: a.reshape(()) for k, a in arrays.items()}
    assert run(kernel, conventions, scalars, [g.reshape(()) for g in gradients]) == expected
    assert all(a.shape == () for a in scalars.values())


SCRATCH_CASES = [c for c in FULL_CASES if "scratch" in inspect.signature(getattr(kernels, SPECS[c[0]][0])).parameters]


@pytest.mark.parametrize("kernel,conventions", SCRATCH_CASES, ids=[case_id(*c) for c in SCRATCH_CASES])
def test_a_callers_scratch_of_any_layout_gives_the_same_bits(kernel, conventions, small_tiles):
    n = 3 * tiling.tile_elements(np.float32) + 5
    expected = run(kernel, conventions, *make_arrays(n, np.float32))
    for scratch in (np.empty(n, np.float32), np.empty(2 * n, np.float32)[::2], np.empty(1, np.float32)[:0]):
        if scratch.size != n:  # too small for anything: the kernel must reject it, as before
            with pytest.raises(ValueError, match="^scratch"):
                run(kernel, conventions, *make_arrays(n, np.float32), scratch=scratch)
            continue
        assert run(kernel, conventions, *make_arrays(n, np.float32), scratch=scratch) == expected


# ---------------------------------------------------------------------------------------------------------------
# 4. Validation before the first tile is written.


@pytest.mark.parametrize("kernel,conventions", FULL_CASES, ids=FULL_IDS)
@pytest.mark.parametrize("poison", [np.nan, np.inf], ids=["nan", "inf"])
def test_a_bad_value_in_the_last_tile_writes_nothing(kernel, conventions, poison, small_tiles):
    n = 3 * tiling.tile_elements(np.float32) + 5
    arrays, gradients = make_arrays(n, np.float32)
    gradients[0][-1] = poison
    before = {k: a.copy() for k, a in arrays.items()}
    with pytest.raises(ValueError, match="^g contains NaN or inf"):
        run(kernel, conventions, arrays, gradients)
    assert all(np.array_equal(arrays[k], before[k]) for k in before if k != "g")


# ---------------------------------------------------------------------------------------------------------------
# 5. Memory: tiles, never an array of the parameters' size.


@pytest.mark.parametrize("kernel,conventions", FULL_CASES, ids=FULL_IDS)
def test_a_step_allocates_no_parameter_sized_array(kernel, conventions):
    tile = tiling.tile_elements(np.float32)
    n = 8 * tile
    arrays, gradients = make_arrays(n, np.float32)
    arrays["g"] = gradients[0]
    step(kernel, conventions, arrays, 2, 0.01)  # warm-up: this thread's work buffers exist from here on
    tracemalloc.start()
    try:
        step(kernel, conventions, arrays, 3, 0.01)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the debiased EMA returns a new average of n elements (its result, as before); else at most three work tiles
    allowed = 4 * n * (kernel == "ema") + 3 * 4 * tile + 65536
    assert peak < allowed, (peak, allowed)


# Generated from the kernels before tiling (commit 3ffa115): python tests/kernels/test_kernel_tiling.py OLD_PACKAGE
GOLDEN = {
    'adam[eps_mode=after_correction,bias_correction=True,decay=none,amsgrad=off]': '6638fc7ea662ff38',
    'adam[eps_mode=after_correction,bias_correction=True,decay=none,amsgrad=raw]': '38468974ace50208',
    'adam[eps_mode=after_correction,bias_correction=True,decay=none,amsgrad=corrected]': '76f511aad2f2b7fe',
    'adam[eps_mode=after_correction,bias_correction=True,decay=l2,amsgrad=off]': 'f183e25a1424dc3d',
    'adam[eps_mode=after_correction,bias_correction=True,decay=l2,amsgrad=raw]': '5b08a6c4035eb27f',
    'adam[eps_mode=after_correction,bias_correction=True,decay=l2,amsgrad=corrected]': '4db9b0ddf46c471b',
    'adam[eps_mode=after_correction,bias_correction=True,decay=decoupled,amsgrad=off]': 'd63ebcc22f96c4d3',
    'adam[eps_mode=after_correction,bias_correction=True,decay=decoupled,amsgrad=raw]': '8013f5a694839370',
    'adam[eps_mode=after_correction,bias_correction=True,decay=decoupled,amsgrad=corrected]': '47a98b7c59025422',
    'adam[eps_mode=after_correction,bias_correction=False,decay=none,amsgrad=off]': '012d51f36c78a72f',
    'adam[eps_mode=after_correction,bias_correction=False,decay=none,amsgrad=raw]': '9522b397e3d2d36b',
    'adam[eps_mode=after_correction,bias_correction=False,decay=none,amsgrad=corrected]': '9522b397e3d2d36b',
    'adam[eps_mode=after_correction,bias_correction=False,decay=l2,amsgrad=off]': 'e8e312e924de0a77',
    'adam[eps_mode=after_correction,bias_correction=False,decay=l2,amsgrad=raw]': '40d99ca3fbe728ea',
    'adam[eps_mode=after_correction,bias_correction=False,decay=l2,amsgrad=corrected]': '40d99ca3fbe728ea',
    'adam[eps_mode=after_correction,bias_correction=False,decay=decoupled,amsgrad=off]': 'bba5c12e79d516bb',
    'adam[eps_mode=after_correction,bias_correction=False,decay=decoupled,amsgrad=raw]': '2d61e751aaff7fbc',
    'adam[eps_mode=after_correction,bias_correction=False,decay=decoupled,amsgrad=corrected]': '2d61e751aaff7fbc',
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=none,amsgrad=off]': 'ebaa0849de90d1bd',
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=none,amsgrad=raw]': '19e285329e82afd0',
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=none,amsgrad=corrected]': '4325c66d7ea978a6',
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=l2,amsgrad=off]': '77bcd6dad231f034',
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=l2,amsgrad=raw]': 'f1c9ea081ae9bd3c',
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=l2,amsgrad=corrected]': '2482743a708f2797',
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=decoupled,amsgrad=off]': '42d7ae5759b4790a',
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=decoupled,amsgrad=raw]': 'c028e200513e7315',
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=decoupled,amsgrad=corrected]': '1c57fc9967868ce3',
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=none,amsgrad=off]': '3a7d7992225f050e',
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=none,amsgrad=raw]': 'ad8703ddadd5a016',
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=none,amsgrad=corrected]': 'ad8703ddadd5a016',
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=l2,amsgrad=off]': '293b0991c6b9d3dd',
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=l2,amsgrad=raw]': '1ff5d36cc1e6c250',
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=l2,amsgrad=corrected]': '1ff5d36cc1e6c250',
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=decoupled,amsgrad=off]': 'ba91888166df6664',
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=decoupled,amsgrad=raw]': '9247b248daa733e9',
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=decoupled,amsgrad=corrected]': '9247b248daa733e9',
    'adam[eps_mode=uncorrected,bias_correction=True,decay=none,amsgrad=off]': 'b31a916fcc7a5635',
    'adam[eps_mode=uncorrected,bias_correction=True,decay=none,amsgrad=raw]': '7ffd071c5c928599',
    'adam[eps_mode=uncorrected,bias_correction=True,decay=none,amsgrad=corrected]': '8e991b9b33551c99',
    'adam[eps_mode=uncorrected,bias_correction=True,decay=l2,amsgrad=off]': 'ded265e2801e3c89',
    'adam[eps_mode=uncorrected,bias_correction=True,decay=l2,amsgrad=raw]': '4eef4e68a5f245cd',
    'adam[eps_mode=uncorrected,bias_correction=True,decay=l2,amsgrad=corrected]': '40068a2118f6c0f7',
    'adam[eps_mode=uncorrected,bias_correction=True,decay=decoupled,amsgrad=off]': '73aad72700d32fc3',
    'adam[eps_mode=uncorrected,bias_correction=True,decay=decoupled,amsgrad=raw]': '6dfce3f01cdfb6ca',
    'adam[eps_mode=uncorrected,bias_correction=True,decay=decoupled,amsgrad=corrected]': '789c91c2781c3c1c',
    'adam[eps_mode=uncorrected,bias_correction=False,decay=none,amsgrad=off]': '012d51f36c78a72f',
    'adam[eps_mode=uncorrected,bias_correction=False,decay=none,amsgrad=raw]': '9522b397e3d2d36b',
    'adam[eps_mode=uncorrected,bias_correction=False,decay=none,amsgrad=corrected]': '9522b397e3d2d36b',
    'adam[eps_mode=uncorrected,bias_correction=False,decay=l2,amsgrad=off]': 'e8e312e924de0a77',
    'adam[eps_mode=uncorrected,bias_correction=False,decay=l2,amsgrad=raw]': '40d99ca3fbe728ea',
    'adam[eps_mode=uncorrected,bias_correction=False,decay=l2,amsgrad=corrected]': '40d99ca3fbe728ea',
    'adam[eps_mode=uncorrected,bias_correction=False,decay=decoupled,amsgrad=off]': 'bba5c12e79d516bb',
    'adam[eps_mode=uncorrected,bias_correction=False,decay=decoupled,amsgrad=raw]': '2d61e751aaff7fbc',
    'adam[eps_mode=uncorrected,bias_correction=False,decay=decoupled,amsgrad=corrected]': '2d61e751aaff7fbc',
    'sgd[lr_position=outside_buffer,init=zero,nesterov=False,decay=none]': '4d4e33fe0083fc2d',
    'sgd[lr_position=outside_buffer,init=zero,nesterov=False,decay=l2]': '1c6a07192be7093a',
    'sgd[lr_position=outside_buffer,init=zero,nesterov=False,decay=decoupled]': '044aa608070eacd9',
    'sgd[lr_position=outside_buffer,init=zero,nesterov=True,decay=none]': 'd8e35f08311f7b62',
    'sgd[lr_position=outside_buffer,init=zero,nesterov=True,decay=l2]': 'b60cb488a3af7ff8',
    'sgd[lr_position=outside_buffer,init=zero,nesterov=True,decay=decoupled]': 'c0f420578502096a',
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=False,decay=none]': '68cf914d4253a055',
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=False,decay=l2]': 'e8dd7723e0c830b8',
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=False,decay=decoupled]': 'eecb68ee11e8a79e',
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=True,decay=none]': '07e5d89d1a35c834',
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=True,decay=l2]': '1d4e3b7f368e87da',
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=True,decay=decoupled]': '87e36b9cf05a9c74',
    'sgd[lr_position=inside_buffer,init=zero,nesterov=False,decay=none]': '3c41207614f362ff',
    'sgd[lr_position=inside_buffer,init=zero,nesterov=False,decay=l2]': '6a002fa86158144f',
    'sgd[lr_position=inside_buffer,init=zero,nesterov=False,decay=decoupled]': '650436f1dae28450',
    'sgd[lr_position=inside_buffer,init=zero,nesterov=True,decay=none]': '6c4d596165a7eb88',
    'sgd[lr_position=inside_buffer,init=zero,nesterov=True,decay=l2]': 'f614c2d907837edc',
    'sgd[lr_position=inside_buffer,init=zero,nesterov=True,decay=decoupled]': '81dc61ca6df8d288',
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=False,decay=none]': 'a5de10694cf632c4',
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=False,decay=l2]': 'e1b3062c169b8e1c',
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=False,decay=decoupled]': '8481ed57c9be93f8',
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=True,decay=none]': 'b68c65e6056b96ed',
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=True,decay=l2]': '7f1d4555a74e9e28',
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=True,decay=decoupled]': 'a6f591d6fcd57fec',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=none,momentum=0.0]':
        '1f7a16fbe9489caa',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=none,momentum=0.83]':
        '39df415e15b2f682',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=l2,momentum=0.0]': 'b1f015bf1b60e5af',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=l2,momentum=0.83]':
        '278aac3e3f73122e',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=decoupled,momentum=0.0]':
        '9639d7d14873e39f',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=decoupled,momentum=0.83]':
        '2ba1c3f225ed22f7',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=none,momentum=0.0]':
        '1f7a16fbe9489caa',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=none,momentum=0.83]':
        'fddd3d692054ef49',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=l2,momentum=0.0]': 'b1f015bf1b60e5af',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=l2,momentum=0.83]': '6de7290f3dffa2e1',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=decoupled,momentum=0.0]':
        '9639d7d14873e39f',
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=decoupled,momentum=0.83]':
        'ff02855cec3933d4',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=none,momentum=0.0]':
        'b03de86c5fb7a5bb',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=none,momentum=0.83]':
        '0d5c1a2b2803454d',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=l2,momentum=0.0]': 'f3a418cff45473cb',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=l2,momentum=0.83]': 'acf726e72dec2ebc',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=decoupled,momentum=0.0]':
        'b6e0e635c49fc808',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=decoupled,momentum=0.83]':
        '46e4df436b533513',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=none,momentum=0.0]': 'b03de86c5fb7a5bb',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=none,momentum=0.83]':
        '554ca279dc016825',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=l2,momentum=0.0]': 'f3a418cff45473cb',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=l2,momentum=0.83]': 'a81d45ca4ac50423',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=decoupled,momentum=0.0]':
        'b6e0e635c49fc808',
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=decoupled,momentum=0.83]':
        'c30d3274bc76239b',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=none,momentum=0.0]':
        '730dba05810b1282',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=none,momentum=0.83]':
        'eb207acaf931bc25',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=l2,momentum=0.0]':
        'c7d26ceb9df363e6',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=l2,momentum=0.83]':
        'f7dbcb05d2f75b8d',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=decoupled,momentum=0.0]':
        '9d304a697c29e630',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=decoupled,momentum=0.83]':
        'c2f03e2f61b60613',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=none,momentum=0.0]':
        '730dba05810b1282',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=none,momentum=0.83]':
        '801f4934d7ea07aa',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=l2,momentum=0.0]': 'c7d26ceb9df363e6',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=l2,momentum=0.83]':
        'c8960460a7c16858',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=decoupled,momentum=0.0]':
        '9d304a697c29e630',
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=decoupled,momentum=0.83]':
        '9a1499e4da40cff9',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=none,momentum=0.0]':
        '4b6291f5e605827c',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=none,momentum=0.83]':
        '040ddedfa0304bae',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=l2,momentum=0.0]': '550f12974fcd75d6',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=l2,momentum=0.83]':
        'f95d82e43b0730d0',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=decoupled,momentum=0.0]':
        '0b794f0eb8760441',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=decoupled,momentum=0.83]':
        '134712957276fb97',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=none,momentum=0.0]':
        '4b6291f5e605827c',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=none,momentum=0.83]':
        '5ca1afcfb550f776',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=l2,momentum=0.0]': '550f12974fcd75d6',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=l2,momentum=0.83]': '6dc0c4ad34acb901',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=decoupled,momentum=0.0]':
        '0b794f0eb8760441',
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=decoupled,momentum=0.83]':
        '469aecef44f269be',
    'ema[debias=False,init=zero]': '3572674b72e4b076',
    'ema[debias=False,init=first_sample]': 'b49fcd716274ae0f',
    'ema[debias=True,init=zero]': '9ec70ad0c4adb463',
    'ema[debias=True,init=first_sample]': '4ad4f03ed1464336',
    'adagrad[eps_mode=inside_sqrt,decay=none]': 'dd613cec0da3ccb1',
    'adagrad[eps_mode=inside_sqrt,decay=l2]': 'a9761147b479ea4f',
    'adagrad[eps_mode=inside_sqrt,decay=decoupled]': '19bbe4e382fff965',
    'adagrad[eps_mode=outside_sqrt,decay=none]': 'd6d7600edc7a6e61',
    'adagrad[eps_mode=outside_sqrt,decay=l2]': 'fad437c5b3ffd39a',
    'adagrad[eps_mode=outside_sqrt,decay=decoupled]': 'd442641dba87715a',
    'nadam[momentum_schedule=decaying,decay=none]': 'cf855659fa3bf219',
    'nadam[momentum_schedule=decaying,decay=l2]': '2679e074d229d079',
    'nadam[momentum_schedule=decaying,decay=decoupled]': '429c76559a83b9e8',
    'nadam[momentum_schedule=constant,decay=none]': '7b888164758cb179',
    'nadam[momentum_schedule=constant,decay=l2]': '4646a5187ef8ca1c',
    'nadam[momentum_schedule=constant,decay=decoupled]': 'f476cecb482734c0',
    'radam[rectify_when=gt4,eps_mode=after_correction,decay=none]': '0ba74fc3b8fbc597',
    'radam[rectify_when=gt4,eps_mode=after_correction,decay=l2]': 'f719e47beb4f5485',
    'radam[rectify_when=gt4,eps_mode=after_correction,decay=decoupled]': 'f68796c5edb20cf8',
    'radam[rectify_when=gt4,eps_mode=uncorrected,decay=none]': 'cace6fe75f3f3022',
    'radam[rectify_when=gt4,eps_mode=uncorrected,decay=l2]': '1c11a97d4eac2a07',
    'radam[rectify_when=gt4,eps_mode=uncorrected,decay=decoupled]': 'b2b3be2f1d47dfe1',
    'radam[rectify_when=gt5,eps_mode=after_correction,decay=none]': '0ba74fc3b8fbc597',
    'radam[rectify_when=gt5,eps_mode=after_correction,decay=l2]': 'f719e47beb4f5485',
    'radam[rectify_when=gt5,eps_mode=after_correction,decay=decoupled]': 'f68796c5edb20cf8',
    'radam[rectify_when=gt5,eps_mode=uncorrected,decay=none]': 'cace6fe75f3f3022',
    'radam[rectify_when=gt5,eps_mode=uncorrected,decay=l2]': '1c11a97d4eac2a07',
    'radam[rectify_when=gt5,eps_mode=uncorrected,decay=decoupled]': 'b2b3be2f1d47dfe1',
    'radam[rectify_when=ge5,eps_mode=after_correction,decay=none]': '0ba74fc3b8fbc597',
    'radam[rectify_when=ge5,eps_mode=after_correction,decay=l2]': 'f719e47beb4f5485',
    'radam[rectify_when=ge5,eps_mode=after_correction,decay=decoupled]': 'f68796c5edb20cf8',
    'radam[rectify_when=ge5,eps_mode=uncorrected,decay=none]': 'cace6fe75f3f3022',
    'radam[rectify_when=ge5,eps_mode=uncorrected,decay=l2]': '1c11a97d4eac2a07',
    'radam[rectify_when=ge5,eps_mode=uncorrected,decay=decoupled]': 'b2b3be2f1d47dfe1',
    'adamax[eps_mode=inside_max,decay=none]': '9ad66f24f024aae0',
    'adamax[eps_mode=inside_max,decay=l2]': 'e698a748d6dfbe3d',
    'adamax[eps_mode=inside_max,decay=decoupled]': '0649cbced14ca7a1',
    'adamax[eps_mode=outside_max,decay=none]': '497f0ddd2c6aedaa',
    'adamax[eps_mode=outside_max,decay=l2]': '9cb67a26b418dc9c',
    'adamax[eps_mode=outside_max,decay=decoupled]': 'f16c0abee0b2d942',
    'lion[decay=none]': 'a9ac0809bf5b550c',
    'lion[decay=l2]': '1282eff3a65e022e',
    'lion[decay=decoupled]': 'f5934de9bcf2d054',
    'adadelta[lr_position=outside_buffer,decay=none]': '9f5f26afedbb6bbb',
    'adadelta[lr_position=outside_buffer,decay=l2]': 'f941d5ca0584ba31',
    'adadelta[lr_position=outside_buffer,decay=decoupled]': 'db0d72df60650641',
    'adadelta[lr_position=inside_buffer,decay=none]': '428d687068706b49',
    'adadelta[lr_position=inside_buffer,decay=l2]': '68efc33739170b5a',
    'adadelta[lr_position=inside_buffer,decay=decoupled]': 'ce572b758084934f',
}


if __name__ == "__main__":
    import importlib
    import sys

    impl = importlib.import_module(sys.argv[1]) if len(sys.argv) > 1 else kernels
    for case in CASES:
        line = f"    {case_id(*case)!r}: {digest(*case, impl=impl)!r},"
        print(line if len(line) <= 120 else line.replace(": ", ":\n        ", 1))
