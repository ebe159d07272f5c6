"""The printed formula of every rule is generated from, and round-trips to, the rule's own expressions."""
from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
from conftest import page_text

from derivations import MATRIX_RULES, REDUCTION_RULES, RULES, SCHEDULES
from derivations.core.rule import sym
from verify.docs import algorithm, html, notation, page_rule, printers
from verify.docs.catalogue import page_id
from verify.docs.site import Context

ALL_RULES = {**RULES, **MATRIX_RULES, **REDUCTION_RULES}


def _assignment_html(line) -> str:
    return printers.math_element(printers.mathml_assignment(line.target, line.expr))


@pytest.mark.parametrize("name", sorted(ALL_RULES))
def test_box_lines_round_trip_to_the_rules_assignments(name):
    """Every line shown, names substituted back, is the rule's own assignment under that variant (exactly)."""
    rule = ALL_RULES[name]
    prev = algorithm.stale_names(rule)
    for conventions in rule.variants():
        raw = algorithm.raw_assignments(rule, conventions, prev)
        shown = algorithm.shown(rule, conventions, prev)
        assert [str(t) for t, _, _ in shown] == [t for t, _ in raw]
        for (target, value, names), (_, original) in zip(shown, raw):
            assert algorithm.restore(value, names) == (sp.ImmutableMatrix(original)
                                                       if isinstance(original, sp.MatrixBase) else original)
        if name in RULES:  # elementwise rules are printed as written: nothing substituted
            assert [v for _, v, _ in shown] == [e for _, e in rule.assignments(**conventions)]


@pytest.mark.parametrize("name", sorted(ALL_RULES))
def test_rule_page_prints_every_line_from_the_rule(html_site, name):
    """The page holds, in order, the MathML the presentation printer makes of each default assignment, and the
    MathML of each alternative line; every formula in the box is one of those."""
    rule = ALL_RULES[name]
    page = page_text(html_site, page_id("rules", name), ".html")
    box = page[page.index('<figure class="algorithm">'):]
    box = box[:box.index("</figure>")]
    position = 0
    for line in algorithm.lines(rule, rule.conventions(), algorithm.stale_names(rule)):
        position = box.index(_assignment_html(line), position)  # ValueError: missing or out of order
    expected = {_assignment_html(bl.line) for bl in algorithm.box(rule).lines}
    expected |= {_assignment_html(a.line) for bl in algorithm.box(rule).lines for a in bl.alternatives}
    assert box.count("<math ") == sum(box.count(e) for e in expected)


def test_a_changed_rule_changes_its_page():
    """Generated, not written: plant ε inside the root in Adam's default, and its page's line changes with it."""
    rule = RULES["adam"]

    def planted(conv):
        out = list(rule.build(conv))
        p, e = out[-1]
        out[-1] = (p, e.xreplace({sym("eps"): 2 * sym("eps")}))
        return tuple(out)

    copy = dataclasses.replace(rule, build=planted)
    from verify.docs.catalogue import Catalogue

    def render(r):
        page = page_rule.build(r, Catalogue(rules={"adam": r}), {}, ())
        return html.render(page, Context(page.id, frozenset({page.id})))[page.id + ".html"]

    before, after = render(rule), render(copy)
    old_p = _assignment_html(algorithm.lines(rule, rule.conventions())[-1])
    new_p = _assignment_html(algorithm.lines(copy, copy.conventions())[-1])
    assert old_p in before and old_p not in after and new_p in after


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_page_prints_its_expression(html_site, name):
    from verify.docs.page_schedule import RATE

    schedule = SCHEDULES[name]
    page = page_text(html_site, page_id("schedules", name), ".html")
    assert printers.mathml_relation(RATE, "==", schedule.expression()) in page


def test_markdown_math_is_the_latex_of_the_rule(markdown_site):
    rule = RULES["adam"]
    page = page_text(markdown_site, page_id("rules", "adam"), ".md")
    for line in algorithm.lines(rule, rule.conventions()):
        assert f"${printers.latex_assignment(line.target, line.expr)}$" in page


@pytest.mark.parametrize("name", sorted(ALL_RULES) + sorted(SCHEDULES))
def test_notation_keeps_symbols_apart(name):
    """Two different symbols of one rule never print alike (the notation table is injective on each rule)."""
    space = {**ALL_RULES, **SCHEDULES}[name]
    names = {h.name for h in space.hyperparameters}
    if name in RULES:
        for conventions in space.variants():
            for target, expr in space.assignments(**conventions):
                names |= {str(target)} | {s.name for s in expr.free_symbols}
    printed = {n: printers.mathml(sp.Symbol(n)) for n in names}
    assert len(set(printed.values())) == len(printed), printed


def test_text_names_print_upright_and_whole():
    assert notation.is_text("weight_decay") is False  # in the table: λ
    assert notation.is_text("lr_decay") and notation.is_text("start_factor")
    assert not notation.is_text("beta_1") and not notation.is_text("epsilon_hat") and not notation.is_text("v_max")
    assert printers.mathml(sp.Symbol("lr_decay")) == "<mi>lr_decay</mi>"
    assert printers.latex(sp.Symbol("lr_decay")) == r"\mathrm{lr\_decay}"


def test_text_is_never_parsed():
    with pytest.raises(TypeError):
        printers.mathml("x + 1")
