"""Scanning an optimizer collection, on a fake one (tests/planted/ecosystem_fakes.py): signatures mapped by
torch's names and an override table, the rules tried chosen from them, pins reported, classes outside every
rule listed as "no rule yet", and the diagnosis of one that follows no convention — the closest variant by
measured error and the precision it agrees to.  The real collections are run by verify/ecosystem_report.py
(a few of their optimizers here, skipped where they are not installed)."""
import json

import pytest

pytest.importorskip("torch")

import ecosystem_fakes  # noqa: E402
import numpy as np  # noqa: E402

from derivations import rule as find_rule  # noqa: E402
from verify.adapters import conventions, crosscheck, diagnosis, ecosystem  # noqa: E402
from verify.checks.elementwise import Mismatch, Problem  # noqa: E402
from verify.cli import main  # noqa: E402

FAST = 12  # surveyed trajectories: enough for the planted facts (seed 0), a fraction of the default 30
ADAM = {"eps_mode": "after_correction", "bias_correction": True, "amsgrad": "off"}


@pytest.fixture(autouse=True, scope="module")
def fake_overrides():
    ecosystem.OVERRIDES["ecosystem_fakes"] = ecosystem_fakes.OVERRIDES
    yield
    ecosystem.OVERRIDES.pop("ecosystem_fakes", None)


@pytest.fixture(scope="module")
def rows(fake_overrides):  # the default 30 trajectories: the float32 update shows where |p| ≫ the step
    return {r.optimizer: r for r in crosscheck.crosscheck([], packages=["ecosystem_fakes"], rules={"adam"})}


def test_every_row_is_a_convention_a_no_rule_yet_or_a_diagnosis(rows):
    statuses = {label: r.status for label, r in rows.items()}
    assert statuses == {"ecosystem_fakes.Adam()": "matched", "ecosystem_fakes.RenamedAdam(nu=1.0)": "matched",
                        "ecosystem_fakes.AdamF32Update()": "no convention", "ecosystem_fakes.DecoupleAdam()": "matched",
                        "ecosystem_fakes.DecoupleAdam(weight_decouple=True)": "matched",
                        "ecosystem_fakes.ZeroShyAdam()": "error"}  # --only adam: no Orbit


def test_signature_mapped_by_torch_names_and_the_override_table():
    assert ecosystem.map_signature(ecosystem_fakes.Adam) == {
        "lr": "lr", "beta1": "betas[0]", "beta2": "betas[1]", "eps": "eps", "weight_decay": "weight_decay"}
    renamed = ecosystem.map_signature(ecosystem_fakes.RenamedAdam, ecosystem_fakes.OVERRIDES["RenamedAdam"])
    assert renamed == {"lr": "step_size", "beta1": "beta_1", "beta2": "beta_2", "eps": "epsilon"}

    class Switches(ecosystem_fakes.Adam):  # a bool is a switch, not a coefficient (optimi's dampening=False)
        def __init__(self, params, lr=0.1, momentum=0.9, dampening=False):
            super().__init__(params, lr=lr)

    assert ecosystem.map_signature(Switches) == {"lr": "lr", "momentum": "momentum"}


def test_rules_chosen_from_the_hyperparameters_and_the_class_name():
    adam_like = {"lr": "lr", "beta1": "betas[0]", "beta2": "betas[1]", "eps": "eps"}
    assert ecosystem.rules_to_try("Adam", adam_like)[0] == "adam"
    assert ecosystem.rules_to_try("MyRAdam", adam_like)[:2] == ("radam", "adam")  # the longest name first
    assert "nadam" not in ecosystem.rules_to_try("Adam", adam_like)  # no momentum_decay: only by name
    assert ecosystem.rules_to_try("MyNAdam", adam_like)[0] == "nadam"
    assert "adam" not in ecosystem.rules_to_try("Lion", {"lr": "lr", "beta1": "betas[0]", "beta2": "betas[1]"})
    assert ecosystem.rules_to_try("Orbit", {"lr": "lr"}) == ()


def test_scan_lists_the_package_classes_only():
    labels = [c.label for c in ecosystem.scan("ecosystem_fakes")]
    # TorchAdam is torch's, _AdamBase private: neither is the package's optimizer
    assert labels == ["ecosystem_fakes.Adam()", "ecosystem_fakes.AdamF32Update()", "ecosystem_fakes.ClippedSGD()",
                      "ecosystem_fakes.DecoupleAdam()", "ecosystem_fakes.DecoupleAdam(weight_decouple=True)",
                      "ecosystem_fakes.GroupsOnlySGD()", "ecosystem_fakes.GroupsOnlySGD(nesterov=True)", "ecosystem_fakes.NormalizedSGD()", "ecosystem_fakes.Orbit()",
                      "ecosystem_fakes.ProjectedSGD()", "ecosystem_fakes.RenamedAdam(nu=1.0)",
                      "ecosystem_fakes.ZeroShyAdam()"]


def test_adam_is_named(rows):
    row = rows["ecosystem_fakes.Adam()"]
    assert row.status == "matched" and row.rule == "adam"
    assert row.fingerprint.summary() == dict(ADAM, decay="l2")


def test_a_switch_is_also_run_flipped_and_each_setting_gets_its_convention(rows):
    assert rows["ecosystem_fakes.DecoupleAdam()"].fingerprint.summary() == dict(ADAM, decay="l2")
    flipped = rows["ecosystem_fakes.DecoupleAdam(weight_decouple=True)"]
    assert flipped.fingerprint.summary() == dict(ADAM, decay="decoupled")
    assert any(n.startswith("pinned weight_decouple=True") for n in flipped.notes)


def test_renamed_hyperparameters_and_a_pin_reported(rows):
    row = rows["ecosystem_fakes.RenamedAdam(nu=1.0)"]
    assert row.status == "matched", crosscheck.text([row])
    assert {k: row.fingerprint.summary()[k] for k in ADAM} == ADAM
    assert any("pinned nu=1.0: with ν = 1" in n for n in row.notes)
    assert any("no argument for weight_decay" in n for n in row.notes)


def test_without_its_pin_the_renamed_adam_follows_no_convention(monkeypatch):
    """The pin is what makes it Adam: at its default ν = 0.7 the same class matches nothing."""
    monkeypatch.setitem(ecosystem.OVERRIDES, "ecosystem_fakes", {"RenamedAdam": ecosystem.Override(
        names=ecosystem_fakes.OVERRIDES["RenamedAdam"].names)})
    target = ecosystem.from_spec("ecosystem_fakes:RenamedAdam").target("adam")
    fp = conventions.fingerprint("adam", target.runner(), hyperparameters=target.pinned, examples=FAST,
                                 shrink=False, edge_examples=0)
    assert not fp.matched
    assert fp.diagnosis.relative_error > 1e-2  # (1-ν)(g - m̂): far from rounding
    assert not fp.diagnosis.hint()


def test_float32_intermediate_gets_the_precision_hint(rows):
    row = rows["ecosystem_fakes.AdamF32Update()"]
    assert row.status == "no convention"
    d = row.fingerprint.diagnosis
    assert d.closest == dict(ADAM, decay="l2") == row.fingerprint.closest
    assert d.precision == {"float32": "float32", "float64": "float32"}  # float32 runs match; float64 to float32
    assert "agrees to float32 precision in a float64 run" in d.describe()
    assert any("float32 intermediate" in n for n in row.notes)
    assert 1e-9 < d.relative_error < 1e-2
    assert not row.fingerprint.counterexample.passed  # and the counterexample against the closest variant


def test_outside_every_rule_is_no_rule_yet(capsys):
    assert main(["crosscheck", "ecosystem_fakes:Orbit", "--json"]) == 0  # a finding about the catalogue
    row, = json.loads(capsys.readouterr().out)["rows"]
    assert row["status"] == "no rule yet" and "(lr, radius)" in row["notes"][0]


def test_module_class_from_the_command_line(capsys):
    assert main(["crosscheck", "ecosystem_fakes:Adam", "--only", "adam", "--markdown", "--examples", str(FAST)]) == 0
    out = capsys.readouterr().out
    assert "| ecosystem_fakes.Adam() | adam | eps_mode=after_correction" in out and "Versions: " in out


def test_ranking_ties_go_to_the_defaults():
    """Variants the sample cannot separate (decay with weight_decay 0) tie; the one nearest the defaults wins."""
    r = find_rule("adam")
    errors = [(c, 1e-7 if c["amsgrad"] == "off" and c["eps_mode"] == "after_correction" else 1.0)
              for c in r.variants()]
    errors = errors[::-1]  # the order the variants come in must not decide
    closest, error = diagnosis.rank(r, errors)[0]
    assert closest == {"eps_mode": "after_correction", "bias_correction": True, "decay": "none", "amsgrad": "off"}
    assert error == 1e-7
    assert diagnosis.rank(r, [(c, 0.5) for c in r.variants()])[0][0] == {a.name: a.values[0] for a in r.axes}


def test_charged_bound_scales_with_the_precision():
    """A float64 value rounded to float32 misses the float64 bound and passes it charged at float32."""
    exact = np.array([1 / 3])
    got = exact.astype(np.float32).astype(np.float64)
    bound = np.array([2.0**-53 / 3])  # one float64 rounding of 1/3
    kw = dict(t=1, dtype="float64", arrays={}, hyper={})
    with pytest.raises(Mismatch):
        diagnosis.ChargedTracker(1.0).compare("p", got, exact, bound, exact, **kw)
    diagnosis.ChargedTracker(2.0**29).compare("p", got, exact, bound, exact, **kw)  # u32/u64 = 2^29


@pytest.mark.parametrize("spec, rule", [("lion_pytorch:Lion", "lion"), ("optimi:Adam", "adam")])
def test_real_collections_smoke(spec, rule):
    pytest.importorskip(spec.partition(":")[0])
    row = ecosystem.crosscheck_candidate(ecosystem.narrowed(ecosystem.from_spec(spec), {rule}), examples=FAST)
    assert row.status == "matched" and row.rule == rule, crosscheck.text([row])


def test_a_package_that_is_not_installed_is_a_row(capsys):
    assert main(["crosscheck", "--package", "no_such_collection", "--json"]) == 0
    row, = json.loads(capsys.readouterr().out)["rows"]
    assert row["framework"] == "no_such_collection" and row["status"] == "not installed"


@pytest.mark.parametrize("name, where", [("NormalizedSGD", "the same tensor"), ("ClippedSGD", "another tensor")])
def test_a_coupled_optimizer_is_no_rule_yet_with_the_element_that_moved(name, where):
    """Probed before any rule is tried: SGD on g/‖g‖ or on globally clipped gradients is no elementwise rule's."""
    row = ecosystem.crosscheck_candidate(ecosystem.from_spec(f"ecosystem_fakes:{name}"), examples=FAST)
    assert row.status == "no rule yet" and row.notes[0].startswith("not elementwise: changing only the gradient")
    assert f"({where}) after step 1" in row.notes[0]


def test_one_that_does_not_run_on_a_list_of_tensors_is_no_rule_yet_with_its_error():
    row = ecosystem.crosscheck_candidate(ecosystem.from_spec("ecosystem_fakes:GroupsOnlySGD"), examples=FAST)
    assert row.status == "no rule yet"
    assert row.notes[0] == "it does not run as a per-parameter optimizer on a plain list of tensors: TypeError: " \
                           "GroupsOnlySGD needs parameter groups with 'use_fast_path'"


def test_a_crash_is_reported_with_the_input_it_crashed_on(rows):
    row = rows["ecosystem_fakes.ZeroShyAdam()"]
    assert "ValueError: gradient is all 0s (on " in row.fingerprint.error
    assert "gradients at step 1 = all 0" in row.fingerprint.error


def test_a_crash_input_names_whatever_the_rule_starts_from():
    """An EMA's problem starts from its average v alone (no parameter p): the crash is still described."""
    problem = Problem("float64", {}, [{"alpha": 0.5}], 0, {"v": np.zeros(2)}, [np.array([1.0, -2.0])], {})
    assert conventions.crash_input(problem) == ("on float64 inputs: v = all 0, gradients at step 1 = [ 1. -2.], "
                                                "hyperparameters {'alpha': 0.5}")


def test_sgd_like_fakes_the_switches_of_one_that_does_not_run_and_a_matrix_only_coupling():
    rows = {r.optimizer: r for r in crosscheck.crosscheck([], packages=["ecosystem_fakes"], rules={"sgd"},
                                                          examples=FAST)}
    assert "ecosystem_fakes.GroupsOnlySGD()" in rows and "ecosystem_fakes.GroupsOnlySGD(nesterov=True)" not in rows
    projected = rows.pop("ecosystem_fakes.ProjectedSGD()")
    assert all(r.status == "no rule yet" for r in rows.values())
    # elementwise on the vectors the survey draws: SGD there, in torch's convention; and the row says so
    assert projected.status == "matched" and projected.rule == "sgd", crosscheck.text([projected])
    summary = projected.fingerprint.summary()  # (no dampening, no decay argument: init and decay undecided)
    assert (summary["lr_position"], summary["nesterov"]) == ("outside_buffer", False)
    assert projected.notes[-1].startswith("elementwise on vectors only, so this row holds for 1-D parameters")


@pytest.mark.parametrize("name", ["Adam", "AdamF32Update", "RenamedAdam", "ZeroShyAdam"])
def test_elementwise_optimizers_pass_the_probe(name):
    assert ecosystem.probe_candidate(ecosystem.from_spec(f"ecosystem_fakes:{name}")).elementwise


@pytest.mark.parametrize("spec, status, rule, fact", [
    ("pytorch_optimizer:Muon", "no rule yet", "", "does not run as a per-parameter optimizer"),
    ("pytorch_optimizer:Shampoo", "no rule yet", "", "(the same tensor)"),
    ("pytorch_optimizer:AdEMAMix", "matched", "adam", "pinned alpha=0.0"),
])
def test_real_collection_findings(spec, status, rule, fact):
    pytest.importorskip(spec.partition(":")[0])
    row = ecosystem.crosscheck_candidate(ecosystem.from_spec(spec), examples=FAST)
    assert (row.status, row.rule) == (status, rule) and any(fact in n for n in row.notes), crosscheck.text([row])
