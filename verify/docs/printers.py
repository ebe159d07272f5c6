"""MathML (SymPy's presentation printer) and LaTeX for every formula, through the notation table.

Subclasses only where SymPy's output is not readable in a page: a piecewise expression as a brace with cases
(SymPy's presentation printer writes ``piecewise((a, c), ...)``), an unevaluated expression as its argument, and
symbol names through ``notation``.  The printed formula of an expression is a pure function of it: the tests
compare a page's formulas with these functions applied to the rule's own expressions.
"""
from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.mathml import MathMLPresentationPrinter

from verify.docs import notation

RELATIONS_MATHML = {"==": "=", "<=": "&#x2264;", "<": "&lt;", ">=": "&#x2265;", ">": "&gt;", "solves": "="}
RELATIONS_LATEX = {"==": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">", "solves": "="}
ARROW_MATHML = "&#x2190;"  # ←
ARROW_LATEX = r"\leftarrow"


class _MathML(MathMLPresentationPrinter):
    def _print_Symbol(self, sym, style="plain"):
        if notation.is_text(sym.name):
            return self._text(sym.name)
        return super()._print_Symbol(sp.Symbol(notation.math_name(sym.name)), style)

    _print_Dummy = _print_Symbol

    def _text(self, name: str):
        mi = self.dom.createElement("mi")
        mi.appendChild(self.dom.createTextNode(name))
        return mi

    def _print_UnevaluatedExpr(self, expr):
        return self._print(expr.args[0])

    def _print_Piecewise(self, expr):
        # { value  if condition  — one row per case, as textbooks write it
        table = self.dom.createElement("mtable")
        table.setAttribute("columnalign", "left left")
        for value, cond in expr.args:
            row = self.dom.createElement("mtr")
            for part in (self._print(value), self._condition(cond)):
                cell = self.dom.createElement("mtd")
                cell.appendChild(part)
                row.appendChild(cell)
            table.appendChild(row)
        brace = self.dom.createElement("mo")
        brace.appendChild(self.dom.createTextNode("{"))
        out = self.dom.createElement("mrow")
        out.appendChild(brace)
        out.appendChild(table)
        return out

    def _condition(self, cond):
        if cond is sp.true:
            return self._word("otherwise")
        row = self.dom.createElement("mrow")
        row.appendChild(self._word("if\u2009"))
        row.appendChild(self._print(cond))
        return row

    def _word(self, text: str):
        node = self.dom.createElement("mtext")
        node.appendChild(self.dom.createTextNode(text))
        return node


class _Latex(LatexPrinter):
    def _print_Symbol(self, expr, style="plain"):
        if notation.is_text(expr.name):
            return r"\mathrm{" + expr.name.replace("_", r"\_") + "}"
        return super()._print_Symbol(sp.Symbol(notation.math_name(expr.name)), style)

    _print_Dummy = _print_Symbol

    def _print_UnevaluatedExpr(self, expr):
        return self._print(expr.args[0])


def as_expr(value):
    """A step's side as SymPy: our own objects (numbers, expressions, matrices), never text."""
    if isinstance(value, str):
        raise TypeError("formulas are printed from SymPy objects, never parsed from text")
    return value if isinstance(value, sp.Basic | sp.MatrixBase) else sp.sympify(value)


@lru_cache(maxsize=4096)
def _mathml_cached(expr) -> str:
    return _MathML({}).doprint(expr)


def mathml(expr) -> str:
    """The presentation MathML of ``expr`` (without the ``<math>`` element)."""
    expr = as_expr(expr)
    if isinstance(expr, sp.MatrixBase):
        expr = sp.ImmutableMatrix(expr)  # hashable, for the cache
    return _mathml_cached(expr)


def latex(expr) -> str:
    return _Latex({"mul_symbol": None}).doprint(as_expr(expr))


def math_element(inner: str, display: bool = False) -> str:
    """``inner`` MathML wrapped in its ``<math>`` element."""
    mode = "block" if display else "inline"
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{mode}">{inner}</math>'


def mathml_relation(lhs, rel: str, rhs) -> str:
    return f"<mrow>{mathml(lhs)}<mo>{RELATIONS_MATHML[rel]}</mo>{mathml(rhs)}</mrow>"


def mathml_assignment(target, expr) -> str:
    return f"<mrow>{mathml(target)}<mo>{ARROW_MATHML}</mo>{mathml(expr)}</mrow>"


def latex_relation(lhs, rel: str, rhs) -> str:
    return f"{latex(lhs)} {RELATIONS_LATEX[rel]} {latex(rhs)}"


def latex_assignment(target, expr) -> str:
    return f"{latex(target)} {ARROW_LATEX} {latex(expr)}"


def text(value: str) -> str:
    """Plain text for HTML (our strings hold ∈, ≤, …; escape only the markup characters)."""
    return escape(value, {'"': "&quot;"})
