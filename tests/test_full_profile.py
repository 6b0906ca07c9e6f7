"""The `full` profile cannot break where nobody has a GPU (issue 14).

Every notebook's `full`-size models are built and trained for one step on the
CPU, with the settings the notebooks read in `full` (image size, batch, crop,
network width), so a shape error, an out-of-range setting or a recipe that no
longer builds fails here and not on a learner's rented GPU. One step each; the
largest (the 256x256 DCGAN at batch 32) takes seconds to a minute on 2 cores.
"""

from __future__ import annotations

import numpy as np
import pytest

from artgan_utils import get_profile

FULL = get_profile("full")
pytestmark = pytest.mark.slow


def _one_gan_step(recipe_name_or_recipe):
    from artgan_utils.gan import build_gan, get_recipe, recipe_dataset

    recipe = get_recipe(recipe_name_or_recipe) if isinstance(recipe_name_or_recipe, str) else recipe_name_or_recipe
    gan = build_gan(recipe)
    batch = next(iter(recipe_dataset(recipe)))
    assert tuple(batch.shape) == (recipe.batch_size, recipe.image_size, recipe.image_size, recipe.channels)
    logs = gan.train_on_batch(batch, return_dict=True)
    assert all(np.isfinite(float(np.asarray(v).reshape(-1)[0])) for v in logs.values()), logs
    images = gan.generator(np.zeros((2, recipe.latent_dim), "float32"), training=False)
    assert tuple(images.shape) == (2, recipe.image_size, recipe.image_size, recipe.channels)
    return recipe


def test_02_toy_gans_at_full_settings():
    from artgan_utils.teaching import toy

    s = FULL.settings("02_first_gan_toy")
    r = toy.run_recipe("recommended", "ring", steps=2, seed=s.seeds[-1], snapshots=0)
    assert r.sample(s.eval_samples).shape == (s.eval_samples, 2)


def test_04_paint_recipe_at_full_size():
    recipe = _one_gan_step(FULL.settings("04_training_dcgan").paint_recipe)
    assert recipe.image_size >= 128 and recipe.g_filters >= 512


def test_05_ablation_variants_at_full_settings():
    from artgan_utils.gan import get_recipe

    base = get_recipe("dcgan-ukiyoe-32")
    for recipe in (base.replace(augment="color,translation,cutout"), base.replace(ema_decay=0.999),
                   get_recipe("dcgan-ukiyoe-32-stable")):
        _one_gan_step(recipe.replace(batch_size=16))


def test_06_trainer_recipes_at_full_size():
    s = FULL.settings("06_full_scale_training")
    recipe = _one_gan_step(s.recipe)
    assert recipe.image_size >= 256 and s.trainer_steps >= 50_000
    _one_gan_step(s.distributed_recipe)


def test_07_style_transfer_at_full_size():
    import keras

    from artgan_utils.transfer import adain, adain_train, gatys

    s = FULL.settings("07_neural_style_transfer")
    rng = np.random.default_rng(0)
    photo, style = rng.random((s.size, s.size, 3)).astype("float32"), rng.random((300, 400, 3)).astype("float32")
    result = gatys.gatys(photo, style, size=s.size, steps=1)
    assert result.image.shape[:2] == (s.size, s.size)
    sampler = adain_train.CropSampler(crop=s.adain_crop, batch=4, seed=0)
    trainer = adain.AdaINTrainer(adain.make_decoder(width=0.5, depth=3))
    trainer.compile(optimizer=keras.optimizers.Adam(5e-4))
    history = trainer.fit(sampler.dataset(0, 1), epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"][-1])


def test_08_pix2pix_at_full_size():
    from artgan_utils.transfer import pairs, pix2pix_train

    s = FULL.settings("08_pix2pix")
    cfg = dict(style="ukiyo-e", crop=s.crop, batch=s.batch, seed=0, lr=2e-4, l1_weight=100.0, width=0.25,
               method="hed", work_size=s.work_size, adversarial=True)
    model = pix2pix_train.build_model(cfg)
    sampler = pairs.PairSampler(cfg["style"], cfg["crop"], cfg["batch"], cfg["work_size"], cfg["method"], cfg["seed"])
    history = model.fit(sampler.dataset(0, 1), epochs=1, verbose=0, shuffle=False)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_09_cyclegan_at_full_size():
    from artgan_utils.transfer import cyclegan_train, pairs

    s = FULL.settings("09_cyclegan")
    cfg = dict(style="ukiyo-e", crop=s.crop, batch=1, seed=0, lr=2e-4, steps=s.short_steps, cycle_weight=10.0,
               identity_weight=0.5, width=0.25, n_blocks=6, upsample="transpose", work_size=s.work_size, pool_size=50)
    model = cyclegan_train.build_model(cfg)
    sampler = pairs.UnpairedSampler(cfg["style"], cfg["crop"], cfg["batch"], cfg["work_size"], cfg["seed"])
    history = model.fit(sampler.dataset(0, 1), epochs=1, verbose=0, shuffle=False)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_10_new_works_at_full_size():
    import tensorflow as tf

    from artgan_utils.artworks import singan_train, styles
    from artgan_utils.gan import conditional, singan

    s = FULL.settings("10_new_works")
    gan = conditional.build_conditional_gan(len(styles.STYLE_CLASSES), "projection", s.size)
    history = gan.fit(styles.style_stream(s.size, 32), steps_per_epoch=1, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert gan.generate(np.zeros((2, 100), "float32"), 4).shape == (2, s.size, s.size, 3)
    wave = singan_train.load_painting(singan_train.PAINTING, s.singan_max_size)
    shapes = singan.pyramid_shapes(*wave.shape[:2], s.singan_max_size)
    model = singan.SinGAN(wave, shapes, s.singan_iters, d_steps=s.singan_updates, g_steps=s.singan_updates)
    model.compile()
    model.step.assign(model.total_steps - 1)  # the finest scale, the most expensive iteration
    model.fit_chunk(tf.data.Dataset.from_tensors(0.0).repeat(), 1)
    assert model.generate(1).shape == (1, *shapes[-1], 3) and max(shapes[-1]) == s.singan_max_size


def test_11_authentication_at_full_size():
    from artgan_utils.authentication import detectors, forgeries

    s = FULL.settings("11_authentication")
    needed = s.n_photos * len(forgeries.PHOTO_METHODS)  # every rendering method gets photos of its own
    assert len(set(forgeries.photo_files(needed))) == needed
    rendered = forgeries.render_photos("gatys", forgeries.photo_files(1), s.render_size, gatys_steps=1)
    assert max(rendered[0].image.shape[:2]) == s.render_size
    items = forgeries.genuine_works()[:2] + rendered
    tiles = detectors.make_tiles(items, 64, 64 // s.grid_density, max_per_image=s.max_tiles)
    assert 3 <= len(tiles) <= 3 * s.max_tiles
    cnn = detectors.PatchCNN(64).fit(tiles.tiles, tiles.label, epochs=1)
    assert np.isfinite(cnn.score(tiles.tiles)).all()
