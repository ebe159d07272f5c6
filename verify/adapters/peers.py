"""Peers for the rules that are not elementwise: other people's Newton, CG, LARS, … and which of a rule's
conventions each follows, found by running it.

An elementwise optimizer is fingerprinted by a survey of trajectories (conventions.py).  A matrix or
reduction rule has its own check (verify/checks/matrix.py, reduction.py), exact and per iteration, so a
peer is surveyed more simply: the check runs under *every* convention variant of the rule, and the
variants it passes are the ones the peer follows.  A ``Peer`` is only a name, the rule it claims to
implement, and how to load it (lazily: a framework that is not installed is reported as such); it
never says which convention it follows.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Peer:
    framework: str  # the `crosscheck` source that includes it: "scipy", "optax"
    label: str  # what users call: "scipy.sparse.linalg.cg"
    rule: str  # the matrix or reduction rule it claims to implement
    module: str  # where its adapter lives (imported on use)
    attribute: str  # the adapter: a callable with the rule's check protocol
    requires: str  # the package it needs (not installed: reported, not run)
    options: tuple = ()  # (name, value) pairs for the check, e.g. scipy's cg needs b ≠ 0
    notes: tuple = ()
    # "module:function" that surveys this peer itself (a layer whose check is not in the catalogue); "" = survey()
    surveyor: str = ""

    def load(self) -> Callable:
        module = importlib.import_module(self.module)
        # ImportError: not installed.  An adapter that must prepare the import (keras needs its backend chosen
        # first) says so with a require() of its own.
        getattr(module, "require", lambda: importlib.import_module(self.requires))()
        return getattr(module, self.attribute)


PEERS = (
    Peer("scipy", "scipy.sparse.linalg.cg", "cg", "verify.adapters.frameworks.scipy_cg", "scipy_cg", "scipy",
         options=(("nonzero_rhs", True),),
         notes=("b = 0 returns x = 0 at once without iterating: drawn b ≠ 0",)),
    Peer("optax", "optax.lars()", "lars", "verify.adapters.frameworks.optax_lars", "optax_lars", "optax"),
    Peer("optax", "optax.lars(nesterov=True)", "lars", "verify.adapters.frameworks.optax_lars",
         "optax_lars_nesterov", "optax"),
)
# torch's L-BFGS, its own state read after each one-iteration step (verify/adapters/frameworks/torch_lbfgs.py)
_TORCH_LBFGS = "verify.adapters.frameworks.torch_lbfgs"
PEERS += (
    Peer("torch", "torch.optim.LBFGS(lr=1, max_iter=1)", "lbfgs", _TORCH_LBFGS, "torch_lbfgs", "torch",
         options=(("skip_below", 1e-10),),
         notes=("a pair is kept only when yᵀs > 1e-10 (absolute)", "step length: lr·min(1, 1/‖g‖₁) first, then lr")),
    Peer("torch", "torch.optim.LBFGS(line_search_fn='strong_wolfe', max_iter=1, max_eval=25)", "lbfgs", _TORCH_LBFGS,
         "torch_lbfgs_strong_wolfe", "torch", options=(("skip_below", 1e-10),),
         notes=("a pair is kept only when yᵀs > 1e-10 (absolute)",
                "max_eval's default max_iter·5//4 = 1 leaves the line search no evaluation: given 25")),
)
# peers whose quasi-Newton state is hidden, checked on their iterates (check_trajectory, a band)
_TRAJECTORY = "verify.checks.quasi_newton:survey_trajectory"
PEERS += (
    Peer("scipy", "scipy.optimize.minimize(method='BFGS')", "lbfgs", "verify.adapters.frameworks.scipy_bfgs",
         "scipy_bfgs", "scipy", options=(("memory", 10**6),), surveyor=_TRAJECTORY,
         notes=("iterates only (callback); every pair kept: BFGS", "float64")),
    Peer("scipy", "scipy.optimize.minimize(method='L-BFGS-B', maxcor=3)", "lbfgs",
         "verify.adapters.frameworks.scipy_bfgs", "scipy_lbfgsb", "scipy", options=(("memory", 3),),
         surveyor=_TRAJECTORY, notes=("iterates only (callback)", "float64")),
    Peer("optax", "optax.lbfgs(memory_size=3)", "lbfgs", "verify.adapters.frameworks.optax_lbfgs", "optax_lbfgs",
         "optax", options=(("memory", 3),), surveyor=_TRAJECTORY, notes=("zoom line search", "float64")),
)
# optax.sgd as gradient descent (momentum None) and heavy ball (momentum β), float32 (JAX without x64)
PEERS += (Peer("optax", "optax.sgd(learning_rate, momentum)", "gradient_descent",
               "verify.adapters.frameworks.optax_descent", "optax_sgd", "optax", options=(("dtypes", ("float32",)),),
               notes=("float32: JAX computes in float32 unless x64 is enabled",)),)

# Learning-rate schedulers (verify/checks/schedules.py), each checked under every convention variant of the schedule
# it implements; the adapters record the rate each update of a real training loop used.
_TORCH, _OPTAX, _KERAS = (f"verify.adapters.frameworks.{m}_schedules" for m in ("torch", "optax", "keras"))
_POSITIVE_START = ("positive", ("start_factor",))
SCHEDULE_PEERS = (
    Peer("torch", "torch.optim.lr_scheduler.LinearLR", "linear_warmup", _TORCH, "linear_lr", "torch",
         options=(_POSITIVE_START,), notes=("start_factor must be > 0 (drawn > 0)",)),
    Peer("torch", "torch.optim.lr_scheduler.StepLR", "step_decay", _TORCH, "step_lr", "torch"),
    Peer("torch", "torch.optim.lr_scheduler.StepLR(last_epoch=L-1), resumed at update L", "step_decay", _TORCH,
         "step_lr_resumed", "torch",
         notes=("checkpoint after L = N//2 updates; a new scheduler built with last_epoch = L − 1, then the "
                "optimizer's state_dict loaded, as torch documents",)),
    Peer("torch", "torch.optim.lr_scheduler.ExponentialLR", "exponential_decay", _TORCH, "exponential_lr", "torch",
         options=(("hyperparameters", (("decay_steps", 1),)),), notes=("decays by gamma every step: decay_steps = 1",)),
    Peer("torch", "torch.optim.lr_scheduler.CosineAnnealingLR", "cosine_decay", _TORCH, "cosine_annealing_lr", "torch",
         notes=("eta_min = alpha·lr",)),
    Peer("torch", "torch.optim.lr_scheduler.CosineAnnealingLR(last_epoch=L-1), resumed at update L", "cosine_decay",
         _TORCH, "cosine_annealing_lr_resumed", "torch",
         notes=("checkpoint after L = N//2 updates; a new scheduler built with last_epoch = L − 1, then the "
                "optimizer's state_dict loaded, as torch documents",)),
    Peer("torch", "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts", "sgdr", _TORCH,
         "cosine_annealing_warm_restarts", "torch", notes=("eta_min = alpha·lr",)),
    Peer("torch", "torch.optim.lr_scheduler.SequentialLR([LinearLR, CosineAnnealingLR])", "warmup_cosine", _TORCH,
         "sequential_linear_cosine", "torch", options=(_POSITIVE_START,),
         notes=("milestones=[W]; LinearLR's start_factor must be > 0 (drawn > 0)",)),
    Peer("optax", "optax.linear_schedule", "linear_warmup", _OPTAX, "linear_schedule", "optax",
         notes=("init_value = start_factor·lr, end_value = lr; float32",)),
    Peer("optax", "optax.piecewise_constant_schedule({jS: gamma})", "step_decay", _OPTAX,
         "piecewise_constant_schedule", "optax", notes=("a scale gamma at every multiple of S; float32",)),
    Peer("optax", "optax.exponential_decay()", "exponential_decay", _OPTAX, "exponential_decay", "optax",
         notes=("float32",)),
    Peer("optax", "optax.exponential_decay(staircase=True)", "exponential_decay", _OPTAX,
         "exponential_decay_staircase", "optax", notes=("float32",)),
    Peer("optax", "optax.cosine_decay_schedule", "cosine_decay", _OPTAX, "cosine_decay_schedule", "optax",
         notes=("float32",)),
    Peer("optax", "optax.sgdr_schedule (cycles T·m^i)", "sgdr", _OPTAX, "sgdr_schedule", "optax",
         notes=("one warmup_cosine_decay_schedule cycle of T·m^i steps per restart, warmup_steps=0; float32",)),
    Peer("optax", "optax.warmup_cosine_decay_schedule", "warmup_cosine", _OPTAX, "warmup_cosine_decay_schedule",
         "optax", notes=("decay_steps = W + D: optax counts the warm-up in; end_value = alpha·lr; float32",)),
    Peer("keras", "keras.optimizers.schedules.PolynomialDecay(power=1)", "linear_warmup", _KERAS, "polynomial_decay",
         "keras", notes=("initial_learning_rate = start_factor·lr, end_learning_rate = lr; float32",)),
    Peer("keras", "keras.optimizers.schedules.ExponentialDecay()", "exponential_decay", _KERAS, "exponential_decay",
         "keras", notes=("float32",)),
    Peer("keras", "keras.optimizers.schedules.ExponentialDecay(staircase=True)", "exponential_decay", _KERAS,
         "exponential_decay_staircase", "keras", notes=("float32",)),
    Peer("keras", "keras.optimizers.schedules.CosineDecay()", "cosine_decay", _KERAS, "cosine_decay", "keras",
         notes=("float32",)),
    Peer("keras", "keras.optimizers.schedules.CosineDecayRestarts(m_mul=1)", "sgdr", _KERAS, "cosine_decay_restarts",
         "keras", notes=("the cycle from a float32 logarithm: no bound at restarts when t_mul ≥ 2; float32",)),
    Peer("keras", "keras.optimizers.schedules.CosineDecay(warmup_target=lr)", "warmup_cosine", _KERAS,
         "cosine_decay_warmup", "keras",
         notes=("initial_learning_rate = start_factor·lr, decay_steps = D after the warm-up; float32",)),
)
PEERS = PEERS + SCHEDULE_PEERS

# LAMB (verify/checks/lamb.py): optax's and pytorch_optimizer's, found by running each under every variant
_TORCH_LAMB = "verify.adapters.frameworks.torch_lamb"
PEERS = PEERS + (
    Peer("optax", "optax.lamb()", "lamb", "verify.adapters.frameworks.optax_lamb", "optax_lamb", "optax"),
    Peer("torch", "pytorch_optimizer.Lamb()", "lamb", _TORCH_LAMB, "torch_lamb", "pytorch_optimizer",
         notes=("float32 and float64; the library's defaults (weight_decouple=True)",)),
    Peer("torch", "pytorch_optimizer.Lamb(weight_decouple=False)", "lamb", _TORCH_LAMB, "torch_lamb_coupled",
         "pytorch_optimizer"),
)

# Normalisation layers (verify/checks/normalization.py): each run once per drawn problem, its outputs checked under
# every convention variant of its layer (normalising variance, ε placement; running variance and momentum for
# batch norm).
_TORCH_NORM, _KERAS_NORM = "verify.adapters.frameworks.torch_norm", "verify.adapters.frameworks.keras_norm"
_NORM_SURVEY = "verify.checks.normalization:survey"
NORMALIZATION_PEERS = (
    Peer("torch", "torch.nn.BatchNorm1d", "batch_norm", _TORCH_NORM, "batch_norm_1d", "torch",
         notes=("float64; train mode on k batches, then eval mode",), surveyor=_NORM_SURVEY),
    Peer("torch", "torch.nn.BatchNorm2d", "batch_norm", _TORCH_NORM, "batch_norm_2d", "torch",
         notes=("float64; (N, C, L) run as (N, C, L, 1)",), surveyor=_NORM_SURVEY),
    Peer("torch", "torch.nn.BatchNorm1d (float32)", "batch_norm", _TORCH_NORM, "batch_norm_1d_float32", "torch",
         notes=("float32, torch's default dtype: float32's bound",), surveyor=_NORM_SURVEY),
    Peer("torch", "torch.nn.LayerNorm", "layer_norm", _TORCH_NORM, "layer_norm", "torch", notes=("float64",),
         surveyor=_NORM_SURVEY),
    Peer("torch", "torch.nn.GroupNorm", "group_norm", _TORCH_NORM, "group_norm", "torch", notes=("float64",),
         surveyor=_NORM_SURVEY),
    Peer("keras", "keras.layers.BatchNormalization(axis=1)", "batch_norm", _KERAS_NORM, "batch_normalization",
         "keras", notes=("float32; momentum passed as Keras' own argument",), surveyor=_NORM_SURVEY),
    Peer("keras", "keras.layers.LayerNormalization", "layer_norm", _KERAS_NORM, "layer_normalization", "keras",
         notes=("float32; axis = the trailing axes",), surveyor=_NORM_SURVEY),
    Peer("keras", "keras.layers.GroupNormalization(axis=1)", "group_norm", _KERAS_NORM, "group_normalization",
         "keras", notes=("float32",), surveyor=_NORM_SURVEY),
)
PEERS = PEERS + NORMALIZATION_PEERS
# Dropout layers that draw their own masks (verify/adapters/frameworks/keras_dropout.py: mask from the zeros)
_DROPOUT = "verify.adapters.frameworks.keras_dropout"
PEERS = PEERS + (
    Peer("torch", "torch.nn.functional.dropout", "dropout", _DROPOUT, "torch_dropout", "torch",
         notes=("mask recovered from the output's zeros; float32 and float64",), surveyor=_DROPOUT + ":survey"),
    Peer("keras", "keras.layers.Dropout", "dropout", _DROPOUT, "keras_dropout", "keras",
         notes=("Keras draws its own mask (seed=...): recovered from the output's zeros",),
         surveyor=_DROPOUT + ":survey"),
)
# label-smoothed losses (every spread convention checked) and initialisers (every claim: distribution,
# fan mode, layout, gain² — tested statistically on the same draws; verify/checks/initialization.py)
_SMOOTH, _SMOOTH_SURVEY = "verify.adapters.frameworks.label_smoothing", "verify.checks.label_smoothing:crosscheck_survey"
_TORCH_INIT, _KERAS_INIT = "verify.adapters.frameworks.torch_init", "verify.adapters.frameworks.keras_init"
_INIT_SURVEY = "verify.checks.initialization:crosscheck_survey"
_KERAS_INIT_SHAPES = (("shapes", ((128, 32), (3, 3, 64, 16))),)  # JAX compiles per shape: two tell them apart
PEERS = PEERS + (
    Peer("torch", "torch.nn.functional.cross_entropy(label_smoothing=ε)", "label_smoothing", _SMOOTH,
         "torch_cross_entropy", "torch", notes=("float64, class indices",), surveyor=_SMOOTH_SURVEY),
    Peer("optax", "optax.smooth_labels + softmax_cross_entropy", "label_smoothing", _SMOOTH, "optax_smooth_labels",
         "optax", notes=("float32",), surveyor=_SMOOTH_SURVEY),
    Peer("keras", "keras.losses.CategoricalCrossentropy(label_smoothing=ε)", "label_smoothing", _SMOOTH,
         "keras_categorical", "keras", notes=("float32, from_logits=True",), surveyor=_SMOOTH_SURVEY),
) + tuple(Peer("torch", label, "initialization", _TORCH_INIT, attribute, "torch", notes=("float32",),
               surveyor=_INIT_SURVEY)
          for label, attribute in (("torch.nn.init.xavier_uniform_", "xavier_uniform"),
                                   ("torch.nn.init.xavier_normal_", "xavier_normal"),
                                   ("torch.nn.init.kaiming_uniform_", "kaiming_uniform"),
                                   ("torch.nn.init.kaiming_normal_", "kaiming_normal"),
                                   ("torch.nn.Linear / Conv2d default weight", "linear_default"))) \
  + tuple(Peer("keras", f"keras.initializers.{name}", "initialization", _KERAS_INIT, attribute, "keras",
               options=_KERAS_INIT_SHAPES, notes=("float32",), surveyor=_INIT_SURVEY)
          for name, attribute in (("GlorotUniform", "glorot_uniform"), ("GlorotNormal", "glorot_normal"),
                                  ("HeUniform", "he_uniform"), ("HeNormal", "he_normal")))

# which eigenvalue scipy's eigsh returns as "the largest" (verify/checks/spectral.py: on |λ_min| > λ_max)
_SPECTRAL = "verify.checks.spectral"
PEERS = PEERS + (
    Peer("scipy", "scipy.sparse.linalg.eigsh(k=1)", "lambda_max", _SPECTRAL, "scipy_eigsh", "scipy",
         notes=("default which='LM'",), surveyor=_SPECTRAL + ":crosscheck_survey"),
    Peer("scipy", "scipy.sparse.linalg.eigsh(k=1, which='LA')", "lambda_max", _SPECTRAL, "scipy_eigsh_la", "scipy",
         surveyor=_SPECTRAL + ":crosscheck_survey"),
)


# SAM (verify/checks/sam.py): optax.contrib.sam as its docstring builds it, checked as SAM and as ASAM
_SAM = "verify.adapters.frameworks.optax_sam"
PEERS = PEERS + (
    Peer("optax", "optax.contrib.sam(sgd(lr), chain(normalize(), sgd(rho)))", "sam", _SAM, "optax_sam", "optax",
         notes=("float64 (JAX x64); sync_period=2, opaque mode: one update is the ascent and the descent step",),
         surveyor=_SAM + ":survey"),
)


def peers_of(framework: str) -> list[Peer]:
    return [p for p in PEERS if p.framework == framework]


def frameworks() -> list[str]:
    return sorted({p.framework for p in PEERS})


@dataclass
class Survey:
    """A peer checked under every convention variant of its rule: the variants it passes are its matches.

    Duck-types conventions.Fingerprint where the crosscheck's table reads it."""
    rule: str
    implementation: str
    reports: list  # one check report per variant
    error: str = ""
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    edges = None  # a matrix check already draws the domain's edges (singular, indefinite, zero rhs)

    @property
    def matches(self) -> list[dict]:
        return [r.conventions for r in self.reports if r.passed]

    @property
    def matched(self) -> bool:
        return bool(self.matches)

    @property
    def closest(self) -> dict:
        """The match, or the variant whose counterexample came latest in the check's own order."""
        if self.matched:
            return self.matches[0]
        return max(self.reports, key=lambda r: r.examples).conventions if self.reports else {}

    @property
    def counterexample(self):
        """Where nothing matched: the closest variant's failing report."""
        if self.matched or not self.reports:
            return None
        return next(r for r in self.reports if r.conventions == self.closest)

    @property
    def worst_ulps(self) -> float:
        """Schedule checks measure ulps; matrix checks are normwise/componentwise ratios, not ulps (nan)."""
        ulps = [r.worst_ulps for r in self.reports if r.passed and hasattr(r, "worst_ulps")]
        return max(ulps) if ulps else float("nan")

    @property
    def worst_ratio(self) -> float:
        return max((r.worst_ratio for r in self.reports if r.passed), default=float("nan"))

    def summary(self) -> dict:
        """Per axis: the one value every match shares, or the list of values left undecided."""
        chosen = self.matches or [self.closest]
        out = {}
        for axis in chosen[0] if chosen else {}:
            values = list(dict.fromkeys(conv[axis] for conv in chosen))
            out[axis] = values[0] if len(values) == 1 else values
        return out

    def describe(self) -> str:
        return ", ".join(f"{a}={'|'.join(map(str, v))}" if isinstance(v, list) else f"{a}={v}"
                         for a, v in self.summary().items())

    def as_dict(self) -> dict:
        return dict(rule=self.rule, implementation=self.implementation, matched=self.matched,
                    conventions=self.summary(), matches=self.matches, closest=self.closest,
                    worst_ratio=self.worst_ratio, error=self.error, notes=self.notes,
                    seconds=round(self.seconds, 2), reports=[r.as_dict() for r in self.reports])


def survey(peer: Peer, *, examples: int = 30, seed: int = 0) -> Survey:
    """Check ``peer`` under every convention variant of its rule.  A schedule's variants are checked on ordinary
    values; the loosest match (the last: a recursive form allows for accumulated rounding) is then checked over
    the whole domain (``Survey.edges``), as an elementwise fingerprint checks its match."""
    if peer.surveyor:  # normalisation layers, dropout: their own check, still one report per convention variant
        module, function = peer.surveyor.split(":")
        return getattr(importlib.import_module(module), function)(peer, examples=examples, seed=seed)
    from verify.checks.catalogue import check_implementation, kind_of, rule_of
    from verify.checks.elementwise import without_shrinking

    start = time.perf_counter()
    implementation = peer.load()

    def check(conv):
        return check_implementation(peer.rule, implementation, conv, examples=examples, seed=seed, name=peer.label,
                                    **dict(peer.options))

    with without_shrinking():  # which variants pass; a minimal counterexample only where none does (below)
        reports = [check(conv) for conv in rule_of(peer.rule).variants()]
    unmatched = Survey(peer.rule, peer.label, reports)
    if reports and not unmatched.matched:  # the closest variant's counterexample, shrunk: the one a user reads
        at = reports.index(unmatched.counterexample)
        reports[at] = check(reports[at].conventions)
    crashed = [r for r in reports if r.counterexample and "raised" in str(r.counterexample.get("problem", ""))]
    error = crashed[0].counterexample["problem"] if len(crashed) == len(reports) and reports else ""
    found = Survey(peer.rule, peer.label, reports, error, 0.0, list(peer.notes))
    if found.matched and kind_of(peer.rule) == "schedule":
        found.edges = check_implementation(peer.rule, implementation, found.matches[-1], examples=examples, seed=seed,
                                           name=peer.label, edges=True, **dict(peer.options))
    found.seconds = time.perf_counter() - start
    return found
