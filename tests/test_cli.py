"""The optverify command line, run in-process."""
import json

import pytest

from verify.cli import main


def test_list_shows_rules_and_derivations(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "adam" in out and "ema.closed_form" in out and "bias_variance.decomposition" in out


def test_prove_one_family_as_json(capsys):
    assert main(["prove", "adam", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} >= {"adam.folded_epsilon"} and all(r["ok"] for r in rows)


def test_check_ema_json(capsys):
    assert main(["check", "ema", "--examples", "5", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] and len(payload["checks"]) == 2 and payload["proofs"]


def test_check_exits_nonzero_on_a_failure(monkeypatch, capsys):
    import verify.adapters as adapters

    def broken(conventions):
        def step(g, v, t, alpha):
            return {"v": v + g, "average": v + g}

        return step

    monkeypatch.setitem(adapters.KERNELS, "ema", broken)
    assert main(["check", "ema", "--no-prove", "--examples", "5"]) == 1
    assert "minimal counterexample" in capsys.readouterr().out


def test_bad_usage_is_reported(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check", "--examples", "0"])
    assert info.value.code == 2
    assert main(["prove", "nope"]) == 2
    assert "no derivation" in capsys.readouterr().err
