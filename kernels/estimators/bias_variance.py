"""Bias–variance by Monte Carlo, and ridge regression, on NumPy or CuPy arrays.

Written from seed 002_affcfe6d2abfd93d.txt ("Bias-variance Tradeoff": Variance = E_{x,D}[(h_D(x) − h̄(x))²],
Noise = E_{x,y}[(ȳ(x) − y)²], Bias² = E_x[(h̄(x) − ȳ(x))²]; L2 regularisation of linear regression), never from
derivations/.  The resampling is the caller's: the kernel takes the R fitted models' predictions and J labels
drawn per test input, and estimates each term without bias:

* variance = Σ_x p_x s_h²(x), s_h² the sample variance of the R predictions at x with 1/(R − 1);
* noise = Σ_x p_x s_y²(x), s_y² that of the J labels at x with 1/(J − 1);
* bias² = Σ_x p_x [(h̄̂(x) − ȳ̂(x))² − s_h²(x)/R − s_y²(x)/J]: the plug-in (h̄̂ − ȳ̂)² overshoots by Var/R + Noise/J
  on average, so the estimates of those are subtracted (the result may be slightly negative on a small sample).
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee


def _matrix(name, a, rows_at_least=1):
    check.floating(name, a)
    check.finite(name, a)
    if a.ndim != 2 or a.shape[0] < rows_at_least or a.shape[1] < 1:
        raise ValueError(f"{name} must be 2-D with >= {rows_at_least} rows, got shape {a.shape}")


@ieee
def bias_variance_mc(predictions, labels, weights):
    """[variance, noise, bias²] from ``predictions`` (R, X) of R fitted models at X test inputs, ``labels`` (X, J)
    drawn at each input, and the inputs' ``weights`` (X,) (probabilities; summing to 1 for an expectation)."""
    _matrix("predictions", predictions, 2)
    _matrix("labels", labels)
    xp = check.namespace(predictions, "predictions")
    check.floating("weights", weights)
    check.finite("weights", weights)
    R, X = predictions.shape
    if labels.shape[0] != X or labels.shape[1] < 2:
        raise ValueError(f"labels must be ({X}, J) with J >= 2 labels per input, got shape {labels.shape}")
    if weights.shape != (X,) or bool((weights < 0).any()):
        raise ValueError(f"weights must be ({X},) and >= 0, got shape {weights.shape}")
    J = labels.shape[1]
    h_mean, y_mean = xp.mean(predictions, axis=0), xp.mean(labels, axis=1)
    s_h = xp.sum((predictions - h_mean) ** 2, axis=0) / (R - 1)
    s_y = xp.sum((labels - y_mean[:, None]) ** 2, axis=1) / (J - 1)
    bias2 = (h_mean - y_mean) ** 2 - s_h / R - s_y / J
    return xp.stack([weights @ s_h, weights @ s_y, weights @ bias2])


def _lam(lam):
    return check.scalar("lam (the L2 penalty λ)", lam, low=0.0)


@ieee
def ridge_fit(X, y, lam):
    """β̂ = (XᵀX + λI)⁻¹Xᵀy by a solve (λ = 0: least squares, X of full column rank)."""
    lam = _lam(lam)
    _matrix("X", X)
    xp = check.namespace(X, "X")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    check.finite("y", y)
    return xp.linalg.solve(X.T @ X + lam * xp.eye(X.shape[1], dtype=X.dtype), X.T @ y)


@ieee
def ridge_covariance(X, sigma2, lam):
    """Cov β̂ = σ²(XᵀX + λI)⁻¹XᵀX(XᵀX + λI)⁻¹ for Cov y = σ²I."""
    lam = _lam(lam)
    sigma2 = check.scalar("sigma2 (the noise variance σ²)", sigma2, low=0.0)
    _matrix("X", X)
    xp = check.namespace(X, "X")
    G = X.T @ X
    A = xp.linalg.solve(G + lam * xp.eye(G.shape[0], dtype=X.dtype), G)  # (G + λI)⁻¹G
    M = xp.linalg.solve(G + lam * xp.eye(G.shape[0], dtype=X.dtype), A.T)  # (G + λI)⁻¹G(G + λI)⁻¹ (symmetric)
    return sigma2 * (M + M.T) / 2
