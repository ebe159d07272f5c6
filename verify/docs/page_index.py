"""The index: every page by family, no search needed — a section per kind, a line per family."""
from __future__ import annotations

from derivations.core.rule import Rule
from verify.docs.catalogue import page_id
from verify.docs.model import Bullets, Heading, Link, Page, Para
from verify.docs.page_conformance import PAGE_ID as CONFORMANCE
from verify.docs.page_parts import status

SECTIONS = (
    ("Optimizers (elementwise rules)", "rules", lambda r: isinstance(r, Rule)),
    ("Matrix and per-tensor rules", "rules", lambda r: not isinstance(r, Rule)),
    ("Learning-rate schedules", "schedules", lambda s: True),
    ("Estimators", "estimators", lambda e: True),
)


def _family_line(kind, name, obj, catalogue, proofs) -> tuple:
    derivations = catalogue.derivations_of(name)
    proved = sum(1 for d in derivations if proofs.get(d) is not None and proofs[d].ok)
    parts = [Link(name, page_id(kind, name)), f" — {obj.title}"]
    if derivations:
        parts.append(f" ({proved}/{len(derivations)} derivations proved): ")
        for i, d in enumerate(derivations):
            parts += [", " if i else "", Link(d.split(".", 1)[-1], page_id("derivations", d))]
    return tuple(parts)


def _orphans(catalogue) -> list[str]:
    """Derivations whose family has no page of its own (bias_variance), or whose family is not selected."""
    owned = {name for kind in ("rules", "schedules", "estimators") for name in getattr(catalogue, kind)}
    return [d for d in catalogue.derivations if catalogue.family_of(d) not in owned]


def build(catalogue, proofs, seconds: float | None = None, conformance: bool = False) -> Page:
    total = len(catalogue.derivations)
    ok = sum(1 for p in proofs.values() if p.ok)
    blocks = [Para((f"{total} derivations ({ok} proved), generated from the same rule objects that produce the "
                    "references of optverify check: a page cannot disagree with what check enforces.",))]
    if conformance:  # the site was given a crosscheck report
        blocks += [Heading("Frameworks"), Para((Link("Conformance", CONFORMANCE), (
            " — every optimizer of the crosscheck report: the convention it follows, or the closest one and why "
            "none, by framework or collection, with versions.")))]
    for title, kind, keep in SECTIONS:
        entries = [(n, o) for n, o in getattr(catalogue, kind).items() if keep(o)]
        if entries:
            blocks += [Heading(title), Bullets(tuple(_family_line(kind, n, o, catalogue, proofs) for n, o in entries))]
    orphans = _orphans(catalogue)
    if orphans:
        blocks += [Heading("Other derivations"), Bullets(tuple(
            (Link(d, page_id("derivations", d)), f" — {status(proofs.get(d))}: ", catalogue.derivations[d].claim)
            for d in orphans))]
    return Page("index", "optverify: formulas, proofs and conventions", "index", tuple(blocks))
