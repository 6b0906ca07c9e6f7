"""The minimax explorer, driven without a browser."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from artgan_utils.teaching.widgets import minimax_explorer, minimax_state


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


# ------------------------------------------------------------------ latent explorer

def _tiny_generator():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(4 * 4 * 3, activation="tanh"),
                             keras.layers.Reshape((4, 4, 3))])


def test_latent_vector_endpoints_seeds_and_truncation():
    from artgan_utils.teaching.widgets import latent_vector

    za = np.random.default_rng(3).standard_normal(6).astype("float32")
    zb = np.random.default_rng(9).standard_normal(6).astype("float32")
    np.testing.assert_allclose(latent_vector(6, 3, 9, 0.0), za, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(latent_vector(6, 3, 9, 1.0), zb, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(latent_vector(6, 3, 9, 0.4, truncation=0.5), 0.5 * latent_vector(6, 3, 9, 0.4), rtol=1e-6)
    assert np.all(latent_vector(6, 3, 9, 0.7, truncation=0.0) == 0)


def test_latent_explorer_follows_its_controls():
    import matplotlib

    matplotlib.use("Agg")
    from artgan_utils.teaching.widgets import LatentExplorer, latent_vector

    g = _tiny_generator()
    ex = LatentExplorer(g, seed_a=3, seed_b=9, t=0.0)
    assert ex.redraws == 1 and ex.image.shape == (4, 4, 3)
    np.testing.assert_allclose(ex.image, g(latent_vector(6, 3, 9, 0.0)[None]).numpy()[0], atol=1e-6)
    img = ex.set(t=1.0)
    np.testing.assert_allclose(img, ex.images[2], atol=1e-6)  # at t=1 the middle image is seed B's
    assert ex.redraws == 2
    ex.set(seed_b=4, truncation=0.0)
    assert ex.redraws == 4
    np.testing.assert_allclose(ex.images[0], ex.images[2], atol=1e-6)  # truncation 0: every point is the origin
    with pytest.raises(ValueError, match="Unknown control"):
        ex.set(speed=2)


def test_snapshots_draw_the_controls_current_state():
    import matplotlib

    matplotlib.use("Agg")
    from artgan_utils.teaching.widgets import LatentExplorer

    e = minimax_explorer(2.0, 1.0)
    e.set(0.5, 1.5)
    fig = e.snapshot()
    assert "mean 0.5, std 1.5" in fig._suptitle.get_text()
    ex = LatentExplorer(_tiny_generator(), seed_a=3, seed_b=9, t=0.25)
    fig = ex.snapshot()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["seed A = 3", "t = 0.25", "seed B = 9"]
    shown = fig.axes[1].images[0].get_array()
    assert shown.shape[:2] == ex.image.shape[:2]


def test_style_explorer_blends_two_styles_and_follows_its_seed():
    from artgan_utils.gan.conditional import build_conditional_gan
    from artgan_utils.teaching.widgets import StyleExplorer

    gan = build_conditional_gan(3, "concat", image_size=16, g_filters=16, d_filters=8, latent_dim=8)
    ex = StyleExplorer(gan, ("a", "b", "c"), count=3)
    a = ex.set(style_a=0, style_b=2, blend=0.0).copy()
    b = ex.set(blend=1.0).copy()
    assert ex._title() == "c" and a.shape == (3, 16, 16, 3) and not np.allclose(a, b)
    z = np.stack([np.random.default_rng(i).standard_normal(8) for i in range(3)]).astype("float32")
    assert np.allclose(b, gan.generate(z, 2), atol=1e-5)  # blend 1 is style B alone
    ex.set(blend=0.5)
    assert ex._title() == "0.5 a + 0.5 c"
    before = ex.redraws
    ex.set(seed=5)
    assert ex.redraws == before + 1 and not np.allclose(ex.images, ex.set(seed=6))
    assert len(ex.snapshot().axes) >= 3
    with pytest.raises(ValueError, match="Unknown control"):
        ex.set(style=1)
    with pytest.raises(ValueError, match="class names"):
        StyleExplorer(gan, ("a", "b"))
