"""End to end against the real libraries (skipped, with the reason, where one is not installed).

Every optimizer of every adapter must follow *some* convention of its rule.  A few facts about
the frameworks, long stable and documented in their source, are asserted as well: they are what the
cross-check must find by running them (the checker itself knows none of them).
"""
import pytest

from verify.adapters import crosscheck
from verify.adapters.frameworks import NotInstalled, load
from verify.checks.elementwise import without_shrinking

EXPECTED = {  # label -> facts (axis: value) the run must find
    "torch.optim.SGD()": {"lr_position": "outside_buffer", "init": "first_gradient", "decay": "l2"},
    "torch.optim.Adam()": {"eps_mode": "after_correction", "decay": "l2", "amsgrad": "off"},
    "torch.optim.Adam(amsgrad=True)": {"amsgrad": "raw"},
    "torch.optim.AdamW()": {"decay": "decoupled"},
    "torch.optim.RMSprop()": {"eps_mode": "outside_sqrt", "centered": False},
    "optax.sgd(nesterov=True)": {"nesterov": True, "lr_position": "outside_buffer"},
    "optax.rmsprop()": {"eps_mode": "inside_sqrt", "lr_position": "inside_buffer"},
    "optax.rmsprop(eps_in_sqrt=False)": {"eps_mode": "outside_sqrt"},
    "optax.amsgrad()": {"amsgrad": "corrected"},
    "optax.adamw()": {"decay": "decoupled"},
    "keras.optimizers.SGD()": {"lr_position": "inside_buffer", "decay": "decoupled"},
    "keras.optimizers.Adam()": {"eps_mode": "uncorrected", "decay": "decoupled"},
    "keras.optimizers.Adam(amsgrad=True)": {"amsgrad": "raw"},
    "keras.optimizers.RMSprop(centered=True)": {"centered": True, "eps_mode": "inside_sqrt"},
    "torch.optim.NAdam()": {"momentum_schedule": "decaying", "decay": "l2"},
    "torch.optim.NAdam(decoupled_weight_decay=True)": {"decay": "decoupled"},
    "optax.nadam()": {"momentum_schedule": "constant"},
    "keras.optimizers.Nadam()": {"momentum_schedule": "decaying", "decay": "decoupled"},
    "torch.optim.Adamax()": {"eps_mode": "inside_max", "decay": "l2"},
    "optax.adamax()": {"eps_mode": "inside_max"},
    "keras.optimizers.Adamax()": {"eps_mode": "outside_max", "decay": "decoupled"},
    "optax.lion()": {"decay": "decoupled"},
    "torch.optim.RAdam()": {"eps_mode": "uncorrected", "decay": "l2"},
    "optax.radam()": {"eps_mode": "after_correction"},
    "torch.optim.Adadelta()": {"lr_position": "outside_buffer", "decay": "l2"},
    "optax.adadelta()": {"lr_position": "outside_buffer", "decay": "l2"},
    "keras.optimizers.Adadelta()": {"lr_position": "outside_buffer", "decay": "decoupled"},
    # EMA of weights: torch's AveragedModel and keras' use_ema copy the first sample, optax starts from 0
    "torch.optim.swa_utils.AveragedModel(multi_avg_fn=get_ema_multi_avg_fn(decay))": {"init": "first_sample"},
    "keras.optimizers.SGD(learning_rate=0.0, use_ema=True)": {"init": "first_sample", "debias": False},
    "optax.ema(debias=True)": {"init": "zero", "debias": True},
}


def _targets(framework):
    try:
        return load(framework).targets()
    except NotInstalled as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("framework", ["torch", "optax", "keras"])
def test_every_optimizer_follows_a_convention(framework):
    for target in _targets(framework):
        # status and conventions come from the survey (generation only); shrinking would only minimise the
        # edges' counterexample, which nothing here reads (it cost 40 of keras' 56 s)
        with without_shrinking():
            row = crosscheck.crosscheck_target(target)
        assert row.status == "matched", crosscheck.text([row])
        summary = row.fingerprint.summary()
        for axis, value in EXPECTED.get(target.label, {}).items():
            assert summary[axis] == value, (target.label, axis, summary)
