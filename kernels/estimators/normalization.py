"""Batch, layer and group normalisation on NumPy or CuPy arrays: the forward pass in training and inference mode,
the running-average update, and the batch statistics (μ_B, σ_B²) themselves.

Written from the seeds, never from derivations/: seed 000_a2fbe8e070163c86.txt §2.2 (y = (x − E[x])/√(Var(x) + ε)
·γ + β; layer norm "normalize over the hidden dim"; group norm "divides the channels into groups and computes
within each group the mean and variance"), seed 004 (Algorithm 3: μ_B = (1/m)Σx_i, σ_B² = (1/m)Σ(x_i − μ_B)²,
x̂_i = (x_i − μ_B)/√(σ_B² + ε)), seed 002 (inference uses running averages of the statistics).

Layout: the channel axis is 1 (N, C, ...), as in torch.  Batch norm reduces over every axis but the channel;
layer norm over the trailing ``dims`` axes; group norm over each group of C/G channels and the spatial axes.
The normalising variance is the biased 1/m one; the running variance that ``running_update`` is fed is the
caller's choice (torch feeds the unbiased m/(m − 1)·σ_B², see ``unbiased``).  ε > 0 always sits inside the root.
Two passes (mean, then the mean of squared deviations): no cancellation from E[x²] − E[x]².

Randomness: ``batch_statistics(x, batch)`` takes the batch's indices into a population x as an argument.
"""
from __future__ import annotations

from kernels.core import validate as check
from kernels.core.arith import ieee

MOMENTUM_MODES = ("new", "old")  # the momentum weights the new statistic (torch) or the old average (Keras)


def _eps(eps) -> float:
    return check.scalar("eps", eps, low=0.0, low_open=True)


def _input(x, min_ndim=2):
    check.floating("x", x)
    if x.ndim < min_ndim or x.size == 0:
        raise ValueError(f"x must have at least {min_ndim} axes and some values (a mean of none is undefined), got "
                         f"shape {x.shape}")
    check.finite("x", x)
    return check.namespace(x, "x")


def _affine(name, value, shape, x):
    """γ or β: an array of ``shape`` (broadcast against the normalised x), or None (γ = 1, β = 0)."""
    if value is None:
        return None
    check.floating(name, value)
    if type(value) is not type(x) or tuple(value.shape) != tuple(shape):
        raise ValueError(f"{name} must be an array like x of shape {tuple(shape)}, got {type(value).__name__} "
                         f"{getattr(value, 'shape', None)}")
    check.finite(name, value)
    return value


def _moments(x, axes, xp):
    """(μ, σ²) over ``axes`` with 1/m, kept as broadcastable axes: two passes."""
    mu = xp.mean(x, axis=axes, keepdims=True)
    d = x - mu
    return mu, xp.mean(d * d, axis=axes, keepdims=True)


def _scale_shift(xhat, gamma, beta, shape):
    y = xhat if gamma is None else xhat * gamma.reshape(shape)
    return y if beta is None else y + beta.reshape(shape)


def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


@ieee
def batch_norm_train(x, gamma=None, beta=None, eps=1e-5):
    """Training mode: y = γ(x − μ_B)/√(σ_B² + ε) + β per channel (axis 1), statistics over every other axis.
    Returns (y, μ_B, σ_B²) with μ_B, σ_B² of shape (C,), σ_B² the biased 1/m variance."""
    xp, eps = _input(x), _eps(eps)
    C = x.shape[1]
    gamma, beta = _affine("gamma", gamma, (C,), x), _affine("beta", beta, (C,), x)
    axes = (0,) + tuple(range(2, x.ndim))
    mu, var = _moments(x, axes, xp)
    xhat = (x - mu) / xp.sqrt(var + x.dtype.type(eps))
    return _scale_shift(xhat, gamma, beta, _channel_shape(x)), mu.reshape(C), var.reshape(C)


@ieee
def ghost_batch_norm(x, ghosts, gamma=None, beta=None, eps=1e-5):
    """Seed 003's ghost batches: the batch axis cut into ``ghosts`` equal consecutive parts, each normalised with its
    own statistics (what per-device batch norm does under data parallelism).  Returns (y, μ, σ²), the statistics
    of shape (ghosts, C); ghosts = 1 is ``batch_norm_train``."""
    _input(x)
    if isinstance(ghosts, bool) or not isinstance(ghosts, int) or ghosts < 1 or x.shape[0] % ghosts:
        raise ValueError(f"ghosts must be a positive integer dividing the batch of {x.shape[0]}, got {ghosts!r}")
    xp = check.namespace(x, "x")
    size = x.shape[0] // ghosts
    parts = [batch_norm_train(x[g * size:(g + 1) * size], gamma, beta, eps) for g in range(ghosts)]
    return (xp.concatenate([p[0] for p in parts]), xp.stack([p[1] for p in parts]),
            xp.stack([p[2] for p in parts]))


@ieee
def batch_norm_eval(x, running_mean, running_var, gamma=None, beta=None, eps=1e-5):
    """Inference mode: y = γ(x − r_μ)/√(r_σ² + ε) + β per channel with the running statistics (shape (C,))."""
    xp, eps = _input(x), _eps(eps)
    C = x.shape[1]
    gamma, beta = _affine("gamma", gamma, (C,), x), _affine("beta", beta, (C,), x)
    running_mean = _affine("running_mean", running_mean, (C,), x)
    running_var = _affine("running_var", running_var, (C,), x)
    if running_mean is None or running_var is None:
        raise ValueError("running_mean and running_var are required in inference mode")
    check.nonnegative("running_var", running_var)
    shape = _channel_shape(x)
    xhat = (x - running_mean.reshape(shape)) / xp.sqrt(running_var.reshape(shape) + x.dtype.type(eps))
    return _scale_shift(xhat, gamma, beta, shape)


def unbiased(variance, m: int):
    """m/(m − 1)·σ² (Bessel's correction) for a batch of m ≥ 2 values per channel: torch's running variance."""
    if isinstance(m, bool) or not isinstance(m, int) or m < 2:
        raise ValueError(f"m (values per channel) must be an integer >= 2 for an unbiased variance, got {m!r}")
    check.floating("variance", variance)
    return variance * variance.dtype.type(m / (m - 1))


@ieee
def running_update(average, statistic, momentum, mode="new"):
    """One running-average step, returned (not in place): (1 − a)·r + a·s when the momentum a weights the *new*
    statistic (torch, a = 0.1), b·r + (1 − b)·s when it weights the *old* average (Keras, b = 0.99)."""
    momentum = check.scalar("momentum", momentum, low=0.0, high=1.0)
    check.choice("mode", mode, MOMENTUM_MODES)
    check.floating("average", average)
    check.like("statistic", statistic, average, "average")
    check.finite("average", average)
    check.finite("statistic", statistic)
    new = momentum if mode == "new" else 1.0 - momentum
    t = average.dtype.type
    return average * t(1.0 - new) + statistic * t(new)


@ieee
def layer_norm(x, gamma=None, beta=None, eps=1e-5, dims=1):
    """y = γ(x − μ)/√(σ² + ε) + β, μ and σ² (1/m) over the trailing ``dims`` axes of each sample; γ, β of the
    normalised shape x.shape[-dims:]."""
    xp, eps = _input(x, 1), _eps(eps)
    if isinstance(dims, bool) or not isinstance(dims, int) or not 1 <= dims <= x.ndim:
        raise ValueError(f"dims must be an integer in [1, {x.ndim}], got {dims!r}")
    shape = tuple(x.shape[x.ndim - dims:])
    gamma, beta = _affine("gamma", gamma, shape, x), _affine("beta", beta, shape, x)
    mu, var = _moments(x, tuple(range(x.ndim - dims, x.ndim)), xp)
    xhat = (x - mu) / xp.sqrt(var + x.dtype.type(eps))
    return _scale_shift(xhat, gamma, beta, shape)


@ieee
def group_norm(x, groups, gamma=None, beta=None, eps=1e-5):
    """x (N, C, ...): the C channels in ``groups`` consecutive groups, each normalised over its channels and the
    spatial axes per sample; γ, β per channel (C,)."""
    xp, eps = _input(x), _eps(eps)
    N, C = x.shape[0], x.shape[1]
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or C % groups:
        raise ValueError(f"groups must be a positive integer dividing the {C} channels, got {groups!r}")
    gamma, beta = _affine("gamma", gamma, (C,), x), _affine("beta", beta, (C,), x)
    grouped = x.reshape((N, groups, -1))
    mu, var = _moments(grouped, (2,), xp)
    xhat = ((grouped - mu) / xp.sqrt(var + x.dtype.type(eps))).reshape(x.shape)
    return _scale_shift(xhat, gamma, beta, _channel_shape(x))


@ieee
def batch_statistics(population, batch):
    """(μ_B, σ_B²) of the values ``population[batch]`` (population (N,) or (N, 1); batch a non-empty 1-D integer
    array of indices, repeats allowed), σ_B² with 1/m: the statistics batch norm normalises with."""
    check.floating("population", population)
    check.finite("population", population)
    values = population.reshape(-1)
    xp = check.namespace(batch, "batch")
    if batch.ndim != 1 or batch.dtype.kind not in "iu" or batch.size == 0:
        raise ValueError(f"batch must be a non-empty 1-D integer array, got shape {batch.shape}, dtype {batch.dtype}")
    if not (0 <= int(xp.min(batch)) and int(xp.max(batch)) < values.shape[0]):
        raise ValueError(f"batch must index the {values.shape[0]} values of population")
    mu, var = _moments(values[batch], (0,), xp)
    return xp.concatenate([mu, var])
