"""Decide each graded cell's points from its probes' records, outside the student's process.

The kernel ran the student's code and the probes; nothing it printed or raised is believed. A
graded cell earns its points when every hidden check its (trusted) source calls left a record in
that cell and the judge, here, accepts the record. The cell's kernel-side errors are dropped and
the verdict is written as the cell's only error output, so nbgrader's gradebook, the feedback page
and grades.csv all score exactly what the judges decided.
"""
import re

from nbformat.v4 import new_output

from .checks import CheckFailed, judge

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)
CHECK_CALL = re.compile(r"\bchecks\.(\w+)\(")
REASON_CHARS = 400


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


def judge_cell(checks, records, cell, overflowed=False):
    """(passed, reason) for one graded cell: `checks` it must pass, the `records` it left
    (`overflowed`: it sent more than the grader keeps, so some may be missing).

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
                return False, "NotImplementedError: the exercise is not answered yet (the stub still raises it)."
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


def apply_verdicts(notebook, solution_sources, records_by_cell, overflowed=()):
    """Score every graded cell of the executed `notebook` by its records; returns the verdicts.

    `solution_sources` maps grade ids to the trusted test sources; `records_by_cell` maps cell
    indices to the records the kernel sent from that cell; `overflowed` holds the cells that
    sent more than the grader keeps.
    """
    verdicts = {}
    for index, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        checks = hidden_checks(solution_sources.get(meta.get("grade_id"), ""))
        passed, reason = judge_cell(checks, records_by_cell.get(index, []), cell,
                                    overflowed=index in overflowed)
        outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
        for output in outputs:      # nbgrader would score a warning on stderr as a failure
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["name"] = "stdout"
        if not passed:
            outputs.append(new_output("error", ename="HiddenTestFailed", evalue=reason,
                                      traceback=[f"HiddenTestFailed: {reason}"]))
        cell.outputs = outputs
        verdicts[meta.get("grade_id")] = (passed, reason)
    return verdicts


def cell_results(notebook, verdicts):
    """[{grade_id, passed, score, points, reason}] for the graded cells, in notebook order."""
    results = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") in verdicts:
            passed, reason = verdicts[meta["grade_id"]]
            points = float(meta.get("points", 0))
            results.append({"grade_id": meta["grade_id"], "passed": passed, "reason": reason,
                            "score": points if passed else 0.0, "points": points})
    return results
