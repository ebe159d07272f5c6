"""Plots where a reader would rather look, drawn from the rule's or schedule's own expressions (matplotlib, Agg).

matplotlib is the optional extra ``docs``; ``available()`` says whether it is installed, and pages without it
say so instead of showing a figure.  Each function returns a matplotlib Figure; the renderer writes it as SVG
(HTML, Markdown) or PDF (LaTeX).
"""
from __future__ import annotations

import importlib.util
import io
import re

import sympy as sp

from derivations.core.rule import STEP

WIDTH, HEIGHT = 6.4, 3.2


def available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def _figure(rows: int = 1, cols: int = 1):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, HEIGHT), layout="constrained")
    return fig, fig.subplots(rows, cols)


def svg(fig) -> str:
    """The figure as an inline ``<svg>`` element: text as paths (no font needed), a fixed hash salt (the same
    figure gives the same bytes), no XML prologue."""
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "optverify"}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)  # RDF boilerplate, nothing to show
    return text[text.index("<svg"):]


def pdf(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", metadata={"CreationDate": None})
    return buf.getvalue()


def _default(space, name: str) -> float:
    return space.hyperparameter(name).default


def _impulse_response(rule, alpha: float, lags: int) -> list[float]:
    """The EMA's weight on the sample ``lag`` steps back: its own update run on an impulse (g = 1, then 0)."""
    update = sp.lambdify([sp.Symbol(n, real=True) for n in ("v", "g", "alpha")] + [STEP],
                         rule.updates(init="zero", debias=False)["v"], modules="math")
    v, out = 0.0, []
    for t in range(1, lags + 2):
        v = update(v, 1.0 if t == 1 else 0.0, alpha, t)
        out.append(v)
    return out[:lags + 1]


def ema_weights(rule):
    fig, ax = _figure()
    for alpha in (_default(rule, "alpha"), 0.98):
        weights = _impulse_response(rule, alpha, 120)
        line, = ax.plot(range(len(weights)), weights, label=f"α = {alpha:g}")
        window = 1 / (1 - alpha)
        ax.axvline(window, color=line.get_color(), linestyle="--", linewidth=1)
        ax.annotate(f"1/(1−α) = {window:g}", (window, max(weights) * 0.8), xytext=(4, 0),
                    textcoords="offset points", color=line.get_color(), fontsize=8)
    ax.set_xlabel("lag k (steps back)")
    ax.set_ylabel("weight (1−α)·α^k")
    ax.set_title("EMA weights over lags: the impulse response of the rule's own update", fontsize=9)
    ax.legend(fontsize=8)
    return fig


def adam_factors(rule):
    import numpy as np

    b1, b2, eps = (_default(rule, n) for n in ("beta1", "beta2", "eps"))
    t = np.unique(np.logspace(0, 4, 200).astype(int))
    fig, (left, right) = _figure(1, 2)
    left.loglog(t, 1 / (1 - b1**t), label=f"1/(1−β₁^t), β₁ = {b1:g}")
    left.loglog(t, 1 / (1 - b2**t), label=f"1/(1−β₂^t), β₂ = {b2:g}")
    left.set_xlabel("step t")
    left.set_title("bias-correction factors", fontsize=9)
    left.legend(fontsize=7)
    right.loglog(t, eps * np.sqrt(1 - b2**t))
    right.axhline(eps, color="grey", linestyle="--", linewidth=1)
    right.set_xlabel("step t")
    right.set_title(f"effective ε̂ = ε·√(1−β₂^t), ε = {eps:g}", fontsize=9)
    return fig


def _schedule_horizon(schedule) -> int:
    steps = sum(int(h.default) for h in schedule.hyperparameters if h.name in schedule.integers)
    return max(20, int(1.5 * steps))


def schedule_curve(schedule):
    from derivations.core.schedule import STEP as K

    values = {schedule.symbol(h.name): h.default for h in schedule.hyperparameters}
    fig, ax = _figure()
    horizon = _schedule_horizon(schedule)
    rate = sp.lambdify([K], schedule.expression(index="zero_based").xreplace(values), modules="math")
    stride = max(1, horizon // 300)  # at most ~300 points: a long warm-up should not make a megabyte of SVG
    ks = list(range(1, horizon + 1, stride))
    ax.plot(ks, [float(rate(k)) for k in ks], marker="." if stride == 1 else None, markersize=3, linewidth=1)
    ax.set_xlabel("update k")
    ax.set_ylabel("learning rate")
    ax.set_title(f"{schedule.name} at its defaults (index = zero_based)", fontsize=9)
    return fig
