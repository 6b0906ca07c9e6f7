"""The trained runs shipped in checkpoints/: they load, generate in range, and say how they were made."""

from __future__ import annotations

import json

import numpy as np
import pytest

import artgan_utils  # noqa: F401
from artgan_utils.gan import (
    GENERATOR_FILE,
    RUN_FILE,
    Recipe,
    checkpoints_dir,
    get_recipe,
    load_pretrained,
)

SHIPPED = sorted(p.name for p in checkpoints_dir().iterdir() if (p / GENERATOR_FILE).is_file())
MAX_FILE_BYTES = 5 * 1024 * 1024


def test_at_least_the_dcgan_run_is_shipped():
    assert "dcgan-ukiyoe-64" in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_run_generates_images_in_range(name):
    g, d, info = load_pretrained(name, discriminator=True)
    recipe = Recipe.from_dict(info["recipe"])
    z = np.random.default_rng(0).standard_normal((8, recipe.latent_dim)).astype("float32")
    images = g(z, training=False).numpy()
    assert images.shape == (8, recipe.image_size, recipe.image_size, recipe.channels)
    assert np.isfinite(images).all() and np.abs(images).max() <= 1.0
    # a trained generator makes different images from different noise, and uses the colour range
    assert images.std(axis=0).mean() > 0.05
    assert images.max() - images.min() > 1.0
    logits = d(images, training=False).numpy()
    assert logits.shape == (8, 1) and np.isfinite(logits).all()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_run_records_how_it_was_made(name):
    folder = checkpoints_dir() / name
    info = json.loads((folder / RUN_FILE).read_text())
    recipe = Recipe.from_dict(info["recipe"])
    assert recipe == get_recipe(recipe.name), "the shipped run's recipe must still be the named recipe"
    assert info["command"].startswith(f"python -m artgan_utils.train {recipe.name} ")
    assert info["steps"] >= 1000 and info["seconds"] > 0
    assert {"device", "tensorflow", "keras"} <= set(info["machine"])
    assert (folder / "samples.png").is_file() and (folder / "log.csv").is_file()
    for f in folder.iterdir():
        assert f.stat().st_size < MAX_FILE_BYTES, f"{f.name} is over 5 MiB"
