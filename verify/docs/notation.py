"""How a symbol's name is written on a page.

A rule names its symbols as frameworks do (``lr``, ``beta1``, ``weight_decay``); a reader expects η, β₁, λ.
The table is one global map, shown beside every hyperparameter table, so the same name always prints the same
way.  Names it does not list print as themselves: SymPy's own convention (``beta_1`` → β₁, ``epsilon_hat`` →
ε_hat) for mathematical names, and upright text for multi-word names (``lr_decay``), which SymPy would otherwise
turn into a subscript (lr with subscript decay).
"""
from __future__ import annotations

from sympy.printing.conventions import split_super_sub

# name → the name SymPy's printers turn into the reader's symbol
TABLE = {
    "lr": "eta",
    "eps": "epsilon",
    "weight_decay": "lambda",
    "momentum": "mu",
    "dampening": "tau",
    "vmax": "v_max",
}

GREEK = frozenset("""alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma
tau upsilon phi chi psi omega Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi
Rho Sigma Tau Upsilon Phi Chi Psi Omega""".split())


def math_name(name: str) -> str:
    """The name SymPy's printers should see for ``name``."""
    return TABLE.get(name, name)


def is_text(name: str) -> bool:
    """True for a multi-word name (``lr_decay``, ``start_factor``): printed upright, whole.

    A name is mathematical when its stem is one letter or Greek (``v_max``, ``beta_1``, ``epsilon_hat``,
    ``mu_product``): SymPy's sub/superscript convention fits it."""
    name = math_name(name)
    if "_" not in name and "^" not in name:
        return False
    stem, _, _ = split_super_sub(name)
    return len(stem) > 1 and stem.rstrip("0123456789") not in GREEK
