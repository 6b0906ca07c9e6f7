"""Test-session set-up shared by the unit tests and the notebook tests (nbval).

Notebook kernels are child processes of pytest and inherit this environment, so
the profile, log level and terminal width set here apply inside every notebook.
"""

from __future__ import annotations

import os

os.environ.setdefault("ARTGAN_PROFILE", "quick")  # CI sizes; override to run others
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet post-init C++ log lines
os.environ["COLUMNS"] = "80"  # Keras sizes model.summary() from the terminal width


def pytest_collectstart(collector):
    """nbval's documented hook: output keys that are never compared.

    ``stderr`` holds TensorFlow's native log lines (present or absent depending on
    how the kernel was started), warnings and progress-bar text; ``text/html`` is
    Keras's rich styling of tables whose ``text/plain`` twin is still compared.
    """
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb" and hasattr(collector, "skip_compare"):
        collector.skip_compare += ("stderr", "text/html")


def pytest_configure(config):
    """Resolve the sanitize file against the repository root, so pytest works from any folder."""
    option = getattr(config.option, "nbval_sanitize_with", None)
    if option and not os.path.isabs(option) and not os.path.exists(option):
        config.option.nbval_sanitize_with = str(config.rootpath / option)
