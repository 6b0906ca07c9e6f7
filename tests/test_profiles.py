"""Run profiles: selection by environment variable, settings, errors."""

from __future__ import annotations

import pytest

from artgan_utils import profiles
from artgan_utils.profiles import PROFILE_NAMES, SECTIONS, ProfileError, get_profile


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_env_var_selects_profile(monkeypatch, name):
    monkeypatch.setenv("ARTGAN_PROFILE", f"  {name.upper()} ")
    p = get_profile()
    assert p.name == name
    assert p.source == "ARTGAN_PROFILE"


def test_argument_beats_env_var(monkeypatch):
    monkeypatch.setenv("ARTGAN_PROFILE", "full")
    assert get_profile("quick").name == "quick"


def test_unknown_profile_says_what_to_do(monkeypatch):
    monkeypatch.setenv("ARTGAN_PROFILE", "fast")
    with pytest.raises(ProfileError, match=r"Unknown profile 'fast'.*quick, standard, full.*export ARTGAN_PROFILE"):
        get_profile()


@pytest.mark.parametrize("gpu, expected", [(False, "standard"), (True, "full")])
def test_default_follows_hardware(monkeypatch, gpu, expected):
    monkeypatch.delenv("ARTGAN_PROFILE", raising=False)
    monkeypatch.setattr(profiles, "gpu_available", lambda: gpu)
    p = get_profile()
    assert p.name == expected
    assert "default" in p.source


def test_quick_profile_pins_threads_others_do_not():
    assert get_profile("quick").threads == 2
    assert get_profile("standard").threads is None


def test_every_setting_has_three_values_and_profiles_grow():
    for section, spec in SECTIONS.items():
        for key, values in spec.items():
            assert len(values) == 3, f"{section}.{key} needs (quick, standard, full)"
            q, s, f = values
            if all(isinstance(v, (int, float)) for v in values):
                assert q <= s <= f, f"{section}.{key}: quick <= standard <= full expected, got {values}"


def test_settings_access_and_errors():
    s = get_profile("standard").settings("00_welcome")
    assert s.patch_size == s["patch_size"] == SECTIONS["00_welcome"]["patch_size"][1]
    assert "patch_size" in s.table()
    with pytest.raises(ProfileError, match="no setting 'nope'.*Known settings"):
        s.nope
    with pytest.raises(ProfileError, match="No settings section 'zz'"):
        get_profile("quick").settings("zz")


def test_pick_and_str():
    p = get_profile("full")
    assert p.pick(1, 2, 3) == 3
    assert "full" in str(p) and "argument" in str(p)
