"""``optax.contrib.sam`` seen as one SAM step, for verify/checks/sam.py (protocol ``step(w, gradient, *, lr, rho)``).

Built as optax's docstring shows for "the simple drop-in SAM version from the paper": outer ``optax.sgd(lr)``,
adversarial ``chain(optax.contrib.normalize(), optax.sgd(rho))``, ``sync_period=2``, in opaque mode (one
``update`` call runs the adversarial step and the outer step, reading gradients through ``grad_fn``).  Which
perturbation it really takes (sign, normalisation) is found by the check, not written here.  float64 via JAX's
64-bit mode.  ``optax_sam_ascent`` is the same with ``sgd(-rho)`` as the adversarial optimizer.
"""
from __future__ import annotations

import numpy as np


class OptaxSam:
    def __init__(self, adversarial_sign: float):
        self.sign = adversarial_sign
        self.__qualname__ = f"optax.contrib.sam(sgd(lr), chain(normalize(), sgd({'' if self.sign > 0 else '-'}rho)))"

    def __repr__(self) -> str:
        return self.__qualname__

    def __call__(self, w, gradient, *, lr, rho):
        import jax

        jax.config.update("jax_enable_x64", True)
        import optax
        from jax import numpy as jnp

        tx = optax.contrib.sam(optax.sgd(float(lr)),
                               optax.chain(optax.contrib.normalize(), optax.sgd(self.sign * float(rho))),
                               sync_period=2, opaque_mode=True)
        p = jnp.asarray(np.array(w))
        state = tx.init(p)

        def grad_fn(params, _):
            return jnp.asarray(gradient(np.array(params)))

        updates, _ = tx.update(grad_fn(p, 0), state, p, grad_fn=grad_fn)
        w[...] = np.array(optax.apply_updates(p, updates))


optax_sam = OptaxSam(+1.0)
optax_sam_ascent = OptaxSam(-1.0)


def survey(peer, *, examples: int = 30, seed: int = 0):
    """The crosscheck row (verify/adapters/peers.py): the peer checked as SAM and as the adaptive variant (ASAM) on
    drawn quadratics (verify/checks/sam.py); the variants it passes are its convention.  At most 10 examples: each
    builds and compiles a new optax transformation."""
    import time

    from verify.adapters.peers import Survey
    from verify.checks.families import _as_report
    from verify.checks.sam import check_sam

    start, step, n = time.perf_counter(), peer.load(), min(examples, 10)
    reports = [_as_report("sam", {"adaptive": adaptive}, step, n, check_sam(step, adaptive=adaptive, examples=n,
                                                                            seed=seed))
               for adaptive in (False, True)]
    return Survey("sam", peer.label, reports, "", time.perf_counter() - start, list(peer.notes))
