"""The Conformance page: every row of an ``optverify crosscheck --json`` report, grouped by framework or collection.

Each optimizer's rule (linked to the rule's page where the site has one), its status, the convention it follows —
or, where it follows none, the closest variant with the diagnosis notes that say how far off and why — and the
package versions its group ran on.  Built only when the site is given a report.  The report is data: frameworks.py
reads it with ``json`` and this page shows its strings, never evaluates them.
"""
from __future__ import annotations

from verify.docs.catalogue import page_id
from verify.docs.model import Bullets, Code, Heading, Link, Page, Para, Table

PAGE_ID = "conformance"
TITLE = "Conformance: framework optimizers against the catalogue"
# the statuses crosscheck writes (verify/adapters/crosscheck.py, ecosystem.py), in the order a reader wants them
MEANING = {
    "matched": "reproduces one convention of its rule on every surveyed trajectory",
    "no convention": "follows none of its rule's conventions: the closest variant is shown, the notes say how far "
                     "off it is and why",
    "no rule yet": "the catalogue has no rule for it: the notes say what it would take",
    "error": "crashed on ordinary inputs",
    "not installed": "its package was not there when the report was made",
}
HEADER = ("optimizer", "rule", "status", "convention followed (or closest)", "notes")
PAGE_KINDS = ("rules", "schedules", "estimators")  # where a row's rule can have a page


def _one_line(s: str) -> str:
    return " ".join(s.split())  # an error's traceback line breaks would end a Markdown table row


def _axes(pairs) -> str:
    return ", ".join(f"{axis}={'|'.join(map(str, values))}" for axis, values in pairs)


def convention_cell(row) -> tuple:
    if row.status == "matched":
        return (_axes(row.conventions) or "(the rule has no convention axes)",)
    if row.error:
        return ("error: " + _one_line(row.error),)
    if row.closest:
        return ("none; closest: " + _axes(row.closest),)
    return ("—",)


def rule_cell(row, catalogue) -> tuple:
    kind = next((k for k in PAGE_KINDS if row.rule in getattr(catalogue, k)), None)
    if kind is None:
        return (row.rule or "—",)  # no rule yet, or a rule this (partial) site does not document
    return (Link(row.rule, page_id(kind, row.rule)),)


def _counts(rows) -> dict[str, int]:
    counts = {s: 0 for s in MEANING}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return {s: n for s, n in counts.items() if n}


def _groups(rows) -> dict[str, list]:
    """Rows by framework or collection, in the report's order."""
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(r.framework, []).append(r)
    return out


def _group_line(rows) -> Para:
    counts = ", ".join(f"{n} {s}" for s, n in _counts(rows).items())
    version = next((r.version for r in rows if r.version), "")
    if version:
        ran = f"Ran on {version}."
    elif all(r.status == "not installed" for r in rows):
        ran = "Did not run."
    else:
        ran = "Versions not recorded in the report."
    return Para((f"{len(rows)} row{'s' if len(rows) != 1 else ''} ({counts}). {ran}",))


def _table(rows, catalogue) -> Table:
    # the optimizer as plain text, not Code: Markdown writes a code span unescaped, and a | in a name from the
    # report would split the table row
    body = tuple(((r.optimizer,), rule_cell(r, catalogue), (r.status,), convention_cell(r),
                  (_one_line("; ".join(r.notes)),)) for r in rows)
    return Table(HEADER, body, css="frameworks")


def build(rows, catalogue, seconds: float | None = None) -> Page:
    took = f" in {seconds:.1f} s" if isinstance(seconds, (int, float)) else ""
    blocks = [Para(((f"Every row of the crosscheck report ({len(rows)} rows, run{took}): which convention of the "
                     "catalogue's rule each optimizer follows, found by running it ("), Code("optverify crosscheck"),
                    "), grouped by framework or collection."))]
    counts = _counts(rows)
    if counts:
        blocks.append(Bullets(tuple((f"{s}: {n}", f" — {MEANING[s]}" if s in MEANING else "") for s, n in
                                    counts.items())))
    for framework, group in _groups(rows).items():
        blocks += [Heading(framework or "(no framework named)"), _group_line(group), _table(group, catalogue)]
    return Page(PAGE_ID, TITLE, "conformance", tuple(blocks))
