"""The page of a learning-rate schedule: the rate of update k as one formula, each convention's alternative
formula, hyperparameters, framework rows, a plot over k and its derivations."""
from __future__ import annotations

import sympy as sp

from derivations.core.schedule import COUNT
from verify.docs import conventions, hyperparameters, plots
from verify.docs.catalogue import page_id
from verify.docs.frameworks import rows_for
from verify.docs.model import Bullets, Code, Figure, Heading, Page, Para, Relation
from verify.docs.page_parts import derivation_list, framework_table, source

RATE = sp.Symbol("eta_k", real=True)  # η_k: the rate of update k
OF_COUNT = sp.Function("s")(COUNT)


def _alternatives(schedule) -> list:
    base = schedule.expression()
    items = []
    for axis in schedule.axes:
        for value in axis.values:
            if value == axis.default:
                continue
            other = schedule.expression(**{axis.name: value})
            if other != base:
                items.append((Code(f"{axis.name} = {value}"), ": ", Relation(RATE, "==", other)))
            else:
                meaning = dict(axis.meaning)[value]
                items.append((Code(f"{axis.name} = {value}"), ": the same expression (", meaning, ")"))
    return [Bullets(tuple(items))] if items else []


def build(schedule, catalogue, proofs, rows) -> Page:
    blocks = [
        Para((schedule.title, " — ", Code(schedule.name))),
        source(schedule.source),
        Heading("Learning rate of update k"),
        Para(("Under the default conventions (", ", ".join(f"{a.name} = {a.default}" for a in schedule.axes), "):")),
        Para((Relation(RATE, "==", schedule.expression()),)),
        Para(("As a function of its own argument n (updates taken so far): ",
              Relation(OF_COUNT, "==", schedule.of_count()))),
        Heading("Other conventions"),
        *_alternatives(schedule),
        Heading("Hyperparameters"),
        hyperparameters.table(schedule, schedule.symbol),
        Heading("Conventions"),
        conventions.table(schedule, rows),
    ]
    if schedule.notes:
        blocks.append(Para(("Note: ", schedule.notes)))
    mine = rows_for(rows, schedule.name)
    if mine:
        blocks += [Heading("Frameworks"), framework_table(mine)]
    if plots.available():
        blocks += [Heading("Plot"), Figure(f"{schedule.name}-curve", "The learning rate of each update at the "
                                           "defaults, from the schedule's own expression.",
                                           lambda: plots.schedule_curve(schedule))]
    blocks += [Heading("Derivations"), derivation_list(catalogue, proofs, catalogue.derivations_of(schedule.name))]
    return Page(page_id("schedules", schedule.name), schedule.title, "schedule", tuple(blocks))
