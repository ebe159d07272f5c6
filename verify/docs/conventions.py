"""A rule's (or schedule's) convention axes as a table: each value, what it means, and which framework optimizers
follow it in the crosscheck report given (so a page says "PyTorch's Adam is this line", backed by a run)."""
from __future__ import annotations

from verify.docs.frameworks import followers
from verify.docs.model import Code, Table


def _meaning(axis, value) -> str:
    return dict(axis.meaning).get(value, "")


def table(space, rows) -> Table:
    """One row per (axis, value); the default value marked."""
    body = []
    for axis in space.axes:
        for value in axis.values:
            mark = " (default)" if value == axis.default else ""
            who = followers(rows, space.name, axis.name, value)
            body.append(((Code(axis.name),), (Code(str(value)), mark), (_meaning(axis, value),),
                         (", ".join(who) if who else "—",)))
    who = "followed by (crosscheck)" if rows else "followed by (no crosscheck report given)"
    header = ("axis", "value", "meaning", who)
    return Table(header, tuple(body), css="conventions")
