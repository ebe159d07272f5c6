"""A fake "framework" for the cross-check tests: our own kernels with planted conventions, and
planted bugs that follow no convention.  Registered in verify.adapters.frameworks.ADAPTERS by the tests."""
from adam_mutants import adam

from verify.adapters.frameworks.user import step_function_target
from verify.adapters.ours import kernel_for

PLANTED = {
    "sgd": {"lr_position": "inside_buffer", "init": "first_gradient", "nesterov": True, "decay": "decoupled"},
    "rmsprop": {"eps_mode": "outside_sqrt", "centered": True, "lr_position": "inside_buffer", "decay": "l2"},
    "adam": {"eps_mode": "uncorrected", "bias_correction": True, "decay": "decoupled", "amsgrad": "corrected"},
}
BUGS = ("drop_sqrt", "swap_betas")


def require():
    pass


def user_adam(p, g, m, v, t, lr, beta1, beta2, eps):
    """A user's Adam, the paper's Algorithm 1, as plain NumPy."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / (v_hat**0.5 + eps), m, v


def targets():
    found = [step_function_target(kernel_for(rule, conv), rule, f"fake.{rule}") for rule, conv in PLANTED.items()]
    found += [step_function_target(adam(bug), "adam", f"fake.adam_with_{bug}") for bug in BUGS]
    return found
