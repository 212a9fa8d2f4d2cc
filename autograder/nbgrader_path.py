"""nbgrader's own entry points (`nbgrader autograde` in the course root, formgrader's Autograde
button, `nbgrader generate_feedback`) on the project's grading path, as nbgrader preprocessors
that OUT/course/nbgrader_config.py names (course.write_course_config):

- RebuildSubmission (first sanitize step): the released notebook with the student's answers put
  in, found by content, so a notebook whose editor stripped nbgrader's metadata still grades;
- JudgedExecute (in place of nbgrader's Execute): the cells run in the sandbox, each test cell
  judged outside the kernel as it finishes (worker.py does the same for `grade`);
- SaveVerdicts (after nbgrader's SaveAutoGrades): the judge's points written as each grade cell's
  auto_score, so nothing the kernel displayed decides a score. Manual scores are untouched.
"""
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float

from .limits import DEFAULTS, help_of


def configure(c):
    """Put these steps into nbgrader's configuration `c` (a course's nbgrader_config.py calls
    this): autograde on the grading path, feedback without the hidden tests."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput,
                                        DeduplicateIds, GetGrades, IgnorePattern, LimitOutput,
                                        OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

    from .feedback import HideHiddenTests

    c.Autograde.sanitize_preprocessors = [RebuildSubmission, ClearOutput, DeduplicateIds,
                                          OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
    c.Autograde.autograde_preprocessors = [JudgedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                           LimitOutput, SaveAutoGrades, SaveVerdicts,
                                           AssignLatePenalties, CheckCellMetadata]
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests]


def _course_root(resources):
    """The course root, from the gradebook nbgrader passes every preprocessor."""
    return Path(resources["nbgrader"]["db_url"].split("sqlite:///", 1)[1]).parent


def _versions(resources):
    """(released, solution) NotebookNodes of the notebook being graded."""
    root, assignment = _course_root(resources), resources["nbgrader"]["assignment"]
    name = f"{resources['nbgrader']['notebook']}.ipynb"
    return (nbformat.read(str(root / "release" / assignment / name), as_version=4),
            nbformat.read(str(root / "source" / assignment / name), as_version=4))


class RebuildSubmission(NbGraderPreprocessor):
    """The released notebook with the submission's answers in place of the stubs."""

    def preprocess(self, nb, resources):
        from .submission import UnreadableNotebook, build_graded_notebook

        released, solution = _versions(resources)
        try:
            graded = build_graded_notebook(nbformat.writes(nb).encode(), released, solution)
        except UnreadableNotebook as problem:
            raise ValueError(f"the notebook cannot be graded: {problem}") from None
        for warning in graded.warnings:
            self.log.warning(warning)
        return graded.notebook, resources


class JudgedExecute(NbGraderPreprocessor):
    """Run the cells grading needs in the sandbox, judging each test cell outside the kernel;
    the judge's cell results go to resources["lr_course_cells"] for SaveVerdicts."""

    sandbox = Bool(DEFAULTS.sandbox, help="run the kernel in the sandbox (off only for trusted "
                                          "notebooks)").tag(config=True)
    cell_timeout = Float(DEFAULTS.cell_timeout, help=help_of("cell_timeout")).tag(config=True)
    budget = Float(DEFAULTS.budget, help=help_of("budget")).tag(config=True)

    def preprocess(self, nb, resources):
        from .execute import Limits, run_notebook
        from .sandbox import check_available
        from .submission import cells_grading_needs
        from .verdict import apply_verdicts, cell_results, judge_test_cell, trusted_tests

        if self.sandbox:
            check_available()       # refuse, naming the package, rather than run unconfined
        _, solution = _versions(resources)
        tests = trusted_tests(solution)
        judged = {}

        def judge(index, execution):
            verdict = judge_test_cell(nb, index, tests, execution)
            if verdict is not None:
                judged[index] = verdict

        limits = Limits(sandbox=self.sandbox, cell_timeout=self.cell_timeout, budget=self.budget)
        execution = run_notebook(nb, limits, only=cells_grading_needs(nb), on_cell=judge)
        resources["lr_course_cells"] = cell_results(nb, apply_verdicts(nb, tests, execution, judged))
        return nb, resources


class SaveVerdicts(NbGraderPreprocessor):
    """Write the judge's points into the gradebook (auto_score of each grade cell)."""

    def preprocess(self, nb, resources):
        points = {cell["grade_id"]: cell["score"] for cell in resources.get("lr_course_cells", [])}
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            notebook = gradebook.find_submission_notebook(info["notebook"], info["assignment"],
                                                          info["student"])
            for grade in notebook.grades:
                grade.auto_score = points.get(grade.name, 0.0)
                grade.needs_manual_grade = False
            gradebook.db.commit()
        return nb, resources
