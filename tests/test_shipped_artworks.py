"""Notebook 10's shipped runs load in CI: the conditional GAN and the single-image GAN of The Great Wave."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow
MAX_FILE_BYTES = 10 * 1024 * 1024


def test_shipped_conditional_generator_paints_every_class_and_matches_its_export():
    from artgan_utils.artworks import conditional_train as T
    from artgan_utils.artworks import styles
    from artgan_utils.gan import checkpoints_dir

    folder = checkpoints_dir() / T.SHIPPED
    assert all(f.stat().st_size < MAX_FILE_BYTES for f in folder.iterdir())
    gan, info = T.load_conditional()
    assert info["command"].startswith("python -m artgan_utils.artworks.conditional_train train")
    assert info["classes"] == list(styles.class_names()) and info["steps_done"] >= 1000
    assert (folder / "samples.png").is_file() and (folder / "progress.jpg").is_file()
    z = np.random.default_rng(0).standard_normal((4, gan.latent_dim)).astype("float32")
    means = []
    for k in range(len(info["classes"])):
        out = gan.generate(z, k).numpy()
        assert out.shape == (4, info["size"], info["size"], 3) and -1 <= out.min() <= out.max() <= 1
        means.append(out.mean())
    # the same input gives the output recorded at export (float16 weights, CPU), and the classes differ
    np.testing.assert_allclose(means, SHIPPED_CONDITIONAL_MEANS, atol=2e-3)
    assert np.ptp(means) > 0.02


def test_shipped_singan_reconstructs_the_wave_and_varies_it():
    import tensorflow as tf

    from artgan_utils.artworks import singan_train as T
    from artgan_utils.gan import checkpoints_dir

    folder = checkpoints_dir() / T.SHIPPED
    assert all(f.stat().st_size < MAX_FILE_BYTES for f in folder.iterdir())
    model, info = T.load_singan()
    assert info["command"].startswith("python -m artgan_utils.artworks.singan_train train")
    assert info["steps_done"] == len(info["shapes"]) * info["iters"]
    painting = model.reals[-1]
    rec = model.generate(1, noise=False)
    rmse = float(tf.sqrt(tf.reduce_mean((rec - painting) ** 2)))
    assert rmse < 0.15, rmse  # the fixed noise map reproduces the painting (recorded at export: SHIPPED_REC_RMSE)
    assert abs(rmse - SHIPPED_REC_RMSE) < 2e-3
    a, b = model.generate(2, seed=1).numpy()
    assert a.shape == painting.shape[1:] and np.abs(a - b).mean() > 0.05  # variations differ from each other


#: Recorded when the shipped runs were exported (float16 weights, CPU): the reconstruction's RMS error against the
#: painting in [-1, 1] units, and each class's mean output for 4 fixed latent vectors.
SHIPPED_REC_RMSE = 0.1325
SHIPPED_CONDITIONAL_MEANS = [0.1542, 0.377, -0.0961, -0.1111, -0.3807]
