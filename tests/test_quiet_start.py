"""A notebook's first cell shows no TensorFlow start-up lines (issue 14, item 11).

On a machine without a GPU, TensorFlow's CUDA probe writes "Could not find cuda
drivers" and "failed call to cuInit" to descriptor 2 before any log setting
applies; a live Jupyter kernel shows them. ``setup_notebook`` filters them
(:func:`artgan_utils.env.load_tensorflow_quietly`) and lets other lines through.
"""

from __future__ import annotations

import os
import subprocess
import sys

from artgan_utils import env


def _run(code: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=environment | {"ARTGAN_PROFILE": "quick"})


def test_plain_import_prints_the_probe_lines_here_and_setup_notebook_does_not():
    plain = _run("import tensorflow as tf; tf.config.list_physical_devices()")
    quiet = _run("import artgan_utils as au; au.setup_notebook(verbose=False); "
                 "import tensorflow as tf; print(float(tf.constant(2.0) + 1))")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.strip() == "3.0"
    assert quiet.stderr.strip() == "", quiet.stderr
    if "GPU" not in plain.stdout:  # the control: without the filter, this machine shows the lines
        assert env.CUDA_PROBE_LINES.search(plain.stderr), "expected TensorFlow's probe lines without the filter"


def test_other_lines_written_while_tensorflow_loads_still_reach_stderr():
    code = ("import os, sys, builtins\n"
            "real_import = builtins.__import__\n"
            "def noisy(name, *a, **k):\n"
            "    if name == 'tensorflow' and 'tensorflow' not in sys.modules:\n"
            "        os.write(2, b'a real problem\\n')\n"
            "    return real_import(name, *a, **k)\n"
            "builtins.__import__ = noisy\n"
            "from artgan_utils import env\n"
            "env.load_tensorflow_quietly()\n")
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "a real problem"


def test_the_filter_keeps_unrelated_lines():
    assert env.CUDA_PROBE_LINES.search("I0000 00:00:17 123 cudart_stub.cc:31] Could not find cuda drivers")
    assert env.CUDA_PROBE_LINES.search("E0000 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)")
    assert not env.CUDA_PROBE_LINES.search("ValueError: the image file is corrupt")
