"""Fixtures of the real-browser tests: Chromium driven by Playwright, a JupyterLab server
on a loopback port serving a trusted copy of the notebooks, and the static book.

Not part of the default ``pytest`` run (``norecursedirs`` in pyproject.toml); run them with

    pytest tests/browser

They need the ``browser`` extra (``pip install -e ".[browser]"``) and Debian's ``chromium``
(``apt-get install chromium``): Playwright drives the system binary, it does not download
a browser of its own. Without either, every test is skipped and says which is missing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = ROOT / "browser-screenshots"  # git-ignored; the terminal summary prints it
BIN = Path(sys.executable).parent


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (the system's), or a skip naming what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[browser]'")
    executable = _chromium()
    if executable is None:
        pytest.skip("no chromium on PATH: apt-get install chromium (Playwright cannot download its own here)")
    with sync_playwright() as p:
        # --no-sandbox: the tests run as root in containers, where Chromium's sandbox cannot start
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots(request) -> Path:
    """The folder the tests save their screenshots to, emptied of an earlier run's."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    request.config.stash[_SCREENSHOTS_USED] = True
    return SCREENSHOTS


_SCREENSHOTS_USED = pytest.StashKey[bool]()


def pytest_terminal_summary(terminalreporter, config):
    if config.stash.get(_SCREENSHOTS_USED, False):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")


# ------------------------------------------------------------------ JupyterLab

@dataclass
class Lab:
    url: str  # http://127.0.0.1:PORT
    token: str
    root: Path  # the server's root_dir: a copy of notebooks/ and README.md
    log: Path

    def notebook_url(self, name: str, workspace: str) -> str:
        # a fresh workspace per page: JupyterLab then reopens nothing from an earlier page
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?token={self.token}"

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """End every session (and its kernel) the pages opened."""
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter() -> str:
    found = BIN / "jupyter"
    return str(found) if found.exists() else (shutil.which("jupyter") or "jupyter")


@pytest.fixture(scope="session")
def lab(tmp_path_factory, browser) -> Lab:
    """JupyterLab on 127.0.0.1 serving a trusted copy of the notebooks; stopped at the end.

    Everything the server writes (config, signatures, settings, workspaces, checkpoints,
    autosaves) goes to a temporary folder: opening or running a notebook in the browser
    cannot change the repository's files or the user's Jupyter set-up.
    """
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    root.mkdir()
    for path in NOTEBOOKS:
        shutil.copy2(path, root)
    shutil.copy2(ROOT / "README.md", root)  # the notebooks' footers link to it
    settings = tmp / "settings"
    # windowingMode none: attach every cell to the page, so all outputs are in the DOM
    # (JupyterLab 4's default, contentVisibility, may skip rendering cells out of view)
    _write_json(settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
                {"windowingMode": "none"})
    # no request to the Jupyter news feed or for updates (no internet here), and no toast asking
    _write_json(settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
                {"fetchNews": "false", "checkForUpdates": False})
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTER_DATA_DIR": str(tmp / "data"),  # holds the trust database and its secret
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "ARTGAN_PROFILE": "quick",  # the kernels run notebook cells at CI sizes
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    # Untrusted notebooks show stored widgets as text (README, "Stored widgets"): trust the
    # copies the way the README tells readers to; the signatures go to JUPYTER_DATA_DIR above.
    subprocess.run([_jupyter(), "trust", *sorted(str(p) for p in root.glob("*.ipynb"))],
                   env=env, check=True, capture_output=True, text=True)
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp / "jupyterlab.log"
    command = [
        _jupyter(), "lab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with open(log, "wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{lab.log_tail()}")
            try:
                lab.api("/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer on {lab.url} within 90 s:\n{lab.log_tail()}")
                time.sleep(0.5)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


# ------------------------------------------------------------------ the static book

@pytest.fixture(scope="session")
def book(tmp_path_factory) -> Path:
    """The instructor book, built with the README's command into a folder one level below a
    stand-in root (as book/ sits in the repository)."""
    out = tmp_path_factory.mktemp("root") / "book"
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--out", str(out)],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, f"build_book.py failed:\n{result.stdout}\n{result.stderr}"
    return out
