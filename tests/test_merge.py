"""merge trusts the course key it is given, never a part: a part that signs itself, overlaps
another on a student id, or carries a page or notebook its grader did not sign is refused before
anything is written.

Then real parts, merged byte for byte: the demo class, graded once in one run (conftest's fixture
`demo`), is graded again by the README's own SLURM script, submitted as a job array of PARTS parts
to a one-node SLURM started for the test (fixture `slurm_parts`, which skips, saying why, where
SLURM cannot be installed or started: not root, or apt failing); the tests compare the two.
"""
import hashlib
import json
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.discover import shard_of
from autograder.merge import MergeError, collect
from autograder.trust import Signer, create_key

import slurm_cluster
from demo_class import read_rows

REPO = Path(__file__).resolve().parents[1]

PAGE = "<html><body>ok</body></html>"


def make_part(root, key, student, folder=None, score=10.0, page=PAGE):
    """A part as `grade --key` leaves it: one signed result and its feedback page."""
    signer = Signer(key)
    assignment = "01_lr_schedules"
    row = {"student_id": student, "assignment": assignment, "score": score, "max_score": 10.0,
           "status": "graded", "reason": "", "notes": "", "notebook": f"{assignment}.ipynb"}
    payload = {"row": row, "file": "x", "sha256": "0" * 64, "cells": [], "executed": "",
               "pages": {f"{assignment}.html": hashlib.sha256(PAGE.encode()).hexdigest()}}
    result = root / "results" / (folder or student) / f"{assignment}.json"
    result.parent.mkdir(parents=True)
    result.write_text(json.dumps(signer.signed(payload)))
    pages = root / "feedback" / student / assignment
    pages.mkdir(parents=True)
    (pages / f"{assignment}.html").write_text(page)
    return root


@pytest.fixture
def course_key(tmp_path):
    return create_key(tmp_path / "course.key")


def test_parts_signed_with_the_course_key_are_collected(tmp_path, course_key):
    parts = [make_part(tmp_path / "p1", course_key, "ada"), make_part(tmp_path / "p2", course_key, "ben")]
    found = collect(parts, Signer(course_key, create=False))
    assert sorted(found) == [("ada", "01_lr_schedules"), ("ben", "01_lr_schedules")]


def test_a_part_that_signs_itself_is_refused(tmp_path, course_key):
    forged = make_part(tmp_path / "forged", tmp_path / "forged" / ".grader-key", "zed")
    with pytest.raises(MergeError, match="not signed with the course key"):
        collect([make_part(tmp_path / "p1", course_key, "ada"), forged], Signer(course_key, create=False))


def test_an_overlap_on_the_student_id_is_refused_whatever_the_folder_is_called(tmp_path, course_key):
    parts = [make_part(tmp_path / "p1", course_key, "ada"),
             make_part(tmp_path / "p2", course_key, "ada", folder="someone-else", score=0.0)]
    with pytest.raises(MergeError, match="ada/01_lr_schedules was graded in both"):
        collect(parts, Signer(course_key, create=False))


def test_a_page_changed_after_signing_is_refused(tmp_path, course_key):
    part = make_part(tmp_path / "p1", course_key, "ada")
    page = part / "feedback" / "ada" / "01_lr_schedules" / "01_lr_schedules.html"
    page.write_text("<script>alert(1)</script>")
    with pytest.raises(MergeError, match="differs from what its grader signed"):
        collect([part], Signer(course_key, create=False))


def test_the_command_refuses_without_a_key_and_with_a_forged_part(tmp_path, course_key):
    forged = make_part(tmp_path / "forged", tmp_path / "forged" / ".grader-key", "zed")
    command = [sys.executable, "-m", "autograder", "merge", str(forged), "--out", str(tmp_path / "m")]
    missing = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "--key" in missing.stderr
    refused = subprocess.run(command + ["--key", str(course_key)], capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode == 1 and "not signed with the course key" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "m" / "grades.csv").exists()


def test_a_key_is_made_once_and_kept(tmp_path):
    path = tmp_path / "k" / "course.key"
    first = create_key(path).read_bytes()
    assert len(first) == 32 and (path.stat().st_mode & 0o777) == 0o600
    assert create_key(path).read_bytes() == first



def test_grade_refuses_a_course_key_that_does_not_exist(tmp_path):
    """A typo in --key must not give a part a key of its own (merge would refuse it only after all
    the grading): one line, exit 2, nothing made."""
    missing = tmp_path / "typo.key"
    (tmp_path / "subs").mkdir()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "subs"), "--out",
                           str(tmp_path / "out"), "--key", str(missing), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "there is no key" in done.stderr and "Traceback" not in done.stderr
    assert not missing.exists()


def test_merging_into_one_of_the_parts_is_refused(tmp_path, course_key):
    part = make_part(tmp_path / "p1", course_key, "ada")
    from autograder.merge import merge

    with pytest.raises(MergeError, match="is one of the parts"):
        merge([part], part, course_key)


# ---------------------------------------------------------------------------------------------
# The README's SLURM job array, for real: the demo class graded in PARTS parts, then merged

PARTS = 3
ARRAY_TIMEOUT = 1500   # seconds for the whole job array; the daemons' logs and the job's output on failure


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


@pytest.fixture(scope="session", autouse=True)
def slurm(tmp_path_factory, request):
    """SLURM, installed (when missing) and started in the background from this file's first test,
    so that it starts while the demo class is graded (autouse: before the fixture `demo`); only
    for a session running the SLURM tests."""
    starter = SlurmStarter(tmp_path_factory.mktemp("slurm"))
    if any("slurm_parts" in getattr(item, "fixturenames", ()) for item in request.session.items):
        starter.start()
        request.addfinalizer(starter.stop)
    return starter


def readme_slurm_script():
    """The fenced block right after "A SLURM job array" in the README's "A class too big for one
    machine" section."""
    readme = (REPO / "README.md").read_text()
    heading = "### A class too big for one machine"
    assert heading in readme, f"README.md has no section {heading!r}: tests/test_merge.py runs its SLURM script"
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
                               f"with {new!r}: update tests/test_merge.py with the README\n{script}")
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
def slurm_parts(slurm, demo, tmp_path_factory):
    """The README's SLURM script, submitted as it stands but for paths and sizes: this repository,
    the demo class, PARTS parts of one CPU each, then its merge line."""
    cluster = slurm.cluster()
    root = tmp_path_factory.mktemp("slurm-parts")
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
    print(f"SLURM: install and start {slurm.seconds:.0f} s (beside the single run), "
          f"array and merge {time.monotonic() - began:.0f} s", file=sys.stderr)
    return {"parts": parts, "merged": merged, "key": key}


def test_shards_are_disjoint_and_cover_the_class(demo, slurm_parts):
    parts = [set(read_rows(slurm_parts["parts"] / str(k))) for k in range(1, PARTS + 1)]
    whole = set(read_rows(demo["single"]))
    assert sum(len(p) for p in parts) == len(set().union(*parts)) == len(whole)
    assert set().union(*parts) == whole and all(parts), "every part holds some of the class"
    for k, part in enumerate(parts, start=1):
        assert all(shard_of(key.split("/")[0], PARTS) == k for key in part)


def test_each_student_always_lands_in_the_same_part():
    assert [shard_of("ada", 8) for _ in range(3)] == [shard_of("ada", 8)] * 3
    assert {shard_of(f"student{i}", 4) for i in range(200)} == {1, 2, 3, 4}


def test_merged_grades_are_byte_identical_to_one_run(demo, slurm_parts):
    single = (demo["single"] / "grades.csv").read_bytes()
    assert (slurm_parts["merged"] / "grades.csv").read_bytes() == single


def test_merged_feedback_and_gradebook_hold_every_submission(demo, slurm_parts):
    from nbgrader.api import Gradebook

    pages = lambda out: sorted(str(p.relative_to(out)) for p in (out / "feedback").rglob("*.html"))
    assert pages(slurm_parts["merged"]) == pages(demo["single"])
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


def test_nbgrader_gradebooks_share_one_engine_per_database_while_filing(tmp_path):
    """Filing one submission opens ten Gradebooks; within sharing_engines they share an engine
    (compiled statements kept), and nbgrader's own create_engine is back afterwards."""
    import nbgrader.api

    from autograder.gradebook import open_gradebook, sharing_engines

    original, engines = nbgrader.api.create_engine, {}
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with sharing_engines(engines):
        with open_gradebook(url) as first:
            first.add_student("ada")
        with open_gradebook(url) as second:
            assert [s.id for s in second.students] == ["ada"]
        other = nbgrader.api.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    assert first.engine is second.engine and other is not first.engine and len(engines) == 2
    assert nbgrader.api.create_engine is original
