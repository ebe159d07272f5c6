"""The page of an estimator: its data, sample spaces (checked exactly or statistically), and derivations."""
from __future__ import annotations

from verify.docs.catalogue import page_id
from verify.docs.model import Code, Heading, Page, Para, Table
from verify.docs.page_parts import derivation_list, source


def build(estimator, catalogue, proofs) -> Page:
    spaces = tuple(((Code(s.name),), (s.description,), ("exact: every outcome enumerated" if s.finite else
                                                        "statistical: drawn samples, stated false-alarm rate",))
                   for s in estimator.spaces)
    blocks = [
        Para((estimator.title, " — ", Code(estimator.name), f" ({estimator.output} statistic)")),
        source(estimator.source),
        Heading("Data"),
        Table(("name", "shape"), tuple(((Code(n),), (shape,)) for n, shape in estimator.data)),
        Para(("Sizes the randomness depends on: ", ", ".join(estimator.sizes) or "none", ".")),
        Heading("Sample spaces"),
        Table(("space", "ω", "check"), spaces),
    ]
    if estimator.notes:
        blocks += [Heading("Notes"), Para((estimator.notes,))]
    blocks += [Heading("Derivations"), derivation_list(catalogue, proofs, catalogue.derivations_of(estimator.name))]
    return Page(page_id("estimators", estimator.name), estimator.title, "estimator", tuple(blocks))
