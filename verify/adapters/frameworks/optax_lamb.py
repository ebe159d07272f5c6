"""``optax.lamb`` seen as one LAMB step from a given state, for the LAMB check (verify/checks/lamb.py).

Which of the ``lamb`` rule's conventions optax follows is not written here: the check finds it by running this
adapter under each (tests/verify/test_lamb_check.py).  optax builds LAMB as ``chain(scale_by_adam,
add_decayed_weights, scale_by_trust_ratio, scale_by_learning_rate)``; the adapter puts (m, v, count = t - 1) in
the chain's ScaleByAdamState, runs one update, and reads m, v back.  JAX's 64-bit mode is switched on as in
optax_lars.py, so float64 stays float64.
"""
from __future__ import annotations

import numpy as np

from verify.checks.common import to_numpy


class OptaxLamb:
    """``step(params, grads, ms, vs, *, step, lr, b1, b2, eps, weight_decay) -> (params, ms, vs)`` (NumPy out;
    the inputs are not modified)."""

    __qualname__ = "optax.lamb"
    __optverify_call__ = ("from verify.adapters.frameworks.optax_lamb import optax_lamb", "optax_lamb")

    def __repr__(self) -> str:
        return "optax.lamb"

    def __call__(self, params, grads, ms, vs, *, step, lr, b1, b2, eps, weight_decay):
        import jax

        jax.config.update("jax_enable_x64", True)
        import optax
        from jax import numpy as jnp

        tx = optax.lamb(learning_rate=float(lr), b1=float(b1), b2=float(b2), eps=float(eps),
                        weight_decay=float(weight_decay))
        p = [jnp.asarray(np.array(to_numpy(a))) for a in params]
        state = tx.init(p)
        adam = [i for i, s in enumerate(state) if isinstance(s, optax.ScaleByAdamState)]
        if len(adam) != 1:
            raise RuntimeError(f"optax.lamb's state has {len(adam)} ScaleByAdamStates, expected one: {state}")
        old = state[adam[0]]
        new = optax.ScaleByAdamState(count=jnp.asarray(step - 1, dtype=old.count.dtype),
                                     mu=[jnp.asarray(np.array(to_numpy(a))) for a in ms],
                                     nu=[jnp.asarray(np.array(to_numpy(a))) for a in vs])
        state = tuple(new if i == adam[0] else s for i, s in enumerate(state))
        updates, state = tx.update([jnp.asarray(np.array(to_numpy(g))) for g in grads], state, p)
        out = state[adam[0]]
        return ([np.array(a) for a in optax.apply_updates(p, updates)], [np.array(a) for a in out.mu],
                [np.array(a) for a in out.nu])


optax_lamb = OptaxLamb()
