"""Every method of notebooks 07-09 and two classical baselines on the same 12 photos (notebook 09's comparison).

    python benchmarks/method_comparison.py                          # all methods, both styles
    python benchmarks/method_comparison.py --methods cyclegan       # add or redo one method's rows

The photos are ``pairs.COMPARISON_PHOTOS`` (landscape, monuments, animals, a sculpture)
at 256 px on the longer side. Per style (ukiyo-e, Van Gogh):

* the methods that take style images (Gatys, AdaIN, Magenta, Reinhard, histogram
  matching) get the style's **training** paintings, at their full size (``pairs.split(style)[0]``: averaged
  Gram matrices, equal-weight AdaIN mix, averaged Magenta vectors, pooled pixels);
  the translators (pix2pix, CycleGAN) are the shipped ones, trained on the same paintings;
* every output is scored against the photo (``content``: VGG16-HED relu4_2 distance)
  and against the **held-out** paintings no method saw (``style``: Gram distance to
  their mean Gram matrices), both from :mod:`artgan_utils.transfer.scores`;
* per method and style, the 12 outputs give ``FD[effnet-lite0]`` to all the style's
  paintings and the series' ``ArtFID*`` (labelled variant; see ``scores``).

Caveats recorded in the CSV's ``notes``: the shipped AdaIN decoder was trained on photos
that include 8 of the 12 (only the first 4 were held out when it was trained); Gatys runs
``--gatys-steps`` Adam steps (notebook 07's standard: 100).

Outputs: ``benchmarks/results/method_comparison.csv`` (one row per photo, method and style),
``method_comparison_summary.csv`` (per method and style), and the renderings as JPEG in
``benchmarks/results/method_comparison/<style>/<method>/`` (notebook 09 shows them; it
recomputes the fast methods itself and reads Gatys' from here). Re-running with
``--methods`` replaces those methods' rows and keeps the others.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import artgan_utils  # noqa: E402,F401  (quiet TF logs before TF loads)
from benchmarks._results import RESULTS  # noqa: E402

METHODS = ("reinhard", "histogram", "gatys", "adain", "magenta", "pix2pix", "cyclegan")
STYLES = ("ukiyo-e", "van-gogh")
SIZE = 256
RENDERS = RESULTS / "method_comparison"
NOTES = {"adain": "decoder trained on photos incl. 8 of these 12 (the first 4 held out)",
         "gatys": "{steps} Adam steps, gatys.DEFAULTS", "pix2pix": "the photo's HED drawing, painted",
         "cyclegan": "shipped G: photo -> painting"}


def render(method: str, photo, style: str, gatys_steps: int):
    """One output (h, w, 3) in [0, 1] and the seconds it took."""
    from artgan_utils.transfer import pairs
    from artgan_utils.transfer.stylize import TRANSLATORS, stylize

    reference = style if method in TRANSLATORS else list(pairs.split(style)[0])
    t0 = time.perf_counter()
    out = stylize(photo, reference, method=method, size=None, steps=gatys_steps if method == "gatys" else None)
    return out, time.perf_counter() - t0


def render_path(style: str, method: str, photo_file: str) -> Path:
    return RENDERS / style / method / (Path(photo_file).stem + ".jpg")


def main(argv: list[str] | None = None) -> None:
    import numpy as np
    from PIL import Image

    from artgan_utils import data
    from artgan_utils.transfer import pairs, scores
    from artgan_utils.transfer.stylize import load_input

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--styles", nargs="+", default=list(STYLES))
    p.add_argument("--gatys-steps", type=int, default=100)
    args = p.parse_args(argv)

    photos = {f: load_input(f, size=SIZE) for f in pairs.COMPARISON_PHOTOS}
    rows, summary = [], []
    for style in args.styles:
        held = [load_input(f, size=SIZE) for f in pairs.split(style)[1]]
        everything = [load_input(w.file, size=SIZE) for w in data.catalogue(style=style, kind="painting")]
        for method in args.methods:
            outputs, seconds = [], []
            for file, photo in photos.items():
                out, sec = render(method, photo, style, args.gatys_steps)
                outputs.append(out)
                seconds.append(sec)
                path = render_path(style, method, file)
                path.parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray((out * 255).round().astype("uint8")).save(path, quality=90)
                rows.append(dict(style=style, method=method, photo=Path(file).stem,
                                 content=round(scores.content_distance(out, photo), 4),
                                 style_distance=round(scores.style_distance(out, held), 4),
                                 seconds=round(sec, 3)))
                print(rows[-1], flush=True)
            content = float(np.mean([r["content"] for r in rows[-len(photos):]]))
            fd = scores.style_fd(outputs, everything)
            summary.append(dict(style=style, method=method, photos=len(photos),
                                content=round(content, 4),
                                style_distance=round(float(np.mean([r["style_distance"] for r in rows[-len(photos):]])), 4),
                                fd_effnet=round(fd, 2), artfid_star=round(scores.artfid(content, fd), 2),
                                s_per_image=round(float(np.median(seconds)), 3),
                                notes=NOTES.get(method, "").format(steps=args.gatys_steps),
                                machine=f"{platform.machine()}, {os.cpu_count()} CPUs",
                                load_avg=round(os.getloadavg()[0], 2), date=time.strftime("%Y-%m-%d")))
            print(summary[-1], flush=True)
    _merge(RESULTS / "method_comparison.csv", rows)
    _merge(RESULTS / "method_comparison_summary.csv", summary)


def _merge(path: Path, new: list[dict]) -> None:
    """Replace the (style, method) rows that ``new`` holds and keep the others, in METHODS order."""
    old = list(csv.DictReader(path.open())) if path.is_file() else []
    done = {(r["style"], r["method"]) for r in new}
    rows = [r for r in old if (r["style"], r["method"]) not in done] + new
    rows.sort(key=lambda r: (STYLES.index(r["style"]) if r["style"] in STYLES else 9, METHODS.index(r["method"])))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(new[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
