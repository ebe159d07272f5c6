"""Weight initialisation by variance scaling on NumPy or CuPy arrays: Xavier (Glorot) and He (Kaiming).

Written from seed 001_08f6c05329770bc7.txt ("Normalized Initialization (Xavier)": W_ij ~ U(−√(6/(m + n)),
√(6/(m + n))), m inputs and n outputs; "He Initialization": derived for ReLU), never from derivations/.

Every scheme is one rule: Var[W] = gain²/fan with
* ``mode``: fan = fan_in (He: keeps the forward variance), fan_out (keeps the backward one), or fan_avg =
  (fan_in + fan_out)/2 (Xavier's compromise: U(±√(6/(m + n))) has variance 2/(m + n));
* ``layout``: where the fans are read in a kernel's shape — "torch": (out, in, *receptive field); "keras":
  (*receptive field, in, out).  Both multiply by the receptive field's size; a 2-D (a, b) weight has fan_in = b
  under torch's layout (nn.Linear's (out, in)) and fan_in = a under keras' (Dense's (in, out));
* ``gain``: √2 for ReLU (He), √(2/(1 + a²)) for leaky ReLU with slope a, 1 for linear layers;
* ``distribution``: "uniform" on ±√(3V); "normal" with std √V; "truncated_normal", a standard normal truncated
  to [−2, 2] scaled by √V/c, c² = 1 − 4φ(2)/(2Φ(2) − 1) that truncation's variance, so that Var[W] is V still.

The randomness is an argument: ``draws`` are uniforms on [0, 1), standard normals, or standard normals
truncated to [−2, 2] (by the caller's seeded generator); the weights take ``draws.shape``.
"""
from __future__ import annotations

import math

from kernels.core import validate as check
from kernels.core.arith import ieee

LAYOUTS = ("torch", "keras")
MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("uniform", "normal", "truncated_normal")
TRUNCATION = 2.0  # truncated normals live on [−2, 2] standard deviations


def truncated_std(k: float = TRUNCATION) -> float:
    """The standard deviation of N(0, 1) truncated to [−k, k]: √(1 − 2kφ(k)/(2Φ(k) − 1))."""
    phi = math.exp(-k * k / 2) / math.sqrt(2 * math.pi)
    return math.sqrt(1 - 2 * k * phi / math.erf(k / math.sqrt(2)))


def fans(shape, layout: str = "torch") -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape``: the in/out axes times the receptive field (the other axes)."""
    check.choice("layout", layout, LAYOUTS)
    shape = tuple(shape)
    if len(shape) < 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"shape must have >= 2 positive integer axes (a matrix or a kernel), got {shape!r}")
    if layout == "torch":
        out, inp, field = shape[0], shape[1], math.prod(shape[2:])
    else:
        inp, out, field = shape[-2], shape[-1], math.prod(shape[:-2])
    return inp * field, out * field


def leaky_relu_gain(slope: float = 0.0) -> float:
    """√(2/(1 + a²)): E[f(z)²] = (1 + a²)/2·E[z²] for z symmetric; a = 0 is ReLU's √2 (He)."""
    slope = check.scalar("slope (the negative slope a)", slope)
    return math.sqrt(2.0 / (1.0 + slope * slope))


def init_variance(shape, mode: str = "fan_avg", layout: str = "torch", gain: float = 1.0) -> float:
    """gain²/fan: fan_avg gives Xavier's 2g²/(fan_in + fan_out); fan_in with gain √2 gives He's 2/fan_in."""
    check.choice("mode", mode, MODES)
    gain = check.scalar("gain", gain, low=0.0, low_open=True)
    fan_in, fan_out = fans(shape, layout)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    return gain * gain / fan


@ieee
def variance_scaling(draws, mode: str = "fan_avg", layout: str = "torch", gain: float = 1.0,
                     distribution: str = "uniform"):
    """Weights of ``draws.shape`` with Var = gain²/fan from the caller's draws (see the module docstring)."""
    check.choice("distribution", distribution, DISTRIBUTIONS)
    check.floating("draws", draws)
    check.finite("draws", draws)
    V = init_variance(draws.shape, mode, layout, gain)
    one = draws.dtype.type
    if distribution == "uniform":
        if draws.size and not bool(((draws >= 0) & (draws < 1)).all()):
            raise ValueError("draws must be uniforms in [0, 1) for distribution='uniform'")
        return (draws * one(2) - one(1)) * one(math.sqrt(3 * V))
    if distribution == "truncated_normal":
        if draws.size and not bool((abs(draws) <= TRUNCATION).all()):
            raise ValueError(f"draws must lie in [−{TRUNCATION}, {TRUNCATION}] for distribution='truncated_normal'")
        return draws * one(math.sqrt(V) / truncated_std())
    return draws * one(math.sqrt(V))
