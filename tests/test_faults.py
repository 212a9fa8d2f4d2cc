"""Grading that survives faults of the machine and of OUT: a full disk, a read-only OUT, a
deleted or truncated gradebook, a deleted feedback page, a missing submissions folder. Each ends
in one line (exit 2) or is repaired by the next run, and the end state equals a clean run's."""
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.bench import answered_class

STUDENTS = 2
ASSIGNMENTS = ["01_lr_schedules", "02_gradient_clipping"]


def grade(submissions, out, tmp, *extra):
    env = dict(os.environ, TMPDIR=str(tmp))
    return subprocess.run([sys.executable, "-m", "autograder", "grade", str(submissions), "--out",
                           str(out), "--jobs", "2", "--quiet", *extra],
                          capture_output=True, text=True, env=env, timeout=600)


def leftovers(out, tmp):
    """Temporary files a run left in OUT, and run folders in TMPDIR."""
    return sorted(str(p) for p in Path(out).rglob("*.tmp")) + \
        sorted(str(p) for p in Path(tmp).glob("autograder-*"))


def gradebook_submissions(out):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(out) / 'course' / 'gradebook.db'}") as gradebook:
        return {(s.student.id, a.name): s.score for a in gradebook.assignments for s in a.submissions}


def csv_scores(out):
    import csv

    with open(Path(out) / "grades.csv", newline="") as handle:
        return {(r["student_id"], r["assignment"]): float(r["score"]) for r in csv.DictReader(handle)}


def mount(*argv):
    done = subprocess.run(["mount", *argv], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here (root is needed): {done.stderr.strip()}")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    submissions, tmp = root / "submissions", root / "tmp"
    tmp.mkdir()
    answered_class(submissions, STUDENTS, ASSIGNMENTS)
    out = root / "reference"
    done = grade(submissions, out, tmp)
    assert done.returncode == 0, done.stderr
    return {"root": root, "submissions": submissions, "out": out, "tmp": tmp,
            "csv": (out / "grades.csv").read_text(),
            "pages": {str(p.relative_to(out)): p.read_bytes() for p in (out / "feedback").rglob("*.html")}}


def copy_of(reference, name):
    out = reference["root"] / name
    shutil.copytree(reference["out"], out)
    return out


def assert_like_reference(reference, out):
    assert (out / "grades.csv").read_text() == reference["csv"]
    pages = {str(p.relative_to(out)): p.read_bytes() for p in (out / "feedback").rglob("*.html")}
    assert pages == reference["pages"]
    assert gradebook_submissions(out) == csv_scores(out)


def test_a_disk_that_fills_midway_stops_the_run_in_one_line_and_the_rerun_completes(reference):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    out, tmp = reference["root"] / "small-disk", reference["tmp"]
    out.mkdir()
    total = sum(p.stat().st_size for p in reference["out"].rglob("*") if p.is_file())
    mount("-t", "tmpfs", "-o", f"size={int(0.75 * total)}", "tmpfs", str(out))   # full midway
    try:
        full = grade(reference["submissions"], out, tmp)
        lines = full.stderr.strip().splitlines()
        assert full.returncode == 2, full.stderr
        assert len(lines) == 1 and "No space left on device" in lines[0] and "Traceback" not in full.stderr, lines
        assert leftovers(out, tmp) == []
        mount("-o", "remount,size=200M", str(out))
        again = grade(reference["submissions"], out, tmp)
        assert again.returncode == 0, again.stderr
        assert_like_reference(reference, out)
        assert leftovers(out, tmp) == []
    finally:
        subprocess.run(["umount", "-l", str(out)], check=False)


def test_a_read_only_out_is_refused_in_one_line(reference):
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    out = copy_of(reference, "read-only")
    before = {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    mount("--bind", str(out), str(out))
    try:
        mount("-o", "remount,ro,bind", str(out))
        refused = grade(reference["submissions"], out, reference["tmp"], "--force")
    finally:
        subprocess.run(["umount", "-l", str(out)], check=False)
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode == 2, refused.stderr
    assert len(lines) == 1 and "Read-only file system" in lines[0] and "Traceback" not in refused.stderr
    assert {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert leftovers(out, reference["tmp"]) == []


@pytest.mark.parametrize("damage", ["deleted", "truncated"])
def test_a_lost_gradebook_and_a_lost_page_are_rebuilt_by_the_next_run(reference, damage):
    out = copy_of(reference, f"gradebook-{damage}")
    next((out / "feedback").rglob("*.html")).unlink()
    database = out / "course" / "gradebook.db"
    if damage == "deleted":
        database.unlink()
    else:
        database.write_bytes(database.read_bytes()[:3000])
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(str(database)).execute("select * from submitted_assignment").fetchall()
    again = grade(reference["submissions"], out, reference["tmp"])
    assert again.returncode == 0, again.stderr
    assert_like_reference(reference, out)
    kept = sorted(p.name for p in out.glob("gradebook.db.unreadable-*"))
    assert len(kept) == (1 if damage == "truncated" else 0), kept


def test_a_missing_submissions_folder_is_one_line(reference, tmp_path):
    missing = grade(tmp_path / "nowhere", tmp_path / "out", reference["tmp"])
    lines = missing.stderr.strip().splitlines()
    assert missing.returncode == 2 and len(lines) == 1 and "nowhere" in lines[0], missing.stderr
    assert "Traceback" not in missing.stderr


def processes_under(path):
    """Live processes whose command line names `path` (the run's TMPDIR: template, kernels)."""
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        try:
            if process.info["status"] != psutil.STATUS_ZOMBIE and \
                    any(str(path) in part for part in process.info["cmdline"] or []):
                found.append((process.pid, " ".join(process.info["cmdline"])[:120]))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.mark.parametrize("how", ["SIGKILL to the group", "SIGTERM to the grader"])
def test_killed_at_a_random_moment_the_rerun_equals_a_clean_run(reference, how):
    import random
    import signal
    import time

    seed = random.randrange(1 << 30)
    delay = random.Random(seed).uniform(1.0, 6.0)
    print(f"seed {seed}: {how} after {delay:.2f} s")
    out, tmp = reference["root"] / f"killed-{how.split()[0]}", reference["root"] / f"tmp-{how.split()[0]}"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    run = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(reference["submissions"]),
                            "--out", str(out), "--jobs", "2", "--quiet"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    if how.startswith("SIGKILL"):
        os.killpg(run.pid, signal.SIGKILL)
    else:
        run.send_signal(signal.SIGTERM)
    run.wait(timeout=60)
    deadline = time.monotonic() + 15
    while processes_under(tmp) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_under(tmp) == [], f"seed {seed}: processes outlived the grader"
    again = grade(reference["submissions"], out, tmp)
    assert again.returncode == 0, f"seed {seed}: {again.stderr}"
    assert_like_reference(reference, out)
    assert leftovers(out, tmp) == [], f"seed {seed}"


def test_files_changed_while_graded_keep_the_grade_of_what_was_read_then_are_graded_again(
        reference, monkeypatch):
    """The grade is bound to the bytes the worker read: a file replaced (or deleted) while its
    kernel runs gets the grade of those bytes, and the next run grades the file as it now is."""
    from autograder import worker
    from autograder.grade import ClassGrader

    submissions = reference["root"] / "subs-changed"
    shutil.copytree(reference["submissions"], submissions)
    replaced, deleted = sorted(submissions.glob("*/01_lr_schedules/*.ipynb"))[:2]
    blank = (Path(__file__).resolve().parents[1] / "notebooks" / "01_lr_schedules.ipynb").read_bytes()
    real = worker._snapshot

    def changing(path, send):         # the file changes right after the worker read it
        raw = real(path, send)
        if Path(path) == replaced:
            replaced.write_bytes(blank)
        elif Path(path) == deleted:
            deleted.unlink()
        return raw

    monkeypatch.setattr(worker, "_snapshot", changing)
    out = reference["root"] / "changed"
    first = ClassGrader(out, jobs=1, progress=False).grade(submissions)
    key = lambda path: f"{path.parent.parent.name}/01_lr_schedules"
    assert first[key(replaced)].score == 10 and first[key(deleted)].score == 10   # what was read
    monkeypatch.setattr(worker, "_snapshot", real)
    second = ClassGrader(out, jobs=1, progress=False).grade(submissions)
    assert (second[key(replaced)].score, second[key(replaced)].status) == (0, "graded")
    row = second[key(deleted)]
    assert (row.score, row.status) == (0, "broken") and "no .ipynb" in row.reason, row
