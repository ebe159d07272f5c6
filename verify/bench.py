"""Adam step throughput: our kernels against torch.optim.Adam on the same data, in one run.

Each figure is the median of ``repeats`` timed steps after warm-up steps.  On CPU: the NumPy
kernel (with a persistent scratch buffer) against torch for-loop (foreach=False), foreach and
fused.  On a GPU (``--backend cupy``): the fused CuPy kernel against torch fused/foreach on
CUDA, and the fraction of the device's measured copy bandwidth it reaches, counting 28 bytes
per parameter (read p, g, m, v; write p, m, v in float32).
"""
from __future__ import annotations

import statistics
import time

import numpy as np

import kernels

HYPER = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
BYTES_PER_PARAM = 28
WARMUP = 3


def _median_seconds(step, repeats: int, sync=lambda: None) -> float:
    for _ in range(WARMUP):
        step()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _torch_adam(torch, n: int, device: str, **flags):
    gen = torch.Generator(device="cpu").manual_seed(0)
    p = torch.nn.Parameter(torch.randn(n, generator=gen, dtype=torch.float32).to(device))
    p.grad = torch.randn(n, generator=gen, dtype=torch.float32).to(device)
    opt = torch.optim.Adam([p], lr=HYPER["lr"], betas=(HYPER["beta1"], HYPER["beta2"]), eps=HYPER["eps"], **flags)
    return opt.step


def bench_numpy(n: int, repeats: int) -> dict:
    rng = np.random.default_rng(0)
    p, g = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    m, v, scratch = np.zeros_like(p), np.zeros_like(p), np.empty_like(p)
    state = {"t": 0}

    def step():
        state["t"] += 1
        kernels.adam_step(p, g, m, v, state["t"], scratch=scratch, validate=False, **HYPER)

    out = {"numpy kernel": _median_seconds(step, repeats)}
    try:
        import torch
    except ImportError:
        return out
    torch.set_num_threads(torch.get_num_threads())
    for label, flags in (("torch for-loop", dict(foreach=False)), ("torch foreach", dict(foreach=True)),
                         ("torch fused", dict(fused=True))):
        try:
            out[label] = _median_seconds(_torch_adam(torch, n, "cpu", **flags), repeats)
        except (RuntimeError, TypeError) as exc:  # fused CPU Adam needs a recent torch
            out[label] = f"unavailable: {exc}"
    return out


def bench_cupy(n: int, repeats: int) -> dict:
    import cupy

    sync = cupy.cuda.Device().synchronize
    rng = cupy.random.default_rng(0)
    p = rng.standard_normal(n, dtype=cupy.float32)
    g = rng.standard_normal(n, dtype=cupy.float32)
    m, v = cupy.zeros_like(p), cupy.zeros_like(p)
    state = {"t": 0}

    def step():
        state["t"] += 1
        kernels.adam_step(p, g, m, v, state["t"], validate=False, **HYPER)

    out = {"cupy fused kernel": _median_seconds(step, repeats, sync)}
    # A device-to-device copy of 14n bytes reads 14n and writes 14n: the same 28 bytes per parameter.
    src, dst = cupy.empty(7 * n // 2, dtype=cupy.float32), cupy.empty(7 * n // 2, dtype=cupy.float32)
    copy_s = _median_seconds(lambda: dst.data.copy_from_device(src.data, src.nbytes), repeats, sync)
    out["device copy (same bytes)"] = copy_s
    out["copy bandwidth GB/s"] = 2 * src.nbytes / copy_s / 1e9
    out["fraction of copy bandwidth"] = copy_s / out["cupy fused kernel"]
    try:
        import torch

        for label, flags in (("torch fused (cuda)", dict(fused=True)), ("torch foreach (cuda)", dict(foreach=True))):
            out[label] = _median_seconds(_torch_adam(torch, n, "cuda", **flags), repeats, torch.cuda.synchronize)
    except ImportError:
        pass
    return out


def main(args) -> int:
    from verify.report import dumps, table

    results = {}
    for size in args.sizes:
        n = int(size)
        results[n] = bench_cupy(n, args.repeats) if args.backend == "cupy" else bench_numpy(n, args.repeats)
    if args.json:
        print(dumps(results))
        return 0
    ours = "cupy fused kernel" if args.backend == "cupy" else "numpy kernel"
    rows = []
    for n, res in results.items():
        for label, value in res.items():
            if isinstance(value, str) or "bandwidth" in label:
                shown = value if isinstance(value, str) else f"{value:.3g}"
                rows.append([f"{n:,}", label, shown, "", ""])
                continue
            ratio = value / res[ours]  # > 1: ours is faster than this peer
            rows.append([f"{n:,}", label, f"{value * 1e3:.3f} ms", f"{n / value / 1e9:.3f}", f"{ratio:.2f}x"])
    print(table(["params", "implementation", "median step", "Gparam/s", f"{ours} speed vs this (>1: ours faster)"], rows))
    print(f"\nmedian of {args.repeats} steps after {WARMUP} warm-up steps; float32; one parameter tensor")
    return 0
