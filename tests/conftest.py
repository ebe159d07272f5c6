"""Plumbing for the whole suite."""
from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own hook, and after any hook that adds a group
def pytest_collection_modifyitems(config, items):
    """``--dist loadgroup``: the xdist_group names go into each node id, as pytest-xdist means them to.

    pytest-xdist 3.8 writes the suffix to ``item._nodeid``, which pytest 9 no longer reads (the id is
    ``item._id``), so every group was silently split across workers: a worker that reached a test of the built
    docs site while the other was building it waited idle for the build (about 24 s in the 15:08 run).
    Where xdist's own suffix took, nothing changes here."""
    if not getattr(config.option, "loadgroup", False):  # set on xdist workers under --dist loadgroup only
        return
    for item in items:
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                         for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(groups)
        if groups and not item.nodeid.endswith(suffix):
            from _pytest.nodeid import coerce_node_id  # pytest 9's node ids (older pytest never gets here)

            item._id = coerce_node_id(item.nodeid + suffix)
