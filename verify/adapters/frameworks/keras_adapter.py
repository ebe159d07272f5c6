"""Keras 3 (JAX backend by default; TensorFlow too): SGD, RMSprop, Adam, AdamW, Adagrad, Nadam, Adamax, Lion, Adadelta, driven eagerly on one keras.Variable; and an
optimizer's ``use_ema=True`` average as a peer of the ``ema`` rule (the variable is set to each sample and an
SGD step with learning rate 0 leaves it there; the optimizer then averages it).

``KERAS_BACKEND`` is set to ``jax`` (unless already set) and JAX's 64-bit mode switched on before
keras is imported; ``keras.config.set_floatx`` is set to the run's dtype while the optimizer is
built, so that its learning-rate variable has the parameter's precision.  The learning rate is
assigned before every step (``optimizer.learning_rate = value``).
"""
from __future__ import annotations

import os

import numpy as np

from verify.adapters.frameworks import Target, call_label, framework_kwargs

# The backends the keras optimizer adapters run on: JAX (the default, and CI's) and TensorFlow (KERAS_BACKEND=
# tensorflow with tensorflow-cpu installed; its float64 rows differ: README "Keras on TensorFlow").  The report's
# versions line names the backend.  The schedule adapters (keras_schedules.py) trace with JAX: JAX only.
BACKENDS = ("jax", "tensorflow")


def _import_keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import jax

    jax.config.update("jax_enable_x64", True)
    import keras

    if keras.backend.backend() not in BACKENDS:
        raise ImportError(f"the keras adapters run on the {' or '.join(BACKENDS)} backend; KERAS_BACKEND is "
                          f"{keras.backend.backend()!r}")
    return keras


def require():
    _import_keras()


def _runner(name: str, arguments: dict, options: dict, optimizer=None, label=None):
    """``optimizer``: () -> the class (or factory) to run, for one outside keras.optimizers (verify.adapters.ecosystem)."""
    def make():
        keras = _import_keras()
        cls = optimizer() if optimizer is not None else getattr(keras.optimizers, name)

        def run(inputs, gradients, lr, **hyper):
            dtype = str(np.asarray(inputs["p"][0]).dtype)
            before = keras.config.floatx()
            keras.config.set_floatx(dtype)
            try:
                variables = [keras.Variable(np.array(p), dtype=dtype) for p in inputs["p"]]
                opt = cls(learning_rate=lr[0], **framework_kwargs(arguments, hyper), **options)
                opt.build(variables)
                out = []
                for k, grads in enumerate(gradients):
                    opt.learning_rate = lr[k]
                    opt.apply_gradients([(keras.ops.convert_to_tensor(np.array(g), dtype=dtype), var)
                                         for g, var in zip(grads, variables)])
                    out.append([np.array(var.value) for var in variables])
            finally:
                keras.config.set_floatx(before)
            return out

        run.__qualname__ = label or call_label("keras.optimizers." + name, options)
        run.__optverify_lists__ = True
        return run

    return make


EMA_LABEL = "keras.optimizers.SGD(learning_rate=0.0, use_ema=True)"


def _ema_runner():
    def make():
        keras = _import_keras()

        def run(inputs, gradients, alpha):
            dtype = str(np.asarray(gradients[0]).dtype)
            before = keras.config.floatx()
            keras.config.set_floatx(dtype)
            try:
                var = keras.Variable(np.zeros_like(np.array(gradients[0])), dtype=dtype)
                opt = keras.optimizers.SGD(learning_rate=0.0, use_ema=True, ema_momentum=alpha)
                opt.build([var])
                zero = keras.ops.zeros(var.shape, dtype=dtype)
                out = []
                for sample in gradients:
                    var.assign(np.array(sample))
                    opt.apply_gradients([(zero, var)])
                    out.append(np.array(opt._model_variables_moving_average[0].value))
            finally:
                keras.config.set_floatx(before)
            return out

        run.__qualname__ = EMA_LABEL
        return run

    return make


def _ema_target() -> Target:
    keras = _import_keras()
    return Target("keras", EMA_LABEL, "ema", {"alpha": "ema_momentum"}, {}, _ema_runner(),
                  keras.optimizers.SGD.__init__, (),
                  ("the average is read from the optimizer's private _model_variables_moving_average",))


def _target(rule, name, arguments, options=None, pinned=None, positive=(), notes=()):
    keras = _import_keras()
    options = options or {}
    label = call_label("keras.optimizers." + name, options)
    return Target("keras", label, rule, arguments, pinned or {}, _runner(name, arguments, options),
                  getattr(keras.optimizers, name).__init__, positive, notes)


SGD = {"lr": "learning_rate", "momentum": "momentum", "weight_decay": "weight_decay"}
RMSPROP = {"lr": "learning_rate", "alpha": "rho", "eps": "epsilon", "momentum": "momentum",
           "weight_decay": "weight_decay"}
ADAGRAD = {"lr": "learning_rate", "initial_accumulator": "initial_accumulator_value", "eps": "epsilon",
           "weight_decay": "weight_decay"}
ADAM = {"lr": "learning_rate", "beta1": "beta_1", "beta2": "beta_2", "eps": "epsilon", "weight_decay": "weight_decay"}
LION = {"lr": "learning_rate", "beta1": "beta_1", "beta2": "beta_2", "weight_decay": "weight_decay"}


def targets() -> list[Target]:
    return [
        _target("sgd", "SGD", SGD, pinned={"dampening": 0.0}),
        _target("sgd", "SGD", SGD, {"nesterov": True}, pinned={"dampening": 0.0}),
        _target("rmsprop", "RMSprop", RMSPROP, pinned={"initial_accumulator": 0.0}),
        _target("rmsprop", "RMSprop", RMSPROP, {"centered": True}, pinned={"initial_accumulator": 0.0}),
        _target("adam", "Adam", ADAM),
        _target("adam", "Adam", ADAM, {"amsgrad": True}),
        _target("adam", "AdamW", ADAM),
        _target("adagrad", "Adagrad", ADAGRAD, pinned={"lr_decay": 0.0}),
        _target("nadam", "Nadam", ADAM, pinned={"momentum_decay": 1.0},
                notes=("μ_t = β1(1 - ½·0.96^t): torch's schedule with ψ = 1, and no argument to change it",)),
        _target("adamax", "Adamax", ADAM),
        _target("lion", "Lion", LION, positive=("beta1",),
                notes=("rejects beta_1 = 0 (\"degenerates to SignSGD\") and accepts beta_1 = 1",)),
        _target("adadelta", "Adadelta", {"lr": "learning_rate", "rho": "rho", "eps": "epsilon",
                                         "weight_decay": "weight_decay"}),
        _ema_target(),
    ]
