"""The Conformance page: every row of a crosscheck report, by framework or collection, in HTML, Markdown and LaTeX;
links that resolve; the report's strings shown, never markup; no page without a report."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from test_docs_site import _parse  # the HTML link/tag collector the site tests use

from verify.docs import catalogue as catalogues
from verify.docs.frameworks import load
from verify.docs.site import build

HOSTILE = '<script>alert("x")</script> \\input{/etc/passwd} | $x$ [a](http://evil)'
REPORT = {  # the shape verify/adapters/crosscheck.py (and ecosystem.py for collections) writes
    "seconds": 12.5,
    "versions": {"torch": {"torch": "2.13.0+cpu"}, "torch_optimizer": {"torch-optimizer": "0.3.0", "torch": "2.13.0"}},
    "rows": [
        {"framework": "torch", "optimizer": "torch.optim.SGD(momentum=0.9)", "rule": "sgd", "status": "matched",
         "notes": [], "fingerprint": {"matched": True, "error": "", "conventions": {
             "lr_position": "inside_buffer", "init": "zero", "nesterov": False, "decay": ["none", "l2"]}}},
        {"framework": "torch", "optimizer": "torch.optim.Adam()", "rule": "adam", "status": "error",
         "notes": [], "fingerprint": {"matched": False, "error": "RuntimeError: boom\n  at line 3", "conventions": {}}},
        {"framework": "torch_optimizer", "optimizer": "torch_optimizer.SGDW()", "rule": "sgd",
         "status": "no convention", "notes": [
             ("closest: sgd (lr_position=outside_buffer, init=zero, nesterov=False, decay=decoupled), steps off by "
              "up to 0.5 of their size; decay scaled by lr twice"), "tried sgd: none matched"],
         "fingerprint": {"matched": False, "error": "", "conventions": {
             "lr_position": "outside_buffer", "init": "zero", "nesterov": False, "decay": "decoupled"}}},
        {"framework": "torch_optimizer", "optimizer": "evil.Opt" + HOSTILE, "rule": "", "status": "no rule yet",
         "notes": ["second-order: needs a Hessian-vector rule " + HOSTILE], "fingerprint": None},
        {"framework": "optax", "optimizer": "(all)", "rule": "", "status": "not installed",
         "notes": ["No module named 'optax'"], "fingerprint": None},
    ],
}
EXPECTED = [(r["optimizer"], r["status"]) for r in REPORT["rows"]]


@pytest.fixture(scope="module")
def small_registry():
    """The registry cut to the sgd rule and its derivations: building every derivation (what the site tests pay
    once) is not what this page is about, and the pipeline from report to files is the same."""
    from derivations import DERIVATIONS, RULES

    small = catalogues.Catalogue(rules={"sgd": RULES["sgd"]},
                                 derivations={n: DERIVATIONS[n] for n in DERIVATIONS if n.startswith("sgd.")})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(catalogues, "registry", lambda: small)
        yield small


@pytest.fixture(scope="module")
def sites(small_registry, tmp_path_factory):
    root = tmp_path_factory.mktemp("conformance")
    report = root / "crosscheck.json"
    report.write_text(json.dumps(REPORT))
    for fmt in ("html", "markdown", "latex"):
        build(root / fmt, fmt, crosscheck_json=report, jobs=1)
    return root


class _Rows(HTMLParser):
    """The text of each table row's cells, and the headings in order."""

    def __init__(self):
        super().__init__()
        self.rows, self.headings, self._cell, self._heading = [], [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "h2":
            self._heading = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self._cell)
            self._cell = None
        elif tag == "h2":
            self.headings.append(self._heading)
            self._heading = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._heading is not None:
            self._heading += data


def _html(sites) -> _Rows:
    parsed = _Rows()
    parsed.feed((sites / "html/conformance.html").read_text(encoding="utf-8"))
    return parsed


def test_every_row_appears_with_its_status_grouped_by_framework(sites):
    parsed = _html(sites)
    body = [r for r in parsed.rows if r[0] != "optimizer"]
    assert [(r[0], r[2]) for r in body] == EXPECTED  # the report's order, one table row per report row
    assert parsed.headings == ["torch", "torch_optimizer", "optax"]
    by_optimizer = {r[0]: r for r in body}
    assert by_optimizer["torch.optim.SGD(momentum=0.9)"][3] == ("lr_position=inside_buffer, init=zero, "
                                                                "nesterov=False, decay=none|l2")
    sgdw = by_optimizer["torch_optimizer.SGDW()"]
    assert sgdw[3].startswith("none; closest: lr_position=outside_buffer") and "decay=decoupled" in sgdw[3]
    assert "steps off by up to 0.5 of their size; decay scaled by lr twice" in sgdw[4]  # the diagnosis
    assert by_optimizer["torch.optim.Adam()"][3] == "error: RuntimeError: boom at line 3"
    assert "No module named 'optax'" in by_optimizer["(all)"][4]
    page = (sites / "html/conformance.html").read_text(encoding="utf-8")
    for part in ("Ran on torch 2.13.0+cpu.", "Ran on torch-optimizer 0.3.0, torch 2.13.0.", "Did not run.",
                 "5 rows, run in 12.5 s", "no rule yet: 1"):
        assert part in page, part


def test_markdown_has_a_table_row_per_report_row(sites):
    text = (sites / "markdown/conformance.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| optimizer")]
    assert [line.split(" | ")[2] for line in rows] == [s for _, s in EXPECTED]  # the status, a cell of its own


def test_links_resolve_in_every_format(sites):
    html = sites / "html"
    assert "conformance.html" in _parse(html / "index.html").links
    links = _parse(html / "conformance.html").links
    assert "rules/sgd.html" in links and not any("adam" in h for h in links)  # adam has no page in this site
    for page in html.rglob("*.html"):
        for href in _parse(page).links:
            url = urlparse(href)
            assert not url.scheme and (page.parent / url.path).resolve().is_file(), f"{page.name}: {href}"
    md = sites / "markdown"
    for page in md.rglob("*.md"):
        for target in re.findall(r"(?<!\\)\]\(([^)]+)\)", page.read_text(encoding="utf-8")):  # \](: text
            assert not urlparse(target).scheme and (page.parent / target).resolve().is_file(), f"{page}: {target}"
    assert "](conformance.md)" in (md / "index.md").read_text() and "](rules/sgd.md)" in (md / "conformance.md").read_text()
    tex = (sites / "latex/optverify.tex").read_text(encoding="utf-8")
    labels = set(re.findall(r"\\label\{([^}]+)\}", tex))
    assert {"page:conformance", "page:rules:sgd"} <= labels
    assert set(re.findall(r"\\hyperref\[([^\]]+)\]", tex)) <= labels
    assert r"\hyperref[page:rules:sgd]{sgd}" in tex and r"\hyperref[page:conformance]{Conformance}" in tex


def test_report_strings_are_shown_never_markup(sites):
    page = (sites / "html/conformance.html").read_text(encoding="utf-8")
    assert "script" not in _parse(sites / "html/conformance.html").tags and "<script" not in page
    assert "&lt;script&gt;" in page and "http://evil" not in [h for h in _parse(sites / "html/conformance.html").links]
    md = (sites / "markdown/conformance.md").read_text(encoding="utf-8")
    assert r"\<script\>" in md and r"\[a\](http://evil)" in md and r"\$x\$" in md  # brackets as text: no link
    tex = (sites / "latex/optverify.tex").read_text(encoding="utf-8")
    assert r"\input{" not in tex and r"\textbackslash{}input\{/etc/passwd\}" in tex and r"\$x\$" in tex


def test_no_page_without_a_report(small_registry, tmp_path):
    build(tmp_path, "html", jobs=1)
    assert not (tmp_path / "conformance.html").exists()
    assert "onformance" not in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_rows_keep_the_closest_variant_apart_from_matched_conventions(tmp_path):
    report = tmp_path / "r.json"
    report.write_text(json.dumps(REPORT))
    rows, seconds = load(report)
    matched, error, closest = rows[0], rows[1], rows[2]
    assert matched.conventions and not matched.closest and seconds == 12.5
    assert not closest.conventions and dict(closest.closest)["decay"] == ("decoupled",)
    assert error.error.startswith("RuntimeError") and not error.conventions
    assert rows[3].rule == "" and rows[3].closest == ()  # "fingerprint": null is no fingerprint
