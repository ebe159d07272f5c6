"""One built site for the whole tests/docs suite, shared by pytest-xdist workers: the first worker builds it (the
proofs run once), the others wait for its marker file."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

CROSSCHECK = {  # a crosscheck --json report in the shape verify/adapters/crosscheck.py writes (two rows)
    "seconds": 1.0,
    "versions": {"torch": {"torch": "2.13.0+cpu"}, "keras": {"keras": "3.15.1", "jax": "0.10.2"}},  # as recorded here
    "rows": [
        {"framework": "torch", "optimizer": "torch.optim.Adam()", "rule": "adam", "status": "matched", "notes": [],
         "fingerprint": {"matched": True, "conventions": {"eps_mode": "after_correction", "bias_correction": True,
                                                          "decay": "l2", "amsgrad": "off"}}},
        {"framework": "keras", "optimizer": "keras.optimizers.Adam()", "rule": "adam", "status": "matched",
         "notes": ["epsilon=1e-07 by default"],
         "fingerprint": {"matched": True, "conventions": {"eps_mode": "uncorrected", "bias_correction": True,
                                                          "decay": ["none", "decoupled"], "amsgrad": "off"}}},
    ],
}


def _shared(tmp_path_factory, name: str, build) -> Path:
    # under xdist each worker's basetemp lies in this run's own directory, shared by the workers; in one process
    # the parent is shared by every run, so a site built by an earlier run (an older catalogue) would be reused
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / f"optverify-docs-{name}"
    done = root / "done"
    try:
        root.mkdir()  # atomic: exactly one worker builds
    except FileExistsError:
        deadline = time.monotonic() + 600
        while not done.exists():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for another worker to build the {name} site")
            time.sleep(0.2)
        return root / "site"
    build(root)
    done.write_text("ok")
    return root / "site"


SITE_GROUP = "docs-site"  # the xdist group of every test that reads a built site (the browser tests' too)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups into the node ids
def pytest_collection_modifyitems(config, items):
    """Tests that read a built site run on one worker (--dist loadgroup): that worker builds the site once and
    uses it, while the other workers run other tests instead of waiting idle for its build (about 45 s)."""
    if not config.pluginmanager.hasplugin("xdist"):  # the mark is xdist's (unknown, and pointless, without it)
        return
    for item in items:
        if {"html_site", "markdown_site"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(SITE_GROUP))


@pytest.fixture(scope="session")
def html_site(tmp_path_factory) -> Path:
    from verify.docs.site import build

    def make(root):
        report = root / "crosscheck.json"
        report.write_text(json.dumps(CROSSCHECK))
        summary = build(root / "site", "html", crosscheck_json=report)
        (root / "summary.json").write_text(json.dumps(dict(pages=summary.pages, failed=summary.failed,
                                                           seconds=summary.seconds, files=summary.files)))
    return _shared(tmp_path_factory, "html", make)


@pytest.fixture(scope="session")
def markdown_site(tmp_path_factory) -> Path:
    from verify.docs.site import build

    # a few families of every kind: the links and math of Markdown, not the whole catalogue again
    names = ["adam", "ema", "cg", "lars", "cosine_decay", "hutchinson", "bias_variance"]
    return _shared(tmp_path_factory, "markdown", lambda root: build(root / "site", "markdown", names, jobs=1))


@pytest.fixture(scope="session")
def catalogue():
    from verify.docs.catalogue import registry

    return registry()


def page_text(site: Path, page_id: str, extension: str) -> str:
    return (site / (page_id + extension)).read_text(encoding="utf-8")


os.environ.setdefault("MPLBACKEND", "Agg")
