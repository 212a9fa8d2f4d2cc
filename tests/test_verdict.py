"""A graded cell's verdict: every record its checks left must be accepted, whatever the order."""
import json

import nbformat.v4 as nbf
import pytest

from autograder.probes import step_decay as probe
from autograder.verdict import judge_cell

from checks_support import CORPUS, load

RIGHT = load(CORPUS / "step_decay" / "correct" / "divmod.py")


class WRONG(RIGHT):
    """Stops decaying after six decays: passes the visible tests, not the hidden ones."""

    def get_lr(self, step):
        return self.lr_initial * self.gamma ** min(step // self.step_size, 6)

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
