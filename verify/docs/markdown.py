"""Markdown with ``$…$`` math (SymPy's LaTeX) that GitHub renders; figures as SVG files beside the pages."""
from __future__ import annotations

from verify.docs import printers
from verify.docs.model import (
    Algorithm,
    Assign,
    Bullets,
    Code,
    Figure,
    Heading,
    Link,
    Math,
    Para,
    Relation,
    Table,
)

EXTENSION = ".md"


def _math(tex: str, display: bool = False) -> str:
    # a bare | would end a table cell; GitHub's math reads \vert the same
    tex = tex.replace(r"\left|", r"\left\vert ").replace(r"\right|", r"\right\vert ").replace("|", r"\vert ")
    tex = " ".join(tex.split())  # one line: a newline inside $…$ breaks a list item or a table row
    return f"$${tex}$$" if display else f"${tex}$"


def _escape(s: str) -> str:
    for ch in "\\`*_[]<>|$":
        s = s.replace(ch, "\\" + ch)
    return s


def inline(part, ctx) -> str:
    if isinstance(part, str):
        return _escape(part)
    if isinstance(part, Math):
        return _math(printers.latex(part.expr), part.display)
    if isinstance(part, Relation):
        return _math(printers.latex_relation(part.lhs, part.rel, part.rhs))
    if isinstance(part, Assign):
        return _math(printers.latex_assignment(part.target, part.expr))
    if isinstance(part, Code):
        return f"`{part.text}`"
    if isinstance(part, Link):
        href = ctx.href(part.target, EXTENSION)
        return f"[{_escape(part.label)}]({href})" if href else _escape(part.label)
    raise TypeError(f"no Markdown for {type(part).__name__}")


def inlines(parts, ctx) -> str:
    return "".join(inline(p, ctx) for p in parts)


def _table(t: Table, ctx) -> str:
    lines = ["| " + " | ".join(_escape(h) or " " for h in t.header) + " |", "|" + "---|" * len(t.header)]
    lines += ["| " + " | ".join(inlines(cell, ctx) for cell in row) + " |" for row in t.rows]
    return "\n".join(lines)


def _algorithm(box: Algorithm, ctx) -> str:
    out = [f"Defaults: {_escape(box.caption)}", ""]
    for i, line in enumerate(box.lines, 1):
        out.append(f"{i}. {inline(line.line, ctx)}")
        out += [f"    - `{a.axis} = {a.value}` {a.kind}: {inline(a.line, ctx)}" for a in line.alternatives]
    return "\n".join(out)


def block(b, ctx, files) -> str:
    if isinstance(b, Heading):
        return "#" * b.level + " " + _escape(b.text)
    if isinstance(b, Para):
        return inlines(b.parts, ctx)
    if isinstance(b, Bullets):
        return "\n".join("- " + inlines(item, ctx) for item in b.items)
    if isinstance(b, Table):
        return _table(b, ctx)
    if isinstance(b, Algorithm):
        return _algorithm(b, ctx)
    if isinstance(b, Figure):
        from verify.docs import plots

        path = f"figures/{b.key}.svg"
        files[path] = plots.svg(ctx.draw(b))
        return f"![{_escape(b.caption)}]({ctx.relative(path)})"
    raise TypeError(f"no Markdown for {type(b).__name__}")


def render(page, ctx) -> dict[str, str | bytes]:
    files: dict = {}
    home = ctx.href("index", EXTENSION) if page.id != "index" else None
    nav = f"[optverify]({home}) · {page.kind}\n\n" if home else ""
    body = "\n\n".join(block(b, ctx, files) for b in page.blocks)
    files[page.id + EXTENSION] = f"{nav}# {_escape(page.title)}\n\n{body}\n"
    return files
