"""``optverify docs``: prove, build every page, write the site in one format, and say what it wrote."""
from __future__ import annotations

import posixpath
import time
from dataclasses import dataclass, field
from pathlib import Path

from verify.docs import catalogue as catalogues
from verify.docs import (
    frameworks,
    html,
    latex,
    markdown,
    page_conformance,
    page_derivation,
    page_estimator,
    page_index,
    page_rule,
    page_schedule,
)
from verify.docs.proofs import prove_all

FORMATS = ("html", "markdown", "latex")


@dataclass
class Context:
    """What a renderer needs beyond the page: where the other pages are, and how to draw a figure."""
    page: str
    built: frozenset

    def relative(self, path: str) -> str:
        return posixpath.relpath(path, posixpath.dirname(self.page) or ".")

    def href(self, target: str, extension: str) -> str | None:
        """The relative link to page ``target``, or None when the site does not have it."""
        return self.relative(target + extension) if target in self.built else None

    @staticmethod
    def draw(figure):
        return figure.draw()


@dataclass
class Summary:
    out: Path
    format: str
    pages: int
    files: dict = field(default_factory=dict)  # relative path → bytes written
    seconds: float = 0.0
    prove_seconds: float = 0.0
    failed: list = field(default_factory=list)  # derivations that did not prove

    @property
    def total_bytes(self) -> int:
        return sum(self.files.values())


def pages(cat, proofs, rows, conformance: bool = False, seconds: float | None = None) -> list:
    """Every page of the site: the index first, then one per entry, then (given a crosscheck report) Conformance."""
    out = [page_index.build(cat, proofs, conformance=conformance)]
    out += [page_rule.build(r, cat, proofs, rows) for r in cat.rules.values()]
    out += [page_schedule.build(s, cat, proofs, rows) for s in cat.schedules.values()]
    out += [page_estimator.build(e, cat, proofs) for e in cat.estimators.values()]
    out += [page_derivation.build(n, cat, proofs) for n in cat.derivations]
    if conformance:
        out.append(page_conformance.build(rows, cat, seconds))
    return out


def render(all_pages, fmt: str) -> dict[str, str | bytes]:
    built = frozenset(p.id for p in all_pages)
    if fmt == "latex":
        return latex.document(all_pages, Context("index", built))
    renderer = html if fmt == "html" else markdown
    files: dict = {}
    for page in all_pages:
        files.update(renderer.render(page, Context(page.id, built)))
    return files


def write(out: Path, files: dict) -> dict[str, int]:
    sizes = {}
    for rel, content in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
        sizes[rel] = len(data)
    return sizes


def build(out, fmt: str = "html", names=(), crosscheck_json=None, jobs: int | None = None) -> Summary:
    """Prove the selected derivations and write their site into ``out``.  KeyError/ImportError for a name that
    is nothing to document, ValueError for an unreadable crosscheck report (both before anything slow)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    start = time.perf_counter()
    rows, crosscheck_seconds = frameworks.load(crosscheck_json)
    cat = catalogues.resolve(names)
    proving = time.perf_counter()
    proofs = prove_all(cat.derivations, jobs)
    prove_seconds = time.perf_counter() - proving
    all_pages = pages(cat, proofs, rows, conformance=crosscheck_json is not None, seconds=crosscheck_seconds)
    sizes = write(Path(out), render(all_pages, fmt))
    return Summary(Path(out), fmt, len(all_pages), sizes, time.perf_counter() - start, prove_seconds,
                   sorted(n for n, p in proofs.items() if not p.ok))
