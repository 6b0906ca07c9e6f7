"""Recipes, the shared training path and the headless trainer (python -m artgan_utils.train)."""

from __future__ import annotations

import csv
import json

import keras
import numpy as np
import pytest

import artgan_utils  # noqa: F401
from artgan_utils import train as cli
from artgan_utils.gan import (
    GENERATOR_FILE,
    PRECISIONS,
    RECIPES,
    RUN_FILE,
    STRATEGIES,
    Recipe,
    RecipeError,
    build_gan,
    export_run,
    get_recipe,
    load_pretrained,
    read_scalars,
    recipe_dataset,
    recipe_images,
    recipes,
    train_recipe,
)

# A DCGAN small enough for a unit test, on the real digits data and the real code path.
TINY = get_recipe("dcgan-digits").replace(name="tiny-digits", g_filters=16, d_filters=8, batch_size=16,
                                                  latent_dim=8, steps=12)


class Interrupt(keras.callbacks.Callback):
    """Simulates a crash (Ctrl-C) right after a given step."""

    def __init__(self, after_step: int):
        super().__init__()
        self.after_step = after_step

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.step.numpy()) == self.after_step:
            raise KeyboardInterrupt


def _rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def _weights(gan):
    return gan.generator.get_weights() + gan.discriminator.get_weights()


def test_recipes_are_valid_and_named():
    for name, r in RECIPES.items():
        assert r.name == name and r.summary
        assert Recipe.from_dict(r.to_dict()) == r
    assert get_recipe("dcgan-ukiyoe-64").image_size == 64
    with pytest.raises(RecipeError, match="Recipes: dcgan-digits"):
        get_recipe("nope")
    with pytest.raises(RecipeError, match="power of two"):
        TINY.replace(image_size=24)
    with pytest.raises(RecipeError, match="Unknown recipe settings"):
        TINY.replace(learning_rate=1)


def test_build_gan_and_dataset_follow_the_recipe():
    gan = build_gan(TINY)
    assert gan.generator.output_shape == (None, 16, 16, 1)
    assert gan.discriminator.output_shape == (None, 1)
    batch = next(iter(recipe_dataset(TINY)))
    assert batch.shape == (16, 16, 16, 1) and -1.0 <= float(batch.numpy().min()) <= float(batch.numpy().max()) <= 1.0
    paint = TINY.replace(data="ukiyo-e")
    pbatch = next(iter(recipe_dataset(paint)))
    assert pbatch.shape == (16, 16, 16, 3)
    # d_depth: D's stride-2 convolutions (0: the default, which ends on an 8x8 map from 32 px)
    for depth, side in ((0, 8), (3, 4)):
        d = build_gan(TINY.replace(image_size=32, d_depth=depth)).discriminator
        assert d.get_layer("flatten").input.shape[1:3] == (side, side)
    with pytest.raises(RecipeError, match="d_depth must be between 0"):
        TINY.replace(d_depth=9)
    legacy = {k: v for k, v in TINY.to_dict().items() if k != "d_depth"}  # a run.json from before d_depth
    assert Recipe.from_dict(legacy) == TINY


def test_interrupted_run_resumes_exactly_like_an_uninterrupted_one(tmp_path):
    """The issue's bar: losses and weights of interrupted+resumed == uninterrupted (same seed), with shuffled data."""
    ref = train_recipe(TINY, tmp_path / "ref", every=3, tensorboard=False, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        train_recipe(TINY, tmp_path / "cut", every=3, tensorboard=False, verbose=0,
                              extra_callbacks=[Interrupt(after_step=7)])
    assert not (tmp_path / "cut" / GENERATOR_FILE).exists()
    resumed = train_recipe(TINY, tmp_path / "cut", every=3, tensorboard=False, verbose=0)
    assert int(resumed.step.numpy()) == 12
    ref_rows, cut_rows = _rows(tmp_path / "ref" / "log.csv"), _rows(tmp_path / "cut" / "log.csv")
    assert [r["step"] for r in ref_rows] == ["3", "6", "9", "12"]
    # the interrupted session logged steps 3 and 6; the resumed one replays 7 and logs 9 and 12
    assert [r["step"] for r in cut_rows] == ["3", "6", "9", "12"]
    for a, b in zip(ref_rows, cut_rows):
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-4, abs=1e-5), (a["step"], key)
    for a, b in zip(_weights(ref), _weights(resumed)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    info = json.loads((tmp_path / "cut" / RUN_FILE).read_text())
    assert info["resumed_from_step"] == 6 and info["steps"] == 12 and info["recipe"]["name"] == "tiny-digits"


def test_finished_run_loads_with_load_pretrained(tmp_path):
    train_recipe(TINY.replace(steps=2), tmp_path / "run", every=1, tensorboard=True, verbose=0)
    g, d, info = load_pretrained(str(tmp_path / "run"), discriminator=True)
    out = g(np.zeros((3, TINY.latent_dim), "float32")).numpy()
    assert out.shape == (3, 16, 16, 1) and np.abs(out).max() <= 1.0
    assert d(out).shape == (3, 1)
    assert info["steps"] == 2 and info["command"].startswith("python -m artgan_utils.train")
    assert sorted(p.name for p in (tmp_path / "run" / "samples").iterdir()) == ["step_000001.png", "step_000002.png"]
    scalars = read_scalars(tmp_path / "run" / "tensorboard")
    rows = _rows(tmp_path / "run" / "log.csv")
    assert {"d_loss", "g_loss", "d_real", "d_fake", "seconds"} <= set(scalars)
    steps, values = scalars["d_loss"]
    assert list(steps) == [1, 2]  # keyed by the global step, as in log.csv
    np.testing.assert_allclose(values, [float(r["d_loss"]) for r in rows], rtol=1e-6)
    with pytest.raises(FileNotFoundError, match="Shipped runs: .*python -m artgan_utils.train"):
        load_pretrained("no-such-run")


def test_refuses_to_mix_runs(tmp_path):
    train_recipe(TINY.replace(steps=1), tmp_path / "run", every=1, tensorboard=False, verbose=0)
    with pytest.raises(FileExistsError, match="already holds a checkpoint"):
        train_recipe(TINY.replace(steps=2), tmp_path / "run", every=1, resume=False, verbose=0)
    with pytest.raises(ValueError, match="different recipe"):
        train_recipe(TINY.replace(steps=2, g_lr=1e-3), tmp_path / "run", every=1, verbose=0)


def test_cli_lists_validates_and_trains(tmp_path, capsys):
    assert cli.main(["--list"]) == 0
    assert "dcgan-ukiyoe-64" in capsys.readouterr().out
    assert cli.main(["no-such-recipe", "--out", str(tmp_path)]) == 2
    assert "Unknown recipe" in capsys.readouterr().err
    assert cli.main(["dcgan-digits"]) == 2
    assert "--out" in capsys.readouterr().err
    assert cli.main(["dcgan-digits", "--out", str(tmp_path / "x"), "--steps", "10", "--every", "3"]) == 2
    assert "multiple of --every" in capsys.readouterr().err
    assert cli.build_parser().parse_args(["dcgan-digits"]).every is None  # chosen from --steps in main()


@pytest.mark.slow
def test_cli_trains_a_recipe_end_to_end(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(recipes, "RECIPES", {**RECIPES, "tiny-digits": TINY})
    assert cli.main(["tiny-digits", "--out", str(tmp_path / "t"), "--steps", "4", "--every", "2",
                     "--no-tensorboard"]) == 0
    assert "Done: step 4" in capsys.readouterr().out
    assert cli.main(["tiny-digits", "--out", str(tmp_path / "t"), "--steps", "4", "--every", "2",
                     "--export", str(tmp_path / "shipped")]) == 0  # already trained: exports only
    assert sorted(p.name for p in (tmp_path / "shipped").iterdir()) == [
        "discriminator.keras", "generator.keras", "log.csv", "run.json", "samples.png"]
    info = json.loads((tmp_path / "t" / "run.json").read_text())
    assert info["command"] == f"python -m artgan_utils.train tiny-digits --out {tmp_path / 't'} --steps 4 --every 2 --no-tensorboard"
    assert not (tmp_path / "t" / "tensorboard").exists()


def test_export_refuses_an_unfinished_run(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        train_recipe(TINY, tmp_path / "cut", every=3, tensorboard=False, verbose=0,
                              extra_callbacks=[Interrupt(after_step=4)])
    with pytest.raises(FileNotFoundError, match="not a finished run"):
        export_run(tmp_path / "cut", tmp_path / "out")


def test_recipe_data_from_an_image_folder(tmp_path, capsys):
    from PIL import Image

    rng = np.random.default_rng(0)
    folder = tmp_path / "my prints"
    (folder / "sub").mkdir(parents=True)
    for i, size in enumerate([(300, 200), (180, 260), (640, 480)]):
        Image.fromarray(rng.integers(0, 255, (*size[::-1], 3), dtype=np.uint8)).save(folder / f"p{i}.png")
    Image.fromarray(rng.integers(0, 255, (90, 120), dtype=np.uint8)).save(folder / "sub" / "grey.jpg")
    (folder / "notes.png").write_text("not an image")
    recipe = TINY.replace(data=f"folder:{folder}", image_size=32, start_size=4)
    images = recipe_images(recipe)
    assert len(images) == 4 and all(im.ndim == 3 and im.shape[2] == 3 for im in images)
    assert max(max(im.shape[:2]) for im in images) == 512  # longest side scaled to max(512, 8 * 32)
    assert "notes.png" in capsys.readouterr().err  # skipped, and said so
    batch = next(iter(recipe_dataset(recipe))).numpy()
    assert batch.shape == (16, 32, 32, 3) and -1 <= batch.min() < batch.max() <= 1


def test_recipe_data_errors_say_what_to_do(tmp_path):
    from artgan_utils.data import ImageFolderNotFoundError

    from artgan_utils.data import DataError

    with pytest.raises(ImageFolderNotFoundError):
        recipe_images(TINY.replace(data=f"folder:{tmp_path / 'missing'}"))
    with pytest.raises(ValueError, match="tfds:cycle_gan/NAME/SPLIT"):
        recipe_images(TINY.replace(data="tfds:mnist"))
    with pytest.raises(DataError, match="Unknown style"):
        recipe_images(TINY.replace(data="cubism"))


def test_cli_takes_a_recipe_file_and_data_override(tmp_path, capsys):
    recipe_file = tmp_path / "r.json"
    recipe_file.write_text(json.dumps({"recipe": TINY.to_dict()}))  # a run.json-like file
    assert cli.load_recipe(str(recipe_file)) == TINY
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(RecipeError, match="not valid JSON"):
        cli.load_recipe(str(tmp_path / "bad.json"))
    (tmp_path / "other.json").write_text(json.dumps({"learning_rate": 1}))
    with pytest.raises(RecipeError, match="is not a recipe"):
        cli.load_recipe(str(tmp_path / "other.json"))
    assert cli.main([str(recipe_file), "--out", str(tmp_path / "o"), "--data", "cubism"]) == 1
    assert "Unknown style" in capsys.readouterr().err


def test_cli_choices_match_the_training_module():
    # kept apart so that --help does not import TensorFlow
    assert cli.STRATEGIES == STRATEGIES and cli.PRECISIONS == PRECISIONS
