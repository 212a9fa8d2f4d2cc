"""Each exercise is declared once (autograder/exercises/<exercise>/__init__.py) and the solution
notebooks agree with the declarations: the answer cell and one test cell per check, named by the
one-name rule, and no notebook calls a check nobody declared."""
import re

import nbformat
import pytest

from autograder import exercises
from autograder.course import SOLUTIONS, assignment_ids, grade_id
from autograder.exercises import judging
from autograder.exercises.tampering import malformed_records

CALL = re.compile(r"\bchecks\.(\w+)\(")


def cells_by_id(stem):
    notebook = nbformat.read(str(SOLUTIONS / f"{stem}.ipynb"), as_version=4)
    return {grade_id(cell): cell for cell in notebook.cells if grade_id(cell)}


@pytest.mark.parametrize("exercise", exercises.names())
def test_the_notebook_holds_the_declared_cells(exercise):
    declared = exercises.declaration(exercise)
    cells = cells_by_id(declared.NOTEBOOK)
    assert f"{exercise}_answer" in cells, f"{declared.NOTEBOOK} has no cell {exercise}_answer"
    for check, name in declared.CHECKS.items():
        assert check.startswith(f"{exercise}_"), f"{check}: a check is named <exercise>_<aspect>"
        cell = cells.get(f"{check}_tests")
        assert cell is not None, f"{declared.NOTEBOOK} has no test cell {check}_tests"
        assert f"checks.{check}({name})" in cell.source, f"{check}_tests does not call checks.{check}({name})"
        assert f"def {name}" in cells[f"{exercise}_answer"].source or f"class {name}" in cells[f"{exercise}_answer"].source


def test_every_check_a_notebook_calls_is_declared():
    declared = {check for e in exercises.names() for check in exercises.declaration(e).CHECKS}
    called = {name for stem in assignment_ids() for cell in cells_by_id(stem).values()
              for name in CALL.findall(cell.source)}
    assert called and called <= declared, called - declared


ALL_CHECKS = [check for e in exercises.names() for check in exercises.declaration(e).CHECKS]


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_every_judge_refuses_records_no_probe_makes(check):
    other = next(c for c in ALL_CHECKS if c != check)
    for data in malformed_records(check, other):
        with pytest.raises(judging.CheckFailed):
            judging.judge(check, data)


def test_a_cause_is_named_only_when_exactly_one_misconception_fits():
    catalogue = [judging.Misconception("off by one", lambda e: e["got"] == e["expected"] + 1),
                 judging.Misconception("off by one", lambda e: e["got"] - 1 == e["expected"]),
                 judging.Misconception("doubled", lambda e: e["got"] == 2 * e["expected"]),
                 judging.Misconception("crashes", lambda e: 1 / 0)]
    assert judging.diagnose(catalogue, {"expected": 3, "got": 4}) == "off by one"     # one cause, twice
    assert judging.diagnose(catalogue, {"expected": 1, "got": 2}) is None              # two causes fit
    assert judging.diagnose(catalogue, {"expected": 3, "got": 7}) is None              # none fits
    assert str(judging.wrong_value("f(3)", 3.0, 7.0)) == "f(3): expected 3, got 7."
    assert str(judging.wrong_value("f(3)", 3.0, 4.0, "off by one")) == \
        "f(3): expected 3, got 4. Likely cause: off by one."


def test_the_judges_are_warmed_before_workers_fork_and_no_thread_pool_exists_then():
    """worker.prepare judges each reference answer once in the grader (corpus.warm_judges): every
    worker forked afterwards inherits the judges' cached reference runs instead of recomputing
    them for its one submission, and the fork finds no thread but the grader's own."""
    import json
    import os
    import subprocess
    import sys

    def warmed(assignments):
        script = ("import functools, importlib, os, json\n"
                  "from autograder.exercises import names\n"
                  "from autograder.exercises.corpus import warm_judges\n"
                  f"warm_judges({assignments!r})\n"
                  "cached = {e: sum(f.cache_info().currsize for f in vars(importlib.import_module("
                  "f'autograder.exercises.{e}.judge')).values() if hasattr(f, 'cache_info')) for e in names()}\n"
                  "print(json.dumps({'threads': len(os.listdir('/proc/self/task')), 'cached': cached}))\n")
        env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.splitlines()[-1])

    found = warmed(None)
    assert found["threads"] == 1
    # the judges that keep reference runs (others replay each answer's own run: nothing to keep)
    assert sum(found["cached"].values()) > 0 and found["cached"]["amp_step"] > 0, found["cached"]
    # a class of notebook 01 alone warms 01's judge, not 04's
    assert warmed({"01_lr_schedules"})["cached"]["amp_step"] == 0


def test_a_tensor_travels_packed_and_reaches_the_judge_exactly():
    """probing.plain packs a tensor's values (base64 of float64 bytes, a small message);
    judging.unpacked gives the judges the very numbers, non-finite ones as "nan"/"inf"/"-inf"."""
    import json
    import math

    import torch

    from autograder.exercises.probing import encode, plain

    values = torch.tensor([0.1, -2.5, math.nan, math.inf, -math.inf, 1e-300, 0.0, -0.0],
                          dtype=torch.float64)
    for tensor in (values, values.to(torch.float32), values.to(torch.bfloat16), values.reshape(2, 4),
                   torch.tensor(3.0), torch.zeros(0), torch.ones(3, requires_grad=True)):
        sent = json.loads(json.dumps({"value": plain(tensor)}, allow_nan=False))
        assert "tensor" not in sent["value"] and isinstance(sent["value"]["packed"], str)
        back = judging.unpacked(sent)["value"]
        assert back["tensor"] == [encode(x) for x in tensor.detach().flatten().double().tolist()]
        assert back["shape"] == list(tensor.shape) and "packed" not in back
