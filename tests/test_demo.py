"""The demo class, graded as instructors do: in one run, and as the README's SLURM job array whose
parts are merged afterwards; then its grades exported into an LMS roster, and single notebooks
checked for CI.

The class is graded once in one run (module fixture `demo`) and once by the README's own SLURM
script, submitted as a job array of three parts to a one-node SLURM started for the test (module
fixture `slurm_parts`, which skips, saying why, where SLURM cannot be installed or started: not
root, or apt failing); the tests compare the two.
"""
import csv
import io
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from autograder.demo import build_submissions, check_expected, with_answers
from autograder.discover import shard_of
from autograder.lms import fill
from autograder.results import Row

sys.path.insert(0, str(Path(__file__).parent))
import slurm_cluster  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PARTS = 3
ARRAY_TIMEOUT = 1500   # seconds for the whole job array; the daemons' logs and the job's output on failure


def grade_command(submissions, out, *extra):
    return [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
            "--quiet", *extra]


def read_rows(out):
    with open(Path(out) / "grades.csv", newline="") as handle:
        return {f"{r['student_id']}/{r['assignment']}": r for r in csv.DictReader(handle)}


class SlurmStarter(threading.Thread):
    """Installs (when missing) and starts a one-node SLURM in the background, while the class is
    graded in one run; `cluster()` waits for it and skips the test where SLURM cannot be had."""

    def __init__(self, folder):
        super().__init__(daemon=True)
        self.folder, self.error, self.seconds = folder, None, None
        # the PARTS one-CPU tasks run at once on a 2-CPU machine, as PARTS shard processes would
        self.instance = slurm_cluster.Cluster(folder, share=PARTS)

    def run(self):
        began = time.monotonic()
        try:
            slurm_cluster.install()
            self.instance.start()
        except BaseException as error:   # handed to the test that needs the cluster
            self.error = error
        self.seconds = time.monotonic() - began

    def cluster(self):
        self.join()
        if isinstance(self.error, slurm_cluster.Unavailable):
            pytest.skip(f"no SLURM to run the README's job array on: {self.error}")
        if self.error is not None:
            raise self.error
        return self.instance

    def stop(self):
        self.join()
        self.instance.stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, request):
    root = tmp_path_factory.mktemp("demo")
    submissions = root / "submissions"
    expected = build_submissions(submissions)
    slurm = SlurmStarter(root / "slurm")
    if any("slurm_parts" in getattr(item, "fixturenames", ()) for item in request.session.items):
        slurm.start()   # only for a session running the SLURM tests
        request.addfinalizer(slurm.stop)
    single = subprocess.run(grade_command(submissions, root / "single", "--jobs", "2"),
                            capture_output=True, text=True, timeout=1200)
    assert single.returncode == 0, single.stderr[-3000:]
    return {"root": root, "submissions": submissions, "expected": expected, "slurm": slurm}


# ---------------------------------------------------------------------------------------------
# The README's SLURM job array, for real

def readme_slurm_script():
    """The fenced block right after "A SLURM job array" in the README's "A class too big for one
    machine" section."""
    readme = (REPO / "README.md").read_text()
    heading = "### A class too big for one machine"
    assert heading in readme, f"README.md has no section {heading!r}: tests/test_demo.py runs its SLURM script"
    section = readme.split(heading, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    assert "A SLURM job array" in section, f"README.md's {heading!r} no longer introduces 'A SLURM job array'"
    block = re.search(r"^```[^\n]*\n(.*?)^```", section.split("A SLURM job array", 1)[1], re.S | re.M)
    assert block and block.group(1).startswith("#!/bin/bash\n"), \
        "no fenced #!/bin/bash block follows 'A SLURM job array' in README.md"
    return block.group(1)


def substitute(script, replacements):
    """Replaces each README string exactly; a string the README no longer holds, or one of theirs
    left over, fails the test."""
    for i, (old, new) in enumerate(replacements):
        assert old in script, (f"README.md's SLURM script no longer holds {old!r}, which the test replaces "
                               f"with {new!r}: update tests/test_demo.py with the README\n{script}")
        script = script.replace(old, f"\0{i}\0")
    for leftover in ("/shared/", "/path/to/", "50"):
        assert leftover not in script, f"README.md's SLURM script holds an unsubstituted {leftover!r}:\n{script}"
    for i, (old, new) in enumerate(replacements):
        script = script.replace(f"\0{i}\0", new)
    return script


def once(script, when):
    """The command of the script's `# <when>, once: COMMAND` comment, or None."""
    line = re.search(rf"^# {when}, once: (.+)$", script, re.M)
    return line and line.group(1)


def run_once(command, what):
    done = subprocess.run(["bash", "-c", command], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the README's {what} `{command}` exited with {done.returncode}:\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def slurm_parts(demo):
    """The README's SLURM script, submitted as it stands but for paths and sizes: this repository,
    the demo class, PARTS parts of one CPU each, then its merge line."""
    cluster = demo["slurm"].cluster()
    root = demo["root"]
    parts, merged, key, logs = root / "parts", root / "merged", root / "course.key", root / "slurm-output"
    logs.mkdir()
    q = lambda path: shlex.quote(str(path))
    script = substitute(readme_slurm_script(), [
        ("--array=1-50", f"--array=1-{PARTS}"),
        ("--cpus-per-task=4", "--cpus-per-task=1"),
        ("--mem=24G", "--mem=2G"),
        ("cd /path/to/lr-schedules-and-clipping", f"cd {q(REPO)}"),
        ("/shared/submissions", q(demo["submissions"])),
        ("/shared/parts", q(parts)),
        ("/shared/grades", q(merged)),
        ("/shared/course.key", q(key)),
        ("$SLURM_ARRAY_TASK_ID/50", f"$SLURM_ARRAY_TASK_ID/{PARTS}"),
        ("--jobs 4", "--jobs 1"),
    ])
    before, after = once(script, "before submitting"), once(script, "afterwards")
    assert before and after, "README.md's SLURM script lacks its '# before submitting, once: ... key ...' or " \
                             "'# afterwards, once: ... merge ...' line"
    began = time.monotonic()
    run_once(before, "command to run before submitting")
    job = cluster.submit(script, logs, f"--output={logs}/slurm-%A_%a.out")
    outputs = lambda: sorted(logs.glob("slurm-*.out"))
    try:
        tasks = cluster.wait(job, ARRAY_TIMEOUT)
    except (TimeoutError, RuntimeError) as error:
        pytest.fail(f"{error}\n{cluster.logs(*outputs())}", pytrace=False)
    assert sorted(tasks) == [str(k) for k in range(1, PARTS + 1)] and \
        all(state == ("COMPLETED", "0:0") for state in tasks.values()), \
        f"the README's SLURM array did not complete: {tasks}\nscript:\n{script}\n{cluster.logs(*outputs())}"
    run_once(after, "merge line")
    print(f"SLURM: install and start {demo['slurm'].seconds:.0f} s (beside the single run), "
          f"array and merge {time.monotonic() - began:.0f} s", file=sys.stderr)
    return {"parts": parts, "merged": merged, "key": key}


def test_demo_class_scores_as_expected(demo):
    rows = {key: Row(r["student_id"], r["assignment"], float(r["score"]), float(r["max_score"]), r["status"],
                     r["reason"], r["notes"], r["notebook"]) for key, r in read_rows(demo["root"] / "single").items()}
    assert check_expected(rows, demo["expected"]) == []
    for row in rows.values():
        assert list((demo["root"] / "single" / "feedback" / row.student_id / row.assignment).glob("*.html"))


def test_shards_are_disjoint_and_cover_the_class(demo, slurm_parts):
    parts = [set(read_rows(slurm_parts["parts"] / str(k))) for k in range(1, PARTS + 1)]
    whole = set(read_rows(demo["root"] / "single"))
    assert sum(len(p) for p in parts) == len(set().union(*parts)) == len(whole)
    assert set().union(*parts) == whole and all(parts), "every part holds some of the class"
    for k, part in enumerate(parts, start=1):
        assert all(shard_of(key.split("/")[0], PARTS) == k for key in part)


def test_each_student_always_lands_in_the_same_part():
    assert [shard_of("ada", 8) for _ in range(3)] == [shard_of("ada", 8)] * 3
    assert {shard_of(f"student{i}", 4) for i in range(200)} == {1, 2, 3, 4}


def test_merged_grades_are_byte_identical_to_one_run(demo, slurm_parts):
    single = (demo["root"] / "single" / "grades.csv").read_bytes()
    assert (slurm_parts["merged"] / "grades.csv").read_bytes() == single


def test_merged_feedback_and_gradebook_hold_every_submission(demo, slurm_parts):
    from nbgrader.api import Gradebook

    pages = lambda out: sorted(str(p.relative_to(out)) for p in (out / "feedback").rglob("*.html"))
    assert pages(slurm_parts["merged"]) == pages(demo["root"] / "single")
    rows = read_rows(slurm_parts["merged"])
    with Gradebook(f"sqlite:///{slurm_parts['merged'] / 'course' / 'gradebook.db'}") as gradebook:
        for key, row in rows.items():
            student, assignment = key.split("/")
            assert gradebook.find_submission(assignment, student).score == float(row["score"]), key


def test_merge_refuses_a_forged_result(slurm_parts, tmp_path):
    part = tmp_path / "part"
    shutil.copytree(slurm_parts["parts"] / "2", part)
    result = next(p for p in sorted(part.glob("results/*/*.json")) if '"score": 0.0' in p.read_text())
    result.write_text(result.read_text().replace('"score": 0.0', '"score": 10.0'))
    merged = subprocess.run([sys.executable, "-m", "autograder", "merge", str(part), "--key", str(slurm_parts["key"]),
                             "--out", str(tmp_path / "m")],
                            capture_output=True, text=True, timeout=600)
    assert merged.returncode == 1 and "not signed" in merged.stderr


# ---------------------------------------------------------------------------------------------
# LMS export

CANVAS = ("Student,ID,SIS User ID,SIS Login ID,Section\n"
          "    Points Possible,,,,\n"
          "\"Lovelace, Ada\",101,ada,ada@uni,A\n"
          "\"Nobody, Zed\",102,zed,zed@uni,A\n"
          "\"Dev, Dev\",103,dev,dev@uni,B\n")


def test_export_fills_a_canvas_roster(demo, tmp_path, capsys):
    from autograder.lms import export

    roster = tmp_path / "canvas.csv"
    roster.write_text(CANVAS)
    missing = export(demo["root"] / "single", roster, "SIS User ID", tmp_path / "filled.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "filled.csv").read_text())))
    assignments = sorted({r["assignment"] for r in read_rows(demo["root"] / "single").values()})
    assert rows[0] == CANVAS.splitlines()[0].split(",") + assignments
    assert rows[1][0].strip() == "Points Possible" and rows[1][5:] == ["10"] * len(assignments)
    assert [r[2] for r in rows[2:]] == ["ada", "zed", "dev"], "the roster's row order is kept"
    graded = read_rows(demo["root"] / "single")
    assert rows[2][5:] == [graded[f"ada/{a}"]["score"] for a in assignments]
    assert rows[3][5:] == [""] * len(assignments), "no submission: empty cells"
    assert set(missing) == {r["student_id"] for r in graded.values()} - {"ada", "dev"}
    assert "graded but not on the roster: ben" in capsys.readouterr().err


def test_export_works_with_any_id_column():
    text, missing = fill("ID number;Name\nx7;Ann\n", "ID number", {"x7": {"01": "5"}, "y": {"01": "0"}}, {"01": "10"})
    assert text.splitlines() == ["ID number;Name;01", "x7;Ann;5"] and missing == ["y"]


# ---------------------------------------------------------------------------------------------
# One notebook, one exit code

def run_check(path, *extra):
    return subprocess.run([sys.executable, "-m", "autograder", "check", str(path), *extra],
                          capture_output=True, text=True, timeout=900)


def test_check_exit_codes(tmp_path):
    good, blank = tmp_path / "01_lr_schedules.ipynb", tmp_path / "mine.ipynb"
    nbformat.write(with_answers("01_lr_schedules"), str(good))
    nbformat.write(with_answers("01_lr_schedules", {}), str(blank))
    passed = run_check(good)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "PASS  step_decay_lr_tests  5/5" in passed.stdout
    failed = run_check(blank, "--assignment", "01_lr_schedules")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAIL  step_decay_lr_tests  0/5" in failed.stdout and "NotImplementedError" in failed.stdout
    broken = tmp_path / "01_lr_schedules (1).ipynb"
    broken.write_text('{"cells": [')
    refused = run_check(broken)
    assert refused.returncode == 2 and "cannot be graded" in refused.stdout
    assert run_check(tmp_path / "missing.ipynb").returncode == 2
