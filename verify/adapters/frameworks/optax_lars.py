"""``optax.lars`` seen as one LARS step from a given state, for the reduction check (verify/checks/reduction.py).

Which of the ``lars`` rule's conventions optax follows is not written here: the check finds it by running
this adapter under each (tests/verify/test_lars_check.py).  optax builds LARS as
``chain(add_decayed_weights, scale_by_trust_ratio, scale_by_learning_rate, trace)``; the learning-rate
block multiplies by -lr, so optax's trace holds the *negated* buffer.  The adapter hands optax
trace = -bufs and returns bufs_new = -trace (negation is exact), so that the check sees the rule's buffer,
which keeps the gradient's sign.

JAX's 64-bit mode is switched on the first time the adapter runs (as verify/adapters/frameworks/optax_adapter.py
does), so float64 tensors stay float64; float32 tensors stay float32, the hyperparameters being Python
floats (weakly typed in JAX).  JAX and optax are imported on use.
"""
from __future__ import annotations

import numpy as np

from verify.checks.common import to_numpy


class OptaxLars:
    """``step(params, grads, bufs, *, lr, trust_coefficient, weight_decay, eps, momentum) -> (params_new,
    bufs_new)``: one ``optax.lars(...)`` update from state ``bufs`` (lists of arrays, one per tensor; NumPy or
    CuPy in, NumPy out; the inputs are not modified)."""

    def __init__(self, nesterov: bool = False):
        self.nesterov = nesterov
        self.__qualname__ = f"optax.lars(nesterov={nesterov})"
        name = "optax_lars_nesterov" if nesterov else "optax_lars"
        self.__optverify_call__ = (f"from verify.adapters.frameworks.optax_lars import {name}", name)

    def __repr__(self) -> str:
        return self.__qualname__

    def __call__(self, params, grads, bufs, *, lr, trust_coefficient, weight_decay, eps, momentum):
        import jax

        jax.config.update("jax_enable_x64", True)
        import optax
        from jax import numpy as jnp

        tx = optax.lars(learning_rate=float(lr), weight_decay=float(weight_decay),
                        trust_coefficient=float(trust_coefficient), eps=float(eps), momentum=float(momentum),
                        nesterov=self.nesterov)
        p = [jnp.asarray(np.array(to_numpy(a))) for a in params]
        state = tx.init(p)
        trace = [jnp.asarray(-np.array(to_numpy(b))) for b in bufs]  # optax's trace is -buf
        state = _with_trace(state, trace, optax.TraceState)
        updates, state = tx.update([jnp.asarray(np.array(to_numpy(g))) for g in grads], state, p)
        new_params = optax.apply_updates(p, updates)
        new_trace = _find_trace(state, optax.TraceState)
        return [np.array(a) for a in new_params], [-np.array(t) for t in new_trace]


def _with_trace(state, trace, TraceState):
    """The chain's state with its one TraceState holding ``trace``."""
    found = [i for i, s in enumerate(state) if isinstance(s, TraceState)]
    if len(found) != 1:
        raise RuntimeError(f"optax.lars's state has {len(found)} TraceStates, expected one: {state}")
    return tuple(TraceState(trace=trace) if i == found[0] else s for i, s in enumerate(state))


def _find_trace(state, TraceState):
    return next(s for s in state if isinstance(s, TraceState)).trace


optax_lars = OptaxLars(nesterov=False)
optax_lars_nesterov = OptaxLars(nesterov=True)
