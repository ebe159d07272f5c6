"""kernels/core/blocks.py: the weight-decay and learning-rate-position conventions, declared once.

That composing them changes no bit of any kernel is test_kernel_golden.py's job; here, each block on
its own, and that no kernel declares a convention again.
"""
from __future__ import annotations

import ast
import math
import pathlib
import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest

import kernels
from kernels.core import blocks
from kernels.core.arith import scale
from kernels.optimizers import adam, adam_cupy, rmsprop, sgd

KERNELS_DIR = pathlib.Path(kernels.__file__).parent


def test_each_convention_is_declared_once_and_re_exported():
    for module in (kernels, adam, sgd, rmsprop):
        assert module.DECAY_MODES is blocks.DECAY_MODES
    for module in (sgd, rmsprop):
        assert module.LR_POSITIONS is blocks.LR_POSITIONS
    # the fused CuPy kernel's codes (its C body tests decay == 1 and decay == 2) name the same modes
    assert adam_cupy._DECAY == {"none": 0, "l2": 1, "decoupled": 2}
    assert tuple(adam_cupy._DECAY) == blocks.DECAY_MODES


def _string_constants(path: pathlib.Path) -> set:
    return {node.value for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Constant)
            and isinstance(node.value, str)}


@pytest.mark.parametrize("path", sorted(str(p.relative_to(KERNELS_DIR)) for p in KERNELS_DIR.rglob("*.py")))
def test_no_kernel_spells_out_a_decay_mode_or_lr_position(path):
    # the defaults ("none", "outside_buffer") appear in signatures; every other mode only in blocks.py
    # (and in the fused kernel's table, checked above)
    # descent.py: "l2" is steepest descent's norm; lamb.py: LAMB's own decay axis (in the ratio | decoupled), not the
    # shared DECAY_MODES
    if path in ("core/blocks.py", "optimizers/adam_cupy.py", "optimizers/descent.py", "optimizers/lamb.py"):
        return
    assert not _string_constants(KERNELS_DIR / path) & {"l2", "decoupled", "inside_buffer"}


def test_kernels_import_neither_derivations_nor_verify():
    code = ("import sys, kernels, kernels.core.blocks; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'derivations', 'verify'}))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


# ---------------------------------------------------------------------------------------------------------------
# Weight decay.


@pytest.mark.parametrize("weight_decay", [-1.0, math.nan, math.inf, "0.1", True])
def test_validate_decay_rejects_a_bad_strength(weight_decay):
    with pytest.raises(ValueError, match="^weight_decay"):
        blocks.validate_decay("l2", weight_decay)


@pytest.mark.parametrize("decay", ["L2", "coupled", None, ""])
def test_validate_decay_rejects_an_unknown_mode(decay):
    with pytest.raises(ValueError, match="^decay must be one of"):
        blocks.validate_decay(decay, 0.1)


@pytest.mark.parametrize("decay", blocks.DECAY_MODES)
def test_validate_decay_accepts_every_mode_and_any_strength(decay):
    blocks.validate_decay(decay, 0.0)
    blocks.validate_decay(decay, 3)  # an int is a real number; with "none" it is simply unused


@pytest.mark.parametrize("decay", ["none", "decoupled"])
def test_the_gradient_is_g_itself_unless_l2(decay):
    g, p = np.ones(3), np.full(3, 2.0)
    assert blocks.decayed_gradient(np, g, p, decay, 0.5) is g


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16, np.float32, np.float64], ids=str)
def test_l2_gradient_is_a_new_array_g_plus_lambda_p_in_the_dtype(dtype):
    rng = np.random.default_rng(0)
    g, p = (rng.standard_normal(5).astype(dtype) for _ in range(2))
    before = g.tobytes(), p.tobytes()
    grad = blocks.decayed_gradient(np, g, p, "l2", 0.1)
    assert grad.dtype == dtype and not np.shares_memory(grad, g) and not np.shares_memory(grad, p)
    assert (g.tobytes(), p.tobytes()) == before
    assert grad.tobytes() == (p * dtype(0.1) + g).astype(dtype).tobytes()  # λ in the dtype, λp rounded, then + g


def test_l2_gradient_of_0d_arrays_is_an_array_and_out_is_used():
    g, p = np.array(1.0), np.array(2.0)
    grad = blocks.decayed_gradient(np, g, p, "l2", 0.25)
    assert isinstance(grad, np.ndarray) and grad.shape == () and grad == 1.5
    out = np.empty(())
    assert blocks.add_decayed_weights(np, g, p, 0.25, out) is out and out == 1.5


@pytest.mark.parametrize("decay", blocks.DECAY_MODES)
@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16, np.float32, np.float64], ids=str)
def test_apply_update_shrinks_only_when_decoupled(decay, dtype):
    rng = np.random.default_rng(1)
    p, update = (rng.standard_normal(7).astype(dtype) for _ in range(2))
    lr, weight_decay = 0.03, 0.2
    shrunk = p * dtype(1.0 - lr * weight_decay) if decay == "decoupled" else p.copy()  # 1 - lr·λ: one host scalar
    expected = (shrunk - update).astype(dtype)
    blocks.apply_update(p, update, decay, lr, weight_decay)
    assert p.dtype == dtype and p.tobytes() == expected.tobytes()


# ---------------------------------------------------------------------------------------------------------------
# The learning rate's position.


def test_lr_factors_put_lr_on_one_side_of_the_buffer():
    assert blocks.lr_factors("outside_buffer", 0.3) == (1.0, 0.3)
    assert blocks.lr_factors("inside_buffer", 0.3) == (0.3, 1.0)
    # no buffer: nothing to be inside of
    assert blocks.lr_factors("inside_buffer", 0.3, buffered=False) == (1.0, 0.3)
    assert blocks.lr_factors("outside_buffer", 0.3, buffered=False) == (1.0, 0.3)


def test_validate_lr_position():
    for position in blocks.LR_POSITIONS:
        blocks.validate_lr_position(position)
    with pytest.raises(ValueError, match="^lr_position must be one of"):
        blocks.validate_lr_position("inside")


def test_scale_by_one_writes_nothing():
    x = np.array([1.5, -0.0, 3.0])
    x.flags.writeable = False  # a write would raise
    scale(x, 1.0)


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16, np.float32, np.float64], ids=str)
def test_scale_multiplies_in_the_dtype(dtype):
    x = np.array([1.5, -2.25, 3.0], dtype)
    expected = (x * dtype(0.1)).tobytes()
    scale(x, 0.1)
    assert x.dtype == dtype and x.tobytes() == expected
