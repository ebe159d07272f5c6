"""Families checked by checks of their own: normalisation layers, mixup, label smoothing, initialisers, the
bias–variance Monte Carlo estimator, Lanczos quadrature and λ_max, Hutch++/XTrace over continuous probes, SAM and MAML.

They are not rules (a state updated step by step), matrix rules, estimators with a finite or Gaussian sample space,
or schedules, so the catalogue's other checks do not fit them; each has its own check module in verify/checks/.  A
``Family`` names which of those checks our kernels must pass, so that `optverify check` covers them like everything
else: ``tasks(examples, seed)`` gives one callable a report, which `check` runs in its worker processes.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    source: str  # the module whose checks these are, for `optverify list`
    # (examples or None: each check's own default, seed) -> [callable returning a Report]
    checks: Callable[[int | None, int], list]
    axes: tuple = ()  # no convention axes of its own: the variants are inside its checks

    def tasks(self, examples: int | None, seed: int) -> list:
        """The checks as callables, each report timed (a check that does not time itself reads 0 s)."""
        return [functools.partial(_timed, check) for check in self.checks(examples, seed)]


def _timed(check):
    start = time.perf_counter()
    report = check()
    if not report.seconds:
        report.seconds = time.perf_counter() - start
    return report


def _budget(examples):
    return {} if examples is None else {"examples": examples}


def _layer(layer: str):
    def tasks(examples, seed):
        from verify.checks.normalization import check_layer

        return [lambda: check_layer(layer, seed=seed, **_budget(examples))]
    return tasks


def _mixup(examples, seed):
    from verify.checks import mixup

    return [lambda c=c: c(seed=seed, **_budget(examples))
            for c in (mixup.check_mixing, mixup.check_loss, mixup.check_statistical)]


def _label_smoothing(examples, seed):
    from verify.checks.label_smoothing import check_targets

    return [lambda s=s: check_targets(smoothing=s, seed=seed, **_budget(examples)) for s in ("all", "others")]


def _initialization(examples, seed):
    """Our variance-scaling kernel under every claim it can be asked for (fan mode, layout, gain, distribution)."""
    from verify.checks.initialization import candidate_claims, check_initializer, kernel_initializer

    return [lambda c=c: check_initializer(kernel_initializer(c), c, seed=seed, **_budget(examples))
            for c in candidate_claims()]


def _bias_variance(examples, seed):
    from verify.checks import bias_variance

    return [lambda c=c: c(seed=seed, **_budget(examples)) for c in (bias_variance.check_exact, bias_variance.check_ridge)]


def _lanczos(examples, seed):
    """Gauss quadrature from Lanczos (weights, nodes, moments to degree 2k − 1) and λ_max on indefinite matrices."""
    from verify.checks import spectral

    return [lambda: spectral.check_quadrature(seed=seed), lambda: spectral.check_lambda_max(seed=seed)]


def _trace_probes(examples, seed):
    """Hutch++ and XTrace under Gaussian and sphere probes (sign probes: exact, `check hutchpp xtrace`): unbiased
    (statistical, rate stated) and exact on matrices of rank within the budget."""
    from verify.checks import spectral

    return [lambda c=c, n=n, k=k: c(n, kind=k, seed=seed) for n in ("hutchpp", "xtrace") for k in ("gaussian", "sphere")
            for c in (spectral.check_probes, spectral.check_low_rank)]


def _as_report(family: str, conventions: dict, implementation, examples: int, outcome: tuple):
    """A report from the (passed, worst ratio, counterexample or None[, discarded]) of verify/checks/sam.py, maml.py."""
    from types import SimpleNamespace

    from verify.checks.common import Report, invalid, label

    passed, worst, counterexample, *rest = outcome
    discarded = rest[0] if rest else 0
    ran = counterexample["example"] + 1 - discarded if counterexample else examples - discarded
    report = Report(family, conventions, label(implementation), "exact reference", ("float64",), examples=ran,
                    discarded=discarded, worst_ratio=worst, counterexample=None if passed else counterexample)
    if passed:  # no pass where no example ran, or where most were discarded
        report.invalid = invalid(SimpleNamespace(examples=ran, discarded=discarded), "the bound says nothing there")
    return report


def _sam(examples, seed):
    """SAM and the adaptive variant (ASAM) on drawn quadratics against a 200-bit reference."""
    from kernels.optimizers.sam import sam_step
    from verify.checks.sam import check_sam

    n = examples or 40

    def one(adaptive):
        step = functools.partial(sam_step, adaptive=adaptive)
        return _as_report("sam", {"adaptive": adaptive}, sam_step, n, check_sam(step, adaptive=adaptive, examples=n,
                                                                                   seed=seed))
    return [lambda a=a: one(a) for a in (False, True)]


def _maml(examples, seed):
    """The MAML meta-gradient, second and first order, on drawn quadratic tasks against a 200-bit reference."""
    from kernels.optimizers.maml import maml_meta_gradient
    from verify.checks.maml import check_maml

    n = examples or 30

    def one(first_order):
        meta = functools.partial(maml_meta_gradient, first_order=first_order)
        return _as_report("maml", {"first_order": first_order}, maml_meta_gradient, n,
                          check_maml(meta, first_order=first_order, examples=n, seed=seed))
    return [lambda f=f: one(f) for f in (False, True)]


FAMILIES = {f.name: f for f in (
    Family("batch_norm", "Batch normalisation (train, running statistics, eval)", "verify/checks/normalization.py",
           _layer("batch_norm")),
    Family("layer_norm", "Layer normalisation", "verify/checks/normalization.py", _layer("layer_norm")),
    Family("group_norm", "Group normalisation", "verify/checks/normalization.py", _layer("group_norm")),
    Family("mixup", "Mixup: mixed inputs and labels, the loss's linearity, λ ~ Beta(a, a)", "verify/checks/mixup.py",
           _mixup),
    Family("label_smoothing", "Label smoothing: ε/K and ε/(K−1) targets", "verify/checks/label_smoothing.py",
           _label_smoothing),
    Family("initialization", "Variance-scaling initialisers (Xavier/Glorot, He, LeCun; uniform, normal, truncated)",
           "verify/checks/initialization.py", _initialization),
    Family("bias_variance_mc", "Bias–variance Monte Carlo and ridge's covariance", "verify/checks/bias_variance.py",
           _bias_variance),
    Family("lanczos", "Stochastic Lanczos quadrature and λ_max (the algebraic maximum, not the largest magnitude)",
           "verify/checks/spectral.py", _lanczos),
    Family("sam", "Sharpness-aware minimisation (SAM, adaptive ASAM): two gradients per step",
           "verify/checks/sam.py", _sam),
    Family("maml", "MAML's meta-gradient (I − α∇²L)∇L(θ′), and first-order MAML", "verify/checks/maml.py", _maml),
    Family("trace_probes", "Hutch++ and XTrace over continuous probes (Gaussian, sphere)", "verify/checks/spectral.py",
           _trace_probes),
)}
