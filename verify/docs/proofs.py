"""Status and timing of each derivation, from proving it (``Derivation.check``), on every core
(verify/core/proving.py: a worker sends back only numbers and residuals)."""
from __future__ import annotations

from verify.core.proving import Proved, prove

__all__ = ["Proved", "prove_all"]


def prove_all(derivations: dict, jobs: int | None = None) -> dict[str, Proved]:
    """{name: Proved} for every derivation in ``derivations`` (name → Derivation, inherited by the workers)."""
    names = sorted(derivations, key=lambda n: -len(derivations[n].steps))  # long ones first: better balance
    return dict(zip(names, prove(names, derivations.__getitem__, jobs)))
