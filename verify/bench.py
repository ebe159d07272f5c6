"""Step throughput: our kernels against the same optimizer in torch.optim, on the same data, in one run.

On CPU every elementwise rule is a row of ROWS: our NumPy kernel (validate=False, a persistent scratch buffer
where it takes one) against torch's for-loop (foreach=False), foreach and fused versions of the same optimizer
where torch has them, each with the conventions and hyperparameters the cross-check finds torch follows.  The
implementations take turns, one step each per round, so that whatever else the machine is doing falls on all of
them alike; each figure is the median over the rounds, after warm-up steps.  A ratio is torch's median time over
ours: > 1, ours is faster.

Taking turns also means each step starts with its arrays out of cache: at 1M float32 parameters the four
implementations hold 48 MB (SGD's p, g, buffer) to 64 MB (Adam's p, g, m, v), more than the bench machine's
32 MiB L3, so every step reads its arrays from memory, as an optimizer step in training does after the backward
pass.  Measured for our SGD at 1M (one thread):
0.32 ms a step with its arrays in L3, 0.69 ms after 64 MiB of other writes.  Our threads (``--threads``) and
torch's OpenMP threads also meet here: torch's workers keep spinning for a while after its step, on the cores ours
would use.

On a GPU (``--backend cupy``): the fused CuPy Adam kernel against torch fused/foreach on CUDA, and the fraction of
the device's measured copy bandwidth it reaches, counting 28 bytes per parameter (read p, g, m, v; write p, m, v
in float32).
"""
from __future__ import annotations

import inspect
import statistics
import time
from dataclasses import dataclass, field

import numpy as np

import kernels

HYPER = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
BYTES_PER_PARAM = 28
WARMUP = 3
WARMUP_SECONDS = 1.0
TORCH_VARIANTS = (("torch for-loop", dict(foreach=False)), ("torch foreach", dict(foreach=True)),
                  ("torch fused", dict(fused=True)))
OURS = "ours (numpy)"


@dataclass(frozen=True)
class Row:
    """One rule: our kernel and its call, and torch's optimizer of the same rule (None where torch has none)."""

    rule: str  # the row's name: the rule (`optverify list`), or the rule under a torch name (adamw)
    kernel: str  # our step function in ``kernels``
    arrays: tuple  # its array arguments before t: "p" and "g" drawn, the state zeros
    hyper: dict  # our hyperparameters and conventions: torch's defaults, in the convention torch follows
    torch: str | None = None  # the torch.optim class
    torch_kwargs: dict = field(default_factory=dict)


ADAM = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
ROWS = (
    Row("adam", "adam_step", ("p", "g", "m", "v"), HYPER, "Adam", ADAM),
    Row("adamw", "adam_step", ("p", "g", "m", "v"), dict(HYPER, weight_decay=1e-2, decay="decoupled"),
        "AdamW", dict(ADAM, weight_decay=1e-2)),
    Row("sgd", "sgd_step", ("p", "g", "buf"), dict(lr=1e-2, momentum=0.9, init="first_gradient"),
        "SGD", dict(lr=1e-2, momentum=0.9)),
    Row("rmsprop", "rmsprop_step", ("p", "g", "v"), dict(lr=1e-2, alpha=0.99, eps=1e-8, eps_mode="outside_sqrt"),
        "RMSprop", dict(lr=1e-2, alpha=0.99, eps=1e-8)),
    Row("adagrad", "adagrad_step", ("p", "g", "G"), dict(lr=1e-2, eps=1e-10, eps_mode="outside_sqrt"),
        "Adagrad", dict(lr=1e-2, eps=1e-10)),
    Row("nadam", "nadam_step", ("p", "g", "m", "v"), dict(HYPER, lr=2e-3, momentum_decay=4e-3),
        "NAdam", dict(ADAM, lr=2e-3, momentum_decay=4e-3)),
    Row("radam", "radam_step", ("p", "g", "m", "v"), dict(HYPER, rectify_when="gt5", eps_mode="uncorrected"),
        "RAdam", ADAM),
    Row("adamax", "adamax_step", ("p", "g", "m", "u"), dict(HYPER, lr=2e-3), "Adamax", dict(ADAM, lr=2e-3)),
    Row("adadelta", "adadelta_step", ("p", "g", "v", "u"), dict(lr=1.0, rho=0.9, eps=1e-6),
        "Adadelta", dict(lr=1.0, rho=0.9, eps=1e-6)),
    Row("lion", "lion_step", ("p", "g", "m"), dict(lr=1e-4, beta1=0.9, beta2=0.99)),  # torch.optim has no Lion
    Row("ema", "ema_update", ("v", "g"), dict(alpha=0.9)),  # torch.optim has no EMA (AveragedModel is a module)
)
RULES = tuple(row.rule for row in ROWS)


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


def _round_robin(steps: dict, repeats: int) -> dict:
    """{label: median seconds}: warm-up rounds, then ``repeats`` rounds of one call of each step, in turn.

    Warm-up lasts WARMUP rounds and at least WARMUP_SECONDS: on the 2-core bench machine torch's first steps in a
    process (its thread pool starting, the heap growing under its temporaries) take 10-1000 times as long as later
    ones, for about a second.
    """
    start, rounds = time.perf_counter(), 0
    while rounds < WARMUP or time.perf_counter() - start < WARMUP_SECONDS:
        for step in steps.values():
            step()
        rounds += 1
    times = {label: [] for label in steps}
    for _ in range(repeats):
        for label, step in steps.items():
            start = time.perf_counter()
            step()
            times[label].append(time.perf_counter() - start)
    return {label: statistics.median(t) for label, t in times.items()}


def _ours(row: Row, n: int):
    """A step of our kernel on float32 data of n elements (p and g from seed 0, state zeros), t counting up."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(n, dtype=np.float32) if name in ("p", "g") else np.zeros(n, np.float32)
              for name in row.arrays]
    fn = getattr(kernels, row.kernel)
    extra = dict(scratch=np.empty(n, np.float32)) if "scratch" in inspect.signature(fn).parameters else {}
    state = {"t": 0}

    def step():
        state["t"] += 1
        fn(*arrays, state["t"], validate=False, **row.hyper, **extra)

    return step


def _torch_step(torch, row: Row, n: int, device: str = "cpu", **flags):
    """torch's optimizer of ``row`` on the same data as ours, one step checked; its step."""
    gen = torch.Generator(device="cpu").manual_seed(0)
    p = torch.nn.Parameter(torch.randn(n, generator=gen, dtype=torch.float32).to(device))
    p.grad = torch.randn(n, generator=gen, dtype=torch.float32).to(device)
    opt = getattr(torch.optim, row.torch)([p], **row.torch_kwargs, **flags)
    opt.step()  # an unsupported flag (fused on CPU for some optimizers) raises here at the latest
    return opt.step


def _torch_adam(torch, n: int, device: str, **flags):
    return _torch_step(torch, ROWS[0], n, device, **flags)


def bench_numpy(n: int, repeats: int, rules=RULES) -> dict:
    """{rule: {implementation: median seconds, or why it is unavailable}} at n float32 parameters."""
    try:
        import torch
    except ImportError:
        torch = None
    out = {}
    for row in (r for r in ROWS if r.rule in rules):
        steps, missing = {OURS: _ours(row, n)}, {}
        for label, flags in TORCH_VARIANTS if torch is not None and row.torch else ():
            try:
                steps[label] = _torch_step(torch, row, n, **flags)
            except (RuntimeError, TypeError, ValueError) as exc:  # e.g. no fused CPU version of this optimizer
                missing[label] = f"unavailable: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        out[row.rule] = dict(_round_robin(steps, repeats), **missing)
        if torch is None:
            out[row.rule]["torch"] = "not installed"
        elif not row.torch:
            out[row.rule]["torch"] = "torch.optim has no such optimizer"
        del steps  # free this rule's arrays before the next
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


def _print_cupy(results: dict, repeats: int) -> None:
    from verify.report import table

    ours, rows = "cupy fused kernel", []
    for n, res in results.items():
        for label, value in res.items():
            if isinstance(value, str) or "bandwidth" in label:
                shown = value if isinstance(value, str) else f"{value:.3g}"
                rows.append([f"{n:,}", label, shown, "", ""])
                continue
            ratio = value / res[ours]  # > 1: ours is faster than this peer
            rows.append([f"{n:,}", label, f"{value * 1e3:.3f} ms", f"{n / value / 1e9:.3f}", f"{ratio:.2f}x"])
    headers = ["params", "implementation", "median step", "Gparam/s", f"{ours} speed vs this (>1: ours faster)"]
    print(table(headers, rows))
    print(f"\nmedian of {repeats} steps after {WARMUP} warm-up steps; float32; one parameter tensor")


def _print_numpy(results: dict, repeats: int) -> None:
    from verify.report import table

    try:
        from kernels.core.tiling import TILE_BYTES

        tiles = f"tiles of {TILE_BYTES // 4:,} elements"
    except ImportError:  # kernels from before tiling (a before/after comparison)
        tiles = "whole arrays"

    peers = [label for label, _ in TORCH_VARIANTS]
    rows, notes = [], {}
    for n, by_rule in results.items():
        for rule, res in by_rule.items():
            ours = res[OURS]
            times, ratios = [], []
            for label in peers:
                value = res.get(label, res.get("torch", "-"))
                if isinstance(value, str):
                    notes.setdefault(value, set()).add(f"{rule} ({label})" if label in res else rule)
                    times.append("-")
                    ratios.append("-")
                else:
                    times.append(f"{value * 1e3:.3f}")
                    ratios.append(f"{value / ours:.2f}x")  # > 1: ours is faster
            rows.append([f"{n:,}", rule, f"{ours * 1e3:.3f}", *times, *ratios])
    short = [label.removeprefix("torch ") for label in peers]
    print(table(["params", "rule", "ours ms", *(f"{s} ms" for s in short), *(f"vs {s}" for s in short)], rows))
    try:
        import torch

        threads = f"torch on {torch.get_num_threads()} threads"
    except ImportError:
        threads = "torch not installed"
    print(f"\nvs X = torch X's median time / ours (> 1: ours faster); median of {repeats} rounds (each "
          f"implementation one step a round, in turn) after >= {WARMUP} warm-up rounds and {WARMUP_SECONDS:g} s; "
          f"float32, one parameter tensor; ours: NumPy, {_ours_threads()}, {tiles}, validate=False; {threads}")
    for why, where in notes.items():
        print(f"-: {why}: {', '.join(sorted(where))}")


def _ours_threads() -> str:
    from kernels.core.tiling import threads

    return "one thread" if threads() == 1 else f"tiles on {threads()} threads"


def main(args) -> int:
    from kernels import set_threads
    from verify.report import dumps

    rules = getattr(args, "rules", None) or RULES
    set_threads(getattr(args, "threads", None) or 1)
    if getattr(args, "torch_threads", None):
        try:
            import torch

            torch.set_num_threads(args.torch_threads)
        except ImportError:
            pass
    results = {}
    for size in args.sizes:
        n = int(size)
        results[n] = bench_cupy(n, args.repeats) if args.backend == "cupy" else bench_numpy(n, args.repeats, rules)
    if args.json:
        print(dumps(results))
    elif args.backend == "cupy":
        _print_cupy(results, args.repeats)
    else:
        _print_numpy(results, args.repeats)
    return 0
