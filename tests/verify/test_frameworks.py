"""End to end against the real libraries (skipped, with the reason, where one is not installed).

Every optimizer of every adapter must follow *some* convention of its rule.  A few facts about
the frameworks, long stable and documented in their source, are asserted as well: they are what the
cross-check must find by running them (the checker itself knows none of them).
"""
import pytest

from verify.adapters import crosscheck
from verify.adapters.frameworks import NotInstalled, load

EXPECTED = {  # label -> facts (axis: value) the run must find
    "torch.optim.SGD()": {"lr": "outside_buffer", "init": "first_gradient", "weight_decay": "l2"},
    "torch.optim.Adam()": {"eps": "after_correction", "weight_decay": "l2", "amsgrad": "off"},
    "torch.optim.Adam(amsgrad=True)": {"amsgrad": "raw"},
    "torch.optim.AdamW()": {"weight_decay": "decoupled"},
    "torch.optim.RMSprop()": {"eps": "outside_sqrt", "centered": False},
    "optax.sgd(nesterov=True)": {"nesterov": True, "lr": "outside_buffer"},
    "optax.rmsprop()": {"eps": "inside_sqrt", "lr": "inside_buffer"},
    "optax.rmsprop(eps_in_sqrt=False)": {"eps": "outside_sqrt"},
    "optax.amsgrad()": {"amsgrad": "corrected"},
    "optax.adamw()": {"weight_decay": "decoupled"},
    "keras.optimizers.SGD()": {"lr": "inside_buffer", "weight_decay": "decoupled"},
    "keras.optimizers.Adam()": {"eps": "uncorrected", "weight_decay": "decoupled"},
    "keras.optimizers.Adam(amsgrad=True)": {"amsgrad": "raw"},
    "keras.optimizers.RMSprop(centered=True)": {"centered": True, "eps": "inside_sqrt"},
}


def _targets(framework):
    try:
        return load(framework).targets()
    except NotInstalled as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("framework", ["torch", "optax", "keras"])
def test_every_optimizer_follows_a_convention(framework):
    for target in _targets(framework):
        row = crosscheck.crosscheck_target(target)
        assert row.status == "matched", crosscheck.text([row])
        summary = row.fingerprint.summary()
        for axis, value in EXPECTED.get(target.label, {}).items():
            assert summary[axis] == value, (target.label, axis, summary)
