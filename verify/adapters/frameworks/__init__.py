"""Adapters for other people's optimizers, all seen through one protocol.

A ``Target`` is one optimizer of one framework with its options fixed (``torch.optim.Adam(amsgrad=True)``).
It says which rule it is an instance of, how our hyperparameter names map onto its arguments (one
table per adapter), which of our hyperparameters it has no argument for (pinned), and how to run it:
``target.runner()`` gives ``run(inputs, gradients, **hyperparameters)`` → the parameter after
each step, with the learning rate given per step.  Which *convention* it follows is never written
here; verify.adapters.conventions finds it by running it.

Frameworks are optional: each adapter module imports its framework only when asked, and a missing
one is reported as "not installed".
"""
from __future__ import annotations

import importlib
import inspect
import math
from dataclasses import dataclass, field
from typing import Callable

from derivations import rule as find_rule

ADAPTERS = {"torch": "verify.adapters.frameworks.torch_adapter", "optax": "verify.adapters.frameworks.optax_adapter",
            "keras": "verify.adapters.frameworks.keras_adapter"}
EXTRAS = {"torch": "torch", "optax": "optax", "keras": "keras"}


class NotInstalled(RuntimeError):
    """The framework an adapter needs is not importable here."""


@dataclass(frozen=True)
class Target:
    framework: str
    label: str  # what a user writes, e.g. "torch.optim.Adam(amsgrad=True)"
    rule: str
    arguments: dict  # our hyperparameter -> the framework's argument ("betas[1]": element 1 of a tuple)
    pinned: dict  # our hyperparameters the optimizer has no argument for -> the value it behaves as
    runner: Callable  # () -> run(inputs, gradients, **hyperparameters); the dtype is the inputs' dtype
    signature: Callable  # the callable whose signature holds the framework's defaults
    positive: tuple = ()  # hyperparameters it rejects at 0
    notes: tuple = field(default_factory=tuple)  # facts about its API worth a reader's attention

    def framework_defaults(self) -> dict:
        """The framework's default for each of our hyperparameters it has an argument for (read from
        the installed library's signature, not copied)."""
        params = inspect.signature(self.signature).parameters
        out = {}
        for ours, theirs in self.arguments.items():
            name, index = _split(theirs)
            if name in params and params[name].default is not inspect.Parameter.empty:
                value = params[name].default
                out[ours] = value[index] if index is not None and isinstance(value, (tuple, list)) else value
        return out

    def differing_defaults(self) -> list[str]:
        """Every framework default that differs from the rule's default (the paper's value, where the
        rule's source gives one: Adam's Algorithm 1, Hinton's ρ = 0.9 for RMSProp)."""
        r = find_rule(self.rule)
        notes = []
        for ours, value in self.framework_defaults().items():
            paper = r.hyperparameter(ours).default
            number = 0.0 if value is None else value  # None switches the feature off (momentum, decay)
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                notes.append(f"{self.arguments[ours]}={value!r} by default (rule: {ours}={paper:g})")
            elif not math.isclose(float(number), paper, rel_tol=1e-12, abs_tol=0.0):
                notes.append(f"{self.arguments[ours]}={value!r} by default (rule: {ours}={paper:g})")
        return notes


def call_label(qualified_name: str, options: dict) -> str:
    """How a user writes the optimizer: ``torch.optim.Adam(amsgrad=True)``."""
    return f"{qualified_name}({', '.join(f'{k}={v!r}' for k, v in options.items())})"


def _split(argument: str):
    if argument.endswith("]"):
        name, index = argument[:-1].split("[")
        return name, int(index)
    return argument, None


def framework_kwargs(arguments: dict, hyper: dict) -> dict:
    """Our hyperparameters → the framework's keyword arguments (tuples assembled from their elements)."""
    out: dict = {}
    for ours, value in hyper.items():
        if ours not in arguments:
            continue
        name, index = _split(arguments[ours])
        if index is None:
            out[name] = value
        else:
            parts = list(out.get(name, ()))
            parts += [None] * (index + 1 - len(parts))
            parts[index] = value
            out[name] = tuple(parts)
    return out


def load(framework: str):
    """The adapter module for ``framework``; NotInstalled when the framework cannot be imported."""
    if framework not in ADAPTERS:
        raise KeyError(f"no adapter for {framework!r}; adapters exist for {sorted(ADAPTERS)}")
    module = importlib.import_module(ADAPTERS[framework])
    try:
        module.require()
    except ImportError as exc:
        raise NotInstalled(f"{framework} is not installed ({exc}); pip install 'optverify[{EXTRAS[framework]}]'") \
            from exc
    return module


def targets(framework: str) -> list[Target]:
    return load(framework).targets()
