"""Training speed: does the project's ``GAN.fit`` cost anything over a hand-written loop?

    python benchmarks/training_speed.py                 # the issue's setting: 64x64, batch 64
    python benchmarks/training_speed.py --steps 10 --repeats 2 --batch 16   # a quick look

One process, one machine, the 2019 article's 64x64 DCGAN (``dcgan-ukiyoe-64``: z=100,
8x8x128 -> 64x64x3, the same initial weights for every variant) on the same
stream of 64x64 ukiyo-e patches (``recipe_dataset``), trained by:

(a) ``tutorial``   the TensorFlow DCGAN tutorial's loop: one ``tf.function`` with two
                   ``GradientTape``s, G and D updated from the same forward pass;
(b) ``combined``   the 2019 article's Keras 2 style: ``D.train_on_batch`` on real and fake,
                   then a frozen-D combined model ``D(G(z))`` with ``train_on_batch``;
(c) ``fit``        the project's ``GAN`` with ``fit`` (alternating updates:
                   D on real + fake, then G on fresh noise through D);
(c') ``fit-fused`` the same, scoring real and fake in one discriminator call;
(c'') ``fit-simult.`` ``GAN(update="simultaneous")``: the tutorial's algorithm (one forward
                   pass for both updates) inside ``fit``, so that (c'') vs (a) isolates what
                   the abstraction costs from what the alternating algorithm costs;
with ``--extras``, (c) again in ``mixed_bfloat16`` and with XLA (``jit_compile``).

Runs are interleaved (a, b, c, c', a, b, ...) ``--repeats`` times after a warm-up
of each, so that machine-load drift hits all variants alike; medians and ratios
to (a) are printed. The script also counts the floating-point operations of one
step of (a) and (c) from their traced TensorFlow graphs (2 per multiply-add, in
every Conv2D, transposed convolution, their gradients, and MatMul), measures this
machine's float32 matrix-multiply peak (``tf.matmul`` on 2048x2048), and prints
the fraction of that peak each step achieves. Each variant's spread is reported as the
share of its timed runs that took more than 1.5x its fastest run. Results are appended to
``benchmarks/results/training_speed.csv``. Run it with nothing else busy.

Why the spread is reported (issue 19). Runs of (b), (c) and (c') used to take 256, 513 or
1,028 ms per step in whole multiples: 20 steps ended at 5.11, 10.23 or 20.47 s. Those are
the wake-ups of tf.data's autotuning thread, whose waits double from 10 ms (10, 30, 70, ...,
5,110, 10,230, 20,470 ms after an iterator starts); deleting an iterator waits for the next
wake-up, and ``fit`` (like the loops here, which make a new iterator per run) deletes one at
the end of every call. A run that needed 5.2 s of work therefore took 10.23 s. The series'
streams now switch autotuning off (``artgan_utils.data.streams.without_autotune``, also
applied by ``GAN.fit`` to any ``tf.data`` input), so a run takes as long as its steps.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import artgan_utils  # noqa: E402,F401  (quiet TF logs before TF loads)
from benchmarks._results import RESULTS, write_rows  # noqa: E402


def build_variants(batch: int, seed: int = 0, extras: bool = False):
    """name -> (run(steps) function, step FLOPs or None)."""
    import keras
    import tensorflow as tf

    from artgan_utils.gan import (
        GAN,
        get_recipe,
        networks,
        precision_policy,
        recipe_dataset,
    )
    from artgan_utils.gan.perf import graph_flops

    recipe = get_recipe("dcgan-ukiyoe-64").replace(batch_size=batch, seed=seed)
    dataset = recipe_dataset(recipe)  # every run of every variant starts a fresh iterator over it

    def fresh_models():
        keras.utils.set_random_seed(seed)
        g = networks.make_generator(recipe.latent_dim, 64, 3, base_filters=recipe.g_filters, start_size=8, seed=seed)
        d = networks.make_discriminator(64, 3, base_filters=recipe.d_filters, dropout=recipe.dropout, seed=seed + 1)
        return g, d

    def adam():
        return keras.optimizers.Adam(recipe.g_lr, beta_1=recipe.beta_1)

    variants = {}

    # (a) the TensorFlow tutorial's loop
    g_a, d_a = fresh_models()
    g_opt, d_opt = adam(), adam()
    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def tutorial_step(images):
        noise = tf.random.normal([batch, recipe.latent_dim])
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            generated = g_a(noise, training=True)
            real_out = d_a(images, training=True)
            fake_out = d_a(generated, training=True)
            g_loss = bce(tf.ones_like(fake_out), fake_out)
            d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
        g_opt.apply_gradients(zip(g_tape.gradient(g_loss, g_a.trainable_variables), g_a.trainable_variables))
        d_opt.apply_gradients(zip(d_tape.gradient(d_loss, d_a.trainable_variables), d_a.trainable_variables))
        return g_loss, d_loss

    def run_tutorial(steps):
        stream = iter(dataset)
        for _ in range(steps):
            out = tutorial_step(next(stream))
        float(out[0])

    spec = tf.TensorSpec((batch, 64, 64, 3), tf.float32)
    variants["a tutorial"] = (run_tutorial, graph_flops(tutorial_step.get_concrete_function(spec)))

    # (b) the article's combined model with train_on_batch
    g_b, d_b = fresh_models()
    d_b.compile(optimizer=adam(), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    d_b.trainable = False  # Keras 3 snapshots trainability at the first training call (notebook 03)
    z_in = keras.Input((recipe.latent_dim,))
    combined = keras.Model(z_in, d_b(g_b(z_in)))
    combined.compile(optimizer=adam(), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    d_b.trainable = True
    ones, zeros = tf.ones((batch, 1)), tf.zeros((batch, 1))

    def run_combined(steps):
        stream = iter(dataset)
        for _ in range(steps):
            real = next(stream)
            noise = tf.random.normal([batch, recipe.latent_dim])
            fake = g_b(noise, training=False)
            d_b.train_on_batch(real, ones)
            d_b.train_on_batch(fake, zeros)
            loss = combined.train_on_batch(tf.random.normal([batch, recipe.latent_dim]), ones)
        float(loss)

    variants["b combined"] = (run_combined, None)

    # (c) the project's GAN.fit, plain and with fused discriminator passes; with --extras also in
    # mixed_bfloat16 and with XLA, to measure what those options do on this machine
    settings = [("c fit", False, "float32", False, "alternating"), ("c' fit-fused", True, "float32", False, "alternating"),
                ("c'' fit-simult.", False, "float32", False, "simultaneous")]
    if extras:
        settings += [("fit bf16", False, "mixed_bfloat16", False, "alternating"),
                     ("fit xla", False, "float32", True, "alternating")]
    for name, fused, precision, jit, update in settings:
        with precision_policy(precision):
            g_c, d_c = fresh_models()
        gan = GAN(g_c, d_c, latent_dim=recipe.latent_dim, seed=seed, fuse_d_passes=fused, update=update)
        gan.compile(g_optimizer=adam(), d_optimizer=adam(), jit_compile=jit)

        def run_fit(steps, gan=gan):
            gan.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)

        step_fn = tf.function(lambda x, gan=gan: gan.train_step(x))
        variants[name] = (run_fit, graph_flops(step_fn.get_concrete_function(spec)) if not jit else None)
    return variants


def main(argv: list[str] | None = None) -> int:
    import os

    import tensorflow as tf

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=20, help="timed steps per run")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps of each variant first")
    p.add_argument("--repeats", type=int, default=5, help="interleaved timed runs per variant")
    p.add_argument("--extras", action="store_true", help="also time GAN.fit in mixed_bfloat16 and with XLA")
    args = p.parse_args(argv)

    from artgan_utils.gan.perf import matmul_peak

    peak = matmul_peak()
    print(f"float32 matmul peak (2048x2048, tf.matmul): {peak:.0f} GFLOP/s on {os.cpu_count()} cores")
    variants = build_variants(args.batch, extras=args.extras)
    for run, _ in variants.values():
        run(args.warmup)
    print(f"warm-up done ({args.warmup} steps of each of {len(variants)} variants)", flush=True)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for r in range(args.repeats):
        order = list(variants)[r % len(variants):] + list(variants)[: r % len(variants)]
        for name in order:
            t0 = time.perf_counter()
            variants[name][0](args.steps)
            times[name].append((time.perf_counter() - t0) / args.steps)
        print(f"repeat {r + 1}/{args.repeats}: " + ", ".join(f"{n} {1e3 * times[n][-1]:.0f}" for n in order) + " ms/step",
              flush=True)  # a long run shows where it is (with --extras and 10 repeats: over 40 min at 156 GFLOP/s)
    ref = statistics.median(times["a tutorial"])
    rows = []
    print(f"\n64x64 DCGAN, batch {args.batch}, {args.repeats} x {args.steps} steps each (median, spread):")
    for name, ts in times.items():
        med = statistics.median(ts)
        flops = variants[name][1]
        frac = flops / med / 1e9 / peak if flops else None
        rows.append({
            "variant": name, "batch": args.batch, "ms_per_step": round(1e3 * med, 1),
            "ms_min": round(1e3 * min(ts), 1), "ms_max": round(1e3 * max(ts), 1),
            "images_per_s": round(args.batch / med, 1), "speed_vs_a": round(ref / med, 3),
            "gflop_per_step": round(flops / 1e9, 2) if flops else "", "fraction_of_peak": round(frac, 3) if frac else "",
            "share_runs_over_1_5x_fastest": round(sum(t > 1.5 * min(ts) for t in ts) / len(ts), 2),
            "peak_gflops": round(peak), "repeats": args.repeats, "steps": args.steps,
            "tensorflow": tf.__version__, "cpu_count": os.cpu_count(), "date": time.strftime("%Y-%m-%d"),
        })
        extra = f", {flops / 1e9:.1f} GFLOP/step = {frac:.0%} of peak" if flops else ""
        slow = sum(t > 1.5 * min(ts) for t in ts)
        print(f"  {name:<15} {1e3 * med:7.1f} ms/step ({1e3 * min(ts):.0f}-{1e3 * max(ts):.0f}; {slow}/{len(ts)} runs "
              f"over 1.5x the fastest), {args.batch / med:6.1f} img/s, speed {ref / med:.3f}x (a){extra}")
    write_rows(RESULTS / "training_speed.csv", rows, append=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
