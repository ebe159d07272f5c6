"""Third-party torch optimizers, found by import path or by scanning a package, cross-checked against every
elementwise rule they could be an instance of.

``optverify crosscheck pytorch_optimizer:QHAdam`` or ``--package pytorch_optimizer``: every
``torch.optim.Optimizer`` subclass the package defines becomes a ``Candidate``:

* its constructor's signature is read: arguments named as torch names them (lr, betas, eps, weight_decay,
  momentum, dampening, alpha, rho, …; ``GENERIC``) map onto our hyperparameters, numbers only (optimi's
  ``dampening=False`` is a switch, not a coefficient); a package that renames one says so in ``OVERRIDES``;
* the rules tried are those whose essential hyperparameters (a non-zero default: lr, β's, ε, …) it maps, a
  rule its class name contains first (RAdam before Adam), the most specific next;  hyperparameters of a rule
  it has no argument for are pinned — at 0 for a feature switched off (decay, dampening), at the rule's
  default where the class name chose the rule — and reported;
* arguments that make it reduce to a rule where the paper says so are pinned by ``OVERRIDES`` (QHAdam with
  ν = (1, 1) is Adam), each pin reported in the row; every other argument keeps the package's default;
* it runs through the torch adapter's runner (frameworks/torch_adapter.py), so torch.optim and a collection
  are driven the same way.

Rules are tried in turn until one matches; when none does, the row is the closest rule's diagnosis
(diagnosis.py) with a counterexample against its closest variant.  A class with no rule to try is listed as
"no rule yet", with what it takes: the list says what the catalogue lacks.
"""
from __future__ import annotations

import importlib
import inspect
import numbers
from dataclasses import dataclass, field, replace

from derivations import RULES
from derivations import rule as find_rule
from derivations.core.rule import Rule
from verify.adapters.frameworks import Target, call_label

# Constructor argument -> our hyperparameter, as torch.optim names them (and Keras' long names).
GENERIC = {"lr": "lr", "learning_rate": "lr", "eps": "eps", "epsilon": "eps", "weight_decay": "weight_decay",
           "momentum": "momentum", "dampening": "dampening", "alpha": "alpha", "rho": "rho", "lr_decay": "lr_decay",
           "initial_accumulator_value": "initial_accumulator", "momentum_decay": "momentum_decay",
           "beta1": "beta1", "beta2": "beta2"}
TUPLES = {"betas": ("beta1", "beta2")}  # a tuple argument: its leading elements
# Collections scanned by --installed: import name -> distribution name (for the version in the report).
COLLECTIONS = {"pytorch_optimizer": "pytorch-optimizer", "optimi": "torch-optimi", "lion_pytorch": "lion-pytorch",
               "heavyball": "heavyball", "timm.optim": "timm"}


@dataclass(frozen=True)
class Override:
    """What a package's signature does not say: renamed hyperparameters, the rules to try, the pins that make
    it reduce to a rule (and why), or why it is no elementwise rule's instance."""

    rules: tuple = ()  # the rules to try (default: chosen from the hyperparameters it maps)
    names: dict = field(default_factory=dict)  # our hyperparameter -> its argument ("beta1": "beta_1")
    pins: dict = field(default_factory=dict)  # its argument ("nus", "betas[2]") -> the value it is run with
    why: str = ""  # the reduction the pins make, e.g. "QHAdam with ν = (1, 1) is Adam (Ma & Yarats 2019, §3)"
    outside: str = ""  # set: listed as "no rule yet", with this reason


# Kept small and explicit: every entry is a fact about one package's API or one paper's reduction.
OVERRIDES: dict[str, dict[str, Override]] = {
    "pytorch_optimizer": {
        "QHAdam": Override(pins={"nus": (1.0, 1.0)}, why="QHAdam with ν = (1, 1) is Adam (Ma & Yarats 2019, §4)"),
        "Lamb": Override(rules=("adam",), pins={"adam": True, "pre_norm": False},
                         why="Lamb with the trust ratio switched off (adam=True) is Adam with decay"),
        "AdaMod": Override(rules=("adam",), pins={"betas[2]": 0.0},
                           why="AdaMod with β3 = 0 bounds the step by itself: Adam (Ding et al. 2019, Alg. 1)"),
        "PAdam": Override(rules=("adam",), pins={"partial": 0.5},
                          why="Padam with p = 1/2 is Adam's step m̂/√v̂ (Chen & Gu 2018, Alg. 1)"),
        # Tiger is Lion with β1 = β2, but one argument for two hyperparameters cannot be driven independently:
        # it stays "no rule yet" until a rule ties them.
    },
    "heavyball": {
        "SGD": Override(names={"momentum": "beta"}),  # heavyball names the momentum coefficient beta
    },
    "optimi": {
        # optimi's SGD takes dampening as a switch (dampening=False: classical momentum); it maps nothing
        "SGD": Override(rules=("sgd",)),
    },
}


# Module attributes set before a collection runs, and why (reported in each of its rows).
SETTINGS = {
    "heavyball": (("heavyball.utils", "compile_mode", None),
                  "run eagerly (heavyball.utils.compile_mode = None): torch.compile of each step takes minutes on "
                  "a CPU; compiled, the fused kernels may round differently"),
}


def prepare(package: str) -> str:
    """Apply SETTINGS for ``package``; the note to report ("" when none)."""
    entry = SETTINGS.get(package.split(".")[0])
    if entry is None:
        return ""
    (module, name, value), note = entry
    setattr(importlib.import_module(module), name, value)
    return note


@dataclass
class Candidate:
    """One class of a package, ready to be tried against each of ``rules``."""

    package: str  # the import name of the collection, e.g. "pytorch_optimizer": the row's framework
    cls: type
    label: str  # e.g. "pytorch_optimizer.QHAdam(nus=(1.0, 1.0))"
    rules: tuple = ()  # in the order tried
    arguments: dict = field(default_factory=dict)  # our hyperparameter -> its argument, every one it maps
    pins: dict = field(default_factory=dict)  # its argument -> value it is run with (reported)
    why: str = ""
    outside: str = ""  # "no rule yet": why
    notes: tuple = ()  # how the collection was run (SETTINGS)

    @property
    def rule(self) -> str:
        return self.rules[0] if self.rules else ""

    @property
    def framework(self) -> str:
        return self.package

    def target(self, rule: str) -> Target:
        """The Target that runs this class as an instance of ``rule``: its arguments for the rule's
        hyperparameters; those it has none for pinned at the rule's default (0 for a feature: decay, dampening)."""
        from verify.adapters.frameworks.torch_adapter import _runner

        r = find_rule(rule)
        ours = [h.name for h in r.hyperparameters]
        arguments = {k: v for k, v in self.arguments.items() if k in ours}
        pinned = {h: r.hyperparameter(h).default for h in ours if h not in arguments}
        build = _factory(self.cls, self.pins)
        runner = _runner(self.cls.__name__, arguments, {}, optimizer=lambda: build, label=self.label)
        pins = ", ".join(f"{k}={v!r}" for k, v in self.pins.items())
        notes = ([f"pinned {pins}" + (f": {self.why}" if self.why else "")] if pins else []) + list(self.notes)
        return Target(self.package, self.label, rule, arguments, pinned, runner, self.cls.__init__, (), tuple(notes))


def narrowed(c: Candidate, rules) -> Candidate:
    """``c`` tried only as those of its rules in ``rules`` (crosscheck --only)."""
    return replace(c, rules=tuple(r for r in c.rules if r in rules))


def _split(argument: str):
    if argument.endswith("]"):
        name, index = argument[:-1].split("[")
        return name, int(index)
    return argument, None


def _defaults(cls) -> dict:
    return {n: p.default for n, p in _parameters(cls).items() if p.default is not inspect.Parameter.empty}


def _factory(cls, pins: dict):
    """``cls(params, **kwargs)`` with the pins applied, and a tuple the survey gave only some elements of (β1,
    β2 of a three-β optimizer) completed from the pins and the class's defaults."""
    defaults = _defaults(cls)

    def build(params, **kwargs):
        kwargs = dict(kwargs)
        for argument, value in pins.items():
            name, index = _split(argument)
            if index is None:
                kwargs[name] = value
            else:
                kwargs[name] = _with_element(kwargs.get(name, defaults.get(name)), index, value)
        for name, value in list(kwargs.items()):
            default = defaults.get(name)
            if isinstance(value, tuple) and isinstance(default, (tuple, list)) and len(default) > len(value):
                kwargs[name] = tuple(value) + tuple(default[len(value):])
        return cls(params, **kwargs)

    return build


def _with_element(value, index: int, element):
    parts = list(value or ())
    parts += [None] * (index + 1 - len(parts))
    parts[index] = element
    return tuple(parts)


def _parameters(cls) -> dict:
    try:
        params = dict(inspect.signature(cls.__init__).parameters)
    except (TypeError, ValueError):
        return {}
    params.pop("self", None)
    return params


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def map_signature(cls, override: Override | None = None) -> dict:
    """Our hyperparameter -> its constructor argument, from the names (GENERIC, TUPLES) and the override."""
    params = _parameters(cls)
    out = {}
    for name, p in params.items():
        default = p.default
        if name in TUPLES and isinstance(default, (tuple, list)) and len(default) >= 2 \
                and all(_is_number(x) for x in default):
            for k, ours in enumerate(TUPLES[name]):
                out[ours] = f"{name}[{k}]"
        elif name in GENERIC and (default is inspect.Parameter.empty or default is None or _is_number(default)):
            out[GENERIC[name]] = name
    if override is not None:
        out.update(override.names)
    return out


def elementwise_optimizer_rules() -> list[str]:
    """The registry's elementwise rules of an optimizer (a parameter and a learning rate), in its order."""
    out = []
    for name in RULES:
        r = find_rule(name)
        if isinstance(r, Rule) and "p" in r.inputs and any(h.name == "lr" for h in r.hyperparameters):
            out.append(name)
    return out


# Hyperparameters whose absence does not rule a rule out although their default is not 0: an optimizer
# without momentum_decay may still be a NAdam (optax's constant μ), but only the class name says it.
NAMED_ONLY = {"nadam": ("momentum_decay",)}


def essential(rule: str) -> set:
    """The hyperparameters an optimizer must have for ``rule`` to be tried on signature alone: those with a
    non-zero default (a zero default is a feature that can be switched off: decay, dampening)."""
    r = find_rule(rule)
    return {h.name for h in r.hyperparameters if h.default != 0}


def rules_to_try(class_name: str, arguments: dict, override: Override | None = None) -> tuple:
    """The rules ``arguments`` make possible: a rule the class name contains first (longest name first), then
    the most specific (most essential hyperparameters), then the registry's order."""
    if override is not None and override.rules:
        return tuple(override.rules)
    lowered = class_name.lower()
    named = sorted((r for r in elementwise_optimizer_rules() if r in lowered), key=len, reverse=True)
    by_signature = [r for r in elementwise_optimizer_rules()
                    if r not in NAMED_ONLY and essential(r) <= set(arguments)]
    by_signature.sort(key=lambda r: -len(essential(r)))  # stable: the registry's order among equals
    return tuple(dict.fromkeys([*named, *by_signature]))


def why_outside(cls, arguments: dict) -> str:
    """Why a class cannot be run as an elementwise rule ("" when it can)."""
    params = list(_parameters(cls).items())
    if not params or params[0][0] != "params":
        return f"its constructor takes {params[0][0] if params else 'nothing'}, not params: it wraps or is not a " \
               "per-parameter optimizer"
    required = [n for n, p in params[1:] if p.default is inspect.Parameter.empty
                and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and n not in arguments.values()]
    if required:
        return f"its constructor needs {', '.join(required)}"
    return ""


def candidate(package: str, cls) -> Candidate:
    setting = prepare(package)
    override = OVERRIDES.get(package.split(".")[0], {}).get(cls.__name__)
    arguments = map_signature(cls, override)
    pins = dict(override.pins) if override else {}
    label = call_label(f"{package}.{cls.__name__}", pins)
    outside = (override.outside if override else "") or why_outside(cls, arguments)
    rules = () if outside else rules_to_try(cls.__name__, arguments, override)
    if not rules and not outside:
        taken = [n for n in _parameters(cls) if n != "params"]
        outside = f"no elementwise rule of the catalogue has its hyperparameters ({', '.join(taken)})"
    return Candidate(package, cls, label, rules, arguments, pins, override.why if override else "", outside,
                     (setting,) if setting else ())


def optimizer_classes(module) -> list:
    """The public torch.optim.Optimizer subclasses ``module`` defines (not those it re-exports from torch or
    elsewhere), each once, in name order."""
    import torch

    root = module.__name__.split(".")[0]
    seen, out = set(), []
    for name in sorted(dir(module)):
        obj = getattr(module, name, None)
        if not name.startswith("_") and inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer) \
                and obj.__module__.split(".")[0] == root and not inspect.isabstract(obj) and obj not in seen:
            seen.add(obj)
            out.append(obj)
    return out


def scan(package: str) -> list[Candidate]:
    """Every optimizer class of ``package`` (an importable module) as a Candidate."""
    module = importlib.import_module(package)
    return [candidate(package, cls) for cls in optimizer_classes(module)]


def is_optimizer_spec(spec: str) -> bool:
    """``module:Class`` naming a torch.optim.Optimizer subclass (imported only to answer)."""
    module, _, attr = spec.partition(":")
    if not module or not attr:
        return False
    try:
        obj = getattr(importlib.import_module(module), attr)
        import torch
    except (ImportError, AttributeError):
        return False
    return inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer)


def from_spec(spec: str) -> Candidate:
    module, _, attr = spec.partition(":")
    return candidate(module, getattr(importlib.import_module(module), attr))


def distribution(package: str) -> str:
    """The distribution a collection is installed as, for its version."""
    import importlib.metadata

    root = package.split(".")[0]
    if root in COLLECTIONS:
        return COLLECTIONS[root]
    names = importlib.metadata.packages_distributions().get(root, [])
    return names[0] if names else root


def register_versions(package: str) -> None:
    """Tell the report which distribution (and torch) a collection's rows ran on."""
    from verify.adapters import crosscheck

    crosscheck.PACKAGES.setdefault(package, (distribution(package), "torch"))


def crosscheck_candidate(c: Candidate, *, examples=30, seed=0):
    """Try ``c`` as each of its rules until one matches.  None matching: the row of the rule whose closest
    variant comes closest (diagnosis.py), with a minimal counterexample against that variant."""
    from verify.adapters.crosscheck import Row, crosscheck_target
    from verify.adapters.diagnosis import add_hint, closest_of
    from verify.checks.elementwise import check_trajectory, without_shrinking

    if c.outside:
        return Row(c.package, c.label, "", "no rule yet", notes=[c.outside])
    rows = []
    for rule in c.rules:
        row = crosscheck_target(c.target(rule), examples=examples, seed=seed, shrink=False)
        if row.status == "matched":
            if rows:
                row.notes.append("follows no convention of " + ", ".join(r.rule for r in rows))
            return row
        rows.append(row)
    tried = "tried " + ", ".join(c.rules)
    best = closest_of([r.fingerprint.diagnosis for r in rows if r.fingerprint is not None])
    if best is None:  # it crashed under every rule
        rows[0].notes.append(tried)
        return rows[0]
    row = next(r for r in rows if r.fingerprint is not None and r.fingerprint.diagnosis is best)
    fp, target = row.fingerprint, c.target(row.rule)
    r = find_rule(row.rule)
    add_hint(best)
    row.notes = [n for n in row.notes if not n.startswith("closest: ")] + [best.describe(), tried + ": none matched"]
    # The first failure, cut at its step and to one element (Hypothesis' shrinking cost 30-90 s a row, most
    # of a collection's run): short, and it replays against the closest variant.
    with without_shrinking():
        fp.counterexample = check_trajectory(r, target.runner(), fp.closest, examples=examples, seed=seed,
                                             ordinary=True, hyperparameters=target.pinned, schedules=r.schedulable,
                                             steps=max(4, r.survey_steps), max_size=4, name=c.label)
    return row
