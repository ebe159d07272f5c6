"""verify.check on Adam: our kernels pass under every convention, every planted bug is caught,
and the faithful copy raises no false alarm under 20 seeds."""
import numpy as np
import pytest
from adam_mutants import MUTANTS, adam, conventions_for, kwargs_for

from derivations import rule
from verify import check, check_trajectory
from verify.adapters.ours import kernel_for
from verify.checks.elementwise import without_shrinking

ADAM_VARIANTS = list(rule("adam").variants())


@pytest.mark.parametrize("conventions", ADAM_VARIANTS, ids=lambda c: ",".join(map(str, c.values())))
def test_numpy_kernel_passes_every_convention(conventions):
    report = check("adam", kernel_for("adam", conventions), conventions, examples=25)
    assert report.passed and report.examples >= 25
    assert report.worst_ratio <= 1.0


@pytest.mark.parametrize("mutation", MUTANTS)
def test_each_planted_bug_is_caught_with_default_settings(mutation):
    with without_shrinking():  # caught is the generation phase's; shrinking only minimises
        report = check("adam", adam(mutation, **kwargs_for(mutation)), conventions_for(mutation),
                       raise_on_failure=False)
    assert not report.passed, f"mutant {mutation} was not caught"
    c = report.counterexample
    assert c.problem or c.error_ulps > c.allowed_ulps
    assert "reference_step('adam'" in report.repro


@pytest.mark.parametrize("mutation", [None, "coupled_decay", "amsgrad_max_of_old_v"])
def test_faithful_copy_passes_under_conventions_that_mutants_break(mutation):
    # The mutants' conventions themselves are fine for the faithful copy (no false alarm there).
    conv = conventions_for(mutation)
    assert check("adam", adam(None, **kwargs_for(mutation)), conv, examples=50).passed


@pytest.mark.parametrize("seed", range(20))
def test_no_false_alarm_under_20_seeds(seed):
    assert check("adam", adam(None), seed=seed, examples=40).passed


def test_failure_message_holds_minimal_counterexample_and_repro():
    with pytest.raises(AssertionError) as info:
        check("adam", adam("drop_sqrt"))
    text = str(info.value)
    assert "minimal counterexample" in text and "ulp" in text and "reference_step(" in text
    # Hypothesis shrinks to one step on one element.
    assert "t=1" in text or "t=10" in text or "t=1000" in text


def test_repro_snippet_runs_and_shows_the_mismatch():
    report = check("adam", adam("swap_betas"), raise_on_failure=False)
    snippet = "\n".join(line[4:] for line in report.repro.splitlines())
    namespace = {"adam_copy": None}
    exec(snippet.split("got =")[0], namespace)  # the reference half of the reproduction
    c = report.counterexample
    assert namespace["expected"][c.output][c.index] == pytest.approx(c.expected, rel=0, abs=0)


def _hidden_state_runner(mutation=None):
    def run(inputs, gradients, lr, beta1, beta2, eps):
        step = adam(mutation)
        p = inputs["p"]
        m, v = np.zeros_like(p), np.zeros_like(p)
        seen = []
        for t, g in enumerate(gradients, 1):
            out = step(p, g, m, v, t, lr, beta1, beta2, eps)
            p, m, v = out["p"], out["m"], out["v"]
            seen.append(p)
        return seen

    return run


def test_trajectory_check_passes_hidden_state_and_catches_a_bug():
    assert check_trajectory("adam", _hidden_state_runner(), examples=40).passed
    bad = check_trajectory("adam", _hidden_state_runner("drop_one_minus_beta1"), examples=40)
    assert not bad.passed and bad.counterexample.output == "p"


def test_wrong_dtype_and_wrong_arity_are_reported_not_crashed():
    def upcasts(p, g, m, v, t, lr, beta1, beta2, eps):
        return {k: x.astype(np.float64) for k, x in adam(None)(p, g, m, v, t, lr, beta1, beta2, eps).items()}

    report = check("adam", upcasts, dtypes=("float32",), raise_on_failure=False)
    assert "dtype" in report.counterexample.problem

    def two_values(p, g, m, v, t, lr, beta1, beta2, eps):
        return p, m

    report = check("adam", two_values, raise_on_failure=False)
    assert "returned 2 values" in report.counterexample.problem
