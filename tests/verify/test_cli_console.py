"""The installed ``optverify`` console script, run as a user runs it: a separate process."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "optverify"

pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="the optverify console script is not installed here")

# The README's step function, verbatim
MYMOD = '''\
import numpy as np


def my_adam(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v    # same order as the rule's outputs
'''


def _env():
    # PYTHONPATH=. would put the directory on the path by itself and hide the bug
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_crosscheck_a_module_in_the_current_directory(tmp_path):
    (tmp_path / "mymod.py").write_text(MYMOD)
    done = subprocess.run([str(SCRIPT), "crosscheck", "mymod:my_adam", "--rule", "adam", "--examples", "3"],
                          cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "mymod:my_adam" in done.stdout and "eps_mode=after_correction" in done.stdout


def test_output_into_a_closed_pipe_is_quiet(tmp_path):
    # `optverify list | head -1`, made deterministic: the reading end is gone before anything is written
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([str(SCRIPT), "list"], stdout=write, stderr=subprocess.PIPE, cwd=tmp_path,
                              env=_env(), timeout=120)
    finally:
        os.close(write)
    assert done.stderr == b"" and done.returncode == 141
