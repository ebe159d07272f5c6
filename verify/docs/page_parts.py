"""Pieces several pages share: the source line, a list of derivations with their status, framework rows."""
from __future__ import annotations

from verify.docs.catalogue import page_id
from verify.docs.model import Bullets, Code, Link, Para, Table


def source(text: str) -> Para:
    return Para(("Source: ", text))


def status(proved) -> str:
    if proved is None:
        return "not proved"
    return f"proved, {proved.seconds:.2f} s" if proved.ok else f"FAILED ({sum(not s[0] for s in proved.steps)} steps)"


def derivation_list(catalogue, proofs, names) -> Bullets | Para:
    if not names:
        return Para(("No derivations.",))
    return Bullets(tuple((Link(n, page_id("derivations", n)), f" — {status(proofs.get(n))}: ",
                          catalogue.derivations[n].claim) for n in names))


def _conventions(row) -> str:
    return ", ".join(f"{axis}={'|'.join(map(str, values))}" for axis, values in row.conventions) or "—"


def framework_table(rows) -> Table:
    """One row per optimizer the crosscheck ran, with the versions it ran (a convention can change between them)."""
    body = tuple(((r.framework,), (r.version or "—",), (Code(r.optimizer),), (r.status,), (_conventions(r),),
                  ("; ".join(r.notes),)) for r in rows)
    return Table(("framework", "version", "optimizer", "status", "convention followed", "notes"), body,
                 css="frameworks")
