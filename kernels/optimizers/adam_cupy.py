"""The fused CuPy Adam kernel: one pass over memory (read p, g, m, v[, vmax]; write p, m, v[, vmax])."""
from __future__ import annotations

from functools import lru_cache

_DECAY = {"none": 0, "l2": 1, "decoupled": 2}

_BODY = """
    T grad = decay == 1 ? g + wd * p : g;
    T m_new = b1 * m + omb1 * grad;
    T v_new = b2 * v + omb2 * (grad * grad);
    m = m_new;
    v = v_new;
    {amsgrad}
    T denom = inside ? sqrt(vs * vscale + eps) : sqrt(vs) * sqrt_scale + eps;
    T p_new = p - step * (m_new / denom);
    if (decay == 2) p_new -= lr_wd * p;
    p = p_new;
"""
_AMSGRAD = {
    "off": "T vs = v_new;",
    "raw": "vmax = fmax(vmax, v_new); T vs = vmax;",
    "corrected": "vmax = fmax(vmax, v_new * inv_c2); T vs = vmax;",
}


@lru_cache(maxsize=None)
def _kernel(amsgrad: str):
    import cupy

    inputs = (
        "T g, T b1, T omb1, T b2, T omb2, T eps, T wd, T vscale, T sqrt_scale, T step, T lr_wd, T inv_c2, "
        "int32 decay, bool inside"
    )
    # p, m, v (and vmax) are passed as outputs and read before being written: in place, one pass.
    outputs = "T p, T m, T v" + (", T vmax" if amsgrad != "off" else "")
    return cupy.ElementwiseKernel(inputs, outputs, _BODY.format(amsgrad=_AMSGRAD[amsgrad]), f"optverify_adam_{amsgrad}")


def fused_adam_step(p, g, m, v, vmax, beta1, beta2, eps, weight_decay, decay, amsgrad, eps_mode, s):
    """``s``: the per-step host scalars from kernels.optimizers.adam._scalars."""
    import numpy

    as_t = p.dtype.type
    scalars = (beta1, 1.0 - beta1, beta2, 1.0 - beta2, eps, weight_decay, s["vscale"], s["sqrt_scale"], s["step"],
               s["lr_wd"], s["inv_c2_for_max"])
    args = [g, *(as_t(x) for x in scalars), numpy.int32(_DECAY[decay]), numpy.bool_(eps_mode == "inside_sqrt"), p, m, v]
    if amsgrad != "off":
        args.append(vmax)
    _kernel(amsgrad)(*args)
