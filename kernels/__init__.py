"""Independent NumPy/CuPy implementations of the optimizers and estimators.

Written from the mathematics in the seeds, never from ``derivations`` (which this package
must not import: checking one against the other would otherwise be circular).

What every kernel guarantees (NumPy and CuPy arrays; float16, bfloat16, float32, float64):

* All checks run before anything is written, and the only error a kernel raises is a ValueError
  naming the bad argument: a hyperparameter out of range, an array of the wrong kind, shape or
  dtype, a read-only array it must write, NaN or inf in p, g or any state (v, vmax also ≥ 0), or
  an array it writes sharing memory with another argument.  A caller never sees half an update.
* The arithmetic is IEEE whatever ``np.errstate`` says: overflow gives ±inf and invalid operations
  NaN, as in CuPy and torch, so no FloatingPointError can stop a step half-way.
* Results keep the arrays' dtype, and 0-d, empty and non-contiguous arrays give the same bits as
  contiguous ones.

Conventions that several optimizers share (weight decay none / L2 / decoupled, the learning rate
inside or outside a momentum buffer) are declared once, in ``blocks``, and composed by each kernel.

Schedules (``linear_warmup``, ``step_decay``, ``exponential_decay``, ``cosine_decay``, ``sgdr``, ``warmup_cosine``,
``inverse_sqrt``) give the learning rate of each update number; see ``kernels.schedules``.

Estimators (``hutchinson_trace``, ``minibatch_gradient``, ``forward_gradient``, ``inverted_dropout``) take
their randomness — probes, batch indices, tangents, masks — as arguments and never draw it: the caller's seeded
generator does.

``set_threads(n)`` shares each step's cache-sized tiles among n threads (default 1; the bits do not change).

``validate=False`` skips the checks (for callers that already made them); then the first
guarantee is the caller's.
"""
from kernels.core.blocks import DECAY_MODES
from kernels.core.tiling import set_threads
from kernels.estimators.bias_variance import bias_variance_mc, ridge_covariance, ridge_fit
from kernels.estimators.cross_entropy import log_softmax, soft_cross_entropy
from kernels.estimators.dropout import dropout_mask, inverted_dropout, stochastic_depth_rates
from kernels.estimators.forward_gradient import forward_gradient, forward_gradient_error
from kernels.estimators.hutchinson import hutchinson_trace, hutchinson_variance, rademacher_probes
from kernels.estimators.hutchpp import hutchpp_trace
from kernels.estimators.label_smoothing import smooth_labels
from kernels.estimators.lanczos import lanczos, lanczos_lambda_max, power_iteration, sharpness, slq
from kernels.estimators.minibatch import epoch_batches, minibatch_gradient
from kernels.estimators.mixup import beta_moments, mixup, mixup_loss
from kernels.estimators.normalization import (
    batch_norm_eval,
    batch_norm_train,
    batch_statistics,
    ghost_batch_norm,
    group_norm,
    layer_norm,
    running_update,
    unbiased,
)
from kernels.estimators.xtrace import xtrace_trace
from kernels.optimizers.adadelta import adadelta_step
from kernels.optimizers.adagrad import adagrad_step
from kernels.optimizers.adam import AMSGRAD_MODES, EPS_MODES, adam_step
from kernels.optimizers.adamax import adamax_step
from kernels.optimizers.cg import cg
from kernels.optimizers.descent import coordinate_descent, gradient_descent, steepest_descent
from kernels.optimizers.ema import ema_update
from kernels.optimizers.lamb import lamb_step
from kernels.optimizers.lars import lars_step
from kernels.optimizers.lbfgs import bfgs, lbfgs
from kernels.optimizers.lion import lion_step
from kernels.optimizers.maml import maml_meta_gradient
from kernels.optimizers.nadam import nadam_step
from kernels.optimizers.newton import newton_step
from kernels.optimizers.nonlinear_cg import nonlinear_cg
from kernels.optimizers.radam import radam_step
from kernels.optimizers.rmsprop import rmsprop_step
from kernels.optimizers.sam import sam_perturbation, sam_step
from kernels.optimizers.sgd import sgd_step
from kernels.schedules import (
    cosine_decay,
    exponential_decay,
    inverse_sqrt,
    linear_warmup,
    sgdr,
    step_decay,
    warmup_cosine,
)

__all__ = ["AMSGRAD_MODES", "DECAY_MODES", "EPS_MODES", "adadelta_step", "adagrad_step", "adam_step", "adamax_step",
           "cg", "ema_update",
           "epoch_batches", "hutchinson_trace", "hutchinson_variance", "lars_step", "lion_step", "minibatch_gradient",
           "nadam_step", "newton_step", "radam_step", "rademacher_probes", "rmsprop_step", "set_threads", "sgd_step"]
__all__ += ["dropout_mask", "forward_gradient", "forward_gradient_error", "inverted_dropout", "stochastic_depth_rates"]
# mixup and label smoothing: soft-target cross-entropy, mixing with λ and a permutation as arguments
__all__ += ["beta_moments", "log_softmax", "mixup", "mixup_loss", "smooth_labels", "soft_cross_entropy"]
__all__ += ["bias_variance_mc", "ridge_covariance", "ridge_fit"]  # bias–variance Monte Carlo, ridge
# normalisation layers (kernels/estimators/normalization.py): forward passes, running averages, batch statistics
__all__ += ["batch_norm_eval", "batch_norm_train", "batch_statistics", "ghost_batch_norm", "group_norm", "layer_norm",
            "running_update", "unbiased"]
# first-order descent with an objective oracle (kernels/optimizers/descent.py): GD, steepest descent, coordinate descent
__all__ += ["coordinate_descent", "gradient_descent", "steepest_descent"]
__all__ += ["lamb_step"]  # LAMB, per-tensor trust ratio on the Adam direction
__all__ += ["sam_perturbation", "sam_step"]  # SAM / ASAM with a gradient oracle
__all__ += ["maml_meta_gradient"]  # MAML / FOMAML from gradient and HVP oracles
__all__ += ["bfgs", "lbfgs", "nonlinear_cg"]  # quasi-Newton and nonlinear CG with a line search
# deflated trace estimators, Lanczos quadrature and λ_max (helper traces): probes as one (m, n) block
__all__ += ["hutchpp_trace", "lanczos", "lanczos_lambda_max", "power_iteration", "sharpness", "slq", "xtrace_trace"]
# learning-rate schedules: the rate of each update, vectorised over update numbers (kernels/schedules/)
__all__ += ["cosine_decay", "exponential_decay", "inverse_sqrt", "linear_warmup", "sgdr", "step_decay", "warmup_cosine"]
