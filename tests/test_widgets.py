"""The minimax explorer, driven without a browser."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from artgan_utils.widgets import minimax_explorer, minimax_state


def test_state_identity_and_known_values():
    s = minimax_state(0.0, 1.0)
    assert s.js == pytest.approx(0.0, abs=1e-9)
    assert s.value == pytest.approx(-np.log(4), abs=1e-6)
    np.testing.assert_allclose(s.d_star, 0.5)
    far = minimax_state(4.0, 0.2)
    assert far.value == pytest.approx(far.value_from_js, abs=1e-6)
    assert far.js > 0.6 and "JS =" in far.caption()


def test_sliders_fire_callback_and_update_state():
    e = minimax_explorer(2.0, 1.0)
    before = e.state.js
    redraws = e.redraws
    e.mu.value = 0.0  # as a user's drag would
    assert e.redraws == redraws + 1
    assert e.state.js < before
    s = e.set(0.0, 1.0)
    assert s.js == pytest.approx(0.0, abs=1e-9)
    assert e.widget.children[0].children[0] is e.mu
