"""`make figures`: the solution notebooks' figures, rewritten only when their picture changed.

It runs every solution notebook in a scratch folder (solutions.execute_solution) and copies a
figure into solutions/figures/ only when its picture changed (see `same_picture`), so re-running
it on an unchanged course rewrites nothing.
"""
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from .course import SOLUTIONS, assignment_ids
from .solutions import execute_solution

FIGURES = SOLUTIONS / "figures"

# Two renderings show the same picture when no channel of any pixel differs by more than
# NOISE_LEVELS (of 255) and at most NOISE_FRACTION of the pixels differ at all. Measured on a
# 2000-point curve saved like the notebooks' figures (dpi 110): data perturbed by a relative 1e-6
# (float32 round-off) changes at most 1 level on 0.001% of the pixels, by 1e-5 at most 4 levels
# on 0.04%; by 1e-4 it reaches 8 levels on 0.2%, and by 1e-3 a line visibly moves (234 levels).
# So the threshold absorbs round-off and encoder/metadata differences (the same pixels saved by
# another matplotlib or Pillow give other bytes) and still catches any change one could see,
# a legend's digit included (such a change differs by far more than 4 levels).
NOISE_LEVELS = 4
NOISE_FRACTION = 0.001


def _pixels(path):
    """The decoded picture of a PNG as an (height, width, 4) array of 0..255 levels."""
    from PIL import Image  # matplotlib's own PNG codec: always installed with matplotlib

    with Image.open(path) as image:
        return np.asarray(image.convert("RGBA"), dtype=np.int16)


def same_picture(a, b, levels=NOISE_LEVELS, fraction=NOISE_FRACTION):
    """Whether PNGs `a` and `b` show the same picture: same size, and any difference is noise."""
    first, second = _pixels(a), _pixels(b)
    if first.shape != second.shape:
        return False
    difference = np.abs(first - second).max(axis=2)
    return int(difference.max()) <= levels and float((difference > 0).mean()) <= fraction


def update_figures(fresh, committed=FIGURES):
    """Copy each PNG of folder `fresh` into `committed` when it is new or its picture changed.

    Returns {figure name: "new" | "changed" | "unchanged"}; an unchanged one is left untouched
    (same bytes, same modification time).
    """
    committed = Path(committed)
    committed.mkdir(parents=True, exist_ok=True)
    report = {}
    for path in sorted(Path(fresh).glob("*.png")):
        target = committed / path.name
        if not target.exists():
            report[path.name] = "new"
        elif target.read_bytes() == path.read_bytes() or same_picture(target, path):
            report[path.name] = "unchanged"
            continue
        else:
            report[path.name] = "changed"
        shutil.copyfile(path, target)
    return report


def regenerate_figures(stems=None, figures=FIGURES):
    """`make figures`: run the solution notebooks in a scratch folder, then write into
    solutions/figures/ only the figures whose picture changed. Returns update_figures' report."""
    with tempfile.TemporaryDirectory(prefix="course-figures-") as scratch:
        for stem in stems or assignment_ids():
            started = time.monotonic()
            _, seconds = execute_solution(stem, workdir=scratch)
            slowest = max(seconds.values(), default=0.0)
            print(f"{stem}: ran in {time.monotonic() - started:.1f} s (slowest cell {slowest:.1f} s)")
        report = update_figures(Path(scratch) / "figures", figures)
    for state in ("new", "changed"):
        names = [name for name, s in report.items() if s == state]
        if names:
            print(f"{state} in {figures}: " + ", ".join(names))
    unchanged = sum(s == "unchanged" for s in report.values())
    print(f"{unchanged} of {len(report)} figures unchanged (their files left as they were)")
    orphans = sorted({p.name for p in Path(figures).glob("*.png")} - set(report)) if stems is None else []
    if orphans:
        print(f"written by no notebook (delete them if they are no longer used): {', '.join(orphans)}")
    return report
