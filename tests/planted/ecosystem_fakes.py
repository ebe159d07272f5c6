"""A fake optimizer collection (a package of torch.optim.Optimizer subclasses) for the ecosystem scan, so that
its tests need none of the real collections.  Each class is written from Adam's Algorithm 1 (Kingma & Ba), with
one planted difference:

* ``Adam``: Adam with L2 decay, ε after the bias correction (torch's convention);
* ``AdamF32Update``: the same, but the update p - lr·m̂/(√v̂ + ε) done on float32 copies whatever the
  parameter's dtype (float32 "master weights"): float32 runs match, float64 runs agree only to float32
  precision, u₃₂·|p| off (the diagnosis must say so).  A float32 √v̂ alone would not do: its error, u₃₂ of
  the step, is within what the survey allows an implementation that computes 1-β^t in float32;
* ``RenamedAdam``: Adam with its hyperparameters renamed (step_size, beta_1, beta_2, epsilon) and a
  quasi-hyperbolic ν that defaults to 0.7: only with ν = 1 (pinned by OVERRIDES) is it Adam;
* ``DecoupleAdam``: Adam with L2 decay, or AdamW with ``weight_decouple=True``: the scan runs both settings;
* ``ZeroShyAdam``: Adam that raises on an all-zero gradient: its row is the crash, with the input;
* ``Orbit``: a "rotation" optimizer with (lr, radius): outside every rule of the catalogue;
* ``NormalizedSGD``: SGD on g/‖g‖, the norm per tensor: coupled within a tensor, so no elementwise rule's;
* ``ClippedSGD``: SGD on the gradients clipped to a global norm of 1 (across every tensor): coupled across
  tensors — but only once a gradient's norm exceeds 1, so the probe must see it at the package's defaults;
* ``ProjectedSGD``: SGD with a projection on matrices only: elementwise on vectors, where it is SGD;
* ``GroupsOnlySGD``: takes only parameter groups it labels itself (as Muon does): it does not run on a plain
  list of tensors;
* ``Adam`` is also re-exported from torch under ``TorchAdam``: a scan must not list it as the package's.
"""
from __future__ import annotations

import torch
from torch.optim import Adam as TorchAdam  # noqa: F401  (a re-export the scan must skip)

from verify.adapters.ecosystem import Override

# What the package's names do not say (as verify.adapters.ecosystem.OVERRIDES writes it for a real package).
OVERRIDES = {
    "RenamedAdam": Override(names={"lr": "step_size", "beta1": "beta_1", "beta2": "beta_2"}, pins={"nu": 1.0},
                            why="with ν = 1 the quasi-hyperbolic step is Adam's"),
}


class _AdamBase(torch.optim.Optimizer):
    """Adam (Algorithm 1) with L2 decay; subclasses change one piece."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _hyper(self, group):
        return group["lr"], group["betas"][0], group["betas"][1], group["eps"], group["weight_decay"], 1.0

    def _denominator(self, v_hat, eps):
        return v_hat.sqrt() + eps

    def _apply(self, p, step):
        p.sub_(step)

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            lr, beta1, beta2, eps, decay, nu = self._hyper(group)
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["t"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                state["t"] += 1
                t, g = state["t"], p.grad + decay * p
                if group.get("weight_decouple"):  # AdamW: the decay on the parameter, not in the gradient
                    p.mul_(1 - lr * decay)
                    g = p.grad
                state["m"].mul_(beta1).add_((1 - beta1) * g)
                state["v"].mul_(beta2).add_((1 - beta2) * g * g)
                m_hat = state["m"] / (1 - beta1**t)
                v_hat = state["v"] / (1 - beta2**t)
                direction = nu * m_hat + (1 - nu) * g  # quasi-hyperbolic: ν = 1 is Adam
                self._apply(p, lr * direction / self._denominator(v_hat, eps))


class Adam(_AdamBase):
    pass


class DecoupleAdam(_AdamBase):
    """Adam with L2 decay by default; ``weight_decouple=True`` (pytorch-optimizer's name) makes it AdamW."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, weight_decouple=False):
        torch.optim.Optimizer.__init__(self, params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                                          weight_decouple=weight_decouple))


class ZeroShyAdam(_AdamBase):
    """Adam that refuses an all-zero gradient (as heavyball's PSGD preconditioners do): a crash, with its input."""

    def _apply(self, p, step):
        if not p.grad.any():
            raise ValueError("gradient is all 0s")
        p.sub_(step)


class AdamF32Update(_AdamBase):
    def _apply(self, p, step):
        p.copy_((p.float() - step.float()).to(p.dtype))  # the planted float32 intermediate


class RenamedAdam(_AdamBase):
    def __init__(self, params, step_size=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8, nu=0.7):
        torch.optim.Optimizer.__init__(self, params, dict(lr=step_size, betas=(beta_1, beta_2), eps=epsilon,
                                                          weight_decay=0.0, nu=nu))

    def _hyper(self, group):
        return group["lr"], group["betas"][0], group["betas"][1], group["eps"], 0.0, group["nu"]


class Orbit(torch.optim.Optimizer):
    """Moves each parameter on a circle of the given radius: no rule of the catalogue."""

    def __init__(self, params, lr=0.1, radius=1.0):
        super().__init__(params, dict(lr=lr, radius=radius))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.sub_(group["lr"] * torch.tanh(p.grad) * group["radius"])


class _SGDOn(torch.optim.Optimizer):
    """SGD with momentum on direction(gradients) (buffer b ← μ·b + d from b₁ = d₁, p ← p − lr·b: torch's
    convention); subclasses say what the direction is."""

    def __init__(self, params, lr=0.1, momentum=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p, d in zip(params, self._directions([p.grad for p in params])):
                state = self.state[p]
                state["b"] = d.clone() if "b" not in state else group["momentum"] * state["b"] + d
                p.sub_(group["lr"] * state["b"])


class NormalizedSGD(_SGDOn):
    def _directions(self, grads):
        return [g / g.norm() for g in grads]


class ClippedSGD(_SGDOn):
    def _directions(self, grads):
        total = torch.sqrt(sum((g * g).sum() for g in grads))
        return [g * min(1.0, 1.0 / float(total)) for g in grads]


class ProjectedSGD(_SGDOn):
    """SGD that removes each matrix row's mean gradient (a projection, as AdamP/SGDP apply to matrices only)."""

    def _directions(self, grads):
        return [g - g.mean(dim=1, keepdim=True) if g.dim() == 2 else g for g in grads]


class GroupsOnlySGD(_SGDOn):
    def __init__(self, params, lr=0.1, momentum=0.0, nesterov=False):  # nesterov: a switch the scan flips
        params = list(params)
        if not all(isinstance(group, dict) and "use_fast_path" in group for group in params):
            raise TypeError("GroupsOnlySGD needs parameter groups with 'use_fast_path'")
        super().__init__(params, lr=lr, momentum=momentum)

    def _directions(self, grads):
        return grads
