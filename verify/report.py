"""Reports: a plain-text table for people, JSON for machines, a reproduction for every failure."""
from __future__ import annotations

import json


def reproduction(report) -> str:
    """Copy-paste Python that replays the failure: the reference, and the call that disagrees."""
    if report.mode == "trajectory":
        return _trajectory_reproduction(report)
    c = report.counterexample
    import_line, expression = report.call or ("", report.implementation)
    helpers = ", ".join(["reference_step"] + (["dense"] if any(isinstance(v, dict) for v in c.arrays.values()) else [])
                        + (["laid_out"] if c.layout != "contiguous" else []))
    lines = ["    import numpy as np", f"    from verify import {helpers}", *_registration_lines(report.rule)]
    lines += [f"    {import_line}", ""] if import_line else [""]
    arrays = ", ".join(f"{k!r}: {_array_code(v, c.dtype)}" for k, v in c.arrays.items())
    if c.dtype == "bfloat16":
        lines.insert(1, "    import ml_dtypes  # registers the bfloat16 dtype with NumPy")
    lines += [
        f"    arrays = {{{arrays}}}",
        f"    hyperparameters = {c.hyperparameters!r}",
        f"    t = {c.t}",
        f"    expected = reference_step({report.rule!r}, arrays, t, hyperparameters,",
        f"                              conventions={report.conventions!r}, dtype={c.dtype!r})",
    ]
    given = "v.copy()" if c.layout == "contiguous" else f"laid_out(v, {c.layout!r})"  # the layout it was called with
    lines += _call_lines(import_line, [f"implementation = {expression}",
                                       f"got = implementation(**{{k: {given} for k, v in arrays.items()}}, t=t, "
                                       "**hyperparameters)"])
    if c.problem:
        lines.append(f"    # the implementation: {c.problem}")
    else:
        lines.append(f"    print(expected[{c.output!r}][{c.index}])  # {c.expected!r}; the implementation gave {c.got!r}")
    return "\n".join(lines)


def _trajectory_reproduction(report) -> str:
    c = report.counterexample
    h = c.history
    if not h:
        return f"    # {c.problem}"
    import_line, expression = report.call or ("", report.implementation)
    lines = [
        "    import numpy as np",
        "    from verify import reference_trajectory",
        *_registration_lines(report.rule),
        *([f"    {import_line}"] if import_line else []),
        "",
        f"    start = {{k: np.array(v, dtype={c.dtype!r}) for k, v in {h['start']!r}.items()}}",
        f"    gradients = [np.array(g, dtype={c.dtype!r}) for g in {h['gradients']!r}]",
        f"    hyperparameters = {h['hyperparameters']!r}  # one dict per step",
        f"    expected = reference_trajectory({report.rule!r}, start, gradients, hyperparameters,",
        f"                                    conventions={report.conventions!r}, dtype={c.dtype!r},"
        f" initial={h['initial']!r})",
    ]
    if "arguments" in h and "split" in h:  # a run over a list of tensors: the arrays cut into them
        lines += _call_lines(import_line, [
            f"run = {expression}",
            f"cut = lambda a: np.split(a.copy(), np.cumsum({h['split']!r})[:-1])  # tensors of these sizes",
            f"seen = run({{k: cut(v) for k, v in start.items()}}, [cut(g) for g in gradients], **{h['arguments']!r}, "
            f"**{h['initial']!r})"])
    elif "arguments" in h:
        lines += _call_lines(import_line, [
            f"run = {expression}",
            f"seen = run({{k: v.copy() for k, v in start.items()}}, gradients, **{h['arguments']!r}, **{h['initial']!r})"])
    if c.problem:
        lines.append(f"    # {c.problem}")
    elif c.output:
        lines.append(f"    print(expected[{c.t - 1}][{c.output!r}][{c.index}])  # {c.expected!r} at step t={c.t};"
                     f" the implementation gave {c.got!r}")
    return "\n".join(lines)


def _registration_lines(rule: str) -> list[str]:
    """A user's rule (a module's, an entry point's) is known by name only once registered: the lines that do it
    in a fresh interpreter, as the command line did (importing the module, never evaluating text)."""
    from derivations.registry import ORIGINS

    origin = ORIGINS.get(rule)
    if origin is None:
        return []
    if origin.startswith("entry point"):
        return ["    from derivations import plugins", "    plugins.register_entry_points()"]
    return ["    from derivations import plugins",
            f"    plugins.register(plugins.load({origin!r}, 'reproduction'), 'reproduction')  # the rule {rule!r}"]


def _array_code(values, dtype: str) -> str:
    """Python that builds a counterexample's array: its values, or a long array's fill and drawn elements."""
    if isinstance(values, dict):
        return f"dense({values!r}, {dtype!r})"
    return f"np.array({values!r}, dtype={dtype!r})"


def _call_lines(import_line: str, lines: list) -> list:
    """The call of the implementation: live when it can be imported, commented out otherwise."""
    prefix = "    # " if import_line.startswith("#") else "    "
    return [prefix + line for line in lines]


def table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(h) for h in headers]] + [[str(x) for x in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*cells[0]), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*r) for r in cells[1:]]
    return "\n".join(out)


def dumps(payload) -> str:
    return json.dumps(payload, indent=2, default=str, ensure_ascii=False)
