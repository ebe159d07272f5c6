"""verify.check on AdaGrad: our kernel passes under every convention, every planted bug is caught, and the
faithful copy raises no false alarm under 20 seeds."""
import pytest
from adagrad_mutants import MUTANTS, adagrad, conventions_for

from derivations import rule
from verify import check
from verify.adapters.ours import kernel_for
from verify.checks.elementwise import without_shrinking

VARIANTS = list(rule("adagrad").variants())


@pytest.mark.parametrize("conventions", VARIANTS, ids=lambda c: ",".join(map(str, c.values())))
def test_numpy_kernel_passes_every_convention(conventions):
    report = check("adagrad", kernel_for("adagrad", conventions), conventions, examples=30)
    assert report.passed and report.examples >= 30
    assert report.worst_ratio <= 1.0


@pytest.mark.parametrize("mutation", MUTANTS)
def test_each_planted_bug_is_caught_with_default_settings(mutation):
    conv = conventions_for(mutation)
    with without_shrinking():
        report = check("adagrad", adagrad(mutation, **conv), conv, raise_on_failure=False)
    assert not report.passed, f"mutant {mutation} was not caught"
    assert "reference_step('adagrad'" in report.repro


@pytest.mark.parametrize("seed", range(20))
def test_no_false_alarm_under_20_seeds(seed):
    conv = VARIANTS[seed % len(VARIANTS)]
    assert check("adagrad", adagrad(None, **conv), conv, seed=seed, examples=20).passed


def _run_from(start_at_initial: bool):
    """A trajectory runner around our kernel; the faulty one starts G at 0 whatever it is told."""
    def run(inputs, gradients, lr, eps, lr_decay, initial_accumulator):
        p = inputs["p"].copy()
        G = p * 0 + (initial_accumulator if start_at_initial else 0.0)
        out = []
        for k, g in enumerate(gradients):
            kernel_for("adagrad", {})(t=k + 1, p=p, g=g, G=G, lr=lr[k], eps=eps, lr_decay=lr_decay, weight_decay=0.0)
            out.append(p.copy())
        return out

    return run


@pytest.mark.parametrize("faithful", [True, False])
def test_initial_accumulator_is_seen_by_the_trajectory_check(faithful):
    # A per-step check draws G; only a run from the start sees where G begins.
    report = check("adagrad", _run_from(faithful), {}, trajectory=True, hyperparameters={"weight_decay": 0.0},
                   schedules=("lr",), raise_on_failure=False)
    assert report.passed == faithful, report.message()
