"""The page of a rule: its algorithm box, hyperparameters, conventions, framework rows, plots and derivations."""
from __future__ import annotations

from derivations.core.rule import Rule
from verify.docs import algorithm, conventions, hyperparameters, plots
from verify.docs.catalogue import page_id
from verify.docs.frameworks import rows_for
from verify.docs.model import Code, Figure, Heading, Page, Para
from verify.docs.page_parts import derivation_list, framework_table, source

# plots a reader would rather look at, by rule name
FIGURES = {
    "ema": ("ema_weights", "Weights of the EMA over lags, for two α, with the 1/(1−α) window each spans."),
    "adam": ("adam_factors", "Adam's bias-correction factors and the effective ε̂ = ε·√(1−β₂^t) of the folded "
                             "form (adam.folded_epsilon) over t, at the defaults."),
}


def _shape_note(rule) -> tuple:
    if isinstance(rule, Rule):
        return ("Applied per coordinate; t is the 1-based step; state starts at 0",
                *([f" (except {', '.join(f'{s} = {h}' for s, h in rule.initial)})"] if rule.initial else []), ".")
    return (f"A {rule.shape} rule, written out for symbolic {algorithm.N}-vectors: an entry a line assigned is "
            "named by that line's target (d₀, d₁), and name_prev is a vector's value before the step.",)


def _figures(rule) -> list:
    if rule.name not in FIGURES:
        return []
    fn, caption = FIGURES[rule.name]
    if not plots.available():
        return [Heading("Plots"), Para(("Plots need matplotlib: ", Code("pip install optverify[docs]"), "."))]
    return [Heading("Plots"), Figure(f"{rule.name}-{fn}", caption, lambda: getattr(plots, fn)(rule))]


def build(rule, catalogue, proofs, rows) -> Page:
    blocks = [
        Para((rule.title, " — ", Code(rule.name), f" ({rule.shape})")),
        source(rule.source),
        Heading("Update"),
        Para(_shape_note(rule)),
        algorithm.box(rule),
        Heading("Hyperparameters"),
        hyperparameters.table(rule, lambda name: rule.hyperparameter(name).symbol),
        Heading("Conventions"),
        Para((f"{len(list(rule.variants()))} variants. ", "Each non-default value is shown in the box above as the "
              "lines it changes.")),
        conventions.table(rule, rows),
    ]
    mine = rows_for(rows, rule.name)
    if mine:
        blocks += [Heading("Frameworks"), framework_table(mine)]
    blocks += _figures(rule)
    blocks += [Heading("Derivations"), derivation_list(catalogue, proofs, catalogue.derivations_of(rule.name))]
    return Page(page_id("rules", rule.name), rule.title, "rule", tuple(blocks))
