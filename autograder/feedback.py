"""Feedback pages that help without giving the hidden tests away.

nbgrader's feedback shows every test cell in full, hidden tests included, and the tracebacks
point into the checks module. We keep what a student can act on: the visible tests, and for
each failure one line with the message (expected, got, likely cause).
"""
import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)
HIDDEN_NOTE = "# (hidden tests ran here; their results are below)\n"


def hide_hidden_tests(source):
    return HIDDEN.sub(HIDDEN_NOTE, source)


def short_error(output):
    """An error output reduced to `Name: message`, with no traceback lines."""
    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
    return output


class HideHiddenTests(Preprocessor):
    """Replace hidden test code with a note and tracebacks with their last line."""

    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.source = hide_hidden_tests(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    short_error(output)
        return cell, resources
