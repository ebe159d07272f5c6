"""The page model: what a page says, independent of the format it is written in.

Page builders (``page_*``) produce these; the renderers (``html``, ``markdown``, ``latex``) write them.  Formulas
are SymPy objects all the way to the renderer, which prints them with ``printers``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Union


@dataclass(frozen=True)
class Math:
    """A formula: a SymPy expression (or matrix), printed by the renderer."""
    expr: object
    display: bool = False


@dataclass(frozen=True)
class Relation:
    """``lhs rel rhs`` as one formula (rel: ==, <=, <, >=, >, solves)."""
    lhs: object
    rel: str
    rhs: object


@dataclass(frozen=True)
class Assign:
    """``target ← expr``: one line of an algorithm box."""
    target: object
    expr: object


@dataclass(frozen=True)
class Link:
    """A link to another page by its id; rendered as plain text when that page is not built."""
    label: str
    target: str


@dataclass(frozen=True)
class Code:
    text: str


Inline = Union[str, Math, Relation, Assign, Link, Code]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    parts: tuple


@dataclass(frozen=True)
class Bullets:
    items: tuple  # each a tuple of inlines


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple  # each row a tuple of cells, each cell a tuple of inlines
    css: str = ""


@dataclass(frozen=True)
class Alternative:
    """A line a convention value changes: ``axis = value`` replaces (or adds, or removes) ``line``."""
    axis: str
    value: object
    kind: str  # "replaces", "adds", "removes"
    line: Assign


@dataclass(frozen=True)
class BoxLine:
    line: Assign
    alternatives: tuple[Alternative, ...] = ()


@dataclass(frozen=True)
class Algorithm:
    """An algorithm box: the default conventions' ordered assignments, each with the lines other conventions put
    in its place."""
    caption: str
    lines: tuple[BoxLine, ...]


@dataclass(frozen=True)
class Figure:
    """A plot: ``draw()`` returns a matplotlib Figure (called by the renderer, which picks SVG or PDF)."""
    key: str
    caption: str
    draw: Callable = field(compare=False)


Block = Union[Heading, Para, Bullets, Table, Algorithm, Figure]


@dataclass(frozen=True)
class Page:
    id: str  # "rules/adam", "derivations/adam.closed_form", "index"
    title: str
    kind: str  # rule, derivation, schedule, estimator, index
    blocks: tuple
