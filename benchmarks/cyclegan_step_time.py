"""CycleGAN step time: does the series' ``CycleGAN.train_step`` + ``fit`` cost anything over a plain loop?

    python benchmarks/cyclegan_step_time.py                     # the shipped translators' setting
    python benchmarks/cyclegan_step_time.py --steps 5 --repeats 2   # a quick look

The networks of the shipped translators (``width=0.25``, 6 residual blocks, 128-pixel
crops, batch 1; the same initial weights for both variants) on the same stream of
unpaired crops (``pairs.UnpairedSampler("ukiyo-e")``), trained by:

(a) ``loop``  a hand-written ``tf.function`` step with the same losses, pools and four
              Adam optimizers, driven by a Python ``for`` loop (the TensorFlow CycleGAN
              tutorial's structure);
(b) ``fit``   :class:`artgan_utils.transfer.cyclegan.CycleGAN` with ``fit``.

Runs are interleaved (a, b, b, a, ...) ``--repeats`` times after a warm-up of each, so
that load drift hits both alike; medians and the ratio are printed. The script also
counts one step's floating-point operations from the loop's traced graph
(:func:`artgan_utils.gan.perf.graph_flops`), measures the machine's float32 matmul
rate (``tf.matmul`` on 2048x2048) and prints the share of it a step achieves. Results
are appended to ``benchmarks/results/cyclegan_step_time.csv``. Run it with nothing else busy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import artgan_utils  # noqa: E402,F401  (quiet TF logs before TF loads)
from benchmarks._results import RESULTS, write_rows  # noqa: E402

CFG = dict(style="ukiyo-e", crop=128, batch=1, seed=0, lr=2e-4, steps=10_000, cycle_weight=10.0,
           identity_weight=0.5, width=0.25, n_blocks=6, upsample="transpose", work_size=286, pool_size=50)


def build_variants():
    """name -> run(steps); plus the loop's step FLOPs."""
    import keras
    import tensorflow as tf

    from artgan_utils.gan.perf import graph_flops
    from artgan_utils.transfer import cyclegan as C
    from artgan_utils.transfer.cyclegan_train import build_model
    from artgan_utils.transfer.pairs import UnpairedSampler

    sampler = UnpairedSampler(CFG["style"], CFG["crop"], CFG["batch"], CFG["work_size"], CFG["seed"])
    fit_model = build_model(CFG)
    loop_model = build_model(CFG)  # the same seeds: the same initial weights; only its networks are used
    g_ab, g_ba, d_a, d_b = loop_model.g_ab, loop_model.g_ba, loop_model.d_a, loop_model.d_b
    shape = (CFG["crop"], CFG["crop"], 3)
    pool_a, pool_b = C.ImagePool(CFG["pool_size"], shape, "pool_a"), C.ImagePool(CFG["pool_size"], shape, "pool_b")
    half = CFG["steps"] // 2
    opts = {k: keras.optimizers.Adam(C.LinearDecay(CFG["lr"], half, CFG["steps"] - half), beta_1=0.5)
            for k in ("g_ab", "g_ba", "d_a", "d_b")}
    step = tf.Variable(0, dtype=tf.int64)
    lam, idw = CFG["cycle_weight"], CFG["identity_weight"]

    def mse(x, t):
        return tf.reduce_mean(tf.square(x - t))

    def l1(x, y):
        return tf.reduce_mean(tf.abs(x - y))

    @tf.function
    def loop_step(a, b):
        key = tf.stack([tf.constant(CFG["seed"], tf.int64), step])
        with tf.GradientTape(persistent=True) as tape:
            fake_b, fake_a = g_ab(a, training=True), g_ba(b, training=True)
            cycle = l1(g_ba(fake_b, training=True), a) + l1(g_ab(fake_a, training=True), b)
            identity = l1(g_ba(a, training=True), a) + l1(g_ab(b, training=True), b)
            adv = mse(d_b(fake_b, training=True), 1.0) + mse(d_a(fake_a, training=True), 1.0)
            g_loss = adv + lam * (cycle + idw * identity)
        for name, net in (("g_ab", g_ab), ("g_ba", g_ba)):
            opts[name].apply_gradients(zip(tape.gradient(g_loss, net.trainable_variables), net.trainable_variables))
        del tape
        pooled_b = pool_b.query(tf.stop_gradient(fake_b), key)
        pooled_a = pool_a.query(tf.stop_gradient(fake_a), key + [0, 7])
        with tf.GradientTape(persistent=True) as tape:
            loss_b = 0.5 * (mse(d_b(b, training=True), 1.0) + mse(d_b(pooled_b, training=True), 0.0))
            loss_a = 0.5 * (mse(d_a(a, training=True), 1.0) + mse(d_a(pooled_a, training=True), 0.0))
        opts["d_b"].apply_gradients(zip(tape.gradient(loss_b, d_b.trainable_variables), d_b.trainable_variables))
        opts["d_a"].apply_gradients(zip(tape.gradient(loss_a, d_a.trainable_variables), d_a.trainable_variables))
        del tape
        step.assign_add(1)
        return g_loss

    position = {"loop": 0, "fit": 0}  # each variant walks on through the same stream of batches

    def run_loop(steps):
        out = None
        for a, b in sampler.dataset(position["loop"], steps):
            out = loop_step(a, b)
        position["loop"] += steps
        float(out)

    def run_fit(steps):
        fit_model.fit(sampler.dataset(position["fit"], steps), epochs=1, verbose=0, shuffle=False)
        position["fit"] += steps

    spec = tf.TensorSpec((CFG["batch"], *shape), tf.float32)
    return {"loop": run_loop, "fit": run_fit}, graph_flops(loop_step.get_concrete_function(spec, spec))


def main(argv: list[str] | None = None) -> int:
    import tensorflow as tf

    from artgan_utils.gan.perf import matmul_peak

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=20, help="timed steps per run")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps of each variant first")
    p.add_argument("--repeats", type=int, default=6, help="interleaved timed runs per variant")
    args = p.parse_args(argv)

    peak = matmul_peak()
    print(f"float32 matmul rate (2048x2048, tf.matmul): {peak:.0f} GFLOP/s on {os.cpu_count()} cores")
    variants, flops = build_variants()
    for run in variants.values():
        run(args.warmup)
    times: dict[str, list[float]] = {name: [] for name in variants}
    load = os.getloadavg()[0]
    for r in range(args.repeats):
        for name in (("loop", "fit") if r % 2 == 0 else ("fit", "loop")):
            t0 = time.perf_counter()
            variants[name](args.steps)
            times[name].append((time.perf_counter() - t0) / args.steps)
    ref = statistics.median(times["loop"])
    rows = []
    print(f"\nCycleGAN width {CFG['width']}, {CFG['n_blocks']} blocks, {CFG['crop']} px, batch {CFG['batch']}; "
          f"{args.repeats} x {args.steps} steps each (median, range); {flops / 1e9:.1f} GFLOP per step:")
    for name, ts in times.items():
        med = statistics.median(ts)
        rows.append({"variant": name, "ms_per_step": round(1e3 * med, 1), "ms_min": round(1e3 * min(ts), 1),
                     "ms_max": round(1e3 * max(ts), 1), "time_vs_loop": round(med / ref, 4),
                     "gflop_per_step": round(flops / 1e9, 2), "fraction_of_matmul_rate": round(flops / med / 1e9 / peak, 3),
                     "matmul_gflops": round(peak), "repeats": args.repeats, "steps": args.steps,
                     "load_avg_at_start": round(load, 2), "tensorflow": tf.__version__, "cpu_count": os.cpu_count(),
                     "date": time.strftime("%Y-%m-%d")})
        print(f"  {name:5} {1e3 * med:7.1f} ms/step ({1e3 * min(ts):.0f}-{1e3 * max(ts):.0f}), "
              f"{med / ref:.3f}x the loop's time, {flops / med / 1e9 / peak:.0%} of the matmul rate")
    write_rows(RESULTS / "cyclegan_step_time.csv", rows, append=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
