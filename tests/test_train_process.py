"""The headless trainer as a user runs it: a separate process, killed mid-run, resumed, and distributed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from artgan_utils.gan import get_recipe

ROOT = Path(__file__).resolve().parent.parent
# Small enough for seconds per run, long enough (several seconds) to be killed in the middle.
TINY = get_recipe("dcgan-digits").replace(name="tiny-digits", g_filters=16, d_filters=8, batch_size=16,
                                                  latent_dim=8, dropout=0.0, steps=600)
EVERY = 50


def _command(recipe_file: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "artgan_utils.train", str(recipe_file), "--out", str(out), "--every", str(EVERY),
            "--no-tensorboard", *extra]


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TF_CONFIG", None)
    return env


def _train(cmd: list[str]) -> None:
    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def _weights(run: Path) -> list[np.ndarray]:
    import keras

    return [np.asarray(w) for f in ("generator.keras", "discriminator.keras")
            for w in keras.saving.load_model(run / f, compile=False).weights]


@pytest.fixture(scope="module")
def recipe_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("recipe") / "tiny.json"
    path.write_text(json.dumps(TINY.to_dict()))
    return path


@pytest.fixture(scope="module")
def uninterrupted(recipe_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "whole"
    _train(_command(recipe_file, out))
    return out


def test_killed_trainer_resumes_and_loses_nothing(recipe_file, uninterrupted, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen(_command(recipe_file, out), env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    try:
        while tf.train.latest_checkpoint(str(out / "ckpt")) is None:  # wait for the first complete checkpoint ...
            assert proc.poll() is None, "the trainer ended before its first checkpoint"
            assert time.monotonic() < deadline, "no checkpoint after 240 s"
            time.sleep(0.02)
        time.sleep(0.3)  # ... and a little more, so that the kill lands between two checkpoints
        assert proc.poll() is None, "the trainer finished before it could be killed; make TINY longer"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not (out / "run.json").exists()

    _train(_command(recipe_file, out))  # the same command again resumes
    info = json.loads((out / "run.json").read_text())
    assert 0 < info["resumed_from_step"] < TINY.steps and info["steps"] == TINY.steps
    for a, b in zip(_weights(uninterrupted), _weights(out), strict=True):
        np.testing.assert_array_equal(a, b)
    # one log row per EVERY steps, none repeated or missing
    steps = [int(line.split(",")[0]) for line in (out / "log.csv").read_text().splitlines()[1:]]
    assert steps == list(range(EVERY, TINY.steps + 1, EVERY))


def test_trainer_on_two_mirrored_cpu_devices_matches_one_device(recipe_file, tmp_path):
    # 200 steps: the two runs differ only by float rounding (the order of the all-reduce sums), 1e-7 here.
    # GAN training amplifies such differences: measured 1.4e-7 at 200 steps, 9e-3 at 400, 6e-2 at 600.
    runs = {}
    for name, extra in (("one", ()), ("mirrored", ("--strategy", "mirrored", "--cpu-devices", "2"))):
        runs[name] = tmp_path / name
        _train(_command(recipe_file, runs[name], "--steps", "200", *extra))
    info = json.loads((runs["mirrored"] / "run.json").read_text())
    assert info["replicas"] == 2 and info["strategy"] == "MirroredStrategy" and info["steps"] == 200
    pairs = list(zip(_weights(runs["one"]), _weights(runs["mirrored"]), strict=True))
    worst = max(float(np.max(np.abs(a - b))) for a, b in pairs)
    assert worst < 1e-5, f"2-device weights differ from 1-device weights by up to {worst:.2e}"
    moved = max(float(np.max(np.abs(a))) for a, _ in pairs)
    assert moved > 0.05  # trained weights, not two untouched initialisations


def test_trainer_refuses_a_batch_that_does_not_split(recipe_file, tmp_path):
    done = subprocess.run(_command(recipe_file, tmp_path / "odd", "--strategy", "mirrored", "--cpu-devices", "3"),
                          env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "must be a multiple of the number of replicas (3)" in done.stderr
