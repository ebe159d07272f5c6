"""optax-style factories (functions whose first argument is learning_rate) and Keras optimizer classes from other
packages, scanned and cross-checked as torch collections are: on fake collections (tests/planted/optax_fakes.py,
keras_fakes.py), and on optax.contrib and keras.optimizers where they are installed."""
import pytest

pytest.importorskip("optax")

from verify.adapters import crosscheck, ecosystem  # noqa: E402

FAST = 12  # surveyed trajectories: enough for the planted facts (seed 0), a fraction of the default 30


def _row(spec, **kw):
    return ecosystem.crosscheck_candidate(ecosystem.from_spec(spec), examples=FAST, **kw)


def test_scan_lists_the_factories_with_a_learning_rate_only():
    candidates = ecosystem.scan("optax_fakes")
    # scale_by_adam_l2 is a building block, sgd optax's own (re-exported)
    assert [c.label for c in candidates] == ["optax_fakes.adam_l2()", "optax_fakes.needs_value()",
                                             "optax_fakes.normalized_sgd()"]
    assert {c.driver for c in candidates} == {"optax"}
    assert ecosystem.map_signature(candidates[0].optimizer) == {
        "lr": "learning_rate", "beta1": "b1", "beta2": "b2", "eps": "eps", "weight_decay": "weight_decay"}


def test_a_factory_written_from_the_paper_is_named():
    row = _row("optax_fakes:adam_l2")
    assert row.status == "matched" and row.rule == "adam", crosscheck.text([row])
    assert row.fingerprint.summary() == {"eps_mode": "after_correction", "bias_correction": True, "decay": "l2",
                                         "amsgrad": "off"}


def test_a_globally_normalised_factory_is_no_rule_yet():
    row = _row("optax_fakes:normalized_sgd")
    assert row.status == "no rule yet" and "(another tensor) after step 1" in row.notes[0]


def test_one_that_needs_the_loss_is_no_rule_yet_with_its_error():
    row = _row("optax_fakes:needs_value")
    assert row.status == "no rule yet" and "does not run as a per-parameter optimizer" in row.notes[0]
    assert "value" in row.notes[0]


def test_versions_name_jax_for_a_factory_collection():
    crosscheck.PACKAGES.pop("optax_fakes", None)
    crosscheck.resolve([], packages=["optax_fakes"])
    assert crosscheck.PACKAGES["optax_fakes"] == ("optax_fakes", "jax")


def test_optax_contrib_ademamix_with_alpha_0_is_adam_with_decoupled_decay():
    row = _row("optax.contrib:ademamix")
    assert row.status == "matched" and row.rule == "adam", crosscheck.text([row])
    assert row.fingerprint.summary()["decay"] == "decoupled"
    assert any("pinned alpha=0.0: AdEMAMix with α = 0" in n for n in row.notes)


# Keras optimizer classes from another package (tests/planted/keras_fakes.py), scanned the same way.

def _require_keras():
    """The keras adapter, which chooses the JAX backend before keras is imported; skip without keras."""
    from verify.adapters.frameworks import keras_adapter

    try:
        keras_adapter.require()
    except ImportError as exc:
        pytest.skip(str(exc))
    return keras_adapter


def test_keras_classes_from_another_package_are_scanned_and_named():
    _require_keras()
    candidates = {c.label: c for c in ecosystem.scan("keras_fakes")}
    assert list(candidates) == ["keras_fakes.NormalizedSGD()", "keras_fakes.PaperAdam()"]
    assert {c.driver for c in candidates.values()} == {"keras"}
    row = ecosystem.crosscheck_candidate(candidates["keras_fakes.PaperAdam()"], examples=FAST)
    assert row.status == "matched" and row.fingerprint.summary() == {
        "eps_mode": "after_correction", "bias_correction": True, "decay": "decoupled", "amsgrad": "off"}
    row = ecosystem.crosscheck_candidate(candidates["keras_fakes.NormalizedSGD()"], examples=FAST)
    assert row.status == "no rule yet" and "(the same tensor) after step 1" in row.notes[0]


def test_keras_own_optimizers_scanned_are_run_as_the_hand_made_targets():
    """--package keras.optimizers: Nadam behaves as ψ = 1 and Lion rejects β1 = 0 (OVERRIDES), as the keras
    adapter's targets say (their conventions: test_frameworks.py)."""
    keras_adapter = _require_keras()
    hand = {t.label: t for t in keras_adapter.targets()}
    for name, rule in [("Nadam", "nadam"), ("Lion", "lion")]:
        scanned = ecosystem.from_spec(f"keras.optimizers:{name}").target(rule)
        made = hand[f"keras.optimizers.{name}()"]
        assert (scanned.arguments, scanned.pinned, scanned.positive) == (made.arguments, made.pinned, made.positive)
