"""torch.nn.init's initialisers as peers of derivations/estimators/initialization.py.

Each adapter is ``init(shape, seed) -> NumPy float64 array``: a float32 tensor of ``shape`` filled in place under
``torch.manual_seed(seed)``.  Nothing here says which fan, layout or gain it uses: verify/checks/initialization.py
finds that from the variance of what it draws.
"""
from __future__ import annotations

import functools

import numpy as np


def _draw(fill, shape, seed):
    import torch

    torch.manual_seed(seed)
    w = torch.empty(tuple(shape), dtype=torch.float32)
    fill(w)
    return w.numpy().astype(np.float64)


def _init(name, **options):
    def init(shape, seed):
        import torch

        return _draw(functools.partial(getattr(torch.nn.init, name), **options), shape, seed)
    init.__qualname__ = f"torch.nn.init.{name}({', '.join(f'{k}={v!r}' for k, v in options.items())})"
    return init


xavier_uniform = _init("xavier_uniform_")
xavier_normal = _init("xavier_normal_")
kaiming_uniform = _init("kaiming_uniform_")  # defaults: a=0, mode="fan_in", nonlinearity="leaky_relu"
kaiming_normal = _init("kaiming_normal_")
kaiming_normal_fan_out = _init("kaiming_normal_", mode="fan_out", nonlinearity="relu")
trunc_normal_std1 = _init("trunc_normal_", std=1.0)  # a=-2, b=2 — absolute bounds or in std units?
trunc_normal_std_half = _init("trunc_normal_", std=0.5)



def linear_default(shape, seed):
    """torch.nn.Linear / Conv2d's own reset_parameters (kaiming_uniform_ with a = √5) on a weight of ``shape``."""
    import torch

    torch.manual_seed(seed)
    out, inp, field = shape[0], shape[1], tuple(shape[2:])
    layer = torch.nn.Linear(inp, out) if not field else torch.nn.Conv2d(inp, out, field)
    return layer.weight.detach().numpy().astype(np.float64)


# (label, adapter)
PEERS = (
    ("torch.nn.init.xavier_uniform_", xavier_uniform),
    ("torch.nn.init.xavier_normal_", xavier_normal),
    ("torch.nn.init.kaiming_uniform_", kaiming_uniform),
    ("torch.nn.init.kaiming_normal_", kaiming_normal),
    ("torch.nn.init.kaiming_normal_(mode='fan_out', nonlinearity='relu')", kaiming_normal_fan_out),
    ("torch.nn.Linear / Conv2d default weight", linear_default),
)
