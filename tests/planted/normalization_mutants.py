"""Planted bugs in the normalisation layers and statistics: implementations (copies of the kernels with one thing
changed, written out so that the change is visible) and claims (the estimator or the derivations' functions with
one formula changed).  Each must be caught; the correct kernels must pass."""
from __future__ import annotations

import dataclasses

import numpy as np

from derivations.estimators import normalization as N
from verify.checks.normalization import Outcome


def _normalise(x, axes, gamma, beta, eps, shape, *, ddof=0, eps_mode="inside"):
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).sum(axis=axes, keepdims=True) / (np.prod([x.shape[a] for a in axes]) - ddof)
    d = np.sqrt(var + eps) if eps_mode == "inside" else np.sqrt(var) + eps
    return (x - mu) / d * gamma.reshape(shape) + beta.reshape(shape), mu.reshape(-1), var.reshape(-1)


def _batch_norm(problem, *, ddof=0, eps_mode="inside", momentum_mode="new", running_ddof=1):
    C = problem.eval_x.shape[1]
    axes = (0,) + tuple(range(2, problem.eval_x.ndim))
    shape = (1, C) + (1,) * (problem.eval_x.ndim - 2)
    r_mean, r_var, train = np.zeros(C), np.ones(C), []
    a = problem.momentum if momentum_mode == "new" else 1 - problem.momentum
    for x in problem.batches:
        y, mu, var = _normalise(x, axes, problem.gamma, problem.beta, problem.eps, shape, ddof=ddof,
                                eps_mode=eps_mode)
        m = x.size // C
        biased = var * (m - ddof) / m
        train.append(y)
        r_mean = (1 - a) * r_mean + a * mu
        r_var = (1 - a) * r_var + a * biased * m / (m - running_ddof)
    d = np.sqrt(r_var.reshape(shape) + problem.eps) if eps_mode == "inside" else np.sqrt(r_var.reshape(shape)) + problem.eps
    y = (problem.eval_x - r_mean.reshape(shape)) / d * problem.gamma.reshape(shape) + problem.beta.reshape(shape)
    return Outcome(train, y, r_mean, r_var)


def batch_norm_unbiased_normalising(problem):
    """Normalises with the 1/(m − 1) variance (n vs n − 1)."""
    return _batch_norm(problem, ddof=1)


def batch_norm_eps_outside(problem):
    """√σ² + ε instead of √(σ² + ε)."""
    return _batch_norm(problem, eps_mode="outside")


def batch_norm_momentum_weights_old(problem):
    """Torch's momentum applied to the old average (Keras' reading): r ← a·r + (1 − a)·s."""
    return _batch_norm(problem, momentum_mode="old")


def batch_norm_biased_running_variance(problem):
    """Feeds the biased σ_B² to the running variance (torch keeps the unbiased one)."""
    return _batch_norm(problem, running_ddof=0)


def batch_norm_per_sample_axes(problem):
    """Reduces over the channel and spatial axes (a layer norm) instead of the batch axis."""
    def run(x):
        axes = tuple(range(1, x.ndim))
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        return _normalise(x, axes, problem.gamma, problem.beta, problem.eps, shape)[0]

    right = _batch_norm(problem)
    return Outcome([run(x) for x in problem.batches], right.eval, right.running_mean, right.running_var)


def _layer(problem, run):
    return Outcome([run(x) for x in problem.batches], run(problem.eval_x))


def layer_norm_last_axis_only(problem):
    """Normalises over the last axis only, whatever the normalised shape (dims = 2 goes wrong)."""
    def run(x):
        shape = x.shape[x.ndim - problem.dims:]
        return _normalise(x, (x.ndim - 1,), problem.gamma, problem.beta, problem.eps, shape)[0]

    return _layer(problem, run)


def layer_norm_over_batch(problem):
    """Normalises each feature over the batch (axis 0): batch norm where layer norm was asked."""
    def run(x):
        shape = x.shape[x.ndim - problem.dims:]
        return _normalise(x, (0,), problem.gamma, problem.beta, problem.eps, shape)[0]

    return _layer(problem, run)


def layer_norm_unbiased(problem):
    """Layer norm with the 1/(m − 1) variance."""
    def run(x):
        shape = x.shape[x.ndim - problem.dims:]
        axes = tuple(range(x.ndim - problem.dims, x.ndim))
        return _normalise(x, axes, problem.gamma, problem.beta, problem.eps, shape, ddof=1)[0]

    return _layer(problem, run)


def group_norm_interleaved(problem):
    """Groups channels c ≡ g (mod G) instead of consecutive blocks of C/G."""
    def run(x):
        N, C = x.shape[:2]
        G = problem.groups
        order = np.argsort([c % G for c in range(C)], kind="stable")  # channel order putting each group together
        grouped = x[:, order].reshape(N, G, -1)
        mu = grouped.mean(axis=2, keepdims=True)
        xhat = ((grouped - mu) / np.sqrt(grouped.var(axis=2, keepdims=True) + problem.eps)).reshape(x.shape)
        back = np.empty_like(xhat)
        back[:, order] = xhat
        shape = (1, C) + (1,) * (x.ndim - 2)
        return back * problem.gamma.reshape(shape) + problem.beta.reshape(shape)

    return _layer(problem, run)


def group_norm_per_channel(problem):
    """Normalises each channel on its own (instance norm) whatever the number of groups."""
    def run(x):
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        return _normalise(x, tuple(range(2, x.ndim)), problem.gamma, problem.beta, problem.eps, shape)[0]

    return _layer(problem, run)


# (layer, implementation) that must fail under torch's conventions
LAYER_MUTANTS = {
    "batch norm: n − 1 in the normalising variance": ("batch_norm", batch_norm_unbiased_normalising),
    "batch norm: ε outside the root": ("batch_norm", batch_norm_eps_outside),
    "batch norm: momentum weights the old average": ("batch_norm", batch_norm_momentum_weights_old),
    "batch norm: biased running variance": ("batch_norm", batch_norm_biased_running_variance),
    "batch norm: per-sample axes": ("batch_norm", batch_norm_per_sample_axes),
    "layer norm: last axis only": ("layer_norm", layer_norm_last_axis_only),
    "layer norm: over the batch axis": ("layer_norm", layer_norm_over_batch),
    "layer norm: n − 1": ("layer_norm", layer_norm_unbiased),
    "group norm: interleaved groups": ("group_norm", group_norm_interleaved),
    "group norm: one group per channel": ("group_norm", group_norm_per_channel),
}


# ---- the estimator's statistics: an implementation and claims ----
def statistics_unbiased(population, batch):
    """(μ_B, s²) with 1/(m − 1) (m = 1 gives 0): not what batch norm normalises with."""
    values = population.reshape(-1)[batch]
    m = values.size
    var = ((values - values.mean()) ** 2).sum() / max(m - 1, 1)
    return np.array([values.mean(), var])


def _unbiased_claim(data, space, sizes):
    mu, var, _, _ = N.population_moments(data["x"])
    return N.sp.Matrix([mu, var])


STATISTICS_CLAIM_UNBIASED = dataclasses.replace(N.ESTIMATOR, mean=_unbiased_claim)  # claims E[σ_B²] = σ²


def normalize_eps_outside(values, gamma, beta, eps, variance="biased", eps_mode="inside"):
    """The derivations' normalising map with ε moved outside the root."""
    return N.normalize(values, gamma, beta, eps, variance, "outside" if eps_mode == "inside" else eps_mode)


def running_update_swapped(average, statistic, momentum, mode="new"):
    """The running average with the momentum's terms swapped."""
    return N.running_update(average, statistic, momentum, "old" if mode == "new" else "new")


# ---- dropout layers that draw their own masks (verify/adapters/frameworks/keras_dropout.py's protocol) ----
def _numpy_dropout(x, p, seed, *, keep_with_p=False, scale=True):
    keep = p if keep_with_p else 1 - p
    mask = np.random.default_rng(seed).random(x.shape) < keep
    y = np.where(mask, x * x.dtype.type(1 / keep) if scale else x, x.dtype.type(0))
    return y, x.copy()


def numpy_dropout(x, p, seed):
    """Correct inverted dropout with NumPy's generator (the false-alarm control)."""
    return _numpy_dropout(x, p, seed)


def dropout_missing_scale(x, p, seed):
    """Drops with probability p but forgets the 1/(1 − p) on the kept units."""
    return _numpy_dropout(x, p, seed, scale=False)


def dropout_p_keeps(x, p, seed):
    """Keeps with probability p (and scales by 1/p)."""
    return _numpy_dropout(x, p, seed, keep_with_p=True)
