"""``pytorch_optimizer.Lamb`` seen as one LAMB step from a given state, for the LAMB check (verify/checks/lamb.py).

The conventions it follows are found by the check, not written here (tests/verify/test_lamb_check.py).  The
adapter builds a ``Lamb`` over fresh tensors, puts (exp_avg, exp_avg_sq) in its state and step = t - 1 in its
group, sets ``.grad`` and calls ``step()`` once.  Two instances: the library's default ``weight_decouple=True``
and ``weight_decouple=False`` (decay added to the direction, as optax and the paper).  torch and
pytorch_optimizer are imported on use.
"""
from __future__ import annotations

import numpy as np

from verify.checks.common import to_numpy


def require():
    import pytorch_optimizer  # noqa: F401  (the Peer's requirement: not installed → reported, not run)


class TorchLamb:
    def __init__(self, weight_decouple: bool):
        self.weight_decouple = weight_decouple
        self.__qualname__ = f"pytorch_optimizer.Lamb(weight_decouple={weight_decouple})"
        name = "torch_lamb" if weight_decouple else "torch_lamb_coupled"
        self.__optverify_call__ = (f"from verify.adapters.frameworks.torch_lamb import {name}", name)

    def __repr__(self) -> str:
        return self.__qualname__

    def __call__(self, params, grads, ms, vs, *, step, lr, b1, b2, eps, weight_decay):
        import torch
        from pytorch_optimizer import Lamb

        tensors = [torch.tensor(np.array(to_numpy(a))) for a in params]
        opt = Lamb(tensors, lr=float(lr), betas=(float(b1), float(b2)), eps=float(eps),
                   weight_decay=float(weight_decay), weight_decouple=self.weight_decouple)
        for p, g, m, v in zip(tensors, grads, ms, vs):
            p.grad = torch.tensor(np.array(to_numpy(g)))
            opt.state[p]["exp_avg"] = torch.tensor(np.array(to_numpy(m)))
            opt.state[p]["exp_avg_sq"] = torch.tensor(np.array(to_numpy(v)))
        opt.param_groups[0]["step"] = step - 1
        opt.step()
        return ([p.detach().numpy().copy() for p in tensors],
                [opt.state[p]["exp_avg"].numpy().copy() for p in tensors],
                [opt.state[p]["exp_avg_sq"].numpy().copy() for p in tensors])


torch_lamb = TorchLamb(weight_decouple=True)
torch_lamb_coupled = TorchLamb(weight_decouple=False)
