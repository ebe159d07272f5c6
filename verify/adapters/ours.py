"""Adapters: each implementation seen through one protocol, ``step(**arrays, t=t, **hyperparameters)``.

This module adapts our own kernels; a user's plain function already has the protocol.
The rules' convention axes carry the names of the kernels' keyword arguments (``eps_mode``, ``decay``,
``lr_position``, ...), so a variant of a rule is passed to its kernel as it is, completed with the rule's
defaults (an axis the rule does not have is an error, not a stray keyword).
"""
from __future__ import annotations

import numpy as np

import kernels
from derivations import rule as find_rule


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


def _keywords(rule_name: str, conventions: dict) -> dict:
    """``conventions`` completed with the rule's defaults: the kernel's convention keywords."""
    return find_rule(rule_name).conventions(**conventions)


def gpu_available() -> bool:
    try:
        array_module("cupy")
    except Exception:
        return False
    return True


def adam_kernel(conventions: dict, *, fused: bool = True):
    kw = _keywords("adam", conventions)  # eps_mode, bias_correction, decay, amsgrad

    def kernel_adam(p, g, m, v, t, vmax=None, **hyper):
        kernels.adam_step(p, g, m, v, t, vmax=vmax, fused=fused, **kw, **hyper)
        out = {"p": p, "m": m, "v": v}
        if vmax is not None:
            out["vmax"] = vmax
        return out

    return kernel_adam


def ema_kernel(conventions: dict):
    kw = _keywords("ema", conventions)  # debias, init

    def kernel_ema(g, v, t, alpha):
        average = kernels.ema_update(v, g, t, alpha=alpha, **kw)
        return {"v": v, "average": average}

    return kernel_ema


def sgd_kernel(conventions: dict):
    kw = _keywords("sgd", conventions)  # lr_position, init, nesterov, decay

    def kernel_sgd(p, g, buf, t, **hyper):
        kernels.sgd_step(p, g, buf, t, **kw, **hyper)
        return {"p": p, "buf": buf}

    return kernel_sgd


def rmsprop_kernel(conventions: dict):
    kw = _keywords("rmsprop", conventions)  # eps_mode, centered, lr_position, decay

    def kernel_rmsprop(p, g, v, buf, t, gavg=None, **hyper):
        kernels.rmsprop_step(p, g, v, t, gavg=gavg, buf=buf, **kw, **hyper)
        out = {"p": p, "v": v, "buf": buf}
        if gavg is not None:
            out["gavg"] = gavg
        return out

    return kernel_rmsprop


KERNELS = {"adam": adam_kernel, "ema": ema_kernel, "sgd": sgd_kernel, "rmsprop": rmsprop_kernel}


def in_place_kernel(rule_name: str, conventions: dict):
    """A kernel ``kernels.<rule>_step`` that takes the rule's arrays, t, hyperparameters and conventions by
    their names and updates the arrays in place (AdaGrad and the rules after it)."""
    kw = _keywords(rule_name, conventions)
    step = getattr(kernels, f"{rule_name}_step")

    def kernel(t, **arrays_and_hyperparameters):
        step(t=t, **arrays_and_hyperparameters, **kw)  # None: the check reads the updated arrays

    kernel.__name__ = kernel.__qualname__ = f"kernel_{rule_name}"
    return kernel


def _maker(rule_name: str):
    if rule_name in KERNELS:
        return KERNELS[rule_name]
    if hasattr(kernels, f"{rule_name}_step"):
        return lambda conventions: in_place_kernel(rule_name, conventions)
    known = sorted(set(KERNELS) | {n[:-5] for n in kernels.__all__ if n.endswith("_step")})
    raise KeyError(f"no kernel for rule {rule_name!r}; kernels exist for {known}")


def kernel_for(rule_name: str, conventions: dict):
    kernel = _maker(rule_name)(conventions)
    # how a reproduction gets this kernel back (verify.checks.elementwise.how_to_call)
    kernel.__optverify_call__ = ("from verify.adapters.ours import kernel_for", f"kernel_for({rule_name!r}, {dict(conventions)!r})")
    return kernel
