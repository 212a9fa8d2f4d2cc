"""Execute the solution notebooks the way CI and `make figures` do (through nbconvert).

Running a solution notebook regenerates its figures (into figures/ beside where it runs) and
runs its claim-asserts and hidden tests; it is never saved with outputs.
"""
import os
import time

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

from .course import REPO, SOLUTIONS, assignment_ids


def execute_solution(stem, workdir=SOLUTIONS, timeout=300):
    """Run solutions/<stem>.ipynb with `workdir` as its working directory.

    Returns the executed notebook and the seconds each code cell took.
    """
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    os.environ.setdefault("MPLBACKEND", "Agg")
    notebook = nbformat.read(str(SOLUTIONS / f"{stem}.ipynb"), as_version=4)
    runner = ExecutePreprocessor(timeout=timeout, kernel_name="python3", record_timing=True)
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


def regenerate_figures():
    """`make figures`: run every solution notebook in solutions/, so solutions/figures/ is fresh."""
    for stem in assignment_ids():
        started = time.monotonic()
        _, seconds = execute_solution(stem)
        slowest = max(seconds.values(), default=0.0)
        print(f"{stem}: ran in {time.monotonic() - started:.1f} s (slowest cell {slowest:.1f} s)")
    figures = sorted((SOLUTIONS / "figures").glob("*.png"))
    print(f"{len(figures)} figures in {SOLUTIONS / 'figures'}: " + ", ".join(p.name for p in figures))
