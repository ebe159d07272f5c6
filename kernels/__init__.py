"""Independent NumPy/CuPy implementations of the optimizers and estimators.

Written from the mathematics in the seeds, never from ``derivations`` (which this package
must not import: checking one against the other would otherwise be circular).
"""
from .adam import AMSGRAD_MODES, DECAY_MODES, EPS_MODES, adam_step
from .ema import ema_update
from .rmsprop import rmsprop_step
from .sgd import sgd_step

__all__ = ["AMSGRAD_MODES", "DECAY_MODES", "EPS_MODES", "adam_step", "ema_update", "rmsprop_step", "sgd_step"]
