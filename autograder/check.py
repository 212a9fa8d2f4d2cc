"""Grade one notebook exactly as `grade` would, and answer with an exit code (GitHub Classroom, CI).

`nbgrader validate` exits 0 even when tests fail; this exits 0 when every graded cell passes, 1
when any fails, 2 when the notebook cannot be graded (unreadable, or of no known assignment).
Every line it prints about the notebook comes from the judge's cell results, with the text the
submission chose (exception names, messages) escaped.
"""
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .course import assignment_ids
from .limits import Limits
from .printable import one_line
from .submission import UnreadableNotebook, read_cells

PASS, FAIL, UNGRADABLE = 0, 1, 2
STUDENT = "student"


def which_assignment(path):
    """The assignment a notebook belongs to: its file name, else the grade ids its cells carry."""
    known = assignment_ids()
    for stem in known:
        if stem in Path(path).stem:
            return stem
    try:
        cells = read_cells(Path(path).read_bytes())
    except (OSError, UnreadableNotebook):
        return None
    ids = {meta["nbgrader"].get("grade_id") for _, meta in cells
           if isinstance(meta.get("nbgrader"), dict)}
    from .course import solution_answers

    matches = [stem for stem in known if ids & set(solution_answers(stem))]
    return matches[0] if len(matches) == 1 else None


def check(path, assignment=None, limits=None, stream=None):
    """Grade `path`; print each test cell's result and reason; return the exit code."""
    stream = stream or sys.stdout
    path = Path(path)
    if not path.is_file():
        print(f"{one_line(path)}: no such file", file=stream)
        return UNGRADABLE
    try:
        read_cells(path.read_bytes())     # what grade would call broken, refused before any work
    except (OSError, UnreadableNotebook) as problem:
        print(f"{one_line(path.name)}: cannot be graded: {problem}", file=stream)
        return UNGRADABLE
    assignment = assignment or which_assignment(path)
    if assignment not in assignment_ids():
        print(f"{one_line(path)}: cannot tell which assignment this is; pass --assignment (one of: "
              f"{', '.join(assignment_ids())})", file=stream)
        return UNGRADABLE
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as work:
        result = grade_alone(path, assignment, limits or Limits(threads=os.cpu_count() or 1),
                             Path(work))
    row, cells = result.row, result.cells
    if row.status in ("broken", "grader-error"):
        print(f"{one_line(path.name)}: cannot be graded: {row.reason}", file=stream)
        return UNGRADABLE
    for cell in cells:
        mark = "PASS" if cell["passed"] else "FAIL"
        reason = f"  {cell['reason']}" if cell["reason"] else ""
        print(f"{mark}  {cell['grade_id']}  {cell['score']:g}/{cell['points']:g}{reason}", file=stream)
    if row.notes:
        print(f"notes: {row.notes}", file=stream)
    print(f"{assignment}: {row.score:g}/{row.max_score:g}", file=stream)
    # The judge's cell results decide, whatever the notebook printed: one failed cell fails.
    return PASS if cells and all(cell["passed"] for cell in cells) else FAIL


def grade_alone(path, assignment, limits, work):
    """The Result (results.Result) of the notebook `path`, graded as `grade` grades it, in a class
    of one student in the folder `work`: the same course, sandbox, worker, judge and gradebook,
    without what a class needs besides (signed results, grades.csv, progress)."""
    # Imported here, not above: a missing or broken notebook is refused without torch (2 s).
    from .discover import discover
    from .settle import settle
    from .supervise import Job, Supervisor, warming
    from .trust import Signer
    from .workspace import Workspace

    folder = work / "submissions" / STUDENT / assignment
    folder.mkdir(parents=True)
    shutil.copyfile(path, folder / path.name)
    with warming(limits) as template:       # the template warms while the course is built
        if limits.sandbox:
            from .sandbox import check_available

            check_available()       # refuse, naming the package, rather than grade unconfined
        workspace = Workspace(work / "out", [assignment], Signer(work / "out" / ".grader-key"))
        workspace.prepare()
        submission, = discover(work / "submissions", set(workspace.released))
        if submission.path is None or submission.problem:
            return settle(workspace, submission, {})
        job = Job.of(submission, workspace.released[assignment], limits)
        with contextlib.closing(Supervisor(1, limits, template=template).run([job])) as outcomes:
            _, outcome = next(outcomes)
        return settle(workspace, submission, outcome)
