"""Reading submissions leniently and finding the student's answer without trusting metadata."""
import json

import pytest

from autograder.submission import UnreadableNotebook, find_answer, read_cells

STUB = "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


def notebook_bytes(*sources, minor=5):
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [],
              "execution_count": None} for s in sources]
    return json.dumps({"nbformat": 4, "nbformat_minor": minor, "metadata": {}, "cells": cells}).encode()


@pytest.mark.parametrize("raw,words", [(b"", "empty"), (b"{nope", "JSON"), (b"[1, 2]", "not a notebook"),
                                       (b'{"nbformat": 3, "worksheets": []}', "version 3"),
                                       (b"\xff\xfe\x00", "UTF-8")])
def test_unreadable_files_say_why(raw, words):
    with pytest.raises(UnreadableNotebook, match=words):
        read_cells(raw)


def test_source_as_list_and_colab_minor_version():
    cells = read_cells(notebook_bytes(["def f(x):\n", "    return x"], minor=0))
    assert cells[0][0] == "def f(x):\n    return x"


def test_answer_found_by_content_when_metadata_is_gone():
    cells = read_cells(notebook_bytes("import torch", "def f(x):\n    return 2 * x", "assert f(1) == 2"))
    answer = find_answer("f_answer", STUB, {"f"}, cells, {STUB, "assert f(1) == 2"})
    assert "2 * x" in answer.source and answer.note == ""


def test_duplicated_answer_takes_the_last_answered_copy():
    cells = read_cells(notebook_bytes("def f(x):\n    return 1", STUB, "def f(x):\n    return 2 * x"))
    answer = find_answer("f_answer", STUB, {"f"}, cells, {STUB})
    assert "2 * x" in answer.source and "3 cells" in answer.note


def test_missing_answer_grades_the_stub():
    answer = find_answer("f_answer", STUB, {"f"}, read_cells(notebook_bytes("print(1)")), {STUB})
    assert answer.source == STUB and "no cell answering f_answer was found" in answer.note
