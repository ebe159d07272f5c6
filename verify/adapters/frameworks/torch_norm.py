"""torch's normalisation layers as implementations of verify/checks/normalization.py's protocol: ``run(problem) ->
Outcome``.  Each layer is built in float64 with the problem's ε (and momentum), its weight and bias set to γ and
β, run in training mode on every batch (one forward each, as a training loop would), then in eval mode on
``problem.eval_x``.  The adapters say nothing about conventions: the survey finds them.
"""
from __future__ import annotations

import numpy as np


def _torch():
    import torch

    return torch


def _set_affine(layer, problem):
    torch = _torch()
    dtype = layer.weight.numpy(force=True).dtype
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(problem.gamma, dtype=dtype)))
        layer.bias.copy_(torch.from_numpy(np.ascontiguousarray(problem.beta, dtype=dtype)))
    return layer


def _run(layer, problem, reshape=lambda x: x):
    from verify.checks.normalization import Outcome

    torch = _torch()
    dtype = layer.weight.numpy(force=True).dtype

    def forward(x):
        with torch.no_grad():
            y = layer(torch.from_numpy(reshape(x).astype(dtype)))
        return y.numpy().reshape(x.shape)

    layer.train()
    train = [forward(x) for x in problem.batches]
    layer.eval()
    y = forward(problem.eval_x)
    running = getattr(layer, "running_mean", None)
    return Outcome(train, y, None if running is None else running.numpy().copy(),
                   None if running is None else layer.running_var.numpy().copy())


def batch_norm_1d(problem, dtype="float64"):
    torch = _torch()
    C = problem.eval_x.shape[1]
    layer = torch.nn.BatchNorm1d(C, eps=problem.eps, momentum=problem.momentum, dtype=getattr(torch, dtype))
    return _run(_set_affine(layer, problem), problem)


def batch_norm_1d_float32(problem):
    """In float32, torch's default: the bound is float32's."""
    return batch_norm_1d(problem, "float32")


def batch_norm_2d(problem):
    """(N, C) and (N, C, L) inputs as (N, C, L, 1) images."""
    torch = _torch()
    C = problem.eval_x.shape[1]
    layer = torch.nn.BatchNorm2d(C, eps=problem.eps, momentum=problem.momentum, dtype=torch.float64)
    return _run(_set_affine(layer, problem), problem, lambda x: x.reshape(x.shape[:2] + (-1, 1)))


def layer_norm(problem):
    torch = _torch()
    shape = problem.eval_x.shape[problem.eval_x.ndim - problem.dims:]
    layer = torch.nn.LayerNorm(shape, eps=problem.eps, dtype=torch.float64)
    return _run(_set_affine(layer, problem), problem)


def group_norm(problem):
    torch = _torch()
    layer = torch.nn.GroupNorm(problem.groups, problem.eval_x.shape[1], eps=problem.eps, dtype=torch.float64)
    return _run(_set_affine(layer, problem), problem)


for _fn, _name in ((batch_norm_1d, "BatchNorm1d"), (batch_norm_2d, "BatchNorm2d"), (layer_norm, "LayerNorm"),
                   (group_norm, "GroupNorm"), (batch_norm_1d_float32, "BatchNorm1d (float32)")):
    _fn.__qualname__ = f"torch.nn.{_name}"
