"""Adapters: each implementation seen through one protocol, ``step(**arrays, t=t, **hyperparameters)``.

This module adapts our own kernels; a user's plain function already has the protocol.
The rule's convention names map onto the kernel's arguments here, in one table.
"""
from __future__ import annotations

import numpy as np

import kernels

# rule convention axis -> kernels.adam_step keyword
ADAM_CONVENTION_ARGS = {"eps": "eps_mode", "bias_correction": "bias_correction", "weight_decay": "decay",
                        "amsgrad": "amsgrad"}


def array_module(backend: str):
    if backend == "numpy":
        return np
    if backend == "cupy":
        try:
            import cupy
        except ImportError as exc:
            raise RuntimeError("backend 'cupy' needs CuPy: pip install 'optverify[gpu]'") from exc
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("backend 'cupy' needs a CUDA GPU; none was found")
        return cupy
    raise ValueError(f"backend must be 'numpy' or 'cupy', got {backend!r}")


def gpu_available() -> bool:
    try:
        array_module("cupy")
    except Exception:
        return False
    return True


def adam_kernel(conventions: dict, *, fused: bool = True):
    kw = {ADAM_CONVENTION_ARGS[axis]: value for axis, value in conventions.items()}

    def kernel_adam(p, g, m, v, t, vmax=None, **hyper):
        kernels.adam_step(p, g, m, v, t, vmax=vmax, fused=fused, **kw, **hyper)
        out = {"p": p, "m": m, "v": v}
        if vmax is not None:
            out["vmax"] = vmax
        return out

    return kernel_adam


def ema_kernel(conventions: dict):
    def kernel_ema(g, v, t, alpha):
        average = kernels.ema_update(v, g, t, alpha=alpha, debias=conventions["debias"])
        return {"v": v, "average": average}

    return kernel_ema


def sgd_kernel(conventions: dict):
    kw = dict(lr_position=conventions["lr"], init=conventions["init"], nesterov=conventions["nesterov"],
              decay=conventions["weight_decay"])

    def kernel_sgd(p, g, buf, t, **hyper):
        kernels.sgd_step(p, g, buf, t, **kw, **hyper)
        return {"p": p, "buf": buf}

    return kernel_sgd


def rmsprop_kernel(conventions: dict):
    kw = dict(eps_mode=conventions["eps"], centered=conventions["centered"], lr_position=conventions["lr"],
              decay=conventions["weight_decay"])

    def kernel_rmsprop(p, g, v, buf, t, gavg=None, **hyper):
        kernels.rmsprop_step(p, g, v, t, gavg=gavg, buf=buf, **kw, **hyper)
        out = {"p": p, "v": v, "buf": buf}
        if gavg is not None:
            out["gavg"] = gavg
        return out

    return kernel_rmsprop


KERNELS = {"adam": adam_kernel, "ema": ema_kernel, "sgd": sgd_kernel, "rmsprop": rmsprop_kernel}


def kernel_for(rule_name: str, conventions: dict):
    if rule_name not in KERNELS:
        raise KeyError(f"no kernel for rule {rule_name!r}; kernels exist for {sorted(KERNELS)}")
    kernel = KERNELS[rule_name](conventions)
    # how a reproduction gets this kernel back (verify.checks.elementwise.how_to_call)
    kernel.__optverify_call__ = ("from verify.adapters.ours import kernel_for", f"kernel_for({rule_name!r}, {dict(conventions)!r})")
    return kernel
