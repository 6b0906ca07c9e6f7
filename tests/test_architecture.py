"""The package matches its map (ARCHITECTURE.md): every module listed, short enough, importing only lower layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "artgan_utils"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 400

SETUP = {"profiles", "env", "viz"}
#: layer -> the top-level parts of artgan_utils it may import (as in ARCHITECTURE.md)
ALLOWED = {
    "setup": SETUP,
    "data": SETUP,
    "gan": SETUP | {"data"},
    "evaluation": SETUP | {"data", "gan"},
    "pretrained": SETUP | {"data", "evaluation"},
    "transfer": SETUP | {"data", "gan", "evaluation", "pretrained"},
    "artworks": SETUP | {"data", "gan", "evaluation", "pretrained", "transfer"},
    "authentication": SETUP | {"data", "gan", "evaluation", "pretrained", "transfer", "artworks"},
    "teaching": SETUP | {"data", "gan", "evaluation"},
    "exercises": SETUP | {"data", "gan", "evaluation", "pretrained", "transfer", "artworks", "authentication",
                          "teaching"},
}
COMMANDS = {"train", "student_edition"}


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _layer(path: Path) -> str | None:
    first = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    if first in SETUP:
        return "setup"
    if first in COMMANDS or first == "__init__":
        return None  # commands and the package root may import anything
    return first


def _imports(path: Path) -> set[str]:
    """The top-level parts of artgan_utils that ``path`` imports (``artgan_utils.gan.model`` -> ``gan``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "artgan_utils":
            parts = node.module.split(".")
            found |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("artgan_utils.")}
    return found


def test_every_module_is_on_the_map():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [_rel(p) for p in MODULES
               if f"`{_rel(p)}`" not in text
               and not (p.parent.name == "exercises" and "`exercises/`" in text)
               and not (p.name == "__init__.py" and f"`{_rel(p.parent)}/`" in text)]
    assert not missing, f"add these modules to ARCHITECTURE.md: {missing}"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_module_reads_in_one_sitting(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines > MAX_LINES:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "Why over 400 lines:" in doc, f"{_rel(path)} has {lines} lines: split it, or say at its top why not"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_module_imports_only_lower_layers(path):
    layer = _layer(path)
    if layer is None:
        return
    own = {layer} if layer != "setup" else set()
    bad = _imports(path) - ALLOWED[layer] - own - {"artgan_utils"}
    assert not bad, f"{_rel(path)} (layer {layer}) imports {sorted(bad)}; see ARCHITECTURE.md for what it may use"


def test_importing_the_package_changes_no_tensorflow_option():
    import subprocess
    import sys

    code = ("import artgan_utils, artgan_utils.gan, artgan_utils.evaluation, artgan_utils.data, tensorflow as tf;"
            "from artgan_utils.gan import model;"
            "print(tf.config.optimizer.get_experimental_options().get('remapping', 'default'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "default"
