"""Rules composed from derivations/core/blocks.py build exactly what they built when each wrote its conventions inline.

The frozen copies below are the four rules' ``_build`` functions and convention axes as they were before
the blocks (derivations/{ema,sgd,rmsprop,adam}.py at commit 67c0f47), with their own symbols, so that a
change in a block, in ``rule.sym``/``STEP``/``FIRST_STEP`` or in a rule shows up here.  Since then three
axes have been renamed, and the copies with them: ``lr`` → ``lr_position``, ``weight_decay`` → ``decay``,
``eps`` → ``eps_mode`` (the hyperparameters lr, weight_decay and eps keep their names).  Equality is of
``sp.srepr``: the same tree, not just the same value, since verify/reference/tolerance.py counts roundings over the
tree (``p - lr*(a + b)`` and ``p - lr*a - lr*b`` are different bounds).
"""
import dataclasses

import pytest
import sympy as sp

from derivations import RULES
from derivations.core.rule import ConventionAxis


def sym(name):
    return sp.Symbol(name, real=True)


STEP = sp.Symbol("t", integer=True, positive=True)
FIRST_STEP = sp.Piecewise((1, sp.Eq(STEP, 1)), (0, True))


def ema_build(conv):
    alpha, g, v = sym("alpha"), sym("g"), sym("v")
    new_v = alpha * v + (1 - alpha) * g
    average = v / (1 - alpha**STEP) if conv["debias"] else v
    return ((v, new_v), (sym("average"), average))


def sgd_build(conv):
    p, g, buf = sym("p"), sym("g"), sym("buf")
    lr, mu, tau, wd = (sym(n) for n in ("lr", "momentum", "dampening", "weight_decay"))
    grad = g + wd * p if conv["decay"] == "l2" else g
    coefficient = 1 - tau if conv["init"] == "zero" else 1 - tau + tau * FIRST_STEP
    scale = lr if conv["lr_position"] == "inside_buffer" else 1
    new_buf = mu * buf + scale * coefficient * grad
    step = scale * grad + mu * buf if conv["nesterov"] else buf
    new_p = p - step if conv["lr_position"] == "inside_buffer" else p - lr * step
    if conv["decay"] == "decoupled":
        new_p = new_p - lr * wd * p
    return ((buf, new_buf), (p, new_p))


def rmsprop_build(conv):
    p, g, v, gavg, buf = (sym(n) for n in ("p", "g", "v", "gavg", "buf"))
    lr, rho, eps, mu, wd = (sym(n) for n in ("lr", "alpha", "eps", "momentum", "weight_decay"))
    out = []
    grad = g + wd * p if conv["decay"] == "l2" else g
    out.append((v, rho * v + (1 - rho) * grad**2))
    variance = v
    if conv["centered"]:
        out.append((gavg, rho * gavg + (1 - rho) * grad))
        variance = v - gavg**2
    if conv["eps_mode"] == "outside_sqrt":
        direction = grad / (sp.sqrt(variance) + eps)
    else:
        direction = grad / sp.sqrt(variance + eps)
    if conv["lr_position"] == "inside_buffer":
        out.append((buf, mu * buf + lr * direction))
        new_p = p - buf
    else:
        out.append((buf, mu * buf + direction))
        new_p = p - lr * buf
    if conv["decay"] == "decoupled":
        new_p = new_p - lr * wd * p
    out.append((p, new_p))
    return tuple(out)


def adam_build(conv):
    p, g, m, v, vmax = (sym(n) for n in ("p", "g", "m", "v", "vmax"))
    lr, b1, b2, eps, wd = (sym(n) for n in ("lr", "beta1", "beta2", "eps", "weight_decay"))
    out = []
    grad = g + wd * p if conv["decay"] == "l2" else g
    out.append((m, b1 * m + (1 - b1) * grad))
    out.append((v, b2 * v + (1 - b2) * grad**2))
    c1, c2 = (1 - b1**STEP, 1 - b2**STEP) if conv["bias_correction"] else (1, 1)
    if conv["amsgrad"] == "raw":
        out.append((vmax, sp.Max(vmax, v)))
        v_hat = vmax / c2
    elif conv["amsgrad"] == "corrected":
        out.append((vmax, sp.Max(vmax, v / c2)))
        v_hat = vmax
    else:
        v_hat = v / c2
    m_hat = m / c1
    if conv["eps_mode"] == "after_correction":
        direction = m_hat / (sp.sqrt(v_hat) + eps)
    elif conv["eps_mode"] == "inside_sqrt":
        direction = m_hat / sp.sqrt(v_hat + eps)
    else:
        direction = sp.sqrt(c2) / c1 * m / (sp.sqrt(c2 * v_hat) + eps)
    new_p = p - lr * direction
    if conv["decay"] == "decoupled":
        new_p = new_p - lr * wd * p
    out.append((p, new_p))
    return tuple(out)


FROZEN_BUILDS = {"ema": ema_build, "sgd": sgd_build, "rmsprop": rmsprop_build, "adam": adam_build}

DECAY = ("decay", ("none", "l2", "decoupled"), "none")
FROZEN_AXES = {
    "ema": (ConventionAxis("debias", (False, True), False, (
        (False, "report v_t itself"), (True, "report v_t / (1 - α^t), the bias-corrected average"))),),
    "sgd": (
        ConventionAxis("lr_position", ("outside_buffer", "inside_buffer"), "outside_buffer", (
            ("outside_buffer", "buf ← α buf + g, p ← p - lr·buf (form (3))"),
            ("inside_buffer", "buf ← α buf + lr·g, p ← p - buf (form (1), v = -buf)"))),
        ConventionAxis("init", ("zero", "first_gradient"), "zero", (
            ("zero", "buf_0 = 0, so buf_1 = (1-τ)·g (seed 002: v_0 = 0)"),
            ("first_gradient", "buf_1 = g: the first gradient enters undampened"))),
        ConventionAxis("nesterov", (False, True), False, (
            (False, "heavy ball: step along the buffer"),
            (True, "Nesterov, reformulated in θ' = θ + α v: step along g + α·buf"))),
        ConventionAxis(*DECAY, (
            ("none", "no decay"), ("l2", "g ← g + λp before the buffer"),
            ("decoupled", "p ← p - lr·λ·p beside the momentum step"))),
    ),
    "rmsprop": (
        ConventionAxis("eps_mode", ("inside_sqrt", "outside_sqrt"), "inside_sqrt", (
            ("inside_sqrt", "g/√(r + δ), as seeds 001 and 003 write it"), ("outside_sqrt", "g/(√r + δ)"))),
        ConventionAxis("centered", (False, True), False, (
            (False, "divide by √r"), (True, "divide by √(r - ḡ²), ḡ the EMA of g"))),
        ConventionAxis("lr_position", ("outside_buffer", "inside_buffer"), "outside_buffer", (
            ("outside_buffer", "buf ← μ buf + g/√r, p ← p - lr·buf"),
            ("inside_buffer", "buf ← μ buf + lr·g/√r, p ← p - buf"))),
        ConventionAxis(*DECAY, (
            ("none", "no decay"), ("l2", "g ← g + λp before the averages"),
            ("decoupled", "p ← p - lr·λ·p beside the RMSProp step"))),
    ),
    "adam": (
        ConventionAxis("eps_mode", ("after_correction", "inside_sqrt", "uncorrected"), "after_correction", (
            ("after_correction", "m̂/(√v̂ + ε), as Algorithm 1 in the seed"),
            ("inside_sqrt", "m̂/√(v̂ + ε)"),
            ("uncorrected", "lr·√(1-β2^t)/(1-β1^t)·m/(√v + ε): ε added to the uncorrected √v"))),
        ConventionAxis("bias_correction", (True, False), True, (
            (True, "divide m by 1-β1^t and v by 1-β2^t"), (False, "use m and v as they are"))),
        ConventionAxis(*DECAY, (
            ("none", "no decay"), ("l2", "g ← g + λp before the moments (Adam + L2)"),
            ("decoupled", "p ← p - lr·λ·p beside the Adam step (AdamW)"))),
        ConventionAxis("amsgrad", ("off", "raw", "corrected"), "off", (
            ("off", "plain Adam"), ("raw", "divide by the running max of the raw v (then corrected)"),
            ("corrected", "divide by the running max of the corrected v̂"))),
    ),
}

def _frozen_variants(name):
    """Every combination of the axes the frozen copy knows; axes added since sit at their defaults (a new
    axis, like ema's init, brings its own tests: the frozen builds cannot know it)."""
    frozen = dataclasses.replace(RULES[name], axes=FROZEN_AXES[name])
    return [RULES[name].conventions(**conv) for conv in frozen.variants()]


VARIANTS = [(name, conv) for name in sorted(FROZEN_BUILDS) for conv in _frozen_variants(name)]


def _srepr(pairs):
    return [(str(target), sp.srepr(expr)) for target, expr in pairs]


@pytest.mark.parametrize("name,conv", VARIANTS, ids=[f"{n}-{'-'.join(map(str, c.values()))}" for n, c in VARIANTS])
def test_every_variant_builds_the_frozen_expressions(name, conv):
    rule = RULES[name]
    frozen = dataclasses.replace(rule, build=FROZEN_BUILDS[name])
    assert _srepr(rule.assignments(**conv)) == _srepr(frozen.assignments(**conv))
    assert _srepr(rule.updates(**conv).items()) == _srepr(frozen.updates(**conv).items())


@pytest.mark.parametrize("name", sorted(FROZEN_AXES))
def test_every_rule_keeps_its_axes(name):
    # the frozen axes unchanged, in order; axes added since come after them
    assert RULES[name].axes[:len(FROZEN_AXES[name])] == FROZEN_AXES[name]


def test_the_frozen_copies_cover_every_rule_older_than_the_blocks_and_notice_a_change():
    # rules added later (adagrad, ...) were written with the blocks: nothing to freeze
    assert set(FROZEN_BUILDS) == {"ema", "sgd", "rmsprop", "adam"} <= set(RULES)
    # the comparison is of trees: the same value in another association is a different rule
    p, lr, a, b = sym("p"), sym("lr"), sym("a"), sym("b")
    assert sp.srepr(p - lr * (a + b)) != sp.srepr(p - lr * a - lr * b)
