"""Normalisation: the batch statistics pass the exact check (every batch enumerated), the layer kernels pass the
layer check under the seeds' and torch's conventions (20 seeds, no false alarm) and under no other variant, every
planted mutant is caught, and torch's and Keras' layers are surveyed: the conventions each follows are found."""
import normalization_mutants as M
import numpy as np
import pytest

from kernels import (
    batch_norm_eval,
    batch_norm_train,
    batch_statistics,
    ghost_batch_norm,
    group_norm,
    layer_norm,
    running_update,
    unbiased,
)
from verify.checks.estimators import check_estimator
from verify.checks.normalization import LAYERS, check_layer, draw_problems, variants

TORCH = {"variance": "biased", "eps": "inside", "running_variance": "unbiased", "momentum": "new"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_statistics_exact(seed):
    r = check_estimator("batch_statistics", seed=seed, examples=25)
    assert r.passed and r.mode == "exact", r.message()


def test_unbiased_statistic_is_caught():
    r = check_estimator("batch_statistics", M.statistics_unbiased)
    assert not r.passed and r.counterexample["what"] == "mean"


def test_unbiased_claim_is_caught():
    r = check_estimator("batch_statistics", None, estimator=M.STATISTICS_CLAIM_UNBIASED)
    assert not r.passed and r.counterexample["what"] == "mean"


@pytest.mark.parametrize("seed", range(20))
def test_layers_no_false_alarm_under_20_seeds(seed):
    for layer in LAYERS:
        r = check_layer(layer, conventions=TORCH if layer == "batch_norm" else None, seed=seed, examples=8)
        assert r.passed and r.worst_ratio <= 1, r.message()


@pytest.mark.parametrize("layer", LAYERS)
def test_our_kernels_follow_one_variant_only(layer):
    """Every other convention is told apart on the drawn problems: the survey's answer is unique."""
    passed = [conv for conv in variants(layer) if check_layer(layer, conventions=conv, examples=10).passed]
    assert passed == [TORCH if layer == "batch_norm" else {"variance": "biased", "eps": "inside"}]


@pytest.mark.parametrize("mutant", M.LAYER_MUTANTS)
def test_layer_mutant_caught(mutant):
    layer, implementation = M.LAYER_MUTANTS[mutant]
    r = check_layer(layer, implementation, TORCH if layer == "batch_norm" else None)
    assert not r.passed and "raised" not in r.counterexample["problem"], r.message()


def test_mutants_pass_their_own_convention():
    """The planted variants are real conventions, not broken code: each passes the variant it implements."""
    for implementation, conv in ((M.batch_norm_eps_outside, dict(TORCH, eps="outside")),
                                 (M.batch_norm_momentum_weights_old, dict(TORCH, momentum="old")),
                                 (M.batch_norm_biased_running_variance, dict(TORCH, running_variance="biased"))):
        r = check_layer("batch_norm", implementation, conv)
        assert r.passed, r.message()


def test_kernels_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 5.0], [0.0, -1.0]])
    y, mu, var = batch_norm_train(x, eps=0.5)
    assert np.allclose(mu, [4 / 3, 2]) and np.allclose(var, [14 / 9, 6])
    assert np.allclose(y[:, 0], (x[:, 0] - 4 / 3) / np.sqrt(14 / 9 + 0.5))
    r = running_update(np.ones(2), unbiased(var, 3), 0.1)
    assert np.allclose(r, 0.9 + 0.1 * np.array([7 / 3, 9]))  # torch's running_var after one step
    assert np.allclose(running_update(np.ones(2), var, 0.9, "old"), running_update(np.ones(2), var, 0.1, "new"))
    assert np.allclose(batch_norm_eval(x, mu, var, eps=1e-300), (x - mu) / np.sqrt(var))
    z = np.arange(24.0).reshape(2, 4, 3)
    assert np.allclose(group_norm(z, 1), layer_norm(z, dims=2))  # one group: layer norm over (C, S)
    assert np.allclose(group_norm(z, 4), layer_norm(z, dims=1))  # a group per channel: instance norm
    assert np.array_equal(batch_statistics(np.array([1.0, 2.0, 4.0]), np.array([0, 0, 2])), [2.0, 2.0])


def test_ghost_batches_are_per_part_batch_norm():
    """Seed 003's ghost batches: each part normalised with its own statistics, bit for bit; one ghost is plain batch
    norm; and the full batch's variance is the mean ghost variance plus the variance of the ghost means (the law
    of total variance, derived in batch_statistics.ghost_batches), here with dyadic data where every statistic is
    exact in float64."""
    x = np.arange(-8.0, 8.0).reshape(8, 2) / 4
    x[:, 1] = x[::-1, 1] ** 2
    y, mu, var = ghost_batch_norm(x, 2, eps=0.25)
    for g in range(2):
        part = batch_norm_train(x[4 * g:4 * g + 4], eps=0.25)
        assert np.array_equal(y[4 * g:4 * g + 4], part[0]) and np.array_equal(mu[g], part[1])
    assert all(np.array_equal(a, b) for a, b in zip(ghost_batch_norm(x, 1, eps=0.25)[0], batch_norm_train(x, eps=0.25)[0]))
    _, full_mu, full_var = batch_norm_train(x, eps=0.25)
    assert np.array_equal(full_var, var.mean(axis=0) + mu.var(axis=0))
    assert np.array_equal(full_mu, mu.mean(axis=0))
    assert not np.allclose(y, batch_norm_train(x, eps=0.25)[0])  # ghost statistics are not the batch's


@pytest.mark.parametrize("call, match", [
    (lambda: batch_norm_train(np.ones((2, 3)), eps=0.0), "eps"),
    (lambda: batch_norm_train(np.array([[np.nan, 1.0]])), "x"),
    (lambda: batch_norm_train(np.ones((0, 3))), "x"),
    (lambda: batch_norm_train(np.ones((2, 3)), gamma=np.ones(2)), "gamma"),
    (lambda: batch_norm_eval(np.ones((2, 3)), np.zeros(3), -np.ones(3)), "running_var"),
    (lambda: running_update(np.ones(2), np.ones(2), 1.5), "momentum"),
    (lambda: running_update(np.ones(2), np.ones(3), 0.1), "statistic"),
    (lambda: running_update(np.ones(2), np.ones(2), 0.1, "both"), "mode"),
    (lambda: unbiased(np.ones(2), 1), "m"),
    (lambda: layer_norm(np.ones((2, 3)), dims=3), "dims"),
    (lambda: group_norm(np.ones((2, 3, 2)), 2), "groups"),
    (lambda: ghost_batch_norm(np.ones((6, 2)), 4), "ghosts"),
    (lambda: batch_statistics(np.ones(3), np.array([0, 3])), "batch"),
])
def test_kernels_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _keras():
    from verify.adapters.frameworks.keras_norm import require

    try:
        require()  # the JAX backend chosen before keras is imported
    except ImportError as exc:
        pytest.skip(f"keras on JAX: {exc}")


def _survey(label, examples):
    from verify.adapters import peers

    peer = next(p for p in peers.PEERS if p.label == label)
    return peers.survey(peer, examples=examples)


@pytest.mark.parametrize("label", ["torch.nn.BatchNorm1d", "torch.nn.BatchNorm2d", "torch.nn.BatchNorm1d (float32)"])
def test_torch_batch_norm_conventions(label):
    """torch normalises with the biased variance, keeps the unbiased one as its running variance, and its
    momentum (0.1 by default) weights the new statistic."""
    pytest.importorskip("torch")
    found = _survey(label, 8)
    assert found.matches == [TORCH], [r.message() for r in found.reports[:1]]


@pytest.mark.parametrize("label", ["torch.nn.LayerNorm", "torch.nn.GroupNorm"])
def test_torch_layer_group_norm_conventions(label):
    pytest.importorskip("torch")
    assert _survey(label, 8).matches == [{"variance": "biased", "eps": "inside"}]


def test_keras_batch_normalization_conventions():
    """Keras: the biased variance *also* for the moving variance, and its momentum (0.99 by default) weights the
    old average — Keras' 0.99 is torch's 0.01."""
    _keras()
    found = _survey("keras.layers.BatchNormalization(axis=1)", 3)
    assert found.matches == [dict(TORCH, running_variance="biased", momentum="old")], found.reports[0].message()


def test_keras_layer_normalization_conventions():
    _keras()
    assert _survey("keras.layers.LayerNormalization", 3).matches == [{"variance": "biased", "eps": "inside"}]


def test_problems_are_seeded():
    a, b = draw_problems("group_norm", 5, 3), draw_problems("group_norm", 5, 3)
    assert all(np.array_equal(p.eval_x, q.eval_x) and p.groups == q.groups for p, q in zip(a, b))


# ---- dropout layers that draw their own masks ----
def _dropout_survey(run, examples=4, seed=0):
    from verify.adapters import peers

    peer = peers.Peer("numpy", run.__name__, "dropout", "normalization_mutants", run.__name__, "numpy",
                      surveyor="verify.adapters.frameworks.keras_dropout:survey")
    return peers.survey(peer, examples=examples, seed=seed)


INVERTED = {"p": "drop", "scaling": "inverted"}


@pytest.mark.parametrize("seed", range(20))
def test_dropout_survey_no_false_alarm_under_20_seeds(seed):
    assert _dropout_survey(M.numpy_dropout, 2, seed).matches == [INVERTED]


@pytest.mark.parametrize("run, found", [(M.dropout_missing_scale, {"p": "drop", "scaling": "none"}),
                                        (M.dropout_p_keeps, {"p": "keep", "scaling": "inverted"})])
def test_dropout_mutants_caught(run, found):
    assert _dropout_survey(run).matches == [found]  # not the inverted convention: caught, and named


def test_keras_dropout_is_inverted_dropout():
    """keras.layers.Dropout(rate) drops with probability rate and scales the kept units by 1/(1 − rate) in training
    (its own mask, read off the zeros), and is the identity in inference — torch's convention."""
    _keras()
    assert _survey("keras.layers.Dropout", 2).matches == [INVERTED]


def test_torch_dropout_row():
    pytest.importorskip("torch")
    assert _survey("torch.nn.functional.dropout", 2).matches == [INVERTED]
