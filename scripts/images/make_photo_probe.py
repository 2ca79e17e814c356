"""A third-pipeline probe of real photographs, from pictures that ship inside Python packages.

``image.ai_generated`` trains on COCO / ImageNet photos; a probe of real photos from other cameras and
other processing tells whether it learned "generated" or "not like COCO". Two packages carry real
photographs under permissive terms: scikit-image (``skimage/data``: astronaut, coffee, chelsea, rocket,
the Middlebury motorcycle pair, textures, grey-scale classics) and matplotlib (``grace_hopper.jpg``, a
scanned portrait). This copies them into one folder with a ``labels.csv`` (all ``real``, split
``test``) for ``scripts/images/other_reals_probe.py --reals``.

usage (scikit-image need not be installed; its wheel is enough):
    pip download scikit-image==0.24.0 --no-deps -d var/images/wheels
    python scripts/images/make_photo_probe.py --wheel var/images/wheels/scikit_image-0.24.0-*.whl \\
        --out var/images/skimage_reals
    python scripts/images/other_reals_probe.py --reals var/images/skimage_reals
"""

from __future__ import annotations

import argparse
import csv
import zipfile
from pathlib import Path

# real photographs (colour, then grey-scale); the synthetic test cards and drawings are left out
SKIMAGE_PHOTOS = (
    "astronaut.png",
    "chelsea.png",
    "coffee.png",
    "rocket.jpg",
    "motorcycle_left.png",
    "motorcycle_right.png",
    "grass.png",
    "gravel.png",
    "brick.png",
    "hubble_deep_field.jpg",
    "camera.png",
    "coins.png",
    "moon.png",
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", type=Path, required=True, help="a scikit-image wheel (pip download)")
    ap.add_argument("--out", type=Path, default=Path("var/images/skimage_reals"))
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    with zipfile.ZipFile(args.wheel) as wheel:
        for name in SKIMAGE_PHOTOS:
            (args.out / name).write_bytes(wheel.read(f"skimage/data/{name}"))
            names.append(name)
    try:
        import matplotlib

        hopper = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
        (args.out / hopper.name).write_bytes(hopper.read_bytes())
        names.append(hopper.name)
    except (ImportError, FileNotFoundError) as exc:
        print(f"matplotlib's grace_hopper.jpg skipped ({exc})")
    with (args.out / "labels.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "label", "split"])
        w.writerows([n, "real", "test"] for n in sorted(names))
    print(f"{len(names)} real photos -> {args.out / 'labels.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
