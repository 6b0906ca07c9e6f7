"""tf.distribute: N devices or N worker processes compute what one device computes with the same global batch.

The real strategies run here, on the CPU: MirroredStrategy over two logical
CPU devices, and MultiWorkerMirroredStrategy with two worker processes talking
over loopback ports. Each runs in a subprocess (devices and TF_CONFIG must be
set before TensorFlow starts) and saves its weights; the test compares them
with a single-device run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HELPER = Path(__file__).parent / "helpers" / "distributed_step.py"
ROOT = Path(__file__).resolve().parent.parent


def _run(strategy: str, out: Path, tf_config: dict | None = None) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TF_CONFIG", None)
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return subprocess.Popen([sys.executable, str(HELPER), strategy, str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(procs: list[subprocess.Popen], timeout: float = 240) -> None:
    for p in procs:
        try:
            output, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail("a distributed training process did not finish in time")
        assert p.returncode == 0, output[-3000:]


def _load(path: Path) -> tuple[dict, list[np.ndarray]]:
    with np.load(path) as f:
        meta = {k: f[k] for k in ("replicas", "step", "logs")}
        weights = [f[f"arr_{i}"] for i in range(len(f.files) - 3)]
    return meta, weights


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> tuple[dict, list[np.ndarray]]:
    out = tmp_path_factory.mktemp("single") / "w.npz"
    _wait([_run("default", out)])
    return _load(out)


def _assert_same_training(single, other, replicas: int) -> None:
    (m1, w1), (m2, w2) = single, other
    assert int(m1["replicas"]) == 1 and int(m2["replicas"]) == replicas
    assert int(m1["step"]) == int(m2["step"]) == 4
    assert len(w1) == len(w2) > 0
    # all weights moved away from their initial values in 4 steps, so equality is not trivially true
    worst = max(float(np.max(np.abs(a - b))) for a, b in zip(w1, w2))
    assert worst < 1e-5, f"weights differ from the single-device run by up to {worst:.2e}"
    np.testing.assert_allclose(m1["logs"], m2["logs"], rtol=1e-5, atol=1e-6)


def test_mirrored_over_two_cpu_devices_matches_one_device(single, tmp_path):
    out = tmp_path / "mirrored.npz"
    _wait([_run("mirrored", out)])
    _assert_same_training(single, _load(out), replicas=2)


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_multiworker_with_two_processes_matches_one_device(single, tmp_path):
    workers = [f"localhost:{p}" for p in _free_ports(2)]
    outs = [tmp_path / f"worker{i}.npz" for i in range(2)]
    procs = [_run("multiworker", outs[i], {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}})
             for i in range(2)]
    _wait(procs)
    chief, other = _load(outs[0]), _load(outs[1])
    _assert_same_training(single, chief, replicas=2)
    for a, b in zip(chief[1], other[1]):
        np.testing.assert_array_equal(a, b)  # the workers hold identical copies


def test_distribute_stream_splits_global_batches_in_order():
    import tensorflow as tf

    from artgan_utils.gan import distribute_stream

    strategy = tf.distribute.get_strategy()
    ds = tf.data.Dataset.range(4).map(lambda i: tf.fill((6, 2), i))
    assert distribute_stream(strategy, lambda: ds) is ds  # one replica: unchanged


def test_multiworker_needs_tf_config(monkeypatch):
    from artgan_utils.gan import make_strategy

    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs TF_CONFIG"):
        make_strategy("multiworker")
    with pytest.raises(ValueError, match="strategy must be one of"):
        make_strategy("tpu-pod")
    assert make_strategy("auto").num_replicas_in_sync == 1
