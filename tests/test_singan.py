"""The single-image GAN (notebook 10): the pyramid, training scale by scale, generating, exact resume, export."""

from __future__ import annotations

import json

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from artgan_utils.gan import singan as S  # noqa: E402


def test_pyramid_runs_from_min_size_to_max_size_in_even_steps():
    shapes = S.pyramid_shapes(260, 384, max_size=256, min_size=25, scale_factor=0.75)
    assert max(shapes[-1]) == 256 and abs(min(shapes[0]) - 25) <= 1
    ratios = [b[1] / a[1] for a, b in zip(shapes, shapes[1:])]
    assert all(1 / 0.75 - 0.15 < r <= 1 / 0.75 + 0.01 for r in ratios), ratios
    assert all(abs(h / w - 260 / 384) < 0.05 for h, w in shapes)  # the aspect ratio is kept
    with pytest.raises(ValueError, match="below min_size"):
        S.pyramid_shapes(260, 384, max_size=30, min_size=25)
    with pytest.raises(ValueError, match="scale_factor"):
        S.pyramid_shapes(260, 384, max_size=256, scale_factor=1.5)


def test_generators_are_fully_convolutional_and_add_to_their_input():
    g = S.make_scale_generator(8)
    prev = np.random.default_rng(0).uniform(-1, 1, (2, 13, 21, 3)).astype("float32")
    out = g([prev, prev]).numpy()
    assert out.shape == prev.shape and np.abs(out - prev).max() <= 1
    assert S.make_scale_discriminator(8)(prev).shape == (2, 13, 21, 1)


def _painting():
    y, x = np.mgrid[0:24, 0:36] / 36.0
    return np.stack([np.sin(9 * x), np.cos(7 * y), np.sin(5 * (x + y))], -1).astype("float32")


def _model(iters=6):
    m = S.SinGAN(_painting(), S.pyramid_shapes(24, 36, max_size=36, min_size=16, scale_factor=0.75), iters,
                 channels=8, d_steps=1, g_steps=1, seed=0)
    m.compile()
    return m


@pytest.mark.slow
def test_training_reduces_the_reconstruction_error_and_sets_noise_amplitudes():
    m = _model(iters=40)
    m.start_scale(0)
    rec0 = float(tf.reduce_mean((m.generate(1, noise=False, until=0) - m.reals[0]) ** 2))
    m.train(every=40)
    assert int(m.step.numpy()) == m.total_steps
    rec = m.generate(1, noise=False)
    err = float(tf.reduce_mean((rec - m.reals[-1]) ** 2))
    assert err < 0.5 * rec0, (err, rec0)
    amps = m.noise_amps.numpy()
    assert amps[0] == 1.0 and np.all(amps[1:] > 0) and np.all(amps[1:] < 1)


@pytest.mark.slow
def test_variations_other_shapes_and_harmonisation_come_out_the_right_size():
    m = _model(iters=2)
    m.train(every=2)
    a, b = m.generate(2, seed=1).numpy(), m.generate(2, seed=2).numpy()
    assert a.shape == (2, 24, 36, 3) and not np.allclose(a, b)
    wide = [(h, 2 * w) for h, w in m.shapes]
    assert m.generate(1, shapes=wide).shape == (1, 24, 72, 3)
    edited = _painting()
    edited[5:15, 5:15] = 1.0
    assert m.generate(1, start=1, start_image=edited).shape == (1, 24, 36, 3)


@pytest.mark.slow
def test_the_trainer_resumes_exactly_and_exports_a_loadable_pyramid(tmp_path):
    from PIL import Image

    from artgan_utils.artworks import singan_train as T

    painting = tmp_path / "p.png"
    Image.fromarray(((_painting() + 1) * 127.5).round().astype("uint8")).save(painting)
    cfg = dict(painting=str(painting), max_size=36, min_size=16, scale_factor=0.75, iters=4, d_steps=1, g_steps=1,
               channels=8, seed=0)
    straight = T.train(tmp_path / "a", cfg, every=2, progress=False)
    # the same run, stopped by its time limit after the first chunk (mid-scale) and resumed by a fresh model
    stopped = T.train(tmp_path / "b", cfg, every=2, progress=False, time_limit=1e-9)
    assert stopped["steps_done"] < straight["steps_done"]
    T.train(tmp_path / "b", cfg, every=2, progress=False)
    _, a = T.restore_run(tmp_path / "a", T.build_model)
    _, b = T.restore_run(tmp_path / "b", T.build_model)
    for ga, gb in zip(a.generators, b.generators):
        for wa, wb in zip(ga.get_weights(), gb.get_weights()):
            np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    T.export(tmp_path / "a", tmp_path / "export")
    loaded, info = T.load_singan(str(tmp_path / "export"))
    assert json.loads((tmp_path / "export" / "run.json").read_text())["shapes"] == [list(s) for s in a.shapes]
    a.current = a.num_scales - 1
    np.testing.assert_allclose(loaded.generate(1, seed=3).numpy(), a.generate(1, seed=3).numpy(), atol=0.03)
    with pytest.raises(ValueError, match="must divide"):
        T.train(tmp_path / "c", cfg, every=3, progress=False)
