"""Decide each graded cell's points from its probes' records, outside the student's process.

The kernel ran the student's code and the probes; nothing it printed or raised is believed. A
graded cell earns its points when every hidden check its (trusted) source calls left a record in
that cell and the judge, here, accepts the record. This module is the one place that decides a
cell's points and the reason shown for them: the gradebook, grades.csv, the feedback page, `check`
and `merge` take its cell results, and nothing recomputes a score from what the kernel displayed.
The verdict is also written as the cell's only error output, for whoever reads the notebook.
"""
import re

from nbformat.v4 import new_output
from nbgrader.utils import is_grade, is_solution

from .course import grade_id, is_test_cell
from .exercises.judging import NOT_ANSWERED, CheckFailed, judge
from .printable import one_line

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)
CHECK_CALL = re.compile(r"\bchecks\.(\w+)\(")
REASON_CHARS = 400


def trusted_tests(solution):
    """{grade_id: source} of the grade cells of `solution` (the solution notebook): the tests,
    hidden ones included, that judge_test_cell and apply_verdicts take as `solution_sources`."""
    return {grade_id(c): c.source for c in solution.cells if is_grade(c)}


def hidden_checks(source):
    """The hidden checks a test cell's trusted source calls, in order."""
    return [name for block in HIDDEN.findall(source) for name in CHECK_CALL.findall(block)]


def _kernel_error(cell):
    """The first error the kernel reported in `cell`, as one short line (student-controlled text)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            name = str(output.get("ename", "Error"))[:80]
            value = " ".join(str(output.get("evalue", "")).split())
            text = f"{name}: {value}" if value else name
            return text[:REASON_CHARS] + ("..." if len(text) > REASON_CHARS else "")
    return None


def _by_check(records):
    """{check: [record, ...]}: the well-formed records each check left, in order."""
    by_check = {}
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("check"), str):
            by_check.setdefault(record["check"], []).append(record)
    return by_check


STUB_RAISED = f"NotImplementedError: {NOT_ANSWERED}"    # the cell stopped before its hidden part
_WHAT_HAPPENED = {"limit": "hit a sandbox limit", "kernel died": "stopped the kernel",
                  "timeout": "ran out of time", "budget": "was not run", "replay failed": "was not run"}


def first_cause(notebook, incidents, index):
    """The first incident (a limit, a dead kernel, a timeout) at or before cell `index`, said as
    the cause of what failed after it, or None. A later NameError is its consequence, not news."""
    earlier = [i for i in incidents if i.cell_index <= index]
    if not earlier:
        return None
    incident = min(earlier, key=lambda i: i.cell_index)
    cell = notebook.cells[incident.cell_index]
    where = ("this cell" if incident.cell_index == index else
             f"cell {incident.cell_index} (the answer cell {grade_id(cell)})" if is_solution(cell)
             else f"cell {incident.cell_index}")
    return f"{where} {_WHAT_HAPPENED.get(incident.kind, incident.kind)}: {incident.message}"


def judge_cell(checks, records, cell, overflowed=False, cause=None):
    """(passed, reason) for one graded cell: `checks` it must pass, the `records` it left
    (`overflowed`: it sent more than the grader keeps, so some may be missing; `cause`: what
    stopped the kernel at or before this cell, see first_cause).

    Every record a check left must be accepted, not only the last: the genuine probe run always
    leaves one, so records forged beside it (by a thread, a hook) cannot outvote it.
    """
    if not checks:
        error = _kernel_error(cell)      # a test cell without hidden checks: its own outcome
        return error is None, error or ""
    if overflowed:
        return False, ("the cell sent more test results than the grader keeps, so the hidden tests' "
                       "own results may be lost. Likely cause: the answer cell displays or forges "
                       "test results itself.")
    by_check = _by_check(records)
    for check in checks:
        if check not in by_check:
            error = _kernel_error(cell)
            if error and error.startswith("NotImplementedError"):
                return False, STUB_RAISED
            if cause:
                return False, f"{cause}; so the hidden test {check} did not run to the end"
            return False, error or (f"the hidden test {check} did not run to the end (the cell was "
                                    f"stopped or its output was replaced)")
        for record in by_check[check]:
            try:
                judge(check, record)
            except CheckFailed as failure:
                return False, " ".join(str(failure).split())
            except Exception as error:      # malformed beyond what the accessors expect
                return False, (f"the hidden test {check} sent a result the grader cannot read "
                               f"({type(error).__name__}). Likely cause: the answer cell interferes with the tests.")
    return True, ""


def judge_test_cell(notebook, index, solution_sources, execution):
    """(grade_id, passed, reason) of the graded test cell at `index`, from `execution`'s records,
    overflows and incidents; None when the cell is not a graded test cell."""
    cell = notebook.cells[index]
    if not is_test_cell(cell):
        return None
    checks = hidden_checks(solution_sources.get(grade_id(cell), ""))
    passed, reason = judge_cell(checks, execution.records.get(index, []), cell,
                                overflowed=index in execution.overflowed,
                                cause=first_cause(notebook, execution.incidents, index))
    return grade_id(cell), passed, one_line(reason)


def apply_verdicts(notebook, solution_sources, execution, judged_before=None):
    """Score every graded cell of the executed `notebook` by its records; returns the verdicts
    {grade_id: (passed, reason)}.

    `solution_sources` maps grade ids to the trusted test sources; `execution` (execute.Execution)
    holds the records each cell sent, the cells that overflowed, and the incidents.
    `judged_before` ({index: judge_test_cell's result}) holds the cells already judged as they
    finished: their records and the incidents before them no longer change, so they are not
    judged again (a judge reruns reference computations).
    """
    verdicts = {}
    for index, cell in enumerate(notebook.cells):
        judged = (judged_before or {}).get(index) or judge_test_cell(notebook, index,
                                                                      solution_sources, execution)
        if judged is None:
            continue
        grade_id, passed, reason = judged
        # What the kernel displayed in a test cell is display only: its errors and results are
        # replaced by the verdict, so no reader (nbgrader's rules included) can score them.
        outputs = [o for o in cell.get("outputs", [])
                   if o.get("output_type") not in ("error", "execute_result")]
        for output in outputs:      # nbgrader would score a warning on stderr as a failure
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["name"] = "stdout"
        if not passed:
            outputs.append(new_output("error", ename="HiddenTestFailed", evalue=reason,
                                      traceback=[f"HiddenTestFailed: {reason}"]))
        cell.outputs = outputs
        verdicts[grade_id] = (passed, reason)
    return verdicts


def cell_result(cell, passed, reason):
    """One graded cell's result as every reader takes it: {grade_id, passed, score, points, reason}."""
    meta = cell.metadata["nbgrader"]
    points = float(meta.get("points", 0))
    return {"grade_id": meta["grade_id"], "passed": bool(passed), "reason": one_line(reason),
            "score": points if passed else 0.0, "points": points}


def cell_results(notebook, verdicts):
    """[{grade_id, passed, score, points, reason}] for the graded cells, in notebook order."""
    return [cell_result(cell, *verdicts[grade_id(cell)]) for cell in notebook.cells
            if grade_id(cell) in verdicts]


def unjudged_results(notebook, judged, why):
    """Results for every graded test cell of `notebook`: those in `judged` (grade_id -> result)
    as they are, the others failed with `why` (the notebook was stopped before their verdict)."""
    results = []
    for cell in notebook.cells:
        if is_test_cell(cell):
            results.append(judged.get(grade_id(cell)) or cell_result(cell, False, why))
    return results


def score(cells):
    return float(sum(cell["score"] for cell in cells))


def row_reason(cells):
    """The reason a row shows: the first failing cell's, prefixed with its grade id."""
    for cell in cells:
        if not cell["passed"]:
            return f"{cell['grade_id']}: {cell['reason']}"
    return ""
