"""Reports: a plain-text table for people, JSON for machines, a reproduction for every failure."""
from __future__ import annotations

import json


def reproduction(report) -> str:
    """Copy-paste Python that replays the failure against the exact reference."""
    if report.mode == "trajectory":
        return _trajectory_reproduction(report)
    c = report.counterexample
    lines = ["    import numpy as np", "    from verify import reference_step", ""]
    arrays = ", ".join(f"{k!r}: np.array({v!r}, dtype={c.dtype!r})" for k, v in c.arrays.items())
    lines += [
        f"    arrays = {{{arrays}}}",
        f"    hyperparameters = {c.hyperparameters!r}",
        f"    t = {c.t}",
        f"    expected = reference_step({report.rule!r}, arrays, t, hyperparameters,",
        f"                              conventions={report.conventions!r}, dtype={c.dtype!r})",
        f"    got = {report.implementation}(**{{k: v.copy() for k, v in arrays.items()}}, t=t, **hyperparameters)",
    ]
    if c.output:
        lines.append(f"    print(expected[{c.output!r}][{c.index}])  # {c.expected!r}; the implementation gave {c.got!r}")
    return "\n".join(lines)


def _trajectory_reproduction(report) -> str:
    c = report.counterexample
    h = c.history
    if not h:
        return f"    # {c.problem}"
    lines = [
        "    import numpy as np",
        "    from verify import reference_trajectory",
        "",
        f"    start = {{k: np.array(v, dtype={c.dtype!r}) for k, v in {h['start']!r}.items()}}",
        f"    gradients = [np.array(g, dtype={c.dtype!r}) for g in {h['gradients']!r}]",
        f"    hyperparameters = {h['hyperparameters']!r}  # one dict per step",
        f"    expected = reference_trajectory({report.rule!r}, start, gradients, hyperparameters,",
        f"                                    conventions={report.conventions!r}, dtype={c.dtype!r},"
        f" initial={h['initial']!r})",
    ]
    if c.output:
        lines.append(f"    print(expected[{c.t - 1}][{c.output!r}][{c.index}])  # {c.expected!r} at step t={c.t};"
                     f" the implementation gave {c.got!r}")
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
