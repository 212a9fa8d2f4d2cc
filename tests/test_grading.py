"""Grade one batch of good, broken, mangled and hostile submissions, as a TA would on deadline night.

The batch is graded once (module fixture); each test checks one submission's row, or something
about the batch: inputs untouched, feedback without hidden tests, resume, bounded time.
"""
import copy
import hashlib
import json
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import is_solution

from autograder.course import NOTEBOOKS, SOLUTIONS, is_test_cell, solution_answers
from autograder.demo import damaged_bytes, with_answers
from autograder.execute import Limits
from autograder.grade import ClassGrader

LR, CLIP = "01_lr_schedules", "02_gradient_clipping"
CELL_TIMEOUT = 10    # warm kernels have torch imported already: an honest cell takes under 1 s alone

BUGGY_LR = '''class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer, self.step_size, self.gamma = optimizer, step_size, gamma
        self.initial_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.t = 0
        self.set_lrs()

    def get_lr(self, step):
        return [lr * self.gamma ** ((step + 1) // self.step_size) for lr in self.initial_lrs]

    def set_lrs(self):
        lrs = self.get_lr(self.t)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.t += 1
        return self.set_lrs()

    def state_dict(self):
        return {"initial_lrs": self.initial_lrs, "t": self.t}

    def load_state_dict(self, state):
        self.initial_lrs, self.t = list(state["initial_lrs"]), state["t"]
        self.set_lrs()
'''

# The same wrong answer, whose get_lr (called by the hidden tests) puts an execute_result into
# the test cell: nbgrader's own rules stop at it and count it as full points.
DISPLAYHOOK_LR = BUGGY_LR.replace("    def get_lr(self, step):\n",
                                  "    def get_lr(self, step):\n        get_ipython().displayhook('ok')\n")


def released(assignment):
    return nbformat.read(str(NOTEBOOKS / f"{assignment}.ipynb"), as_version=4)


def answer_index(notebook):
    return next(i for i, c in enumerate(notebook.cells) if is_solution(c))


def solution_answer(assignment):
    (source,) = solution_answers(assignment).values()
    return source


def answered(assignment, source=None):
    if source is None:
        return with_answers(assignment)
    (grade_id,) = solution_answers(assignment)
    return with_answers(assignment, {grade_id: source})


def grade_cell_indices(notebook):
    return [i for i, c in enumerate(notebook.cells) if is_test_cell(c)]


HOSTILE = '''import os, glob, pathlib
for parent in [pathlib.Path.cwd()] + list(pathlib.Path.cwd().parents):
    for pattern in ("*.csv", "*.db", "*.ipynb", "*.json", "*.html"):
        for path in parent.glob(pattern):
            try: path.unlink()
            except OSError: pass
for rel in ("../../gradebook.db", "../../../gradebook.db", "../gradebook.db", "../../../../grades.csv"):
    try: os.remove(rel)
    except OSError: pass
'''

FAKE_CHECKS = '''import sys, types
fake = types.ModuleType("autograder.checks")
for name in ("step_decay_lr", "step_decay_optimizer", "clip_value_elements", "clip_value_model"):
    setattr(fake, name, lambda *a, **k: None)
sys.modules["autograder.checks"] = fake
import autograder
autograder.checks = fake
'''


def build_batch(root):
    """{student: (assignment, expected score or a predicate, expected status)} and the files."""
    cases = {}

    def put(student, assignment, content, expect, status="graded", name=None):
        folder = root / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name or f"{assignment}.ipynb")
        path.write_bytes(content if isinstance(content, bytes) else nbformat.writes(content).encode())
        cases[(student, assignment)] = (expect, status)
        return path

    put("good", LR, answered(LR), 10)
    put("good", CLIP, answered(CLIP), 10)
    put("blank", LR, released(LR), 0)
    put("blank", CLIP, released(CLIP), 0)
    put("stripped", LR, damaged_bytes(answered(LR), "strip-metadata"), 10)
    put("solution-file", CLIP, (SOLUTIONS / f"{CLIP}.ipynb").read_bytes(), 10)
    put("colab", CLIP, damaged_bytes(answered(CLIP), "colab"), 10, name="Copy of 02_gradient_clipping.ipynb")
    notebook = answered(LR)
    notebook.cells.insert(answer_index(notebook), copy.deepcopy(released(LR).cells[answer_index(released(LR))]))
    put("duplicated", LR, notebook, 10)
    notebook = answered(CLIP)
    for index in reversed(grade_cell_indices(notebook)):
        del notebook.cells[index]
    put("tests-deleted", CLIP, notebook, 10)
    put("buggy", LR, answered(LR, BUGGY_LR), "partial")
    notebook = answered(LR, BUGGY_LR)
    for index in grade_cell_indices(notebook):
        notebook.cells[index].source = "pass"
    put("tests-edited", LR, notebook, "same-as-buggy")
    put("displayhook", LR, answered(LR, DISPLAYHOOK_LR), "same-as-buggy")
    notebook = answered(CLIP)
    notebook.metadata["kernelspec"] = {"name": "conda-env-ml-py", "display_name": "ML (conda)"}
    put("odd-kernel", CLIP, notebook, 10)
    put("renamed", LR, answered(LR), 10, name="01_lr_schedules (1).ipynb")
    put("bad-json", LR, b'{"cells": [{"cell_type": "code", "source": "class Step', 0, "broken")
    put("empty", CLIP, b"", 0, "broken")
    put("old-format", LR, json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [
        {"cells": [{"cell_type": "code", "input": solution_answer(LR)}]}], "metadata": {}}).encode(),
        0, "broken")
    put("loop", LR, answered(LR, "while True:\n    pass\n" + solution_answer(LR)), 0, "incomplete")
    put("input", CLIP, answered(CLIP, solution_answer(CLIP) + "\nname = input('Your name? ')\n"), 10)
    put("exit", LR, answered(LR, solution_answer(LR) + "\nimport os\nos._exit(3)\n"), 0, "incomplete")
    put("segfault", CLIP, answered(CLIP, "import os, signal\n" + solution_answer(CLIP).replace(
        "def clip_grad_value(parameters, clip_value):",
        "def clip_grad_value(parameters, clip_value):\n    os.kill(os.getpid(), signal.SIGSEGV)", 1)),
        0, "incomplete")
    put("flood", CLIP, answered(CLIP, solution_answer(CLIP) + "\nfor _ in range(200000):\n    print('x' * 100)\n"), 10)
    put("patcher", LR, answered(LR, "import torch, math, builtins\ntorch.allclose = lambda *a, **k: True\n"
                                    "math.isclose = lambda *a, **k: True\nbuiltins.abs = lambda x: 0\n" + BUGGY_LR),
        5)      # as the plain buggy answer: its get_lr fails the hidden check; its step (judged against its own get_lr) is right
    put("fake-checks", CLIP, answered(CLIP, FAKE_CHECKS + "\ndef clip_grad_value(parameters, clip_value):\n    pass\n"), 0)
    put("hostile", LR, answered(LR, HOSTILE + solution_answer(LR)), 10)
    older = put("two-files", LR, released(LR), None, name="old.ipynb")
    put("two-files", LR, answered(LR), 10, name="new.ipynb")
    import os
    os.utime(older, (time.time() - 3600, time.time() - 3600))
    (root / "no-file" / CLIP).mkdir(parents=True)
    cases[("no-file", CLIP)] = (0, "broken")
    put("typo", "lab99", answered(LR), 0, "broken")
    put("José García", LR, answered(LR), 10)
    notebook = released(CLIP)
    notebook.cells.insert(answer_index(notebook) + 1, nbformat.v4.new_code_cell(solution_answer(CLIP)))
    put("answer-elsewhere", CLIP, notebook, 10)
    put("warns", LR, answered(LR, "import warnings\n" + solution_answer(LR).replace(
        "def get_lr(self, step):", "def get_lr(self, step):\n        warnings.warn('deprecated-ish')", 1)), 10)
    return cases


def digests(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(root).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("out")
    cases = build_batch(root)
    before = digests(root)
    grader = ClassGrader(out, jobs=2, progress=False,
                         limits=Limits(cell_timeout=CELL_TIMEOUT, budget=60, threads=1))
    started = time.monotonic()
    rows = grader.grade(root)
    seconds = time.monotonic() - started
    return {"root": root, "out": out, "cases": cases, "rows": rows, "before": before,
            "seconds": seconds, "grader": grader}


def row(batch, student, assignment):
    return batch["rows"][f"{student}/{assignment}"]


def test_every_submission_has_a_row(batch):
    expected = {f"{s}/{a}" for s, a in batch["cases"]}
    assert expected == set(batch["rows"])
    lines = (batch["out"] / "grades.csv").read_text().strip().splitlines()
    assert len(lines) == len(expected) + 1


@pytest.mark.parametrize("student,assignment", [
    ("good", LR), ("good", CLIP), ("blank", LR), ("blank", CLIP), ("stripped", LR), ("solution-file", CLIP),
    ("colab", CLIP), ("duplicated", LR), ("tests-deleted", CLIP), ("odd-kernel", CLIP),
    ("renamed", LR), ("bad-json", LR), ("empty", CLIP), ("old-format", LR), ("loop", LR),
    ("input", CLIP), ("exit", LR), ("segfault", CLIP), ("flood", CLIP), ("patcher", LR),
    ("fake-checks", CLIP), ("hostile", LR), ("two-files", LR), ("no-file", CLIP),
    ("typo", "lab99"), ("José García", LR), ("answer-elsewhere", CLIP), ("warns", LR)])
def test_score_and_status(batch, student, assignment):
    expect, status = batch["cases"][(student, assignment)]
    got = row(batch, student, assignment)
    assert got.score == expect, f"{student}: {got}"
    assert got.status == status, f"{student}: {got}"
    if got.score < got.max_score:
        assert len(got.reason) > 20, f"{student}: no reason given: {got}"


def test_buggy_answer_loses_points_and_edited_tests_do_not_help(batch):
    buggy = row(batch, "buggy", LR)
    assert 0 <= buggy.score < buggy.max_score and "get_lr(999)" in buggy.reason, buggy     # the failing case
    assert row(batch, "tests-edited", LR).score == buggy.score


def test_what_a_test_cell_displays_earns_nothing(batch):
    """The judge decides once: an execute_result forged into a test cell changes no score, in
    grades.csv, the gradebook (test_gradebook_agrees_with_csv) or the feedback page."""
    forged, buggy = row(batch, "displayhook", LR), row(batch, "buggy", LR)
    assert forged.score == buggy.score < forged.max_score, forged
    assert forged.reason.split(":")[0] == buggy.reason.split(":")[0], (forged, buggy)
    page = lambda student: (batch["out"] / "feedback" / student / LR / f"{LR}.html").read_text()
    failed = lambda text: text.count("&#10007; failed")
    assert failed(page("displayhook")) == failed(page("buggy")) >= 1


def test_blank_reason_says_not_answered(batch):
    assert "NotImplementedError" in row(batch, "blank", LR).reason


def test_broken_files_say_why(batch):
    assert "JSON" in row(batch, "bad-json", LR).reason
    assert "empty" in row(batch, "empty", CLIP).reason
    assert "format version 3" in row(batch, "old-format", LR).reason


def test_inputs_are_byte_identical(batch):
    assert digests(batch["root"]) == batch["before"]


def test_hostile_code_reached_nothing(batch):
    assert (batch["out"] / "course" / "gradebook.db").exists()
    assert (batch["out"] / "grades.csv").exists()


def test_feedback_for_everyone_without_hidden_tests(batch):
    for (student, assignment) in batch["cases"]:
        pages = list((batch["out"] / "feedback" / student / assignment).glob("*.html"))
        assert pages, f"no feedback for {student}/{assignment}"
        for page in pages:
            text = page.read_text()
            assert "HIDDEN TESTS" not in text and "checks." not in text, page
            assert len(text) < 2_000_000, f"{page} is {len(text)} characters"


def test_gradebook_agrees_with_csv(batch):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{batch['out'] / 'course' / 'gradebook.db'}") as gradebook:
        for key, got in batch["rows"].items():
            student, assignment = key.split("/")
            if assignment == "lab99":
                continue
            assert gradebook.find_submission(assignment, student).score == got.score, key


def test_batch_time_is_bounded_by_the_limits(batch):
    # Each notebook may use at most its budget; with 2 jobs the batch is far below the sum.
    assert batch["seconds"] < len(batch["cases"]) * 60 / 2


def test_rerun_resumes_and_force_regrades(batch):
    grader = batch["grader"]
    graded_before = len(grader.spent)         # one entry per submission a worker graded
    again = grader.grade(batch["root"])
    assert len(grader.spent) == graded_before, "the rerun graded again what it had kept"
    assert {k: (r.score, r.status) for k, r in again.items()} == \
        {k: (r.score, r.status) for k, r in batch["rows"].items()}
    changed = batch["root"] / "blank" / LR / f"{LR}.ipynb"
    original = changed.read_bytes()
    try:
        changed.write_bytes(nbformat.writes(answered(LR)).encode())
        regraded = grader.grade(batch["root"])
        assert regraded[f"blank/{LR}"].score == 10
    finally:
        changed.write_bytes(original)
