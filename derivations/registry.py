"""Every rule and derivation by a stable name."""
from __future__ import annotations

from . import adam, bias_variance, conjugate_gradient, ema, newton, rmsprop, sgd
from .core import Derivation
from .rule import Rule

RULES: dict[str, Rule] = {r.name: r for r in (ema.RULE, sgd.RULE, rmsprop.RULE, adam.RULE)}
DERIVATIONS: dict[str, Derivation] = {
    d.name: d
    for module in (ema, sgd, rmsprop, adam, newton, conjugate_gradient, bias_variance)
    for d in module.DERIVATIONS
}


def rule(name: str) -> Rule:
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"no rule named {name!r}; known rules: {sorted(RULES)}") from None


def derivation(name: str) -> Derivation:
    try:
        return DERIVATIONS[name]
    except KeyError:
        raise KeyError(f"no derivation named {name!r}; known derivations: {sorted(DERIVATIONS)}") from None


def derivations_matching(names) -> list[Derivation]:
    """Derivations whose name equals one of ``names`` or starts with ``name.`` (a family)."""
    if not names:
        return list(DERIVATIONS.values())
    chosen = []
    for name in names:
        found = [d for key, d in DERIVATIONS.items() if key == name or key.startswith(name + ".")]
        if not found:
            raise KeyError(f"no derivation or family named {name!r}; known: {sorted(DERIVATIONS)}")
        chosen += [d for d in found if d not in chosen]
    return chosen
