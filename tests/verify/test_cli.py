"""The optverify command line, run in-process."""
import dataclasses
import json

import pytest

from derivations import MATRIX_RULES, REDUCTION_RULES, RULES
from verify.cli import main

# every rule of every kind, as the CLI lists them (sorted): a rule added to the registry is listed too
RULE_LIST = ", ".join(sorted({*RULES, *MATRIX_RULES, *REDUCTION_RULES}))


def test_list_shows_rules_and_derivations(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "adam" in out and "ema.closed_form" in out and "bias_variance.decomposition" in out


def test_families_with_checks_of_their_own_are_listed_and_checked(monkeypatch, capsys):
    from verify.checks import families

    assert main(["list"]) == 0
    assert "checked by their own modules" in capsys.readouterr().out
    assert main(["check", "mixup", "label_smoothing", "--no-prove", "--json", "-j", "1"]) == 0
    checks = json.loads(capsys.readouterr().out)["checks"]
    assert [c["rule"] for c in checks] == ["mixup"] * 3 + ["label_smoothing"] * 2 and all(c["passed"] for c in checks)
    # a broken kernel of a family fails `check` (its checks' own mutants are in tests/verify/test_initmix.py)
    from verify.checks import label_smoothing

    def broken(onehot, eps):  # ε/(K−1) on the other classes where ε/K on every class is claimed
        return onehot * (1 - eps) + eps / (onehot.shape[1] - 1) * (1 - onehot)

    def checks(examples, seed):
        return [lambda: label_smoothing.check_targets(broken, smoothing="all", seed=seed)]

    monkeypatch.setitem(families.FAMILIES, "label_smoothing",
                        families.Family("label_smoothing", "broken", "here", checks))
    assert main(["check", "label_smoothing", "--no-prove", "-j", "1"]) == 1
    capsys.readouterr()
    assert main(["check", "mixup", "--impl", "numpy:zeros"]) == 2
    assert "checked from Python" in capsys.readouterr().err


def test_prove_one_family_as_json(capsys):
    assert main(["prove", "adam", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} >= {"adam.folded_epsilon"} and all(r["ok"] for r in rows)


def test_check_ema_json(capsys):
    assert main(["check", "ema", "--examples", "5", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] and len(payload["checks"]) == 4 and payload["proofs"]


def test_check_exits_nonzero_on_a_failure(monkeypatch, capsys):
    from verify.adapters import ours as adapters

    def broken(conventions):
        def step(g, v, t, alpha):
            return {"v": v + g, "average": v + g}

        return step

    monkeypatch.setitem(adapters.KERNELS, "ema", broken)
    assert main(["check", "ema", "--no-prove", "--examples", "5"]) == 1
    assert "minimal counterexample" in capsys.readouterr().out


def _reports_without_times(capsys) -> list:
    checks = json.loads(capsys.readouterr().out)["checks"]
    for c in checks:
        c.pop("seconds")
    return checks


def test_check_in_worker_processes_gives_the_same_reports(monkeypatch, capsys):
    # each check is seeded on its own, so -j 2 must match -j 1 to the last counterexample; the broken kernel
    # (monkeypatched here) reaches the forked workers too
    from verify.adapters import ours as adapters

    def broken(conventions):
        return lambda g, v, t, alpha: {"v": v + g, "average": v + g}

    monkeypatch.setitem(adapters.KERNELS, "ema", broken)
    runs = []
    for jobs in ("1", "2"):
        assert main(["check", "ema", "sgd", "--no-prove", "--examples", "5", "--json", "-j", jobs]) == 1
        runs.append(_reports_without_times(capsys))
    assert runs[0] == runs[1] and len(runs[0]) == 4 + 24
    assert all(not c["passed"] for c in runs[0][:4]) and all(c["passed"] for c in runs[0][4:])


def test_check_in_worker_processes_from_a_fresh_interpreter_gives_the_same_reports(tmp_path):
    # in a test process JAX or torch may be imported, and then run_all does not fork (below): a fresh interpreter
    # forks for real
    import subprocess
    import sys

    def without_times(items):
        return [{k: v for k, v in c.items() if k != "seconds"} for c in items]

    outputs = []
    for jobs in ("1", "2"):  # proofs, rule checks and estimator checks all run in the workers
        done = subprocess.run([sys.executable, "-m", "verify", "check", "ema", "sgd", "dropout", "--examples", "5",
                               "--json", "-j", jobs], capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        outputs.append((without_times(report["proofs"]), without_times(report["checks"])))
    assert outputs[0] == outputs[1]
    proofs, checks = outputs[0]
    assert len(checks) == 28 + 1 and checks[-1]["rule"] == "dropout"
    assert {p["name"].split(".")[0] for p in proofs} == {"ema", "sgd", "dropout"} and all(p["ok"] for p in proofs)


def test_a_failed_proof_comes_back_from_a_worker_with_its_step_and_residual():
    import sympy as sp

    from derivations import DERIVATIONS
    from derivations.core.proof import Step
    from verify.core.proving import prove

    good = DERIVATIONS["ema.closed_form"]
    steps = list(good.steps)
    steps[-1] = Step(steps[-1].name, steps[-1].lhs, steps[-1].rhs + sp.Symbol("oops"), steps[-1].why,
                     rewrite=steps[-1].rewrite)
    bad = dataclasses.replace(good, steps=tuple(steps))
    proved = prove(["good", "bad"], {"good": good, "bad": bad}.__getitem__, jobs=2)
    assert [p.ok for p in proved] == [True, False]
    assert [step for step, _ in proved[1].failed] == [steps[-1].name] and "oops" in proved[1].messages[0]


def test_no_fork_once_a_library_with_native_threads_is_imported(monkeypatch):
    import sys

    from verify.core import parallel

    monkeypatch.setitem(sys.modules, "jax", sys)  # any module object: imported is what counts
    assert not parallel.fork_is_safe()
    assert parallel.run_all([lambda: 1, lambda: 2], jobs=2) == [1, 2]  # run here, in order


def test_bad_usage_is_reported(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check", "--examples", "0"])
    assert info.value.code == 2
    assert main(["prove", "nope"]) == 2
    assert "no derivation" in capsys.readouterr().err


@pytest.fixture
def no_proofs(monkeypatch):
    """Fails the test if anything is proved: bad rule names must be caught first."""
    from verify import cli

    def refuse(*args, **kwargs):
        raise AssertionError("proved before validating the rule names")

    monkeypatch.setattr(cli, "_prove_plan", refuse)


@pytest.mark.parametrize("name,kind", [("bias_variance", "family of derivations"), ("adam.closed_form", "derivation")])
@pytest.mark.parametrize("no_prove", [[], ["--no-prove"]])
def test_check_points_a_derivation_to_prove(name, kind, no_prove, no_proofs, capsys):
    assert main(["check", name, *no_prove]) == 2
    err = capsys.readouterr().err
    assert f"is a {kind}, not a rule" in err and f"optverify prove {name}" in err
    assert RULE_LIST in err


@pytest.mark.parametrize("no_prove", [[], ["--no-prove"]])
def test_check_unknown_rule_lists_the_rules(no_prove, no_proofs, capsys):
    assert main(["check", "ema", "nosuchrule", *no_prove]) == 2
    err = capsys.readouterr().err
    assert "no rule named 'nosuchrule'" in err and f"known rules: {RULE_LIST}" in err
    assert "ema.closed_form" not in err  # rules, not derivations


@pytest.mark.parametrize("argv", [["check", "--examples", "-3"], ["check", "--deadline", "0"],
                                  ["check", "--deadline", "nan"], ["check", "--dtypes", "float8"],
                                  ["crosscheck", "--examples", "0"]])
def test_bad_option_values_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and "error:" in err and argv[1] in err and "unrecognized" not in err


def test_progress_off_a_terminal_is_plain_lines(capsys):
    # capsys's stderr is not a tty: a log must get one line per item, not one \r-joined line
    from derivations import derivations_matching

    names = [d.name for d in derivations_matching(["ema"])]
    assert main(["prove", "ema"]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    assert err.splitlines() == [f"[{i}/{len(names)}] prove {n}" for i, n in enumerate(names, 1)]


def test_progress_on_a_terminal_redraws_one_line(monkeypatch, capsys):
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["prove", "ema"]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("\n") and err.count("\r") == err.count("prove ema.")


def test_check_table_explains_its_columns(capsys):
    assert main(["check", "ema", "--no-prove", "--examples", "2"]) == 0
    out = capsys.readouterr().out
    assert "worst ulp = largest error seen, in ulps of the implementation's dtype" in out
    assert "of allowed = error / a bound derived from the formula" in out and "<= 1 passes" in out


def test_check_passes_dtypes_and_deadline_through(monkeypatch, capsys):
    import verify

    seen = []

    def spy(rule, step_fn, conventions, **kwargs):
        seen.append(kwargs)
        return verify.checks.elementwise.CheckReport(rule, conventions, "spy", "per-step", kwargs["dtypes"], examples=1)

    monkeypatch.setattr(verify.checks.elementwise, "check_steps", spy)
    # -j 1: the spy records in this process (a forked worker's list would not come back)
    assert main(["check", "ema", "--no-prove", "--dtypes", "float16", "bfloat16", "--deadline", "2.5", "-j", "1"]) == 0
    assert seen and all(k["dtypes"] == ("float16", "bfloat16") and k["deadline"] == 2.5 for k in seen)
    seen.clear()
    assert main(["check", "ema", "--no-prove", "-j", "1"]) == 0
    assert seen and all(k["dtypes"] == ("float32", "float64") and k["deadline"] == 60.0 for k in seen)


def _check_steps_takes_deadline() -> bool:
    import inspect

    from verify import check_steps

    return "deadline" in inspect.signature(check_steps).parameters


# LEAD: end to end through the real check_steps; skipped until check_steps takes deadline= (and float16).
@pytest.mark.skipif(not _check_steps_takes_deadline(),
                    reason="PENDING: verify.checks.elementwise.check_steps takes no deadline= yet (the lead is adding it)")
def test_check_runs_float16_with_a_deadline(capsys):
    assert main(["check", "ema", "--no-prove", "--examples", "3", "--dtypes", "float16", "--deadline", "5",
                 "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] and all(c["dtypes"] == ["float16"] for c in payload["checks"])


def test_check_runs_the_matrix_rules(capsys):
    assert main(["check", "newton", "cg", "--no-prove", "--examples", "5", "--json"]) == 0
    checks = json.loads(capsys.readouterr().out)["checks"]
    assert {c["rule"] for c in checks} == {"newton", "cg"} and all(c["passed"] for c in checks)
    assert len(checks) == 2 + 8  # every convention variant of each


def test_a_module_name_proves_its_family(capsys):
    assert main(["prove", "conjugate_gradient", "--json"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["cg.conjugacy"]


def test_crosscheck_rule_names_come_from_the_registry(capsys):
    assert main(["crosscheck", "tests_fake:nothing", "--rule", "adamw"]) == 2
    assert "no elementwise rule named 'adamw'" in capsys.readouterr().err
    assert main(["crosscheck", "--only", "sgd", "no_such_rule"]) == 2
    assert "adam" in capsys.readouterr().err


def test_check_reports_the_budget_beside_the_time(capsys):
    assert main(["check", "ema", "--no-prove", "-j", "1", "--examples", "10"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    # 4 convention variants; each ran its 10 main examples and at least 1 of each run at scale
    ran = int(last.split(" examples")[0].replace(",", ""))
    assert ran >= 4 * 10
    assert "(10 a convention variant or sample space;" in last and "examples a second per worker" in last
