"""Third-party optimizers — torch.optim.Optimizer subclasses, optax-style factories and Keras optimizer classes —
found by import path or by scanning a package, cross-checked against every elementwise rule they could be an
instance of.

``optverify crosscheck pytorch_optimizer:QHAdam``, ``optverify crosscheck optax.contrib:ademamix`` or
``--package pytorch_optimizer``: every ``torch.optim.Optimizer`` subclass the package defines, and every function
whose first argument is ``learning_rate`` (an optax ``GradientTransformation`` factory, ``scale_by_*`` building
blocks excepted), and every ``keras.optimizers.Optimizer`` subclass becomes a ``Candidate``:

* its constructor's signature is read: arguments named as torch names them (lr, betas, eps, weight_decay,
  momentum, dampening, alpha, rho, …; ``GENERIC``) map onto our hyperparameters, numbers only (optimi's
  ``dampening=False`` is a switch, not a coefficient); a package that renames one says so in ``OVERRIDES``;
* the rules tried are those whose essential hyperparameters (a non-zero default: lr, β's, ε, …) it maps, a
  rule its class name contains first (RAdam before Adam), the most specific next;  hyperparameters of a rule
  it has no argument for are pinned — at 0 for a feature switched off (decay, dampening), at the rule's
  default where the class name chose the rule — and reported;
* arguments that make it reduce to a rule where the paper says so are pinned by ``OVERRIDES`` (QHAdam with
  ν = (1, 1) is Adam), each pin reported in the row; every other argument keeps the package's default;
* it runs through its framework's runner (frameworks/torch_adapter.py, optax_adapter.py, keras_adapter.py), so
  torch.optim and a collection, optax and optax.contrib, Keras and a Keras package, are driven the same way.

First it is probed (coupling.py): if changing one element's gradient changes another element's step, it is no
elementwise rule's instance and is listed as "no rule yet" with the element that moved; so is one that does not
run on a plain list of tensors at all (with its error).  Rules are tried in turn until one matches; when none does, the row is the closest rule's diagnosis
(diagnosis.py) with a counterexample against its closest variant.  A class with no rule to try is listed as
"no rule yet", with what it takes: the list says what the catalogue lacks.
"""
from __future__ import annotations

import importlib
import inspect
import numbers
import os
import sys
from dataclasses import dataclass, field, replace

from derivations import RULES
from derivations import rule as find_rule
from derivations.core.rule import Rule
from verify.adapters.frameworks import Target, call_label

# Constructor argument -> our hyperparameter, as torch.optim names them (and Keras' long names).
GENERIC = {"lr": "lr", "learning_rate": "lr", "eps": "eps", "epsilon": "eps", "weight_decay": "weight_decay",
           "momentum": "momentum", "dampening": "dampening", "alpha": "alpha", "rho": "rho", "lr_decay": "lr_decay",
           "initial_accumulator_value": "initial_accumulator", "momentum_decay": "momentum_decay",
           "beta1": "beta1", "beta2": "beta2", "b1": "beta1", "b2": "beta2",  # optax's names
           "beta_1": "beta1", "beta_2": "beta2"}  # Keras' names
TUPLES = {"betas": ("beta1", "beta2")}  # a tuple argument: its leading elements
# Collections scanned by --installed: import name -> distribution name (for the version in the report).
COLLECTIONS = {"pytorch_optimizer": "pytorch-optimizer", "optimi": "torch-optimi", "lion_pytorch": "lion-pytorch",
               "heavyball": "heavyball", "timm.optim": "timm", "optax.contrib": "optax"}
# The first argument of a per-parameter optimizer, by driver: torch's classes take the parameters, optax's
# factories the learning rate (the parameters come later, to init and update).
FIRST = {"torch": "params", "optax": "learning_rate", "keras": "learning_rate"}
ARRAYS = {"torch": "torch", "optax": "jax", "keras": "keras"}  # the framework whose version a driver's rows report


@dataclass(frozen=True)
class Override:
    """What a package's signature does not say: renamed hyperparameters, the rules to try, the pins that make
    it reduce to a rule (and why), or why it is no elementwise rule's instance."""

    rules: tuple = ()  # the rules to try (default: chosen from the hyperparameters it maps)
    names: dict = field(default_factory=dict)  # our hyperparameter -> its argument ("beta1": "beta_1")
    pins: dict = field(default_factory=dict)  # its argument ("nus", "betas[2]") -> the value it is run with
    why: str = ""  # the reduction the pins make, e.g. "QHAdam with ν = (1, 1) is Adam (Ma & Yarats 2019, §3)"
    outside: str = ""  # set: listed as "no rule yet", with this reason
    behaves: dict = field(default_factory=dict)  # our hyperparameter it has no argument for -> the value it acts as
    positive: tuple = ()  # our hyperparameters it rejects at 0 (not drawn there)


ADEMAMIX = "AdEMAMix with α = 0 drops the slow average: Adam (Pagliardini et al. 2024, Alg. 1)"
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
        "AdEMAMix": Override(pins={"alpha": 0.0}, why=ADEMAMIX),
        # Tiger is Lion with β1 = β2, but one argument for two hyperparameters cannot be driven independently:
        # it stays "no rule yet" until a rule ties them.
    },
    "heavyball": {
        "SGD": Override(names={"momentum": "beta"}),  # heavyball names the momentum coefficient beta
        "AdEMAMix": Override(pins={"alpha": 0.0}, why=ADEMAMIX),
    },
    "optax": {  # optax.contrib's factories
        "ademamix": Override(pins={"alpha": 0.0}, why=ADEMAMIX),
    },
    "keras": {  # --package keras.optimizers: what verify/adapters/frameworks/keras_adapter.py says by hand
        "Nadam": Override(behaves={"momentum_decay": 1.0}),  # μ_t = β1(1 − ½·0.96^t): torch's schedule, ψ = 1
        "Lion": Override(positive=("beta1",)),  # rejects beta_1 = 0 ("degenerates to SignSGD")
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
    optimizer: object  # the class (torch, Keras) or factory (optax)
    label: str  # e.g. "pytorch_optimizer.QHAdam(nus=(1.0, 1.0))"
    rules: tuple = ()  # in the order tried
    arguments: dict = field(default_factory=dict)  # our hyperparameter -> its argument, every one it maps
    pins: dict = field(default_factory=dict)  # its argument -> value it is run with (reported)
    why: str = ""
    outside: str = ""  # "no rule yet": why
    notes: tuple = ()  # how the collection was run (SETTINGS)
    driver: str = "torch"  # "torch": a torch.optim.Optimizer subclass; "optax": a GradientTransformation factory;
    #                        "keras": a keras.optimizers.Optimizer subclass
    variant_of: str = ""  # a switch flipped (SWITCHES): the label of the row at the defaults
    override: Override | None = None  # what OVERRIDES says about it

    @property
    def rule(self) -> str:
        return self.rules[0] if self.rules else ""

    @property
    def framework(self) -> str:
        return self.package

    def target(self, rule: str) -> Target:
        """The Target that runs this class as an instance of ``rule``: its arguments for the rule's
        hyperparameters; those it has none for pinned at the rule's default (0 for a feature: decay, dampening)."""
        r = find_rule(rule)
        ours = [h.name for h in r.hyperparameters]
        arguments = {k: v for k, v in self.arguments.items() if k in ours}
        behaves = self.override.behaves if self.override else {}
        pinned = {h: behaves.get(h, r.hyperparameter(h).default) for h in ours if h not in arguments}
        build = _factory(self.optimizer, self.pins)
        adapter = importlib.import_module(f"verify.adapters.frameworks.{self.driver}_adapter")
        factory = {"factory" if self.driver == "optax" else "optimizer": lambda: build}
        runner = adapter._runner(self.optimizer.__name__, arguments, {}, label=self.label, **factory)
        pins = ", ".join(f"{k}={v!r}" for k, v in self.pins.items())
        notes = ([f"pinned {pins}" + (f": {self.why}" if self.why else "")] if pins else []) + list(self.notes)
        signature = self.optimizer.__init__ if inspect.isclass(self.optimizer) else self.optimizer
        positive = self.override.positive if self.override else ()
        return Target(self.package, self.label, rule, arguments, pinned, runner, signature, positive, tuple(notes))


def narrowed(c: Candidate, rules) -> Candidate:
    """``c`` tried only as those of its rules in ``rules`` (crosscheck --only)."""
    return replace(c, rules=tuple(r for r in c.rules if r in rules))


def _split(argument: str):
    if argument.endswith("]"):
        name, index = argument[:-1].split("[")
        return name, int(index)
    return argument, None


def _defaults(optimizer) -> dict:
    return {n: p.default for n, p in _parameters(optimizer).items() if p.default is not inspect.Parameter.empty}


def _factory(optimizer, pins: dict):
    """``optimizer(*args, **kwargs)`` (a class: args = (params,); a factory: none) with the pins applied, and a
    tuple the survey gave only some elements of (β1, β2 of a three-β optimizer) completed from the pins and the
    defaults."""
    defaults = _defaults(optimizer)

    def build(*args, **kwargs):
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
        return optimizer(*args, **kwargs)

    return build


def _with_element(value, index: int, element):
    parts = list(value or ())
    parts += [None] * (index + 1 - len(parts))
    parts[index] = element
    return tuple(parts)


def _parameters(optimizer) -> dict:
    """A class's constructor arguments (without self), a factory's arguments."""
    try:
        params = dict(inspect.signature(optimizer.__init__ if inspect.isclass(optimizer) else optimizer).parameters)
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


def why_outside(optimizer, arguments: dict, driver: str = "torch") -> str:
    """Why a class or factory cannot be run as an elementwise rule ("" when it can)."""
    params = list(_parameters(optimizer).items())
    first = FIRST[driver]
    if not params or params[0][0] != first:
        return f"it takes {params[0][0] if params else 'nothing'} first, not {first}: it wraps or is not a " \
               "per-parameter optimizer"
    required = [n for n, p in params[1:] if p.default is inspect.Parameter.empty
                and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and n not in arguments.values()]
    if required:
        return f"its constructor needs {', '.join(required)}"
    return ""


def driver_of(optimizer) -> str:
    if _is_keras_optimizer(optimizer):
        return "keras"
    return "torch" if inspect.isclass(optimizer) else "optax"


def candidate(package: str, optimizer, switched: dict | None = None) -> Candidate:
    """``switched``: boolean switches set against their default (see SWITCHES), pinned like the override's."""
    setting = prepare(package)
    name, driver = optimizer.__name__, driver_of(optimizer)
    override = OVERRIDES.get(package.split(".")[0], {}).get(name)
    arguments = map_signature(optimizer, override)
    pins = {**(override.pins if override else {}), **(switched or {})}
    label = call_label(f"{package}.{name}", pins)
    outside = (override.outside if override else "") or why_outside(optimizer, arguments, driver)
    rules = () if outside else rules_to_try(name, arguments, override)
    if not rules and not outside:
        taken = [n for n in _parameters(optimizer) if n != FIRST[driver]]
        outside = f"no elementwise rule of the catalogue has its hyperparameters ({', '.join(taken)})"
    return Candidate(package, optimizer, label, rules, arguments, pins, override.why if override else "", outside,
                     (setting,) if setting else (), driver, override=override)


def _is_torch_optimizer(obj) -> bool:
    torch = sys.modules.get("torch")  # a package of torch optimizers has imported torch already
    return torch is not None and inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer) \
        and obj is not torch.optim.Optimizer and not inspect.isabstract(obj)


def _is_keras_optimizer(obj) -> bool:
    keras = sys.modules.get("keras")  # a package of Keras optimizers has imported keras already
    return keras is not None and inspect.isclass(obj) and issubclass(obj, keras.optimizers.Optimizer) \
        and obj is not keras.optimizers.Optimizer


def _is_optax_factory(name: str, obj) -> bool:
    """A function whose first argument is learning_rate: an optimizer's GradientTransformation factory.  The
    ``scale_by_*`` building blocks are not optimizers (no learning rate, or a step without its sign)."""
    if not inspect.isfunction(obj) or name.startswith("scale_by_"):
        return False
    try:
        first = next(iter(inspect.signature(obj).parameters), None)
    except (TypeError, ValueError):
        return False
    return first == FIRST["optax"]


def optimizers(module) -> list:
    """The public torch and Keras optimizer classes and optax-style factories ``module`` defines (not those it
    re-exports from another distribution, e.g. torch's own), each once, in name order."""
    root = module.__name__.split(".")[0]
    seen, out = set(), []
    for name in sorted(dir(module)):
        obj = getattr(module, name, None)
        if name.startswith("_") or id(obj) in seen or getattr(obj, "__module__", None) is None \
                or obj.__module__.split(".")[0] != root:
            continue
        if _is_torch_optimizer(obj) or _is_keras_optimizer(obj) or _is_optax_factory(name, obj):
            seen.add(id(obj))  # an alias (AdamW = Adam) once
            out.append(obj)
    return out


# Boolean arguments that name one of the catalogue's convention axes (decay l2 | decoupled, Nesterov, AMSGrad,
# centred RMSProp, bias correction): an optimizer that has one is also run with it flipped, as torch.optim.Adam
# has a row with amsgrad=True, so that the report says what each setting follows — not only the default.
SWITCHES = ("weight_decouple", "decoupled_weight_decay", "decouple_wd", "nesterov", "amsgrad", "ams_bound",
            "centered", "bias_correction", "correct_bias")


def flipped_switches(optimizer) -> list[dict]:
    """One {switch: not its default} per SWITCHES argument ``optimizer`` has with a boolean default."""
    params = _parameters(optimizer)
    return [{n: not params[n].default} for n in SWITCHES if n in params and isinstance(params[n].default, bool)]


def scan(package: str) -> list[Candidate]:
    """Every optimizer of ``package`` (an importable module) as a Candidate, and again with each of its switches
    flipped (SWITCHES) where it fits a rule at its defaults."""
    module = _import(package)
    out = []
    for obj in optimizers(module):
        out.append(candidate(package, obj))
        if not out[-1].outside:
            base = out[-1].label
            out += [replace(candidate(package, obj, switched), variant_of=base) for switched in flipped_switches(obj)]
    return out


def is_optimizer_spec(spec: str) -> bool:
    """``module:Name`` naming a torch or Keras optimizer class or an optax-style factory (imported to answer)."""
    module, _, attr = spec.partition(":")
    if not module or not attr:
        return False
    try:
        obj = getattr(_import(module), attr)
    except (ImportError, AttributeError):
        return False
    return _is_torch_optimizer(obj) or _is_keras_optimizer(obj) or _is_optax_factory(attr, obj)


def from_spec(spec: str) -> Candidate:
    module, _, attr = spec.partition(":")
    return candidate(module, getattr(_import(module), attr))


def _import(package: str):
    """Import a collection; a Keras one on the backend the Keras adapters run on (JAX unless KERAS_BACKEND is set:
    Keras reads it once, when first imported)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return importlib.import_module(package)


def distribution(package: str) -> str:
    """The distribution a collection is installed as, for its version."""
    import importlib.metadata

    root = package.split(".")[0]
    if root in COLLECTIONS:
        return COLLECTIONS[root]
    names = importlib.metadata.packages_distributions().get(root, [])
    return names[0] if names else root


def register_versions(package: str, candidates) -> None:
    """Tell the report which distribution (and torch or jax) a collection's rows ran on."""
    from verify.adapters import crosscheck

    arrays = sorted({ARRAYS[c.driver] for c in candidates})
    crosscheck.PACKAGES.setdefault(package, (distribution(package), *arrays))


def probe_candidate(c: Candidate):
    """Whether ``c`` is elementwise (coupling.py), run at its defaults with its own default learning rate."""
    from verify.adapters.coupling import probe

    target = c.target(c.rule)
    lr = target.framework_defaults().get("lr")
    if not _is_number(lr) or not lr > 0:  # a factory without a default learning rate: the rule's
        lr = find_rule(c.rule).hyperparameter("lr").default
    return probe(target.runner(), float(lr))


def crosscheck_candidate(c: Candidate, *, examples=30, seed=0):
    """Probe ``c`` (coupling.py), then try it as each of its rules until one matches.  None matching: the row of
    the rule whose closest variant comes closest (diagnosis.py), with a minimal counterexample against it."""
    from verify.adapters.crosscheck import Row

    if c.outside:
        return Row(c.package, c.label, "", "no rule yet", notes=[c.outside])
    coupling = probe_candidate(c)
    if not coupling.surveyable:
        return Row(c.package, c.label, "", "no rule yet", notes=[coupling.describe(), *c.target(c.rule).notes])
    row = _first_match_or_closest(c, examples, seed)
    if not coupling.elementwise:
        row.notes.append(coupling.describe())
    return row


def _first_match_or_closest(c: Candidate, examples: int, seed: int):
    """Try ``c`` as each of its rules until one matches; else the closest rule's row, diagnosed."""
    from verify.adapters.crosscheck import crosscheck_target
    from verify.adapters.diagnosis import add_hint, closest_of
    from verify.checks.elementwise import check_trajectory, without_shrinking

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
