"""The site as a reader sees it, in headless Chromium: every page loads with no console error and no network
request, formulas render as MathML with a size, and a screenshot of the Adam page goes to the test artefacts."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cdp import Browser, errors, find_browser, requests

pytestmark = pytest.mark.xdist_group("docs-site")  # with every test that reads the built site (conftest)

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
COMMITTED = Path(__file__).resolve().parent / "adam_page.png"

# each formula: rendered as MathML (a math display type, not unknown inline elements) and its box
MEASURE = """JSON.stringify([...document.querySelectorAll('math')].map(m => {
  const r = m.getBoundingClientRect();
  return [m instanceof MathMLElement, getComputedStyle(m).display, r.width, r.height];
}))"""


@pytest.fixture(scope="module")
def browser():
    executable = find_browser()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium); the browser tests need one")
    b = Browser(executable)
    yield b
    b.close()


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_loads_without_error_or_network_request(browser, html_site):
    import json

    for page in _pages(html_site):
        events = browser.load(page.as_uri())
        assert errors(events) == [], page.name
        assert [u for u in requests(events) if u != page.as_uri()] == [], page.name
        formulas = json.loads(browser.evaluate(MEASURE))
        assert len(formulas) == page.read_text().count("<math "), page.name  # every formula in the DOM
        assert formulas or page.parent.name not in ("rules", "schedules", "derivations"), f"{page.name}: no formula"
        for is_mathml, display, width, height in formulas:
            assert is_mathml and "math" in display, (page.name, display)
            assert width > 0 and height > 0, page.name


def test_screenshot_of_the_adam_page(browser, html_site):
    ARTIFACTS.mkdir(exist_ok=True)
    browser.load((html_site / "rules/adam.html").as_uri())
    shot = ARTIFACTS / "adam_page.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if not COMMITTED.exists():  # the copy the README shows; refreshed by deleting it and running the tests
        shutil.copyfile(shot, COMMITTED)
