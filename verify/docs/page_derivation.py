"""The page of a derivation: claim, assumptions, scope, every step as lhs rel rhs with its reason, and its status
and timing from proving it (the residual where a step fails)."""
from __future__ import annotations

from verify.docs.catalogue import page_id
from verify.docs.model import Bullets, Code, Heading, Link, Math, Page, Para, Relation, Table
from verify.docs.page_parts import source, status


def _reason(step) -> tuple:
    """The step's one-line why, and what the check used: the certificate of an inequality, the equation solved."""
    parts = [step.why]
    if step.relation in ("<=", "<", ">=", ">"):
        strict = step.relation in ("<", ">")
        parts += ["; gap ", Relation(step.certificate, ">" if strict else ">=", 0)]
    elif step.relation == "solves":
        parts += ["; the unique solution of ", Relation(step.equation, "==", 0)]
    if step.rewrite is not None:
        parts.append("; both sides rewritten first")
    return tuple(parts)


def _step_status(result) -> tuple:
    if result is None:
        return ("—",)
    ok, seconds, residual = result
    return (f"ok, {seconds:.3f} s",) if ok else ("FAILED, residual ", _residual(residual))


def _residual(residual):
    return residual if isinstance(residual, str) else Math(residual)


def _steps_table(d, proved) -> Table:
    rows = []
    for i, step in enumerate(d.steps):
        result = proved.steps[i] if proved is not None else None
        rows.append(((str(i + 1),), (step.name,), (Relation(step.lhs, step.relation, step.rhs),), _reason(step),
                     _step_status(result)))
    return Table(("#", "step", "", "because", "status"), tuple(rows), css="steps")


def _about(d, catalogue) -> list:
    if d.rule is None:
        return []
    target = page_id("rules", d.rule)
    parts = ["About the rule ", Link(d.rule, target)]
    if d.conventions:
        parts += [", read under ", "; ".join(f"{axis} = {' and '.join(map(str, vs))}" for axis, vs in d.conventions)]
    parts.append(" (other axes at their defaults). Its steps are built from the rule's own update: change the rule "
                 "and they fail.")
    return [Para(tuple(parts))]


def build(name: str, catalogue, proofs) -> Page:
    d = catalogue.derivations[name]
    proved = proofs.get(name)
    family = catalogue.family_of(name)
    blocks = [Para((Code(name), " — ", status(proved))), Para(("Claim: ", d.claim)), *_about(d, catalogue)]
    for kind in ("schedules", "estimators"):
        if family in getattr(catalogue, kind):
            blocks.append(Para(("Family: ", Link(family, page_id(kind, family)))))
    blocks += [Heading("Assumptions"), Bullets(tuple((a,) for a in d.assumptions)) if d.assumptions else
               Para(("None stated.",)), Para(("Scope: ", d.scope)), Heading("Steps"), _steps_table(d, proved)]
    if d.notes:
        blocks += [Heading("Notes"), Para((d.notes,))]
    blocks.append(source(d.source))
    return Page(page_id("derivations", name), name, "derivation", tuple(blocks))



