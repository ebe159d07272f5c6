"""The soak script runs every kind of check (rules, matrix rules, estimators) and reports per seed."""
from verify.soak import main


def test_soak_runs_each_kind_of_check(capsys):
    assert main(["--seeds", "0", "2", "--rules", "ema", "newton", "minibatch_gradient", "--examples", "3"]) == 0
    out = capsys.readouterr().out
    assert "seed 0:" in out and "seed 1:" in out and "0 seeds with a failure" in out
