"""Headless trainer: ``python -m artgan_utils.train RECIPE --out runs/NAME``.

Trains a named recipe (:mod:`artgan_utils.gan.recipes`) with the same code the
notebooks use (:func:`artgan_utils.gan.train_recipe`): a Keras progress
bar, a fixed-noise sample grid, a CSV log and TensorBoard scalars, full
checkpoints, every ``--every`` steps. Run the same command again after an
interruption (Ctrl-C, a closed laptop, a killed job) and it resumes from the
last checkpoint, exactly: same weights, optimizer moments, step counter,
noise and data order as an uninterrupted run.

Examples::

    python -m artgan_utils.train --list
    python -m artgan_utils.train dcgan-digits --out runs/digits
    python -m artgan_utils.train dcgan-ukiyoe-64 --out runs/ukiyoe64 --steps 8000
    python -m artgan_utils.train dcgan-ukiyoe-64 --out runs/ukiyoe64 --steps 8000 --export checkpoints/dcgan-ukiyoe-64
    tensorboard --logdir runs/ukiyoe64/tensorboard

    # your own images, or a TensorFlow Datasets set (internet on first use)
    python -m artgan_utils.train dcgan-ukiyoe-64 --data folder:~/my_prints --out runs/mine
    python -m artgan_utils.train dcgan-ukiyoe-64 --data tfds:cycle_gan/ukiyoe2photo/trainA --out runs/tfds
    # a recipe from a file: a JSON recipe, or a finished run's run.json
    python -m artgan_utils.train runs/ukiyoe64/run.json --out runs/again

    # scaling up (notebook 06): all GPUs of a machine, mixed precision, XLA
    python -m artgan_utils.train dcgan-ukiyoe-64 --out runs/gpu --strategy mirrored --precision mixed_float16
    # several machines: the same command on each, with TF_CONFIG naming the cluster and this worker's index
    TF_CONFIG='{"cluster": {"worker": ["a:2222", "b:2222"]}, "task": {"type": "worker", "index": 0}}' \\
        python -m artgan_utils.train dcgan-ukiyoe-64 --out /shared/runs/two --strategy multiworker
    # try a strategy without GPUs: split this CPU into 2 logical devices
    python -m artgan_utils.train dcgan-digits --out runs/mirrored --strategy mirrored --cpu-devices 2

The finished run holds ``generator.keras`` and ``discriminator.keras`` (Keras 3
format) and ``run.json`` with the recipe, the command, the step count, the wall
time and the machine; ``artgan_utils.gan.load_pretrained("runs/ukiyoe64")``
loads it.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from artgan_utils.gan.recipes import RECIPES, Recipe, RecipeError, get_recipe

#: The --strategy choices (artgan_utils.gan.make_strategy; listed here so --help needs no TensorFlow).
STRATEGIES = ("auto", "default", "mirrored", "multiworker")
#: The --precision choices (artgan_utils.gan.build_gan).
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m artgan_utils.train", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("recipe", nargs="?", help="recipe name (see --list), or a JSON file (a recipe, or a run.json)")
    p.add_argument("--out", help="output folder (checkpoints, samples, logs, final models)")
    p.add_argument("--steps", type=int, help="total training steps (default: the recipe's)")
    p.add_argument("--every", type=int,
                   help="steps between checkpoints, sample grids and log rows (default: the largest divisor of "
                        "--steps up to 250)")
    p.add_argument("--seed", type=int, help="override the recipe's seed")
    p.add_argument("--batch-size", type=int, help="override the recipe's batch size")
    p.add_argument("--data", help="override the recipe's data: a bundled style, folder:PATH or "
                                   "tfds:cycle_gan/NAME/SPLIT")
    p.add_argument("--strategy", choices=STRATEGIES, default="auto",
                   help="tf.distribute strategy (default auto: mirrored on several GPUs, multiworker when TF_CONFIG "
                        "is set, else one device); --batch-size is the global batch")
    p.add_argument("--precision", choices=PRECISIONS, default="float32",
                   help="mixed_float16 for GPUs with tensor cores (with loss scaling), mixed_bfloat16 for TPUs and "
                        "CPUs/GPUs with bfloat16 units (default float32)")
    p.add_argument("--jit", choices=("auto", "on", "off"), default="auto",
                   help="XLA compilation (auto: Keras' choice, on for one GPU, off on CPU, where it measured slower)")
    p.add_argument("--cpu-devices", type=int, metavar="N",
                   help="split the CPU into N logical devices (to try --strategy mirrored without GPUs)")
    p.add_argument("--no-resume", action="store_true",
                   help="refuse to continue an existing run in --out (default: resume it)")
    p.add_argument("--no-tensorboard", action="store_true", help="do not write TensorBoard logs")
    p.add_argument("--export", metavar="FOLDER",
                   help="after training, copy the shareable files (models, run.json, log, last grid) to FOLDER")
    p.add_argument("--list", action="store_true", help="list the recipes and exit")
    return p


def load_recipe(spec: str) -> Recipe:
    """A named recipe, or one read from a JSON file (a recipe dict, or a run.json holding one under "recipe")."""
    if spec.endswith(".json") or Path(spec).is_file():
        import json

        path = Path(spec).expanduser()
        try:
            d = json.loads(path.read_text())
        except FileNotFoundError:
            raise RecipeError(f"No recipe file {spec}.") from None
        except ValueError as err:
            raise RecipeError(f"{path.name} is not valid JSON ({err}).") from None
        d = d.get("recipe", d) if isinstance(d, dict) else d
        try:
            return Recipe.from_dict(d)
        except TypeError as err:
            raise RecipeError(f"{path.name} is not a recipe: {err}. Start from a run.json or Recipe.to_dict().") from None
    return get_recipe(spec)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.list or not args.recipe:
        width = max(len(n) for n in RECIPES)
        for name, r in RECIPES.items():
            print(f"{name:<{width}}  {r.image_size}x{r.image_size}, {r.steps} steps, batch {r.batch_size}: {r.summary}")
        if not args.list:
            print("\nGive a recipe name and --out FOLDER to train.", file=sys.stderr)
            return 2
        return 0
    if not args.out:
        print("error: --out FOLDER is required (where checkpoints and results go).", file=sys.stderr)
        return 2
    try:
        recipe = load_recipe(args.recipe)
        changes = {k: v for k, v in (("seed", args.seed), ("batch_size", args.batch_size), ("data", args.data))
                   if v is not None}
        if changes:
            recipe = recipe.replace(**changes)
    except RecipeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    steps = args.steps or recipe.steps
    if args.every is None:
        args.every = max(d for d in range(1, min(250, steps) + 1) if steps % d == 0)
    if steps % args.every:
        print(f"error: --steps ({steps}) must be a multiple of --every ({args.every}).", file=sys.stderr)
        return 2

    if args.cpu_devices:
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * args.cpu_devices)

    from artgan_utils import env
    from artgan_utils.data import DataError
    from artgan_utils.gan import (
        GENERATOR_FILE,
        export_run,
        is_chief,
        make_strategy,
        train_recipe,
    )

    env.quiet_tensorflow_logs()
    command = "python -m artgan_utils.train " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    verbose = 1 if sys.stdout.isatty() else 2
    try:
        strategy = make_strategy(args.strategy)  # distribute_stream checks the batch splits
        chief = is_chief(strategy)
        if chief:
            print(f"Training {recipe.name} for {steps} steps into {args.out} ({env.device_info().device}; "
                  f"{strategy.num_replicas_in_sync} replica(s), {args.precision}).")
        jit = {"auto": "auto", "on": True, "off": False}[args.jit]
        gan = train_recipe(recipe, args.out, steps=steps, every=args.every, resume=not args.no_resume,
                                    tensorboard=not args.no_tensorboard, verbose=verbose, command=command,
                                    strategy=strategy, precision=args.precision, jit_compile=jit)
    except (FileExistsError, ValueError, FloatingPointError, OSError, DataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted. Run the same command again to resume from the last checkpoint.", file=sys.stderr)
        return 130
    if not chief:
        return 0
    print(f"Done: step {int(gan.step.numpy())}. Generator: {args.out}/{GENERATOR_FILE}")
    if args.export:
        written = export_run(args.out, args.export)
        print(f"Exported {len(written)} files to {args.export}")
    return 0


#: TensorFlow's start-up lines, printed before its logging is initialised (no setting silences them).
_TF_STARTUP_NOISE = re.compile(r"^(WARNING: All log messages before absl|[IWE]\d{4} \d\d:\d\d:\d\d|"
                               r"To enable the following instructions)")


@dataclass
class TrainerRun:
    """A finished trainer process: its exit code and its output without TensorFlow's start-up lines."""

    returncode: int
    stdout: str
    stderr: str

    def check(self) -> TrainerRun:
        """Raise ``RuntimeError`` with the trainer's own error lines if it failed."""
        if self.returncode != 0:
            raise RuntimeError(f"The trainer exited with code {self.returncode}:\n{self.stderr.strip()[-2000:]}")
        return self


def launch(args: list[str], env: dict[str, str] | None = None, cwd: str | os.PathLike[str] | None = None,
           ) -> subprocess.Popen:
    """Start ``python -m artgan_utils.train ARGS`` in a new process (e.g. to run workers side by side).

    ``env`` adds variables (such as ``TF_CONFIG``) to this process's environment;
    the package is importable in the child even when it is not installed.
    Read the result with :func:`wait`.
    """
    root = str(Path(__file__).resolve().parent.parent)
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **(env or {}))
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (root, full_env.get("PYTHONPATH", "")) if p)
    return subprocess.Popen([sys.executable, "-m", "artgan_utils.train", *map(str, args)], env=full_env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait(proc: subprocess.Popen, timeout: float | None = None) -> TrainerRun:
    """Wait for a :func:`launch`-ed trainer; its output, with TensorFlow's start-up noise removed."""
    out, err = proc.communicate(timeout=timeout)
    clean = "\n".join(line for line in err.splitlines() if not _TF_STARTUP_NOISE.match(line))
    return TrainerRun(proc.returncode, out, clean)


def run(args: list[str], env: dict[str, str] | None = None, show: bool = True,
        timeout: float | None = None) -> TrainerRun:
    """Run the headless trainer in a subprocess, as from a terminal, and return (and print) its output.

    The way a notebook starts a long run without tying up its kernel's state::

        from artgan_utils import train
        train.run(["dcgan-digits", "--out", "runs/digits", "--steps", "600"])
    """
    result = wait(launch(args, env), timeout)
    if show:
        print(result.stdout.rstrip())
        if result.stderr.strip():
            print(result.stderr.rstrip(), file=sys.stderr)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
