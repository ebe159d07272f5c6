"""torch.optim: SGD, RMSprop, Adam, AdamW, Adagrad, NAdam, RAdam, Adamax, Adadelta (for-loop, foreach and fused where torch has them), driven on float32 and float64 CPU tensors;
and torch.optim.swa_utils.AveragedModel with an EMA averaging function, as peers of the ``ema`` rule.

Each run builds a fresh optimizer over a list of tensors (one, or a drawn list with an empty one inside: the
multi-tensor paths group tensors), sets ``param_groups[...]["lr"]`` before every
step (how torch's own schedulers change the learning rate), assigns the gradient and steps.  An
averaged model is fed samples by copying each into the model's one parameter before
``update_parameters``; what it reports is its own copy of that parameter.
"""
from __future__ import annotations

import numpy as np

from verify.adapters.frameworks import Target, call_label, framework_kwargs


def require():
    import torch  # noqa: F401


def _runner(name: str, arguments: dict, options: dict, optimizer=None, label=None):
    """``optimizer``: () -> the class (or factory) to run, for one outside torch.optim (verify.adapters.ecosystem)."""
    def make():
        import torch

        cls = optimizer() if optimizer is not None else getattr(torch.optim, name)

        def run(inputs, gradients, lr, **hyper):
            tdtype = getattr(torch, str(np.asarray(inputs["p"][0]).dtype))
            params = [torch.tensor(np.array(p), dtype=tdtype) for p in inputs["p"]]
            opt = cls(params, **framework_kwargs(arguments, {"lr": lr[0], **hyper}), **options)
            out = []
            for k, grads in enumerate(gradients):
                for group in opt.param_groups:
                    group["lr"] = lr[k]
                for p, g in zip(params, grads):
                    p.grad = torch.tensor(np.array(g), dtype=tdtype)
                opt.step()
                out.append([p.detach().numpy().copy() for p in params])
            return out

        run.__qualname__ = label or call_label("torch.optim." + name, options)
        run.__optverify_lists__ = True  # one optimizer over a list of tensors: foreach and fused work per list
        return run

    return make


def _ema_runner(avg_fn_name: str):
    """AveragedModel(model, <avg_fn_name>=swa_utils.get_ema_*_fn(decay=α)) fed one sample per step."""
    def make():
        import torch
        from torch.optim import swa_utils

        def run(inputs, gradients, alpha):
            tdtype = getattr(torch, str(np.asarray(gradients[0]).dtype))
            model = torch.nn.Module()
            model.w = torch.nn.Parameter(torch.zeros(len(gradients[0]), dtype=tdtype))
            factory = swa_utils.get_ema_multi_avg_fn if avg_fn_name == "multi_avg_fn" else swa_utils.get_ema_avg_fn
            averaged = swa_utils.AveragedModel(model, **{avg_fn_name: factory(alpha)})
            out = []
            with torch.no_grad():
                for sample in gradients:
                    model.w.copy_(torch.tensor(np.array(sample), dtype=tdtype))
                    averaged.update_parameters(model)
                    out.append(averaged.module.w.detach().numpy().copy())
            return out

        run.__qualname__ = _ema_label(avg_fn_name)
        return run

    return make


def _ema_label(avg_fn_name: str) -> str:
    factory = "get_ema_multi_avg_fn" if avg_fn_name == "multi_avg_fn" else "get_ema_avg_fn"
    return f"torch.optim.swa_utils.AveragedModel({avg_fn_name}={factory}(decay))"


def _ema_target(avg_fn_name: str, notes=()) -> Target:
    from torch.optim import swa_utils

    factory = swa_utils.get_ema_multi_avg_fn if avg_fn_name == "multi_avg_fn" else swa_utils.get_ema_avg_fn
    return Target("torch", _ema_label(avg_fn_name), "ema", {"alpha": "decay"}, {}, _ema_runner(avg_fn_name),
                  factory, (), notes)


def _target(rule, name, arguments, options=None, pinned=None, positive=(), notes=()):
    import torch

    options = options or {}
    label = call_label("torch.optim." + name, options)
    return Target("torch", label, rule, arguments, pinned or {}, _runner(name, arguments, options),
                  getattr(torch.optim, name).__init__, positive, notes)


SGD = {"lr": "lr", "momentum": "momentum", "dampening": "dampening", "weight_decay": "weight_decay"}
RMSPROP = {"lr": "lr", "alpha": "alpha", "eps": "eps", "momentum": "momentum", "weight_decay": "weight_decay"}
ADAM = {"lr": "lr", "beta1": "betas[0]", "beta2": "betas[1]", "eps": "eps", "weight_decay": "weight_decay"}
ADAGRAD = {"lr": "lr", "lr_decay": "lr_decay", "weight_decay": "weight_decay",
           "initial_accumulator": "initial_accumulator_value", "eps": "eps"}
NADAM = {**ADAM, "momentum_decay": "momentum_decay"}
ADADELTA = {"lr": "lr", "rho": "rho", "eps": "eps", "weight_decay": "weight_decay"}
MU_PRODUCT = ("keeps the running product of μ_t in a float32 tensor, float64 parameters too (unless torch's default "
              "dtype is float64): its float64 steps are float32-accurate",)
# On CPU torch runs its for-loop implementation unless asked: the multi-tensor (foreach) and fused kernels are
# separate code, checked as separate rows.
FOREACH, FUSED = {"foreach": True}, {"fused": True}


def targets() -> list[Target]:
    return [
        _target("sgd", "SGD", SGD),
        _target("sgd", "SGD", SGD, {"nesterov": True}, pinned={"dampening": 0.0}, positive=("momentum",),
                notes=("nesterov=True requires momentum > 0 and dampening = 0",)),
        _target("sgd", "SGD", SGD, FOREACH),
        _target("sgd", "SGD", SGD, FUSED),
        _target("rmsprop", "RMSprop", RMSPROP, pinned={"initial_accumulator": 0.0}),
        _target("rmsprop", "RMSprop", RMSPROP, {"centered": True}, pinned={"initial_accumulator": 0.0}),
        _target("rmsprop", "RMSprop", RMSPROP, {"centered": True, **FOREACH}, pinned={"initial_accumulator": 0.0}),
        _target("adam", "Adam", ADAM),
        _target("adam", "Adam", ADAM, {"amsgrad": True}),
        _target("adam", "Adam", ADAM, FOREACH),
        _target("adam", "Adam", ADAM, FUSED),
        _target("adam", "Adam", ADAM, {"decoupled_weight_decay": True}),
        _target("adam", "AdamW", ADAM),
        _target("adam", "AdamW", ADAM, {"amsgrad": True}),
        _target("adam", "AdamW", ADAM, {"amsgrad": True, **FOREACH}),
        _target("adam", "AdamW", ADAM, {"amsgrad": True, **FUSED}),
        _target("adagrad", "Adagrad", ADAGRAD),
        _target("adagrad", "Adagrad", ADAGRAD, FOREACH),
        _target("adagrad", "Adagrad", ADAGRAD, FUSED),
        _target("nadam", "NAdam", NADAM, notes=MU_PRODUCT),
        _target("nadam", "NAdam", NADAM, {"decoupled_weight_decay": True}, notes=MU_PRODUCT),
        _target("nadam", "NAdam", NADAM, FOREACH, notes=MU_PRODUCT),
        _target("radam", "RAdam", ADAM),
        _target("radam", "RAdam", ADAM, {"decoupled_weight_decay": True}),
        _target("radam", "RAdam", ADAM, FOREACH),
        _target("adamax", "Adamax", ADAM),
        _target("adamax", "Adamax", ADAM, FOREACH),
        _target("adadelta", "Adadelta", ADADELTA,
                notes=("accepts eps=0, with which a parameter never moves (Δ = √u·g/√v and u starts at 0)",)),
        _target("adadelta", "Adadelta", ADADELTA, FOREACH),
        _ema_target("multi_avg_fn", notes=("averages with torch._foreach_lerp_(average, sample, 1 - decay)",)),
        _ema_target("avg_fn"),
    ]
