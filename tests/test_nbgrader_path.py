"""nbgrader's own commands and formgrader, run in the course `grade` keeps in OUT/course, grade on
the project's grading path: the same scores as `grade` (stripped metadata included), kernels in
the sandbox, feedback without the hidden tests, no critical line in the log."""
import contextlib
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import is_solution

from autograder.bench import answered_class

BIN = Path(sys.executable).parent
LR = "01_lr_schedules"
SIGN = "HOST-IS-"


def answer_cell(notebook):
    return next(c for c in notebook.cells if is_solution(c))


def test_a_new_gradebook_gets_the_revision_nbgraders_alembic_command_gives(monkeypatch):
    """course.alembic_head, read in-process, stands in for nbgrader's `alembic heads` process."""
    import nbgrader.api

    from autograder.course import alembic_head, path_with_venv

    monkeypatch.setenv("PATH", path_with_venv())
    assert alembic_head() == nbgrader.api.get_alembic_version()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A class graded by `grade`, and a copy of its course with the submissions in submitted/."""
    root = tmp_path_factory.mktemp("nbgrader-path")
    submissions = root / "submissions"
    answered_class(submissions, 1, [LR])
    answered = nbformat.read(str(submissions / "student000" / LR / f"{LR}.ipynb"), as_version=4)
    stripped, probe = nbformat.from_dict(json.loads(json.dumps(answered))), \
        nbformat.from_dict(json.loads(json.dumps(answered)))
    for cell in stripped.cells:
        cell.metadata = {}
    answer_cell(probe).source += f"\nimport socket as _s\nprint('{SIGN}' + _s.gethostname())\n"
    repo = Path(__file__).resolve().parents[1]
    for student, notebook in (("stripped", stripped), ("probe", probe)):
        (submissions / student / LR).mkdir(parents=True)
        nbformat.write(notebook, str(submissions / student / LR / f"{LR}.ipynb"))
    (submissions / "blank" / LR).mkdir(parents=True)
    shutil.copyfile(repo / "notebooks" / f"{LR}.ipynb", submissions / "blank" / LR / f"{LR}.ipynb")
    (submissions / "broken" / LR).mkdir(parents=True)
    (submissions / "broken" / LR / f"{LR}.ipynb").write_text('{"cells": [')
    out = root / "out"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submissions), "--out",
                           str(out), "--jobs", "2", "--quiet"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with open(out / "grades.csv", newline="") as handle:
        expected = {r["student_id"]: float(r["score"]) for r in csv.DictReader(handle)
                    if r["status"] != "broken"}     # nbgrader cannot read the broken one
    copy = root / "course"
    shutil.copytree(out / "course", copy)
    shutil.rmtree(copy / "submitted")
    shutil.rmtree(copy / "autograded", ignore_errors=True)
    for student in expected:
        (copy / "submitted" / student / LR).mkdir(parents=True)
        shutil.copyfile(submissions / student / LR / f"{LR}.ipynb",
                        copy / "submitted" / student / LR / f"{LR}.ipynb")
    return {"root": root, "course": copy, "expected": expected}


def gradebook_scores(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: s.score for a in gradebook.assignments for s in a.submissions
                if s.student.id != "broken"}       # recorded by grade; nbgrader cannot read it


def printed(course, student):
    executed = nbformat.read(str(course / "autograded" / student / LR / f"{LR}.ipynb"), as_version=4)
    return "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))


def test_nbgrader_autograde_in_the_course_root_scores_as_grade_does(course):
    done = subprocess.run([str(BIN / "nbgrader"), "autograde", LR, "--force"], cwd=course["course"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[C " not in done.stderr and "Traceback" not in done.stderr
    assert gradebook_scores(course["course"]) == course["expected"]
    assert course["expected"]["stripped"] == 10 and course["expected"]["blank"] == 0
    assert f"{SIGN}sandbox" in printed(course["course"], "probe")     # bubblewrap's host name

    feedback = subprocess.run([str(BIN / "nbgrader"), "generate_feedback", LR, "--force"],
                              cwd=course["course"], capture_output=True, text=True, timeout=600)
    assert feedback.returncode == 0 and "[C " not in feedback.stderr, feedback.stderr[-3000:]
    pages = list((course["course"] / "feedback").rglob("*.html"))
    assert len(pages) == len(course["expected"])
    for page in pages:
        text = page.read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "hidden tests ran here" in text, page


def test_the_grader_files_a_submission_as_nbgraders_own_autograde_converter_would(course):
    """gradebook.Recorder runs nbgrader's autograde steps in memory instead of through its
    converter: on the executed notebooks `grade` filed, the converter (its execution left out, as
    the grader had it before) writes the same autograded notebooks and the same comments."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, DeduplicateIds,
                                        IgnorePattern, LimitOutput, OverwriteCells,
                                        OverwriteKernelspec, SaveAutoGrades)

    from autograder.course import nbgrader_at_work, nbgrader_config

    ours = course["root"] / "out" / "course"
    theirs = course["root"] / "converter-course"
    shutil.copytree(ours, theirs)
    shutil.rmtree(theirs / "autograded")
    (theirs / "gradebook.db").unlink()
    shutil.copyfile(course["course"] / "gradebook.db", theirs / "gradebook.db")
    config = nbgrader_config(theirs)
    config.Autograde.sanitize_preprocessors = [DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                                               CheckCellMetadata]
    config.Autograde.autograde_preprocessors = [IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                                SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    students = sorted(course["expected"])
    with nbgrader_at_work():
        api = NbGraderAPI(config=config)
        for student in students:
            result = api.autograde(LR, student, force=True, create=True)
            assert result["success"], result.get("log")

    def comments(root):
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
            return {(student, c.name): c.auto_comment for student in students
                    for c in gradebook.find_submission_notebook(LR, LR, student).comments}

    def filed(root, student):
        return nbformat.read(str(root / "autograded" / student / LR / f"{LR}.ipynb"), as_version=4)

    assert comments(ours) == comments(theirs)
    assert any(comments(ours).values())              # "No response." on the blank submission
    for student in students:
        assert filed(ours, student) == filed(theirs, student), student


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(base, token, path, method="GET", body=None, raw=False):
    request = urllib.request.Request(f"{base}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        data = response.read()
        return response.status, data.decode() if raw else json.loads(data or b"null")


@contextlib.contextmanager
def formgrader(course_dir, log_path):
    """jupyter server (formgrader) in `course_dir` on a free port: yields (call, log_path)."""
    port, token = free_port(), "test-token"
    log = open(log_path, "w")
    server = subprocess.Popen([str(BIN / "jupyter-server"), f"--ServerApp.port={port}",
                               f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
                               "--ServerApp.allow_root=True", f"--ServerApp.root_dir={course_dir}"],
                              cwd=course_dir, stdout=log, stderr=subprocess.STDOUT,
                              env=dict(os.environ, JUPYTER_CONFIG_DIR=str(Path(log_path).parent / "jupyter-config")))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                call(base, token, "/api/status")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, Path(log_path).read_text()[-3000:]
                time.sleep(0.5)
        yield lambda path, method="GET", body=None, raw=False: call(base, token, path, method, body, raw)
        log.flush()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_formgraders_autograde_button_runs_the_kernel_in_the_sandbox(course):
    course_dir = course["root"] / "formgrader-course"
    shutil.copytree(course["course"], course_dir)
    shutil.rmtree(course_dir / "autograded", ignore_errors=True)
    log_path = course["root"] / "server.log"
    with formgrader(course_dir, log_path) as api:
        for student in course["expected"]:
            status, result = api(f"/formgrader/api/submission/{LR}/{student}/autograde", "POST")
            assert status == 200 and result["success"], result
        status, rows = api(f"/formgrader/api/submissions/{LR}")
        assert {row["student"]: row["score"] for row in rows if row["student"] != "broken"} == course["expected"]
        assert f"{SIGN}sandbox" in printed(course_dir, "probe")
        status, result = api(f"/formgrader/api/assignment/{LR}/generate_feedback", "POST")
        assert status == 200 and result["success"], result
        pages = list((course_dir / "feedback").rglob("*.html"))
        assert len(pages) == len(course["expected"])
        assert all("BEGIN HIDDEN TESTS" not in page.read_text() for page in pages)
        text = log_path.read_text()      # before our own stop's [C] line
        assert "[C " not in text, [line for line in text.splitlines() if "[C " in line][:3]


def csv_rows(out):
    with open(Path(out) / "grades.csv", newline="") as handle:
        return {r["student_id"]: r for r in csv.DictReader(handle)}


def test_a_manual_score_from_formgrader_reaches_grades_csv_and_export_and_survives_regrading(course):
    from nbgrader.api import Gradebook

    out = course["root"] / "manual-out"
    shutil.copytree(course["root"] / "out", out)
    with formgrader(out / "course", course["root"] / "manual-server.log") as api:
        _, submitted = api(f"/formgrader/api/submitted_notebooks/{LR}/{LR}")
        notebook_id = next(s["id"] for s in submitted if s["student"] == "blank")
        _, grades = api(f"/formgrader/api/grades?submission_id={notebook_id}")
        graded = next(g for g in grades if g["max_score"])
        status, _ = api(f"/formgrader/api/grade/{graded['id']}", "PUT", {"manual_score": graded["max_score"]})
        assert status == 200
        _, comments = api(f"/formgrader/api/comments?submission_id={notebook_id}")
        status, _ = api(f"/formgrader/api/comment/{comments[0]['id']}", "PUT", {"manual_comment": "see me"})
        assert status == 200
    wanted = course["expected"]["blank"] + graded["max_score"]
    for extra in ([], ["--force"]):
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(course["root"] / "submissions"),
                               "--out", str(out), "--jobs", "2", "--quiet", *extra],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        rows = csv_rows(out)
        assert (float(rows["blank"]["score"]), rows["blank"]["manual"]) == (wanted, "yes"), (extra, rows["blank"])
        assert all(r["manual"] == "" for s, r in rows.items() if s != "blank")
        with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}") as gradebook:
            notebook = gradebook.find_submission_notebook(LR, LR, "blank")
            assert [c.manual_comment for c in notebook.comments if c.manual_comment] == ["see me"], extra
    roster = course["root"] / "roster.csv"
    roster.write_text("ID,Name\nblank,Blank\nstripped,Stripped\n")
    exported = course["root"] / "exported.csv"
    done = subprocess.run([sys.executable, "-m", "autograder", "export", str(out), "--roster", str(roster),
                           "--id-column", "ID", "--to", str(exported)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with open(exported, newline="") as handle:
        filled = {r["ID"]: r for r in csv.DictReader(handle)}
    assert float(filled["blank"][LR]) == wanted


def test_a_broken_submissions_formgrader_page_opens_with_its_reason(course):
    out = course["root"] / "out"
    assert csv_rows(out)["broken"]["status"] == "broken"
    with formgrader(out / "course", course["root"] / "broken-server.log") as api:
        _, submitted = api(f"/formgrader/api/submitted_notebooks/{LR}/{LR}")
        notebook_id = next(s["id"] for s in submitted if s["student"] == "broken")
        status, page = api(f"/formgrader/submissions/{notebook_id}", raw=True)
    assert status == 200
    assert "could not be graded" in page and "not valid notebook JSON" in page, page[:500]


def test_a_browser_shows_formgraders_gradebook_with_the_scores_of_grades_csv(course):
    """Headless chromium (installed by .ci/run) renders formgrader's gradebook, whose rows are
    built by JavaScript from the REST API, and a submission page; the screenshot stays in the
    test's folder (browser.png) for a person to look at."""
    import re

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is not installed (apt-get install chromium; .ci/run does)"
    out = course["root"] / "browser-out"
    shutil.copytree(course["root"] / "out", out)
    port = free_port()
    server = subprocess.Popen([str(BIN / "jupyter-server"), f"--ServerApp.port={port}",
                               "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=",
                               "--ServerApp.open_browser=False", "--ServerApp.allow_root=True"],
                              cwd=out / "course", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=dict(os.environ, JUPYTER_CONFIG_DIR=str(course["root"] / "jupyter-config")))
    base = f"http://127.0.0.1:{port}"

    def browse(path, *extra):
        return subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                               "--virtual-time-budget=20000", *extra, f"{base}{path}"],
                              capture_output=True, text=True, timeout=120)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status", timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.5)
        dom = browse(f"/formgrader/gradebook/{LR}/{LR}", "--dump-dom").stdout
        browse(f"/formgrader/gradebook/{LR}/{LR}", "--window-size=1300,700",
               f"--screenshot={course['root'] / 'browser.png'}")
        rows = re.findall(r'name-shown" href="/formgrader/submissions/(\w+)">([^<]+)</a>.*?'
                          r'class="text-center score"[^>]*>([\d.]+) / ([\d.]+)</td>', dom, re.S)
        shown = {student: float(score) for _, student, score, _ in rows}
        expected = {student: float(r["score"]) for student, r in csv_rows(out).items()}
        assert shown == expected, (shown, expected)
        blank = next(sid for sid, student, _, _ in rows if student == "blank")
        page = browse(f"/formgrader/submissions/{blank}", "--dump-dom").stdout
        cells = re.findall(r'<input class="score tabbable" id="(\w+)"[^>]*placeholder="([\d.]+)"', page)
        assert sorted(grade_id for grade_id, _ in cells) == ["step_decay_lr_tests", "step_decay_optimizer_tests"]
        assert sum(float(points) for _, points in cells) == expected["blank"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (course["root"] / "browser.png").stat().st_size > 10_000
