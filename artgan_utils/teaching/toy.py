"""Toy GANs on 1-D and 2-D data: the tested version of notebook 02's training loop.

Data: a 1-D bimodal mixture, and the two 2-D benchmarks of the mode-collapse
literature, the **ring of 8 Gaussians** (radius 2, std 0.02; Metz et al. 2017,
Unrolled GANs) and the **5x5 grid** (centres at {-4, -2, 0, 2, 4}^2, std 0.05;
Srivastava et al. 2017, VEEGAN; Lin et al. 2018, PacGAN).

Models: small Keras MLPs. The discriminator outputs a *logit*; with
``pack > 1`` it judges ``pack`` samples at once (PacGAN), and with
``minibatch_std=True`` it also sees the batch's standard deviation
(Karras et al. 2018), both classic remedies for mode collapse.

Training: :func:`train_toy_gan` runs an explicit ``tf.GradientTape`` loop in a
``tf.function`` (one discriminator update, then one generator update per step),
records losses and D's outputs, and keeps snapshots of generated samples and
of D's decision surface. Named recipes in :data:`RECIPES`.

Why over 400 lines: it is notebook 02's whole toy lab (data, networks, the two update
steps, the training loop and its plots); split, each part would only be read with the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

import artgan_utils  # noqa: F401  (quiet TensorFlow logs before importing it)

Sampler = Callable[[int, np.random.Generator], np.ndarray]


# ------------------------------------------------------------------ data

def sample_1d(n: int, rng: np.random.Generator) -> np.ndarray:
    """A 1-D bimodal mixture: 0.5 N(-2, 0.5^2) + 0.5 N(2, 0.5^2); shape (n, 1)."""
    centres = np.where(rng.random(n) < 0.5, -2.0, 2.0)
    return (centres + 0.5 * rng.standard_normal(n))[:, None].astype(np.float32)


def ring_centres(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """Centres of the ring mixture, shape (modes, 2)."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def grid_centres(side: int = 5, spacing: float = 2.0) -> np.ndarray:
    """Centres of the grid mixture, shape (side**2, 2), centred on the origin."""
    ticks = (np.arange(side) - (side - 1) / 2) * spacing
    return np.array([(x, y) for x in ticks for y in ticks])


def ring_of_gaussians(n: int, rng: np.random.Generator, modes: int = 8, radius: float = 2.0, std: float = 0.02) -> np.ndarray:
    """n samples from the ring of ``modes`` Gaussians (equal weights); shape (n, 2)."""
    c = ring_centres(modes, radius)
    return (c[rng.integers(modes, size=n)] + std * rng.standard_normal((n, 2))).astype(np.float32)


def grid_of_gaussians(n: int, rng: np.random.Generator, side: int = 5, spacing: float = 2.0, std: float = 0.05) -> np.ndarray:
    """n samples from the side x side grid of Gaussians; shape (n, 2)."""
    c = grid_centres(side, spacing)
    return (c[rng.integers(len(c), size=n)] + std * rng.standard_normal((n, 2))).astype(np.float32)


@dataclass(frozen=True)
class ToyData:
    """A named toy distribution: sampler, dimension, mode centres and std (for metrics)."""

    name: str
    sampler: Sampler
    dim: int
    centres: np.ndarray
    std: float
    extent: float  # half-width of the square shown in plots


DATASETS: dict[str, ToyData] = {
    "1d": ToyData("1d", sample_1d, 1, np.array([[-2.0], [2.0]]), 0.5, 5.0),
    "ring": ToyData("ring", ring_of_gaussians, 2, ring_centres(), 0.02, 3.0),
    "grid": ToyData("grid", grid_of_gaussians, 2, grid_centres(), 0.05, 6.0),
}


# ------------------------------------------------------------------ models

class MinibatchStd(layers.Layer):
    """Append the batch's mean standard deviation as one extra feature (Karras et al. 2018)."""

    def call(self, x):
        std = ops.sqrt(ops.var(x, axis=0) + 1e-8)
        feature = ops.mean(std) * ops.ones_like(x[:, :1])
        return ops.concatenate([x, feature], axis=1)


def make_toy_generator(latent_dim: int = 8, out_dim: int = 2, width: int = 128, depth: int = 3, name: str = "toy_generator") -> keras.Model:
    """MLP generator z -> x (linear output)."""
    z = keras.Input((latent_dim,), name="z")
    h = z
    for i in range(depth):
        h = layers.Dense(width, activation="relu", name=f"dense{i + 1}")(h)
    x = layers.Dense(out_dim, name="out")(h)
    return keras.Model(z, x, name=name)


def make_toy_discriminator(in_dim: int = 2, width: int = 128, depth: int = 3, pack: int = 1,
                           minibatch_std: bool = False, name: str = "toy_discriminator") -> keras.Model:
    """MLP discriminator x -> logit. Input shape (batch, pack * in_dim) (PacGAN when pack > 1)."""
    x = keras.Input((pack * in_dim,), name="x")
    h = MinibatchStd(name="minibatch_std")(x) if minibatch_std else x
    for i in range(depth):
        h = layers.Dense(width, name=f"dense{i + 1}")(h)
        h = layers.LeakyReLU(0.2, name=f"lrelu{i + 1}")(h)
    logit = layers.Dense(1, name="logit")(h)
    return keras.Model(x, logit, name=name)


# ------------------------------------------------------------------ losses and steps

def d_loss_fn(real_logits, fake_logits):
    """Discriminator loss: -log D(x) - log(1 - D(G(z))) with D = sigmoid(logit), batch means."""
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def g_loss_fn(fake_logits, loss: str = "non-saturating"):
    """Generator loss: ``"saturating"`` log(1 - D(G(z))) or ``"non-saturating"`` -log D(G(z))."""
    if loss == "saturating":
        return ops.mean(-ops.softplus(fake_logits))  # log(1 - sigmoid(a)) = -softplus(a)
    if loss == "non-saturating":
        return ops.mean(ops.softplus(-fake_logits))  # -log sigmoid(a) = softplus(-a)
    raise ValueError(f"loss must be 'saturating' or 'non-saturating', got {loss!r}.")


def _pack(x, pack: int):
    return ops.reshape(x, (-1, pack * x.shape[-1])) if pack > 1 else x


def generator_step(generator: keras.Model, discriminator: keras.Model, optimizer: keras.optimizers.Optimizer,
                   z, loss: str = "non-saturating", pack: int = 1):
    """One generator update; returns the generator loss.

    Only the generator's weights change: the tape watches the whole forward
    pass through D, but the gradient is applied to ``generator.trainable_variables``.
    """
    with tf.GradientTape() as tape:
        fake = generator(z, training=True)
        logits = discriminator(_pack(fake, pack), training=True)
        g_loss = g_loss_fn(logits, loss)
    grads = tape.gradient(g_loss, generator.trainable_variables)
    optimizer.apply_gradients(zip(grads, generator.trainable_variables))
    return g_loss


def discriminator_step(generator: keras.Model, discriminator: keras.Model, optimizer: keras.optimizers.Optimizer,
                       real, z, pack: int = 1):
    """One discriminator update; returns (loss, mean D(x), mean D(G(z)))."""
    fake = generator(z, training=True)
    with tf.GradientTape() as tape:
        real_logits = discriminator(_pack(real, pack), training=True)
        fake_logits = discriminator(_pack(fake, pack), training=True)
        d_loss = d_loss_fn(real_logits, fake_logits)
    grads = tape.gradient(d_loss, discriminator.trainable_variables)
    optimizer.apply_gradients(zip(grads, discriminator.trainable_variables))
    return d_loss, ops.mean(ops.sigmoid(real_logits)), ops.mean(ops.sigmoid(fake_logits))


# ------------------------------------------------------------------ training

@dataclass(frozen=True)
class ToyGANConfig:
    """Everything that defines a toy GAN run."""

    data: str = "ring"
    loss: str = "non-saturating"
    lr_g: float = 1e-4
    lr_d: float = 1e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    batch_size: int = 256
    steps: int = 3000
    latent_dim: int = 8
    width: int = 128
    depth: int = 3
    pack: int = 1
    minibatch_std: bool = False
    seed: int = 0

    def describe(self) -> str:
        """Short human-readable summary of the settings that differ between recipes."""
        parts = [self.loss, f"lr G {self.lr_g:g} / D {self.lr_d:g}"]
        if self.pack > 1:
            parts.append(f"pack {self.pack}")
        if self.minibatch_std:
            parts.append("minibatch std")
        return ", ".join(parts)


#: Named recipes (``data``, ``steps`` and ``seed`` are set per run). Measured on the ring with
#: ``benchmarks/toy_mode_coverage.py`` (results in benchmarks/results/).
RECIPES: dict[str, ToyGANConfig] = {
    # The plain GAN: non-saturating loss, equal learning rates, no remedy. Collapses onto a few
    # modes of the ring for some seeds (seed 0 here), which is the demonstration in notebook 02.
    "vanilla": ToyGANConfig(loss="non-saturating", lr_g=1e-3, lr_d=1e-3),
    # The original minimax (saturating) generator loss, otherwise as vanilla.
    "saturating": ToyGANConfig(loss="saturating", lr_g=1e-3, lr_d=1e-3),
    # Remedy: two time-scales, the discriminator learns twice as fast as the generator (Heusel et al. 2017).
    "two-time-scale": ToyGANConfig(loss="non-saturating", lr_g=5e-4, lr_d=1e-3),
    # Remedy: the discriminator also sees the batch's standard deviation (Karras et al. 2018).
    "minibatch-std": ToyGANConfig(loss="non-saturating", lr_g=1e-3, lr_d=1e-3, minibatch_std=True),
    # Remedy: the discriminator judges pairs of samples (PacGAN, Lin et al. 2018).
    "packing": ToyGANConfig(loss="non-saturating", lr_g=1e-3, lr_d=1e-3, pack=2),
    # The recommended setup: minibatch std + two time-scales.
    "recommended": ToyGANConfig(loss="non-saturating", lr_g=5e-4, lr_d=1e-3, minibatch_std=True),
}


@dataclass
class ToyGANResult:
    """What :func:`train_toy_gan` returns."""

    config: ToyGANConfig
    generator: keras.Model
    discriminator: keras.Model
    history: dict[str, np.ndarray]
    snapshot_steps: list[int] = field(default_factory=list)
    snapshots: list[np.ndarray] = field(default_factory=list)  # fixed-noise samples
    surfaces: list[np.ndarray] = field(default_factory=list)  # D(x) on the plot grid
    surface_grid: np.ndarray | None = None  # points where surfaces were evaluated
    seconds: float = 0.0

    def sample(self, n: int, seed: int = 1234) -> np.ndarray:
        """n generator samples (numpy), from a seeded noise draw."""
        z = np.random.default_rng(seed).standard_normal((n, self.config.latent_dim)).astype(np.float32)
        return np.asarray(self.generator(z, training=False))


def surface_points(data: ToyData, resolution: int = 80) -> np.ndarray:
    """Points where D's decision surface is evaluated: a line (1-D) or a square grid (2-D)."""
    ticks = np.linspace(-data.extent, data.extent, resolution, dtype=np.float32)
    if data.dim == 1:
        return ticks[:, None]
    xx, yy = np.meshgrid(ticks, ticks)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def _d_surface(discriminator: keras.Model, points: np.ndarray, pack: int) -> np.ndarray:
    x = np.repeat(points, pack, axis=0).reshape(len(points), -1) if pack > 1 else points
    return np.asarray(ops.sigmoid(discriminator(x, training=False)))[:, 0]


def train_toy_gan(
    config: ToyGANConfig,
    *,
    snapshots: int = 6,
    n_snapshot_samples: int = 1000,
    surface_resolution: int = 80,
    progress: bool = True,
    callback: Callable[[int, ToyGANResult], None] | None = None,
) -> ToyGANResult:
    """Train a toy GAN; reproducible for a given config (same machine, same threads).

    Parameters
    ----------
    snapshots:
        Number of evenly spaced snapshots (the last one is the final step).
    callback:
        Called as ``callback(step, result)`` after each snapshot (e.g. to
        redraw a live figure).
    """
    data = DATASETS[config.data]
    if config.batch_size % config.pack:
        raise ValueError(f"batch_size ({config.batch_size}) must be a multiple of pack ({config.pack}).")
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    g = make_toy_generator(config.latent_dim, data.dim, config.width, config.depth)
    d = make_toy_discriminator(data.dim, config.width, config.depth, config.pack, config.minibatch_std)
    g_opt = keras.optimizers.Adam(config.lr_g, beta_1=config.beta_1, beta_2=config.beta_2)
    d_opt = keras.optimizers.Adam(config.lr_d, beta_1=config.beta_1, beta_2=config.beta_2)

    @tf.function
    def train_step(real, z_d, z_g):
        d_loss, d_real, d_fake = discriminator_step(g, d, d_opt, real, z_d, config.pack)
        g_loss = generator_step(g, d, g_opt, z_g, config.loss, config.pack)
        return d_loss, g_loss, d_real, d_fake

    fixed_z = rng.standard_normal((n_snapshot_samples, config.latent_dim)).astype(np.float32)
    points = surface_points(data, surface_resolution)
    result = ToyGANResult(config, g, d, {}, surface_grid=points)
    marks = set(np.linspace(0, config.steps, snapshots).round().astype(int)) if snapshots else set()
    log = np.zeros((config.steps, 4), dtype=np.float32)
    from artgan_utils.viz import progress as progress_line

    iterator = progress_line(range(1, config.steps + 1), f"{config.data}: {config.describe()}", enabled=progress)

    def snap(step: int) -> None:
        result.snapshot_steps.append(step)
        result.snapshots.append(np.asarray(g(fixed_z, training=False)))
        result.surfaces.append(_d_surface(d, points, config.pack))
        if callback is not None:
            callback(step, result)

    start = time.perf_counter()
    if 0 in marks:
        snap(0)
    for step in iterator:
        real = data.sampler(config.batch_size, rng)
        z_d = rng.standard_normal((config.batch_size, config.latent_dim)).astype(np.float32)
        z_g = rng.standard_normal((config.batch_size, config.latent_dim)).astype(np.float32)
        log[step - 1] = [float(v) for v in train_step(real, z_d, z_g)]
        if not np.isfinite(log[step - 1]).all():
            raise FloatingPointError(
                f"Training diverged at step {step} (a loss became NaN or infinite): lower the learning rates."
            )
        if step in marks:
            snap(step)
    result.seconds = time.perf_counter() - start
    result.history = {k: log[:, i] for i, k in enumerate(["d_loss", "g_loss", "d_real", "d_fake"])}
    return result


def run_recipe(name: str, data: str = "ring", steps: int = 3000, seed: int = 0, **overrides) -> ToyGANResult:
    """Train a named recipe from :data:`RECIPES` on ``data``."""
    if name not in RECIPES:
        raise KeyError(f"Unknown recipe {name!r}; recipes: {', '.join(RECIPES)}.")
    snapshot_options = {k: overrides.pop(k) for k in ("snapshots", "progress", "callback") if k in overrides}
    config = replace(RECIPES[name], data=data, steps=steps, seed=seed, **overrides)
    return train_toy_gan(config, **snapshot_options)


def config_table(names: list[str]) -> list[dict]:
    """Recipes as table rows (for notebooks)."""
    return [{"recipe": n, **{k: v for k, v in asdict(RECIPES[n]).items() if k in
             ("loss", "lr_g", "lr_d", "pack", "minibatch_std")}} for n in names]


# ------------------------------------------------------------------ pictures

def plot_snapshots(result: ToyGANResult, title: str | None = None, max_points: int = 600):
    """Samples over training (orange) on top of D's decision surface, real data in the background.

    2-D: one panel per snapshot, the background shows D(x) (dark = "fake", light = "real"),
    black crosses mark the mode centres. 1-D: histograms of real and generated samples
    with D(x) as a line. Returns the figure.
    """
    import matplotlib.pyplot as plt

    data = DATASETS[result.config.data]
    n = len(result.snapshots)
    fig, axes = plt.subplots(1, n, figsize=(2.6 * n, 2.9 if data.dim == 2 else 2.4), squeeze=False)
    real = data.sampler(2000, np.random.default_rng(99))
    e = data.extent
    for ax, step, samples, surface in zip(axes[0], result.snapshot_steps, result.snapshots, result.surfaces):
        if data.dim == 2:
            res = int(round(np.sqrt(surface.size)))
            ax.imshow(surface.reshape(res, res), extent=(-e, e, -e, e), origin="lower", cmap="RdBu", vmin=0, vmax=1, alpha=0.8)
            ax.scatter(data.centres[:, 0], data.centres[:, 1], marker="x", c="k", s=18, lw=1)
            ax.scatter(samples[:max_points, 0], samples[:max_points, 1], s=3, c="tab:orange", alpha=0.8)
            ax.set_xlim(-e, e); ax.set_ylim(-e, e); ax.set_xticks([]); ax.set_yticks([])
            ax.set_aspect("equal")
        else:
            bins = np.linspace(-e, e, 60)
            ax.hist(real[:, 0], bins=bins, density=True, alpha=0.4, color="tab:blue", label="data")
            ax.hist(samples[:, 0], bins=bins, density=True, alpha=0.5, color="tab:orange", label="G(z)")
            ax.plot(result.surface_grid[:, 0], surface, "k--", lw=1, label="D(x)")
            ax.set_ylim(0, 1.05); ax.set_yticks([])
        ax.set_title(f"step {step}", fontsize=9)
    if data.dim == 1:
        axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title or f"{data.name}: {result.config.describe()}, seed {result.config.seed}", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_final_samples(results: dict[str, ToyGANResult], n: int = 1500, coverage: dict | None = None):
    """Final samples of several runs side by side (2-D data), titled with their mode coverage."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(2.7 * len(results), 3.0), squeeze=False)
    for ax, (name, result) in zip(axes[0], results.items()):
        data = DATASETS[result.config.data]
        e = data.extent
        s = result.sample(n)
        ax.scatter(data.centres[:, 0], data.centres[:, 1], marker="x", c="k", s=18, lw=1)
        ax.scatter(s[:, 0], s[:, 1], s=2, c="tab:orange", alpha=0.6)
        ax.set_xlim(-e, e); ax.set_ylim(-e, e); ax.set_aspect("equal"); ax.set_xticks([]); ax.set_yticks([])
        label = name if coverage is None else f"{name}\n{coverage[name].modes_covered}/{coverage[name].n_modes} modes, {100 * coverage[name].high_quality:.0f}% HQ"
        ax.set_title(label, fontsize=9)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_history(results: dict[str, ToyGANResult], window: int = 50):
    """D(x) and D(G(z)) over training (moving averages) for several runs."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3), sharey=True)
    kernel = np.ones(window) / window
    for name, r in results.items():
        for ax, key in zip(axes, ("d_real", "d_fake")):
            ax.plot(np.convolve(r.history[key], kernel, mode="valid"), label=name, lw=1)
    axes[0].set_title("D(x) on real samples"); axes[1].set_title("D(G(z)) on generated samples")
    for ax in axes:
        ax.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("step")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    plt.close(fig)
    return fig
