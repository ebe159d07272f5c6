"""Reports: a plain-text table for people, JSON for machines, a reproduction for every failure."""
from __future__ import annotations

import json


def reproduction(report) -> str:
    """Copy-paste Python that replays the failing step against the exact reference."""
    c = report.counterexample
    lines = ["    import numpy as np", "    from verify import reference_step", ""]
    if c.history:
        lines.append(f"    # gradients of the {len(c.history)} earlier steps (trajectory check): {c.history!r}")
    arrays = ", ".join(f"{k!r}: np.array({v!r}, dtype={c.dtype!r})" for k, v in c.arrays.items())
    lines += [
        f"    arrays = {{{arrays}}}",
        f"    hyperparameters = {c.hyperparameters!r}",
        f"    t = {c.t}",
        f"    expected = reference_step({report.rule!r}, arrays, t, hyperparameters,",
        f"                              conventions={report.conventions!r}, dtype={c.dtype!r})",
    ]
    if report.mode == "per-step":
        lines.append(f"    got = {report.implementation}(**{{k: v.copy() for k, v in arrays.items()}}, t=t, **hyperparameters)")
    if c.output:
        lines.append(f"    print(expected[{c.output!r}][{c.index}])  # {c.expected!r}; the implementation gave {c.got!r}")
    return "\n".join(lines)


def table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(h) for h in headers]] + [[str(x) for x in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*cells[0]), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*r) for r in cells[1:]]
    return "\n".join(out)


def dumps(payload) -> str:
    return json.dumps(payload, indent=2, default=str, ensure_ascii=False)
