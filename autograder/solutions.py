"""Execute the solution notebooks the way CI and `make figures` do (through nbconvert).

Running a solution notebook regenerates its figures (into figures/ beside where it runs) and
runs its claims and hidden tests; it is never saved with outputs. Here it runs strictly
(LR_COURSE_STRICT=1): a claim of the text that does not hold fails the run, where a student's
notebook only reports it. (What `make figures` then keeps of the figures: figures.py.)
"""
import os
from unittest import mock

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

from .course import SOLUTIONS

# The environment of a solution run: strict claims, and no display needed for the figures.
SOLUTION_ENV = {"LR_COURSE_STRICT": "1", "MPLBACKEND": "Agg"}


def execute_solution(stem, workdir=SOLUTIONS, timeout=300):
    """Run solutions/<stem>.ipynb with `workdir` as its working directory, strictly.

    The kernel imports `autograder` (the hidden tests) from the project's editable install
    (`make setup`), as `jupyter nbconvert --execute` does from any folder; no PYTHONPATH needed.
    Returns the executed notebook and the seconds each code cell took.
    """
    notebook = nbformat.read(str(SOLUTIONS / f"{stem}.ipynb"), as_version=4)
    return execute_notebook(notebook, workdir, timeout)


def execute_notebook(notebook, workdir, timeout=300, environment=SOLUTION_ENV):
    """Execute `notebook` (in place) in a kernel whose cwd is `workdir` and whose environment has
    `environment` added; a cell that fails raises nbclient's CellExecutionError."""
    runner = ExecutePreprocessor(timeout=timeout, kernel_name="python3", record_timing=True)
    with mock.patch.dict(os.environ, environment):     # the kernel inherits it; restored after
        runner.preprocess(notebook, {"metadata": {"path": str(workdir)}})
    return notebook, cell_seconds(notebook)


def cell_seconds(notebook):
    """{cell index: seconds} from the timing metadata nbclient records."""
    from datetime import datetime

    seconds = {}
    for index, cell in enumerate(notebook.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            parse = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))
            seconds[index] = (parse(end) - parse(start)).total_seconds()
    return seconds
