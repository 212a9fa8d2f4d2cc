"""A graded cell's verdict: every record its checks left must be accepted, whatever the order."""
import json

import nbformat.v4 as nbf
import pytest

from autograder.exercises.step_decay import probe as probe
from autograder.verdict import judge_cell

from autograder.exercises.corpus import corpus_of, load

RIGHT = load(corpus_of("step_decay") / "correct" / "reference.py")


class WRONG(RIGHT):
    """Stops decaying after six decays: passes the visible tests, not the hidden ones."""

    def get_lr(self, step):
        return [lr * self.gamma ** min(step // self.step_size, 6) for lr in self.initial_lrs]

CHECKS = ["step_decay_lr"]


def record(scheduler):
    return probe.step_decay_lr(scheduler)


def test_right_record_passes_and_copies_of_it_change_nothing():
    assert judge_cell(CHECKS, [record(RIGHT)] * 3, nbf.new_code_cell()) == (True, "")


@pytest.mark.parametrize("order", ["forged after", "forged before"])
def test_a_forged_right_record_beside_the_genuine_wrong_one_does_not_pass(order):
    records = [record(WRONG), record(RIGHT)]
    passed, reason = judge_cell(CHECKS, records if order == "forged after" else records[::-1],
                                nbf.new_code_cell())
    assert not passed and "get_lr" in reason


def test_no_record_is_a_failure_that_says_why():
    passed, reason = judge_cell(CHECKS, [{"check": "step_decay_optimizer", "outcomes": {}}],
                                nbf.new_code_cell())
    assert not passed and "did not run to the end" in reason


def test_a_cell_whose_records_overflowed_fails_whatever_was_kept():
    passed, reason = judge_cell(CHECKS, [record(RIGHT)], nbf.new_code_cell(), overflowed=True)
    assert not passed and "more test results than the grader keeps" in reason


def test_the_client_keeps_copies_once_and_marks_a_flood_instead_of_dropping_the_rest():
    from autograder.execute import CappedClient

    client = CappedClient(nbf.new_notebook())
    client.record_chars = 3 * len(json.dumps(record(RIGHT), sort_keys=True))
    for _ in range(50):
        client._keep_record(7, record(RIGHT))
    assert client.records[7] == [record(RIGHT)] and 7 not in client.overflowed
    for lr in range(1, 4):      # distinct forged records, until the budget runs out
        client._keep_record(7, dict(record(RIGHT), forged=lr))
    assert 7 in client.overflowed
    client.forget_records(7)
    assert 7 not in client.records and 7 not in client.overflowed


# ---------------------------------------------------------------------------------------------
# The first cause: a dead kernel, not the NameError it caused later

def graded_notebook():
    """setup, the answer cell, two test cells (each calling one hidden check)."""
    cells = [nbf.new_code_cell("import torch"),
             nbf.new_code_cell("class StepDecayScheduler: ..."),
             nbf.new_code_cell("### BEGIN HIDDEN TESTS\nchecks.step_decay_lr(StepDecayScheduler)\n### END HIDDEN TESTS"),
             nbf.new_code_cell("### BEGIN HIDDEN TESTS\nchecks.step_decay_lr(StepDecayScheduler)\n### END HIDDEN TESTS")]
    cells[1].metadata["nbgrader"] = {"grade_id": "answer", "solution": True, "grade": False}
    for index, cell in enumerate(cells[2:], start=1):
        cell.metadata["nbgrader"] = {"grade_id": f"tests{index}", "grade": True, "points": 5}
    return nbf.new_notebook(cells=cells)


def test_a_limit_hit_in_the_answer_cell_is_named_in_every_test_after_it():
    from autograder.execute import Execution, Incident, error_output
    from autograder.verdict import apply_verdicts, cell_results, row_reason

    notebook = graded_notebook()
    for cell in notebook.cells[2:]:
        cell.outputs = [error_output("NameError", "name 'StepDecayScheduler' is not defined")]
    execution = Execution([Incident(1, "limit", "memory limit: more than 4 GiB")], {}, set(), set())
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells[2:]}
    cells = cell_results(notebook, apply_verdicts(notebook, tests, execution))
    assert [c["score"] for c in cells] == [0.0, 0.0]
    for cell in cells:
        assert cell["reason"].startswith("cell 1 (the answer cell answer) hit a sandbox limit: "
                                         "memory limit: more than 4 GiB"), cell
        assert "NameError" not in cell["reason"]
    assert row_reason(cells).startswith("tests1: cell 1 (the answer cell answer) hit a sandbox limit")


def test_a_kernel_death_in_a_test_cell_is_named_there_and_a_recorded_verdict_stands():
    from autograder.execute import Execution, Incident
    from autograder.verdict import apply_verdicts

    notebook = graded_notebook()
    execution = Execution([Incident(3, "kernel died", "the kernel died")],
                          {2: [record(WRONG)]}, set(), set())
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells[2:]}
    verdicts = apply_verdicts(notebook, tests, execution)
    assert verdicts["tests1"][0] is False and "this cell" not in verdicts["tests1"][1]
    assert verdicts["tests2"] == (False, "this cell stopped the kernel: the kernel died; so the "
                                         "hidden test step_decay_lr did not run to the end")


def test_what_a_test_cell_displays_is_not_kept_as_a_result():
    """An execute_result in a test cell (nbgrader would score it as full points) is dropped; the
    verdict is the cell's only error."""
    from autograder.execute import Execution
    from autograder.verdict import apply_verdicts

    notebook = graded_notebook()
    notebook.cells[2].outputs = [nbf.new_output("execute_result", data={"text/plain": "'ok'"},
                                                execution_count=1)]
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells[2:]}
    apply_verdicts(notebook, tests, Execution([], {2: [record(WRONG)]}, set(), set()))
    kinds = [o["output_type"] for o in notebook.cells[2].outputs]
    assert kinds == ["error"] and notebook.cells[2].outputs[0]["ename"] == "HiddenTestFailed"


# ---------------------------------------------------------------------------------------------
# Text from a submission, wherever it is shown

@pytest.mark.parametrize("text", ["\x1b[2K\r10/10 \x1b[32mPASS\x1b[0m", "a\u202eb", "a\u061cb", "x\x00y\x07", "é ok"])
def test_submission_text_reaches_no_terminal_or_csv_with_a_control_character(text):
    from autograder.results import Row
    from autograder.printable import csv_cell, one_line

    shown = one_line(text)
    assert not any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 or 0x202a <= ord(c) <= 0x202e or ord(c) == 0x61c
                   for c in shown)
    assert shown == one_line(shown), "escaping twice changes nothing"
    row = Row("s", "a", 0, 10, "graded", reason=text, notes=text, notebook=text)
    assert row.reason == row.notes == row.notebook == shown
    assert csv_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")" and csv_cell("fine") == "fine"


def test_a_kernels_execution_count_cannot_break_the_notebook():
    """nbclient copies any message's execution_count into the cell; a string there would make the
    page's validation fail and the row a grader-error."""
    import nbformat

    from autograder.execute import CappedClient

    notebook = nbf.new_notebook(cells=[nbf.new_code_cell("print(1)")])
    client = CappedClient(notebook)
    client.reset_execution_trackers()      # what nbclient does as a run starts,
    client.clear_before_next_output = False  # and as each cell starts
    message = {"msg_type": "stream", "header": {"msg_type": "stream"}, "parent_header": {},
               "content": {"name": "stdout", "text": "hi", "execution_count": "x"}}
    client.process_message(message, notebook.cells[0], 0)
    assert notebook.cells[0].execution_count is None
    nbformat.validate(notebook)


def test_a_cell_judged_as_it_finished_is_not_judged_again(monkeypatch):
    """The worker judges each test cell when it finishes; the notebook's verdicts reuse those
    (a judge reruns reference computations) and judge only the cells never judged."""
    from autograder import verdict
    from autograder.execute import Execution

    notebook = graded_notebook()
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells[2:]}
    execution = Execution([], {2: [record(RIGHT)], 3: [record(WRONG)]}, set(), set())
    first = verdict.judge_test_cell(notebook, 2, tests, execution)
    judged = []
    real = verdict.judge_cell
    monkeypatch.setattr(verdict, "judge_cell", lambda *a, **k: judged.append(a) or real(*a, **k))
    verdicts = verdict.apply_verdicts(notebook, tests, execution, {2: first})
    assert len(judged) == 1, "only the cell not judged before is judged"
    assert verdicts["tests1"] == (True, "") and verdicts["tests2"][0] is False
