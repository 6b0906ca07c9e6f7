"""environment.yml and pyproject.toml must pin the same packages the same way."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
# extras that neither environment.yml nor CI installs: the browser tests' own (tests/browser)
SEPARATE_EXTRAS = {"browser"}


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for name, extra in project.get("optional-dependencies", {}).items():
        if name not in SEPARATE_EXTRAS:
            reqs += extra
    out: dict[str, str] = {}
    for line in reqs:
        r = Requirement(line)
        name = canonicalize_name(r.name)
        spec = str(r.specifier)
        assert out.get(name, spec) == spec, f"{name} is pinned two ways in pyproject.toml"
        out[name] = spec
    return out


def _environment_yml() -> tuple[dict, list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return env, pip_section


def test_environment_yml_matches_pyproject():
    env, pip_lines = _environment_yml()
    from_env = {}
    for line in pip_lines:
        if line.startswith("-e"):
            continue
        r = Requirement(line)
        from_env[canonicalize_name(r.name)] = str(r.specifier)
    from_pyproject = _pyproject_requirements()
    assert set(from_env) == set(from_pyproject), (
        f"only in environment.yml: {sorted(set(from_env) - set(from_pyproject))}; "
        f"only in pyproject.toml: {sorted(set(from_pyproject) - set(from_env))}"
    )
    differ = {k: (from_pyproject[k], from_env[k]) for k in from_env if from_env[k] != from_pyproject[k]}
    assert not differ, f"specifiers differ (pyproject, environment.yml): {differ}"


def test_environment_yml_installs_project_and_python_311():
    env, pip_lines = _environment_yml()
    assert "-e ." in pip_lines
    assert "python=3.11" in env["dependencies"]
    assert env["channels"] == ["conda-forge"]


@pytest.mark.parametrize("name, spec", sorted(_pyproject_requirements().items()))
def test_installed_versions_satisfy_pins(name, spec):
    providers = {"tensorflow": ("tensorflow", "tensorflow-cpu")}.get(name, (name,))
    for dist in providers:
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
        assert Requirement(f"{name}{spec}").specifier.contains(version, prereleases=True), (
            f"{dist} {version} is installed but the project pins {spec}; reinstall with pip install -e '.[test]'"
        )
        return
    pytest.fail(f"{name} is not installed; run pip install -e '.[test]'")
