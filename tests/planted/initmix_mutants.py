"""Planted bugs in mixup, label smoothing, the initialisations and the bias–variance Monte Carlo: implementations
(one change from the kernel, written out so that it is visible) and claims (a copy of the estimator or
convention object with one formula changed).  Each must be caught."""
from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp

from derivations.estimators import label_smoothing, mixup
from kernels.estimators.cross_entropy import soft_cross_entropy


# ---- mixup: the mixing (x̃, ỹ) ----
def mixing_labels_not_mixed(x, y, lam, perm):
    """Mixes the inputs but keeps each example's own label: λ not mixed into the labels."""
    return lam * x + (1 - lam) * x[perm], y.copy()


def mixing_labels_one_minus(x, y, lam, perm):
    """Mixes the labels with 1 − λ: the loss's distribution is unchanged (Beta(a, a) is symmetric), the pairing
    of x̃ with ỹ is wrong."""
    return lam * x + (1 - lam) * x[perm], (1 - lam) * y + lam * y[perm]


# ---- mixup: the loss ----
def loss_label_not_mixed(logits, y1, y2, lam):
    """The loss of the first label only: λ not mixed into the labels."""
    return soft_cross_entropy(logits, y1)


def loss_lambda_squared(logits, y1, y2, lam):
    """λ² and 1 − λ² as weights: still a distribution at λ ∈ {0, 1}, not in between."""
    lam = np.asarray(lam, dtype=np.float64)
    return lam**2 * soft_cross_entropy(logits, y1) + (1 - lam**2) * soft_cross_entropy(logits, y2)


# ---- mixup: claims ----
def _uniform_variance(data, space, sizes):
    """Var[λ] = 1/12 (the uniform's, a = 1) claimed for every a."""
    L1, L2 = mixup._losses(data)
    return (L1 - L2) ** 2 / 12


def _statistic_not_mixed(data, lam):
    """The statistic with the first target only."""
    return mixup.cross_entropy(data["y1"], data["logq"])


MIXUP_UNIFORM_VARIANCE = dataclasses.replace(mixup.ESTIMATOR, variance=_uniform_variance)
MIXUP_NOT_MIXED = dataclasses.replace(mixup.ESTIMATOR, statistic=_statistic_not_mixed)


# ---- label smoothing ----
def smooth_eps_over_k_minus_1(onehot, eps):
    """(1 − ε)y + ε/(K − 1) on every class: the 'others' constant with the 'all' form — rows sum to more than 1."""
    return onehot * (1 - eps) + eps / (onehot.shape[1] - 1)


def smooth_true_keeps_one_minus_eps(onehot, eps):
    """The 'others' targets returned where 'all' is claimed (true class 1 − ε, not 1 − ε + ε/K)."""
    K = onehot.shape[1]
    return np.where(onehot == 1, 1 - eps, eps / (K - 1))


SMOOTHING_EPS_OVER_K_MINUS_1 = label_smoothing.Smoothing(
    "all", lambda y, eps: (1 - eps) * y + sp.ones(y.rows, 1) * eps / (y.rows - 1), label_smoothing.ALL.uniform)


# ---- initialisation: copies of kernels.estimators.initialization.variance_scaling with one change ----
def _scale(draws, V, distribution):
    from kernels.estimators.initialization import truncated_std

    if distribution == "uniform":
        return (2 * draws - 1) * np.sqrt(3 * V)
    return draws * np.sqrt(V) / (truncated_std() if distribution == "truncated_normal" else 1.0)


def init_fan_swapped(draws, mode="fan_avg", layout="torch", gain=1.0, distribution="uniform"):
    """fan_in and fan_out read the other way round (the 2-D (in, out) vs (out, in) confusion)."""
    from kernels.estimators.initialization import init_variance

    swapped = {"fan_in": "fan_out", "fan_out": "fan_in"}.get(mode, mode)
    return _scale(draws, init_variance(draws.shape, swapped, layout, gain), distribution)


def init_missing_gain(draws, mode="fan_avg", layout="torch", gain=1.0, distribution="uniform"):
    """The gain dropped: He's 2/fan_in becomes 1/fan_in (LeCun's)."""
    from kernels.estimators.initialization import init_variance

    return _scale(draws, init_variance(draws.shape, mode, layout, 1.0), distribution)


def init_no_receptive_field(draws, mode="fan_avg", layout="torch", gain=1.0, distribution="uniform"):
    """Fans from the in/out axes only, the kernel's receptive field forgotten."""
    shape = draws.shape
    inp, out = (shape[1], shape[0]) if layout == "torch" else (shape[-2], shape[-1])
    fan = {"fan_in": inp, "fan_out": out, "fan_avg": (inp + out) / 2}[mode]
    return _scale(draws, gain * gain / fan, distribution)


def init_truncation_uncorrected(draws, mode="fan_avg", layout="torch", gain=1.0, distribution="uniform"):
    """The truncated normal scaled by √V, not √V/c: its variance is c²V ≈ 0.774V (keras' TruncatedNormal's)."""
    from kernels.estimators.initialization import init_variance

    return draws * np.sqrt(init_variance(draws.shape, mode, layout, gain))


# ---- initialisation: claims ----
def _he_without_gain():
    from derivations.estimators import initialization

    return dataclasses.replace(initialization.HE_NORMAL, claim=lambda m, n: 1 / m)


def _he_fan_out():
    from derivations.estimators import initialization

    return dataclasses.replace(initialization.HE_UNIFORM, parameter=lambda m, n: sp.sqrt(6 / n))


# ---- bias–variance Monte Carlo: copies of kernels.estimators.bias_variance.bias_variance_mc with one change ----
def _bvmc(predictions, labels, weights, ddof_h=1, ddof_y=1, correct=True):
    R, J = predictions.shape[0], labels.shape[1]
    h_mean, y_mean = predictions.mean(axis=0), labels.mean(axis=1)
    s_h = ((predictions - h_mean) ** 2).sum(axis=0) / (R - ddof_h)
    s_y = ((labels - y_mean[:, None]) ** 2).sum(axis=1) / (J - ddof_y)
    bias2 = (h_mean - y_mean) ** 2 - ((s_h / R + s_y / J) if correct else 0.0)
    return np.array([weights @ s_h, weights @ s_y, weights @ bias2])


def bvmc_variance_over_R(predictions, labels, weights):
    """The models' variance with 1/R (np.var's default) instead of 1/(R − 1): n vs n − 1."""
    return _bvmc(predictions, labels, weights, ddof_h=0)


def bvmc_noise_over_J(predictions, labels, weights):
    """The labels' variance with 1/J instead of 1/(J − 1)."""
    return _bvmc(predictions, labels, weights, ddof_y=0)


def bvmc_plug_in_bias(predictions, labels, weights):
    """Bias² as the plug-in (h̄̂ − ȳ̂)², without subtracting Var/R + Noise/J."""
    return _bvmc(predictions, labels, weights, correct=False)


def ridge_covariance_as_ols(X, sigma2, lam):
    """σ²(XᵀX + λI)⁻¹: the OLS formula with the penalty added, the sandwich forgotten."""
    return sigma2 * np.linalg.inv(X.T @ X + lam * np.eye(X.shape[1]))


def _statistic_over_R(data, omega):
    """The estimator's statistic with the models' spread over R, not R − 1."""
    from derivations.estimators import bias_variance_mc

    out = bias_variance_mc._statistic(data, omega)
    R = len(omega[0])
    return sp.Matrix([out[0] * sp.Rational(R - 1, R), out[1], out[2]])


def _bvmc_estimator(statistic):
    from derivations.estimators import bias_variance_mc

    return dataclasses.replace(bias_variance_mc.ESTIMATOR, statistic=statistic)
