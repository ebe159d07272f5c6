"""Optax: sgd, rmsprop, adam, adamw, amsgrad, adagrad, nadam(w), radam, adamax(w), lion, adadelta, run eagerly on JAX arrays (CPU); optax.ema as a peer of
the ``ema`` rule (its output, the transformed "update", is the average of the samples fed to it).

JAX's 64-bit mode is switched on when this adapter first runs, so that float64 runs are float64
(float32 runs stay float32: their arrays are created as float32).  The learning rate is given
as a schedule, ``lambda count: lrs[count]``, which optax evaluates at the update's 0-based count.
"""
from __future__ import annotations

import numpy as np

from verify.adapters.frameworks import Target, call_label, framework_kwargs


def require():
    import jax  # noqa: F401
    import optax  # noqa: F401


def _runner(name: str, arguments: dict, options: dict, factory=None, label=None):
    """``factory``: () -> the optimizer factory to run, for one outside optax's top level (verify.adapters.ecosystem)."""
    def make():
        import jax

        jax.config.update("jax_enable_x64", True)
        import optax
        from jax import numpy as jnp

        fn = factory() if factory is not None else getattr(optax, name)

        def run(inputs, gradients, lr, **hyper):
            dtype = np.asarray(inputs["p"][0]).dtype
            lrs = jnp.asarray(np.asarray(lr, dtype=dtype))
            tx = fn(learning_rate=lambda count: lrs[count], **framework_kwargs(arguments, hyper), **options)
            params = [jnp.asarray(np.array(p)) for p in inputs["p"]]  # a list is a pytree: one state per leaf
            state = tx.init(params)
            out = []
            for grads in gradients:
                updates, state = tx.update([jnp.asarray(np.array(g)) for g in grads], state, params)
                params = optax.apply_updates(params, updates)
                out.append([np.asarray(p) for p in params])
            return out

        run.__qualname__ = label or call_label("optax." + name, options)
        run.__optverify_lists__ = True
        return run

    return make


def _ema_runner(debias: bool):
    def make():
        import jax

        jax.config.update("jax_enable_x64", True)
        import optax
        from jax import numpy as jnp

        def run(inputs, gradients, alpha):
            tx = optax.ema(decay=alpha, debias=debias)
            state = tx.init(jnp.asarray(np.array(gradients[0])))
            out = []
            for sample in gradients:
                average, state = tx.update(jnp.asarray(np.array(sample)), state)
                out.append(np.asarray(average))
            return out

        run.__qualname__ = call_label("optax.ema", {"debias": debias})
        return run

    return make


def _ema_target(debias: bool) -> Target:
    import optax

    return Target("optax", call_label("optax.ema", {"debias": debias}), "ema", {"alpha": "decay"}, {},
                  _ema_runner(debias), optax.ema)


def _target(rule, name, arguments, options=None, pinned=None, notes=()):
    import optax

    options = options or {}
    label = call_label("optax." + name, options)
    return Target("optax", label, rule, arguments, pinned or {}, _runner(name, arguments, options),
                  getattr(optax, name), (), notes)


SGD = {"lr": "learning_rate", "momentum": "momentum"}
RMSPROP = {"lr": "learning_rate", "alpha": "decay", "eps": "eps", "momentum": "momentum",
           "initial_accumulator": "initial_scale"}
ADAM = {"lr": "learning_rate", "beta1": "b1", "beta2": "b2", "eps": "eps"}
ADAGRAD = {"lr": "learning_rate", "initial_accumulator": "initial_accumulator_value", "eps": "eps"}
LION = {"lr": "learning_rate", "beta1": "b1", "beta2": "b2", "weight_decay": "weight_decay"}
ADADELTA = {"lr": "learning_rate", "rho": "rho", "eps": "eps", "weight_decay": "weight_decay"}
NO_DECAY = {"weight_decay": 0.0}
NO_PSI = {"momentum_decay": 0.004}  # optax's NAdam has no ψ: its μ is the constant β1
EPS_ROOT = ("eps_root (ε added inside √ as well) is left at its default 0",)


def targets() -> list[Target]:
    return [
        _target("sgd", "sgd", SGD, pinned={"dampening": 0.0, **NO_DECAY}),
        _target("sgd", "sgd", SGD, {"nesterov": True}, pinned={"dampening": 0.0, **NO_DECAY}),
        _target("rmsprop", "rmsprop", RMSPROP, pinned=NO_DECAY),
        _target("rmsprop", "rmsprop", RMSPROP, {"centered": True}, pinned=NO_DECAY),
        _target("rmsprop", "rmsprop", RMSPROP, {"eps_in_sqrt": False}, pinned=NO_DECAY),
        _target("adam", "adam", ADAM, pinned=NO_DECAY, notes=EPS_ROOT),
        _target("adam", "adamw", {**ADAM, "weight_decay": "weight_decay"}, notes=EPS_ROOT),
        _target("adam", "amsgrad", ADAM, pinned=NO_DECAY, notes=EPS_ROOT),
        _target("adagrad", "adagrad", ADAGRAD, pinned={"lr_decay": 0.0, **NO_DECAY},
                notes=("the update is 0 where the accumulator is 0 (g² underflowed): jnp.where(G > 0, ...)",)),
        _target("nadam", "nadam", ADAM, pinned={**NO_DECAY, **NO_PSI}, notes=EPS_ROOT),
        _target("nadam", "nadamw", {**ADAM, "weight_decay": "weight_decay"}, pinned=NO_PSI, notes=EPS_ROOT),
        _target("radam", "radam", ADAM, pinned=NO_DECAY, notes=EPS_ROOT),
        _target("adamax", "adamax", ADAM, pinned=NO_DECAY),
        _target("adamax", "adamaxw", {**ADAM, "weight_decay": "weight_decay"}),
        _target("lion", "lion", LION),
        _target("adadelta", "adadelta", ADADELTA,
                notes=("learning_rate=None by default is no scaling at all, sign included: the updates are +Δ and "
                       "apply_updates climbs the loss; pass learning_rate",)),
        _ema_target(debias=True),
        _ema_target(debias=False),
    ]
