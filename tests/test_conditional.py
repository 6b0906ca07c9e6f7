"""Class-conditional GANs (notebook 10): the labelled stream, conditional batch norm, the three schemes, training and exact resume."""

from __future__ import annotations

import json

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from artgan_utils import data  # noqa: E402
from artgan_utils.gan import conditional as C  # noqa: E402

COLOURS = np.array([[250, 10, 10], [10, 250, 10], [10, 10, 250]], dtype=np.uint8)


def _solid_images():
    """Class k = images of one flat colour; class 0 has three images, the others one (imbalanced on purpose)."""
    images = [np.full((40 + 4 * i, 48, 3), COLOURS[k], np.uint8) for i, k in enumerate([0, 0, 0, 1, 2])]
    return images, np.array([0, 0, 0, 1, 2])


def test_labelled_stream_pairs_each_patch_with_its_class_and_balances_the_classes():
    images, labels = _solid_images()
    x, y = next(iter(data.labelled_patch_dataset(images, labels, 8, 600, seed=3)))
    x, y = x.numpy(), y.numpy()
    colour = ((x[:, 0, 0] + 1) * 127.5).round()
    assert np.allclose(colour, COLOURS[y].astype(float), atol=1)  # the label is the patch's class
    counts = np.bincount(y, minlength=3)
    assert counts.min() > 150, counts  # balanced (~200 each), although class 0 holds 3 of the 5 images


def test_labelled_stream_is_step_indexed_and_rejects_bad_labels():
    images, labels = _solid_images()
    full = list(data.labelled_patch_dataset(images, labels, 8, 4, seed=1).take(3))
    resumed = next(iter(data.labelled_patch_dataset(images, labels, 8, 4, seed=1, start_batch=2)))
    assert np.array_equal(full[2][1].numpy(), resumed[1].numpy())
    assert np.array_equal(full[2][0].numpy(), resumed[0].numpy())
    with pytest.raises(ValueError, match="0..K-1"):
        data.labelled_patch_dataset(images, np.array([0, 0, 0, 1, 3]), 8, 4)
    with pytest.raises(ValueError, match="one label per image"):
        data.labelled_patch_dataset(images, labels[:3], 8, 4)


def test_conditional_batch_norm_is_batch_norm_until_its_class_tables_move():
    x = np.random.default_rng(0).normal(2.0, 3.0, (8, 4, 4, 5)).astype("float32")
    y = np.array([0, 1] * 4, np.int32)
    layer = C.ConditionalBatchNorm(2)
    y = np.eye(2, dtype="float32")[y]
    out = layer([x, y], training=True).numpy()
    assert np.allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4) and np.allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-2)
    layer.gamma.assign(np.array([[1.0] * 5, [3.0] * 5]))
    layer.beta.assign(np.array([[0.0] * 5, [10.0] * 5]))
    out2 = layer([x, y], training=True).numpy()
    assert np.allclose(out2[0], out[0], atol=1e-5)  # class 0 unchanged
    assert np.allclose(out2[1], 3 * out[1] + 10, atol=1e-4)  # class 1 scaled and shifted
    half = layer([x, np.full((8, 2), 0.5, "float32")], training=True).numpy()
    assert np.allclose(half, 2 * out + 5, atol=1e-4)  # a 50/50 blend mixes the tables


@pytest.mark.parametrize("scheme", C.SCHEMES)
def test_every_scheme_builds_and_its_label_changes_what_it_should(scheme):
    z = np.random.default_rng(0).normal(size=(4, 16)).astype("float32")
    g = C.make_conditional_generator(3, scheme, latent_dim=16, image_size=16, base_filters=32, seed=0)
    d = C.make_conditional_discriminator(3, scheme, image_size=16, base_filters=8, seed=1)
    onehot = np.eye(3, dtype="float32")
    a, b = g([z, onehot[[0] * 4]]).numpy(), g([z, onehot[[2] * 4]]).numpy()
    assert a.shape == (4, 16, 16, 3) and np.abs(a).max() <= 1
    if scheme == "projection":
        assert np.allclose(a, b)  # conditional BN starts as plain BN: the label only matters once trained
    else:
        assert not np.allclose(a, b)  # the one-hot enters the first layer
    out0, out2 = d([a, np.zeros(4, np.int32)]), d([a, np.full(4, 2, np.int32)])
    if scheme == "acgan":
        assert out0[0].shape == (4, 1) and out0[1].shape == (4, 3)
        assert np.allclose(out0[0], out2[0]) and np.allclose(out0[1], out2[1])  # AC-GAN's D does not read the label
    else:
        assert out0.shape == (4, 1) and not np.allclose(out0, out2)


def test_resize_generator_upsamples_without_transposed_convolutions():
    g = C.make_conditional_generator(3, "acgan", latent_dim=16, image_size=32, base_filters=32, seed=0,
                                     upsample="resize")
    kinds = {type(layer).__name__ for layer in g.layers}
    assert "Conv2DTranspose" not in kinds and {"UpSampling2D", "Conv2D"} <= kinds
    z = np.random.default_rng(0).normal(size=(2, 16)).astype("float32")
    assert g([z, np.eye(3, dtype="float32")[[0, 1]]]).shape == (2, 32, 32, 3)
    assert isinstance(g.get_layer("up1"), keras.layers.Conv2D)
    with pytest.raises(ValueError, match="upsample must be"):
        C.make_conditional_generator(3, "acgan", upsample="bilinear")


def test_a_deeper_discriminator_ends_on_a_coarser_map_and_a_smaller_start_adds_a_generator_layer():
    default = C.make_conditional_discriminator(3, "projection", image_size=64, base_filters=8, seed=1)
    deeper = C.make_conditional_discriminator(3, "projection", image_size=64, base_filters=8, seed=1, layers_down=4)
    assert default.get_layer("flatten").input.shape[1:3] == (8, 8)
    assert deeper.get_layer("flatten").input.shape[1:3] == (4, 4)  # each last feature sees most of the patch
    x = np.zeros((2, 64, 64, 3), "float32")
    assert deeper([x, np.array([0, 2], np.int32)]).shape == (2, 1)
    with pytest.raises(ValueError, match="layers_down must be between 1 and log2"):
        C.make_conditional_discriminator(3, "projection", image_size=64, layers_down=7)
    g8 = C.make_conditional_generator(3, "projection", latent_dim=16, image_size=32, base_filters=32, seed=0)
    g4 = C.make_conditional_generator(3, "projection", latent_dim=16, image_size=32, base_filters=32, seed=0,
                                      start_size=4)
    assert g4.get_layer("reshape").output.shape[1:3] == (4, 4) and g8.get_layer("reshape").output.shape[1:3] == (8, 8)
    assert len([la for la in g4.layers if la.name.startswith("up") and la.name[2:].isdigit()]) == 3
    z = np.zeros((2, 16), "float32")
    assert g4([z, np.eye(3, dtype="float32")[[0, 1]]]).shape == (2, 32, 32, 3)


def _gan(scheme="projection", seed=0):
    return C.build_conditional_gan(3, scheme, image_size=16, seed=seed, g_filters=32, d_filters=8, latent_dim=16)


def _stream(start=0):
    images, labels = _solid_images()
    return data.labelled_patch_dataset(images, labels, 16, 8, seed=0, start_batch=start)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", C.SCHEMES)
def test_training_moves_both_networks_and_reports_its_metrics(scheme):
    gan = _gan(scheme)
    before = [w.copy() for w in gan.generator.get_weights()]
    hist = gan.fit(_stream(), steps_per_epoch=3, epochs=1, verbose=0)
    assert int(gan.step.numpy()) == 3
    assert all(np.isfinite(v[-1]) for v in hist.history.values())
    assert ("d_class" in hist.history) == (scheme == "acgan")
    assert any(not np.allclose(a, b) for a, b in zip(before, gan.generator.get_weights()))
    assert gan.generate(np.zeros((2, 16), "float32"), 1).shape == (2, 16, 16, 3)


@pytest.mark.slow
def test_a_resumed_run_continues_exactly(tmp_path):
    straight = _gan()
    straight.fit(_stream(), steps_per_epoch=4, epochs=1, verbose=0)
    first = _gan()
    first.fit(_stream(), steps_per_epoch=2, epochs=1, verbose=0)
    path = first.checkpoint().save(str(tmp_path / "ckpt"))
    resumed = _gan()
    resumed.checkpoint().restore(path).assert_existing_objects_matched()
    resumed.fit(_stream(start=2), steps_per_epoch=2, epochs=1, verbose=0)
    for a, b in zip(straight.ema_generator.get_weights(), resumed.ema_generator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_conditional_gan_refuses_what_it_does_not_support():
    g = C.make_conditional_generator(2, "concat", latent_dim=8, image_size=16, base_filters=16)
    d = C.make_conditional_discriminator(2, "concat", image_size=16, base_filters=8)
    with pytest.raises(ValueError, match="gradient penalties"):
        C.ConditionalGAN(g, d, 8, 2, "concat", gp_weight=10.0)
    with pytest.raises(ValueError, match="scheme must be"):
        C.make_conditional_generator(2, "film")


@pytest.mark.slow
def test_the_trainer_resumes_exactly_and_exports_a_loadable_generator(tmp_path):
    from artgan_utils.artworks import conditional_train as T

    cfg = dict(scheme="acgan", size=32, batch=4, seed=0, lr=2e-4, steps=4, g_filters=16, d_filters=8)
    T.train(tmp_path / "a", cfg, every=2, progress=False)
    assert T.train(tmp_path / "b", cfg, every=2, progress=False, time_limit=1e-9)["steps_done"] == 2  # stopped early
    T.train(tmp_path / "b", cfg, every=2, progress=False)  # ... and resumed
    (_, a), (_, b) = T.restore_run(tmp_path / "a", T.build_model), T.restore_run(tmp_path / "b", T.build_model)
    for wa, wb in zip(a.ema_generator.get_weights(), b.ema_generator.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    T.export(tmp_path / "a", tmp_path / "export")
    loaded, info = T.load_conditional(str(tmp_path / "export"))
    assert info["classes"][1] == "Hiroshige" and info["steps_done"] == 4
    z = np.random.default_rng(0).normal(size=(2, 100)).astype("float32")
    np.testing.assert_allclose(loaded.generate(z, 3).numpy(), a.generate(z, 3).numpy(), atol=0.02)
    # no schedule depends on the step count, so a finished run continues to more steps exactly
    T.train(tmp_path / "a", dict(cfg, steps=6), every=2, progress=False)
    T.train(tmp_path / "c", dict(cfg, steps=6), every=2, progress=False)
    (_, a), (_, c) = T.restore_run(tmp_path / "a", T.build_model), T.restore_run(tmp_path / "c", T.build_model)
    assert int(a.step.numpy()) == 6
    for wa, wc in zip(a.ema_generator.get_weights(), c.ema_generator.get_weights()):
        np.testing.assert_allclose(wa, wc, rtol=1e-5, atol=1e-6)
    for other in (dict(cfg, steps=2), dict(cfg, steps=8, lr=1e-4), dict(cfg, steps=8, upsample="resize"),
                  dict(cfg, steps=8, d_layers=3), dict(cfg, steps=8, start_size=4)):
        with pytest.raises(ValueError, match="other settings"):  # fewer steps, or another setting: refused
            T.train(tmp_path / "a", other, every=2, progress=False)
    # an export made before the upsample setting existed (the shipped one) loads as transposed convolutions
    run_json = tmp_path / "export" / "run.json"
    old = json.loads(run_json.read_text())
    for key in ("upsample", "start_size", "d_layers"):
        del old[key]
    run_json.write_text(json.dumps(old))
    old_style = T.load_conditional(str(tmp_path / "export"))[0]
    assert "Conv2DTranspose" in {type(layer).__name__ for layer in old_style.generator.layers}
    assert old_style.discriminator.get_layer("flatten").input.shape[1:3] == (8, 8)  # 32 px: the default 2 layers
    # a deeper discriminator and a 4x4 start are settings of a run like any other
    deep = dict(cfg, d_layers=3, start_size=4, steps=2)
    T.train(tmp_path / "d", deep, every=2, progress=False)
    _, d = T.restore_run(tmp_path / "d", T.build_model)
    assert d.discriminator.get_layer("flatten").input.shape[1:3] == (4, 4)
    assert d.generator.get_layer("reshape").output.shape[1:3] == (4, 4)
