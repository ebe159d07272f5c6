"""The optverify command line: list, prove, check, bench, crosscheck, docs."""
from __future__ import annotations

import argparse
import os
import sys
import time

from verify.core.dtypes import SUPPORTED as DTYPES
from verify.core.options import DEFAULT_DEADLINE

EPILOG = """examples:
  optverify list                          rules, their convention axes, and derivations
  optverify prove                         check every derivation, step by step
  optverify prove ema adam.folded_epsilon a family, or one derivation
  optverify check                         prove everything, then check every kernel under every convention
  optverify check adam --examples 200     more Hypothesis examples per convention
  optverify check -j 1                    the checks in this process only (default: one worker per core)
  optverify check adam --backend cupy     the CuPy kernels (needs a CUDA GPU)
  optverify check hutchinson minibatch_gradient   estimators: exact over finite sample spaces, else statistical
  optverify check cosine_decay warmup_cosine      learning-rate schedules, every convention (index, form, ...)
  optverify bench                         every elementwise rule against torch.optim's (for-loop, foreach, fused)
  optverify crosscheck torch optax keras scipy   which convention each framework's optimizers follow
  optverify crosscheck mymod:my_adam --rule adam    the same for your own step function
  optverify crosscheck --package pytorch_optimizer  every optimizer a collection defines (pkg:Class: one)
  optverify docs --out site               the formulas, proofs and conventions as a static HTML site

your own rule (a derivations.Rule in your module, imported, never evaluated; see the README):
  optverify prove mymod                   the derivations mymod defines
  optverify check mymod:RULE --impl mymod:step      your step function against your rule
  optverify crosscheck mymod:step --rule mymod:RULE the conventions of your rule it follows
  optverify docs mymod --out site         pages for your rules and derivations

exit status: 0 when everything proves and passes, 1 on any failure, 2 on bad usage."""


CHECK_FOOTNOTE = """\
worst ulp = largest error seen, in ulps of the implementation's dtype at the magnitude the computation works at;
of allowed = error / a bound derived from the formula at those very inputs (roundings counted, amplified where the
formula amplifies them, e.g. dividing by a tiny sqrt(v_hat)+eps): big ulp counts can be legitimate; <= 1 passes."""



NO_AXES = "(no axes)"  # a rule with no convention axes has one variant: itself


class UsageError(Exception):
    """Bad usage found after parsing (e.g. an unknown rule): reported on stderr, exit status 2."""


def _progress(enabled: bool, i: int, n: int, label: str) -> None:
    if not enabled:
        return
    if sys.stderr.isatty():  # redraw one line in place
        print(f"\r[{i}/{n}] {label[:70]:<70}", end="" if i < n else "\n", file=sys.stderr, flush=True)
    else:  # a log file or a pipe: \r would make one endless line of it
        print(f"[{i}/{n}] {label}", file=sys.stderr, flush=True)


def cmd_list(args) -> int:
    from derivations import DERIVATIONS, ESTIMATORS, MATRIX_RULES, REDUCTION_RULES, RULES, SCHEDULES
    from derivations.registry import ORIGINS
    from verify.report import dumps, table

    rules = {**RULES, **MATRIX_RULES, **REDUCTION_RULES}
    if args.json:
        print(dumps(dict(
            rules={n: dict(title=r.title, shape=r.shape, hyperparameters={h.name: h.domain for h in r.hyperparameters},
                           conventions={a.name: list(a.values) for a in r.axes}, source=r.source)
                   for n, r in rules.items()},
            derivations={n: dict(claim=d.claim, steps=len(d.steps), scope=d.scope, source=d.source, rule=d.rule,
                                conventions={axis: list(values) for axis, values in d.conventions})
                         for n, d in DERIVATIONS.items()},
            estimators={n: dict(title=e.title, data=dict(e.data), spaces={s.name: s.description for s in e.spaces},
                                check={s.name: "exact" if s.finite else "statistical" for s in e.spaces},
                                source=e.source) for n, e in ESTIMATORS.items()},
            schedules={n: dict(title=s.title, hyperparameters={h.name: h.domain for h in s.hyperparameters},
                               conventions={a.name: list(a.values) for a in s.axes}, source=s.source)
                       for n, s in SCHEDULES.items()},
            families={n: dict(title=f.title, checks=f.source) for n, f in _families().items()},
            origins=dict(ORIGINS))))
        return 0
    print("rules")
    print(table(["name", "title", "shape", "conventions (first = default)", "variants"],
                [[r.name, r.title, r.shape, "; ".join(f"{a.name}={'|'.join(map(str, a.values))}" for a in r.axes),
                  len(list(r.variants()))] for r in rules.values()]))
    print("\nestimators")
    print(table(["name", "title", "sample spaces (check)"],
                [[e.name, e.title, "; ".join(f"{sp.name} ({'exact' if sp.finite else 'statistical'})" for sp in e.spaces)]
                 for e in ESTIMATORS.values()]))
    print("\nchecked by their own modules")
    print(table(["name", "title", "checks"], [[f.name, f.title, f.source] for f in _families().values()]))
    print("\nschedules")
    print(table(["name", "title", "conventions (first = default)", "variants"],
                [[s.name, s.title, "; ".join(f"{a.name}={'|'.join(map(str, a.values))}" for a in s.axes),
                  len(list(s.variants()))] for s in SCHEDULES.values()]))
    print("\nderivations")
    print(table(["name", "about rule", "steps", "claim"],
                [[d.name, d.rule or "", len(d.steps), d.claim[:90]] for d in DERIVATIONS.values()]))
    if ORIGINS:  # entry points of installed packages: say whose they are
        print("\nfrom installed packages")
        print(table(["name", "from"], [[name, origin] for name, origin in ORIGINS.items()]))
    return 0


def _families() -> dict:
    from verify.checks.families import FAMILIES

    return FAMILIES


def _resolve(names, argument: str, known) -> list:
    """Each name ``known`` to the registry as itself; any other imported (a module of your own, or module:ATTR:
    derivations/plugins.py) and registered for this command, as what it found.  A bare name that is no module
    stays a name, so that the command's own error lists what is known."""
    from derivations import plugins

    out = []
    for name in names:
        if ":" not in name and known(name):
            out.append(name)
            continue
        try:
            found = plugins.load(name, argument)
        except plugins.ModuleNotFound:
            if ":" in name:
                raise
            out.append(name)
            continue
        out.append(plugins.register(found, argument))
    return out


def _names(items, pick) -> list[str]:
    """Names as they are, and each Found as ``pick(found)``'s names."""
    return [n for item in items for n in ([item] if isinstance(item, str) else pick(item))]


def _is_derivation_name(name: str) -> bool:
    from derivations import DERIVATIONS
    from derivations.registry import ALIASES

    name = ALIASES.get(name, name)
    return any(key == name or key.startswith(name + ".") for key in DERIVATIONS)


def _derivations_of(found) -> list[str]:
    from derivations.plugins import SpecError

    if not found.derivations:
        raise SpecError(f"NAMES: {found.origin} defines no derivation to prove")
    return list(found.derivations)


def _prove_plan(names) -> tuple[list, list]:
    """Labels and tasks proving each derivation of ``names`` (all: empty), each built in the worker that proves it;
    a task returns a ``Proved`` (verify/core/proving.py)."""
    from derivations.registry import DERIVATIONS, derivation_names_matching
    from verify.core.proving import prove_tasks

    chosen = derivation_names_matching(names)
    return [f"prove {n}" for n in chosen], prove_tasks(chosen, DERIVATIONS.__getitem__)


def _run_labelled(labels, tasks, jobs, progress: bool) -> list:
    from verify.core.parallel import run_all

    return run_all(tasks, jobs, done=lambda i, total: _progress(progress, i, total, labels[i - 1]))


def run_prove(names, progress: bool, jobs: int | None = None):
    """A ``Proved`` for each derivation of ``names`` (all: empty), on ``jobs`` worker processes (None: one per core)."""
    return _run_labelled(*_prove_plan(names), jobs, progress)


def _prove_rows(results):
    return [[r.name, len(r.steps), "proved" if r.ok else "FAILED: " + "; ".join(r.messages), f"{r.seconds:.2f}"]
            for r in results]


def _prove_json(results):
    return [dict(name=r.name, ok=r.ok, steps=len(r.steps), seconds=round(r.seconds, 3), scope=r.scope,
                 failed=[dict(step=step, residual=str(residual)) for step, residual in r.failed])
            for r in results]


def cmd_prove(args) -> int:
    from verify.report import dumps, table

    names = _names(_resolve(args.names, "NAMES", _is_derivation_name), _derivations_of)
    results = run_prove(names, not args.json, args.jobs)
    if args.json:
        print(dumps(_prove_json(results)))
    else:
        print(table(["derivation", "steps", "status", "seconds"], _prove_rows(results)))
    return 0 if all(r.ok for r in results) else 1


def checkable() -> list[str]:
    """Every name `check` takes: elementwise, matrix and reduction rules, then estimators."""
    from verify.checks.catalogue import checkable as names

    return names()


def _not_a_rule(name: str) -> str:
    from derivations import DERIVATIONS, ESTIMATORS, SCHEDULES

    families = _families()
    known = (f"known rules: {', '.join(sorted(set(checkable()) - set(ESTIMATORS) - set(SCHEDULES) - set(families)))}; "
             f"estimators: {', '.join(sorted(ESTIMATORS))}; schedules: {', '.join(sorted(SCHEDULES))}; "
             f"checked by their own modules: {', '.join(sorted(families))}")
    if name in DERIVATIONS:
        return f"{name!r} is a derivation, not a rule: run `optverify prove {name}` ({known})"
    if any(d.startswith(name + ".") for d in DERIVATIONS):
        return f"{name!r} is a family of derivations, not a rule: run `optverify prove {name}` ({known})"
    return f"no rule named {name!r}; {known}"


def check_rule_names(names) -> None:
    """Raise UsageError for the first name that is not a rule, before anything slow runs."""
    for name in names:
        if name not in checkable():
            raise UsageError(_not_a_rule(name))


RULE_EXAMPLES = 30  # `check`'s default budget per convention variant of a rule


def _checkable_of(found) -> list[str]:
    from derivations.plugins import SpecError

    if not found.checkable():
        raise SpecError(f"NAMES: {found.origin} defines no rule, schedule or estimator to check "
                        f"(its derivations: `optverify prove {found.origin}`)")
    return found.checkable()


def _implementation(spec: str | None, names: list[str]):
    """The step function ``--impl`` names, or None for our kernels; a usage error where a rule has no kernel of
    ours (a user's or a package's rule) and no --impl says what to check."""
    from derivations.plugins import attribute
    from derivations.registry import ORIGINS
    from verify.checks.catalogue import kind_of, rule_of

    if spec is None:
        for name in names:
            if name in ORIGINS:
                raise UsageError(f"{name!r} is a rule of {ORIGINS[name]}, not one of optverify's: there is no kernel "
                                 f"of it to check, so give your implementation: --impl module:function")
        return None
    if len(names) != 1:
        raise UsageError(f"--impl checks one rule: name it (optverify check RULE --impl {spec}); "
                         f"got {len(names)}: {' '.join(names) or 'none'}")
    if kind_of(names[0]) == "estimator":
        raise UsageError("--impl: an estimator is checked from Python (verify.checks.estimators.check_estimator)")
    if kind_of(names[0]) == "family":
        raise UsageError(f"--impl: {names[0]} is checked from Python, by its own module's checks "
                         f"({rule_of(names[0]).source})")
    fn = attribute(spec, "--impl")
    if not callable(fn):
        raise UsageError(f"--impl: {spec} is a {type(fn).__name__} object, not a function")
    return fn


def _chosen_conventions(texts, name: str) -> dict:
    """``--convention AXIS=VALUE`` texts → {axis: value}, matched against the rule's own axes as text (never
    evaluated); a usage error naming the choices otherwise."""
    from verify.checks.catalogue import rule_of

    axes = {a.name: a for a in rule_of(name).axes}
    chosen = {}
    for text in texts or ():
        axis, _, value = text.partition("=")
        if axis not in axes:
            raise UsageError(f"--convention {text}: {name!r} has no axis {axis!r}; axes: {', '.join(axes) or 'none'}")
        values = {str(v): v for v in axes[axis].values}
        if value not in values:
            raise UsageError(f"--convention {text}: {axis} is one of {', '.join(values)}")
        chosen[axis] = values[value]
    return chosen


def run_checks(names, backend, examples, seed, progress, *, jobs=1, **options):
    """Every check of ``names`` (all: None), in order; ``jobs`` worker processes (None: one per core) give the
    same reports as one: each check is seeded on its own.  CuPy runs here (a forked CUDA context is unusable)."""
    labels, calls, workers = _check_plan(names, backend, examples, seed, jobs=jobs, **options)
    return _run_labelled(labels, calls, workers, progress)


def _check_plan(names, backend, examples, seed, *, dtypes=("float32", "float64"), deadline=DEFAULT_DEADLINE,
                implementation=None, label=None, conventions=None, jobs=1):
    """(labels, tasks, workers) of run_checks: a task returns its check's report."""
    workers_asked = jobs
    from verify.adapters.ours import array_module
    from verify.checks.catalogue import check_implementation, kind_of, rule_of

    check_rule_names(names)
    xp = array_module(backend)
    chosen = names or checkable()
    # matrix and reduction rules run in what numpy.linalg computes in; elementwise rules in every dtype asked
    linalg_dtypes = tuple(d for d in dtypes if d in ("float32", "float64"))
    estimator_examples, examples = examples, examples or RULE_EXAMPLES
    def variants(n):  # ours: every convention; an implementation: the one it implements (defaults unless chosen)
        return rule_of(n).variants() if implementation is None else [rule_of(n).conventions(**(conventions or {}))]

    tasks = [(n, conv) for n in chosen if kind_of(n) == "elementwise" for conv in variants(n)]
    tasks += [(n, conv) for n in chosen if kind_of(n) in ("matrix", "reduction") and linalg_dtypes
             for conv in variants(n)]
    # schedules: every convention variant; the rates come back in the dtype the implementation chooses
    tasks += [(n, conv) for n in chosen if kind_of(n) == "schedule" for conv in variants(n)]
    def task(n, conv):
        options = dict(examples=examples, seed=seed, xp=xp, name=label or f"kernels.{n} ({backend})")
        if kind_of(n) == "elementwise":
            options.update(dtypes=tuple(dtypes), deadline=deadline)
        elif kind_of(n) != "schedule":
            options.update(dtypes=linalg_dtypes)
        return lambda: check_implementation(n, implementation, conv, **options)

    from verify.checks.estimators import check_tasks

    labels = ["check {} {}".format(*t) for t in tasks]
    calls = [task(n, conv) for n, conv in tasks]
    estimators = [n for n in chosen if kind_of(n) == "estimator"]
    if estimators:  # exact over finite sample spaces, statistical over continuous ones (verify/checks/estimators.py)
        from derivations import ESTIMATORS

        labels += [f"check {n} {s.name}" for n in estimators for s in ESTIMATORS[n].spaces]
        calls += check_tasks(estimators, examples=estimator_examples, seed=seed, xp=xp, backend=backend)
    for n in chosen:  # families (verify/checks/families.py): normalisation layers, mixup, initialisers, ...
        if kind_of(n) == "family":
            family_tasks = rule_of(n).tasks(estimator_examples, seed)
            labels += [f"check {n}"] * len(family_tasks)
            calls += family_tasks
    workers = 1 if backend == "cupy" else workers_asked
    return labels, calls, workers


def cmd_check(args) -> int:
    from derivations.registry import ORIGINS
    from verify.report import dumps, table

    start = time.perf_counter()
    items = _resolve(args.names, "NAMES", lambda n: n in checkable())
    names = _names(items, _checkable_of)
    check_rule_names(names)  # a typo should not cost the proofs first
    implementation = _implementation(args.impl, names)
    if args.convention and implementation is None:
        raise UsageError("--convention: the one variant an --impl implements (our kernels are checked under all)")
    conventions = _chosen_conventions(args.convention, names[0]) if implementation else None
    # derivations: a registry name's family (a package's rule may have none), a module's own; with no names, ours
    # and the packages' (their rules have no kernels of ours, so only ours are checked)
    proving = [n for n in _names(items, lambda found: list(found.derivations)) if _is_derivation_name(n)]
    names = names or [n for n in checkable() if n not in ORIGINS]
    progress = not args.json
    prove_labels, prove_calls = ([], []) if args.no_prove or (args.names and not proving) else _prove_plan(proving)
    labels, calls, workers = _check_plan(names, args.backend, args.examples, args.seed, dtypes=args.dtypes,
                                         deadline=args.deadline, implementation=implementation, label=args.impl,
                                         conventions=conventions, jobs=args.jobs)
    if workers == 1 and args.jobs != 1:  # the checks must run here (CuPy); the proofs still on every core
        proofs = _run_labelled(prove_labels, prove_calls, args.jobs, progress)
        reports = _run_labelled(labels, calls, 1, progress)
    else:  # one pool: no worker waits at a barrier between the proofs and the checks
        results = _run_labelled(prove_labels + labels, prove_calls + calls, workers, progress)
        proofs, reports = results[:len(prove_calls)], results[len(prove_calls):]
    ok = all(r.ok for r in proofs) and all(r.passed for r in reports)
    if args.json:
        print(dumps(dict(ok=ok, seconds=round(time.perf_counter() - start, 2), proofs=_prove_json(proofs),
                         checks=[r.as_dict() for r in reports])))
        return 0 if ok else 1
    if proofs:
        print(table(["derivation", "steps", "status", "seconds"], _prove_rows(proofs)))
        print()
    rows = [[r.rule, ",".join(f"{k}={v}" for k, v in r.conventions.items()) or NO_AXES,
             "passed" if r.passed else "FAILED",
             f"{r.worst_ulps:.3g}" if hasattr(r, "worst_ulps") else "-", f"{r.worst_ratio:.2f}", r.examples,
             f"{r.seconds:.2f}"] for r in reports]
    print(table(["rule", "conventions", "status", "worst ulp", "of allowed", "examples", "seconds"], rows))
    print(CHECK_FOOTNOTE)
    for r in reports:
        if not r.passed:
            print("\n" + r.message())
    failed = sum(not r.ok for r in proofs) + sum(not r.passed for r in reports)
    print(f"\n{len(proofs)} derivations, {len(reports)} kernel checks, {failed} failed, "
          f"{time.perf_counter() - start:.1f} s")
    if reports:
        print(budget_line(reports, args.examples))
    return 0 if ok else 1


def budget_line(reports, examples) -> str:
    """The budget beside the time: the examples run, how many were asked for, and the rate per worker-second
    (the checks' own seconds summed, so that it does not depend on how many workers ran them)."""
    ran = sum(r.examples for r in reports)
    seconds = sum(r.seconds for r in reports)
    asked = (f"{examples} a convention variant or sample space" if examples else
             f"the default budget: {RULE_EXAMPLES} a convention variant of a rule, each family's own elsewhere")
    rate = f", {ran / seconds:.0f} examples a second per worker" if seconds > 0 else ""
    return f"{ran:,} examples ({asked}; each run at scale adds a tenth of that) in {seconds:.1f} worker-seconds{rate}"


def cmd_bench(args) -> int:
    from verify.bench import RULES
    from verify.bench import main as bench_main

    for name in args.rules:  # checked before anything is timed
        if name not in RULES:
            raise UsageError(f"no rule named {name!r} to bench; bench takes {', '.join(RULES)}")
    return bench_main(args)


def _crosscheck_rule(spec: str, sources) -> str:
    """``--rule``: a registry rule's name, or module:RULE (imported and registered); the elementwise rule's name."""
    from derivations import RULES
    from derivations.core.rule import Rule

    if not any(":" in s for s in sources):
        raise UsageError("--rule says which rule a module:function source implements, and no source is one "
                         "(a framework's optimizers name their own rules; --only keeps some of them)")
    item, = _resolve([spec], "--rule", lambda n: n in RULES)
    if isinstance(item, str):
        if item not in RULES:  # a module:function is fingerprinted as an elementwise rule
            raise UsageError(f"no elementwise rule named {spec!r}; --rule takes {', '.join(RULES)}, or module:RULE")
        return item
    elementwise = [n for n, r in item.rules.items() if isinstance(r, Rule)]
    if len(elementwise) != 1:
        raise UsageError(f"--rule: {spec} gives {len(elementwise)} elementwise rules ({', '.join(elementwise)}); "
                         "name one as module:RULE")
    return elementwise[0]


def cmd_crosscheck(args) -> int:
    from verify.adapters import crosscheck, ecosystem
    from verify.checks.catalogue import kind_of
    from verify.report import dumps

    rule = _crosscheck_rule(args.rule, args.sources) if args.rule else None
    rules = [n for n in checkable() if kind_of(n) != "estimator"]
    from verify.adapters.peers import PEERS  # layers surveyed by their own checks (batch_norm, dropout, ...)

    rules += [n for n in dict.fromkeys(p.rule for p in PEERS if p.surveyor) if n not in rules]
    for name in args.only or ():  # checked here: the registry names them
        if name not in rules:
            raise UsageError(f"no rule named {name!r}; crosscheck takes {', '.join(rules)}")

    progress = None if args.json or args.markdown else (lambda i, n, label: _progress(True, i, n, label))
    rules = set(args.only) if args.only else None
    packages = list(args.package or ()) + (list(ecosystem.COLLECTIONS) if args.installed else [])
    sources = args.sources or ([] if args.package and not args.installed else crosscheck.DEFAULT_SOURCES)
    rows, seconds = crosscheck.run(sources, packages=packages, rule=rule, rules=rules,
                                   examples=args.examples, seed=args.seed, progress=progress)
    if args.json:
        print(dumps(crosscheck.json_payload(rows, seconds)))
    elif args.markdown:
        print(crosscheck.markdown(rows, seconds))
    else:
        print(crosscheck.text(rows, seconds))
    return 0 if all(r.status in ("matched", "not installed", "no rule yet") for r in rows) else 1


def cmd_docs(args) -> int:
    from verify.docs.catalogue import in_registry, registry
    from verify.docs.site import build

    if args.crosscheck_json and not os.path.isfile(args.crosscheck_json):
        raise UsageError(f"--crosscheck-json: no such file {args.crosscheck_json!r}")
    everything = registry()
    # a module's entries by name: its rules (with their derivations), schedules, estimators and derivations
    names = _names(_resolve(args.names, "NAMES", lambda n: in_registry(everything, n)),
                   lambda found: found.checkable() + list(found.derivations))
    summary = build(args.out, args.format, names, args.crosscheck_json, jobs=args.jobs)
    print(f"{summary.pages} pages, {len(summary.files)} files, {summary.total_bytes / 1e6:.1f} MB in {summary.out} "
          f"({summary.format}); proofs {summary.prove_seconds:.1f} s, total {summary.seconds:.1f} s")
    if summary.failed:
        print(f"FAILED to prove: {', '.join(summary.failed)} (their pages show the residuals)")
    return 1 if summary.failed else 0


def _positive(kind):
    """An argparse type: ``kind`` (int or float) and greater than 0, else a usage error (exit 2)."""
    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {'an integer' if kind is int else 'a number'}: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
        return value

    convert.__name__ = kind.__name__  # argparse names the type in its messages
    return convert


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="optverify",
        description="Prove optimizer derivations exactly, and check implementations against them.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="{list,prove,check,bench,crosscheck,docs}")
    s = sub.add_parser("list", help="rules, convention axes and derivations")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_list)
    s = sub.add_parser("prove", help="check derivations step by step (exact, symbolic)")
    s.add_argument("names", nargs="*", help="derivations or families (default: all), or a module of your own "
                                            "(mymod, mymod:RULE): the derivations it defines")
    s.add_argument("-j", "--jobs", type=_positive(int), default=None, metavar="N",
                   help="worker processes (default: one per core); the results are the same for any N")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_prove)
    s = sub.add_parser("check", help="prove the derivations, then check the kernels against the references")
    s.add_argument("names", nargs="*", help="rules to check (default: all); their derivations are proved too; "
                                            "or a rule of your own, mymod:RULE, with --impl")
    s.add_argument("--impl", metavar="MODULE:FUNCTION",
                   help="check this step function (imported) instead of our kernels, under one convention variant "
                        "(the rule's defaults, or --convention): needed for a rule of your own")
    s.add_argument("--convention", action="append", metavar="AXIS=VALUE",
                   help="with --impl: the convention it implements, one axis at a time (default: the rule's defaults)")
    s.add_argument("--backend", choices=("numpy", "cupy"), default="numpy", help="array library (default numpy)")
    s.add_argument("--examples", type=_positive(int), default=None,
                   help=f"Hypothesis examples per convention variant or sample space (default {RULE_EXAMPLES} for "
                        "rules; for estimators each check's own: 40 exact, 8 statistical of 4000 estimates each)")
    s.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0): runs are reproducible")
    s.add_argument("--dtypes", nargs="+", choices=DTYPES, default=["float32", "float64"], metavar="DTYPE",
                   help=f"array dtypes to check, of {', '.join(DTYPES)} (default float32 float64)")
    s.add_argument("--deadline", type=_positive(float), default=DEFAULT_DEADLINE, metavar="SECONDS",
                   help=f"time limit for one call of the implementation (default {DEFAULT_DEADLINE:g})")
    s.add_argument("--no-prove", action="store_true", help="skip the derivations")
    s.add_argument("-j", "--jobs", type=_positive(int), default=None, metavar="N",
                   help="worker processes for the proofs and checks (default: one per core); the reports are the same for any N")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_check)
    s = sub.add_parser("bench", help="step throughput: our kernels against torch.optim's, as ratios")
    s.add_argument("rules", nargs="*", metavar="RULE",
                   help="rules to time (default: every elementwise rule, and adamw); the cupy backend times adam")
    s.add_argument("--sizes", type=float, nargs="+", default=[1e6, 1e7], help="parameter counts (default 1e6 1e7)")
    s.add_argument("--repeats", type=int, default=15,
                   help="timed rounds, one step of each implementation a round; the median is reported")
    s.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    s.add_argument("--threads", type=_positive(int), default=1, metavar="N",
                   help="threads our kernels share each step's tiles among (default 1; the bits do not change)")
    s.add_argument("--torch-threads", type=_positive(int), default=None, metavar="N",
                   help="torch's intra-op threads (default: torch's own, one a core); ours run on one thread")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_bench)
    s = sub.add_parser("crosscheck", help="which convention does each framework's optimizer follow?")
    s.add_argument("sources", nargs="*", help="torch, optax, keras, scipy (default: all four), module:function, "
                                              "or module:Optimizer (a torch or Keras optimizer class, an optax-style "
                                              "factory)")
    s.add_argument("--package", action="append", metavar="MODULE",
                   help="every torch or Keras optimizer class and optax-style factory this package defines (e.g. "
                        "pytorch_optimizer, optax.contrib); repeat for more")
    s.add_argument("--installed", action="store_true",
                   help="every framework and optimizer collection importable here (pytorch_optimizer, optimi, "
                        "optax.contrib, ...)")
    s.add_argument("--rule", help="the rule a module:function implements: an elementwise rule (`optverify list`), "
                                  "or one of your own, module:RULE")
    s.add_argument("--only", nargs="+", metavar="RULE", help="only these rules' optimizers")
    s.add_argument("--examples", type=_positive(int), default=30,
                   help="surveyed trajectories per optimizer (default 30)")
    s.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0): runs are reproducible")
    out = s.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable output")
    out.add_argument("--markdown", action="store_true", help="the matrix as a Markdown table")
    s.set_defaults(func=cmd_crosscheck)
    s = sub.add_parser("docs", help="documentation generated from the rules and proofs (HTML, Markdown, LaTeX)")
    s.add_argument("names", nargs="*", help="rules, schedules, estimators, derivations or families (default: all), "
                                            "or an importable module of your own rules (mymod, mymod:RULE)")
    s.add_argument("--out", default="site", help="output directory (default: site)")
    s.add_argument("--format", choices=("html", "markdown", "latex"), default="html", help="default html")
    s.add_argument("--crosscheck-json", metavar="FILE",
                   help="an `optverify crosscheck --json` report: the framework rows of each page")
    s.add_argument("--jobs", type=_positive(int), default=None, help="processes proving (default: one per core)")
    s.set_defaults(func=cmd_docs)
    return p


def _run(args) -> int:
    try:
        return args.func(args)
    except (UsageError, KeyError, RuntimeError, ValueError, ImportError) as exc:
        print(f"optverify: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2


def _entry_points() -> None:
    """Register the rules installed packages declare (group optverify.rules); a broken one is named, not fatal."""
    from derivations.plugins import register_entry_points

    for problem in register_entry_points():
        print(f"optverify: warning: skipped {problem}", file=sys.stderr)


def main(argv=None) -> int:
    from derivations.registry import scoped

    args = parser().parse_args(argv)
    try:
        with scoped():  # rules registered from modules and entry points last as long as the command
            _entry_points()
            status = _run(args)
        sys.stdout.flush()  # inside the try: a closed pipe shows up here, not at interpreter exit
        return status
    except BrokenPipeError:
        # The reader left (`optverify list | head -1`). As the Python docs advise, point stdout at
        # devnull so that the interpreter's final flush does not raise again; 141 = 128 + SIGPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
