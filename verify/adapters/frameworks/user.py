"""A user's own optimizer, with no framework: a per-step function becomes a Target.

``step(p, g, <state...>, t, <hyperparameters...>)`` with the names of the rule (``check``'s
protocol): it returns the new ``p`` and state (a tuple in the rule's output order, a dict, or None
after updating in place).  The wrapper reads its signature: state arrays it names are kept for it
(zero, or the rule's initial value), hyperparameters it names are driven, and those it does not
name are pinned at the rule's defaults.  An object that is already a Target (or a list of them)
needs no wrapping.
"""
from __future__ import annotations

import inspect

import numpy as np

from derivations import RULES
from derivations import rule as find_rule
from derivations.plugins import attribute
from verify.adapters.frameworks import Target
from verify.checks.elementwise import call_step


def step_function_target(fn, rule: str, label: str | None = None) -> Target:
    r = find_rule(rule)
    params = inspect.signature(fn).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())

    def accepts(name):
        return takes_any or name in params

    initial = dict(r.initial)
    state = tuple(s for s in r.state if accepts(s))
    step_hyper = [h.name for h in r.hyperparameters if h.name not in initial.values()]
    arguments = {h: h for h in step_hyper if accepts(h)}
    arguments.update({h: h for h in initial.values()})  # the wrapper sets the initial state itself
    pinned = {h: r.hyperparameter(h).default for h in step_hyper if not accepts(h)}
    label = label or getattr(fn, "__qualname__", type(fn).__name__)

    def make():
        def run(inputs, gradients, **hyper):
            p = np.array(inputs["p"])
            values = {s: np.full_like(p, hyper.get(initial.get(s), 0.0)) for s in state}
            out = []
            for k, g in enumerate(gradients):
                now = {n: (v[k] if isinstance(v, (list, tuple)) else v) for n, v in hyper.items()
                       if n in arguments and n not in initial.values()}
                result = call_step(fn, np, {"p": p, "g": np.asarray(g), **values}, k + 1, now, ("p",) + state)
                p, values = result["p"], {s: result[s] for s in state}
                out.append(np.array(p))
            return out

        run.__qualname__ = label
        return run

    return Target("user", label, r.name, arguments, pinned, make, fn)


def load_targets(spec: str, rule: str | None) -> list[Target]:
    """``module:attribute`` → Targets: a Target, a list of Targets, or a step function (needs ``rule``)."""
    obj = attribute(spec, "SOURCES")  # imported, never evaluated: a clear usage error when it is not there
    if isinstance(obj, Target):
        return [obj]
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(x, Target) for x in obj):
        return list(obj)
    if not callable(obj):
        raise ValueError(f"SOURCES: {spec} is neither a Target nor a step function")
    if rule is None:
        raise ValueError(f"say which rule {spec} implements: --rule {'|'.join(RULES)} or --rule module:RULE")
    return [step_function_target(obj, rule, spec)]
