"""Built courses kept between runs. nbgrader's generate_assignment of the solution notebooks costs
every run that builds OUT/course about a second (its imports, then 0.6 CPU-s), and a new OUT (a
shard, a second section, `check` in a fresh folder, a test) built the same course again from the
same solutions and grading code. The built course is kept once per such version, outside OUT, in
the grader's own cache folder (never inside a sandbox: kernels see none of it)."""
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import nbgrader

from .course import REPO, build_course

KEEP = 8        # built courses kept; older ones go (a course is about 1 MB)


def cache_folder():
    """LR_COURSE_CACHE, else the user's cache folder (XDG_CACHE_HOME or ~/.cache)."""
    if os.environ.get("LR_COURSE_CACHE"):
        return Path(os.environ["LR_COURSE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lr-schedules-and-clipping" / "courses"


def build_course_cached(root, assignments, version):
    """build_course(root, assignments), copied from the cache when a course of this `version`
    (workspace.solutions_digest: the solutions and the grading code) and nbgrader's was built
    before; else built, kept, then copied. A cache that cannot be written is skipped."""
    # the project's path too: the course's nbgrader_config.py names it
    key = hashlib.sha256(f"{version} {sorted(assignments)} {REPO} nbgrader {nbgrader.__version__}".encode())
    kept = cache_folder() / key.hexdigest()[:32]
    if not _complete(kept, assignments):
        try:
            _keep(kept, assignments)
        except OSError:
            build_course(root, assignments)
            return
    try:
        os.utime(kept)                  # used now: the last to be dropped
        _copy(kept, Path(root))
    except FileNotFoundError:           # dropped meanwhile by another grader's _keep
        shutil.rmtree(root, ignore_errors=True)
        build_course(root, assignments)


def _complete(kept, assignments):
    return (kept / "gradebook.db").is_file() and \
        all((kept / "release" / a / f"{a}.ipynb").is_file() for a in assignments)


def _keep(kept, assignments):
    """Build into a folder of our own beside `kept`, then rename it into place (atomic: graders
    started together each build, one keeps its copy); drop the least recently used beyond KEEP."""
    kept.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=kept.parent))
    try:
        build_course(building / "course", assignments)
        if kept.exists() and not _complete(kept, assignments):
            shutil.rmtree(kept, ignore_errors=True)     # an incomplete one, left by a damaged cache
        os.rename(building / "course", kept)
    except OSError:
        if not _complete(kept, assignments):
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    courses = sorted((p for p in kept.parent.iterdir() if not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in courses[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)


def _copy(kept, root):
    """File by file, so a full or read-only OUT raises the OSError of the file it stopped at
    (shutil.copytree would gather them into one error without an errno)."""
    for path in sorted(kept.rglob("*")):
        target = root / path.relative_to(kept)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
