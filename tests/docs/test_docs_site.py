"""The site as files: a page for every catalogue entry, every internal link valid, nothing fetched from outside."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

from verify.docs.catalogue import page_id


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.sources, self.tags = [], [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for key, value in attrs:
            if key == "href" and tag == "a":
                self.links.append(value)
            elif key in ("src", "href") or (key == "xlink:href" and not (value or "").startswith("#")):
                self.sources.append((tag, key, value))


def _parse(path: Path) -> _Refs:
    refs = _Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


def test_every_catalogue_entry_has_a_page(html_site, catalogue):
    expected = {"index", "conformance"} | {page_id(kind, name) for kind, name, _ in catalogue.entries()}  # a report given
    built = {str(p.relative_to(html_site).with_suffix("")) for p in html_site.rglob("*.html")}
    assert expected == built
    summary = json.loads((html_site.parent / "summary.json").read_text())
    assert summary["pages"] == len(expected) and summary["failed"] == []


def test_every_internal_link_is_valid(html_site):
    for page in html_site.rglob("*.html"):
        for href in _parse(page).links:
            url = urlparse(href)
            assert not url.scheme and not url.netloc, f"{page.name}: external link {href}"
            assert (page.parent / url.path).resolve().is_file(), f"{page.name}: broken link {href}"


def test_pages_are_self_contained(html_site):
    """No script, no stylesheet or image fetched: CSS and SVG are inline, formulas are MathML."""
    for page in html_site.rglob("*.html"):
        refs = _parse(page)
        assert "script" not in refs.tags and "link" not in refs.tags and "img" not in refs.tags, page.name
        assert refs.sources == [], (page.name, refs.sources[:3])
        assert "http://" not in page.read_text().replace("http://www.w3.org/", "")


def test_rule_page_has_box_conventions_frameworks_plots_and_derivations(html_site):
    adam = (html_site / "rules/adam.html").read_text()
    for part in ('<figure class="algorithm">', "Hyperparameters", "eps_mode", "keras.optimizers.Adam()",
                 "torch.optim.Adam()", "<svg", "adam.folded_epsilon",
                 "torch 2.13.0+cpu", "keras 3.15.1, jax 0.10.2"):  # the versions the crosscheck ran
        assert part in adam, part
    assert "<svg" in (html_site / "rules/ema.html").read_text()
    assert "<svg" in (html_site / "schedules/cosine_decay.html").read_text()


def test_derivation_page_shows_steps_status_and_timing(html_site, catalogue):
    page = (html_site / "derivations/adam.folded_epsilon.html").read_text()
    d = catalogue.derivations["adam.folded_epsilon"]
    assert d.claim.split("(")[0].strip()[:40] in page.replace("&quot;", '"')
    assert page.count("ok, ") == len(d.steps) and re.search(r"proved, \d+\.\d\d s", page)
    assert "the unique solution of" in page and "Scope: " in page


def test_markdown_links_are_valid(markdown_site):
    pages = list(markdown_site.rglob("*.md"))
    assert len(pages) > 10
    for page in pages:
        for target in re.findall(r"\]\(([^)]+)\)", page.read_text()):
            assert not urlparse(target).scheme, target
            assert (page.parent / target).resolve().is_file(), f"{page.name}: broken link {target}"
