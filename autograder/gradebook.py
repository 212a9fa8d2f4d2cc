"""Record executed submissions in nbgrader's gradebook and render their feedback.

Execution happens beforehand, in parallel (see execute.py); nbgrader then only scores the
executed notebook and writes the gradebook, one submission at a time in one process, so the
SQLite gradebook never sees two writers.
"""
import shutil
import warnings
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, DeduplicateIds,
                                    GetGrades, IgnorePattern, LimitOutput, OverwriteCells,
                                    OverwriteKernelspec, SaveAutoGrades)

from .course import nbgrader_config
from .feedback import HideHiddenTests

# nbgrader 0.9 trips SQLAlchemy 2's autoflush warnings on every new submission; they are noise.
warnings.filterwarnings("ignore", message=".*not in session.*")


class GradebookError(RuntimeError):
    """nbgrader refused a submission we had already executed (a bug of ours, not the student's)."""


def grading_config(root):
    """nbgrader's autograde without its own execution (and without clearing our outputs)."""
    config = nbgrader_config(root)
    config.Autograde.sanitize_preprocessors = [DeduplicateIds, OverwriteKernelspec,
                                               OverwriteCells, CheckCellMetadata]
    config.Autograde.autograde_preprocessors = [IgnorePattern, ClearMetadataPreprocessor,
                                                LimitOutput, SaveAutoGrades,
                                                AssignLatePenalties, CheckCellMetadata]
    config.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests,
                                             CSSHTMLHeaderPreprocessor]
    return config


class Recorder:
    """Scores executed notebooks into the gradebook of the course at `root`."""

    def __init__(self, root):
        from nbgrader.apps import NbGraderAPI
        import logging

        self.root = Path(root)
        self.api = NbGraderAPI(config=grading_config(root))
        self.api.log.setLevel(logging.ERROR)
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"

    def record(self, student, assignment, executed):
        """Autograde `executed` (an executed NotebookNode); returns (score, max_score) as the
        gradebook now holds them."""
        folder = self.root / "submitted" / student / assignment
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        nbformat.write(executed, str(folder / f"{assignment}.ipynb"))
        result = self.api.autograde(assignment, student, force=True, create=True)
        if not result["success"]:
            raise GradebookError(f"nbgrader autograde {assignment} for {student} failed:\n"
                                 f"{result.get('error') or result.get('log')}")
        with Gradebook(self.db_url) as gradebook:
            submission = gradebook.find_submission(assignment, student)
            return float(submission.score), float(submission.max_score)

    def record_missing(self, student, assignment):
        """Nothing gradable was handed in: a submission whose every grade cell scores 0.

        (nbgrader's autograde refuses a folder without a notebook, so we write the zeros.)
        """
        with Gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_student(student)
            try:
                gradebook.remove_submission(assignment, student)
            except MissingEntry:
                pass
            submission = gradebook.add_submission(assignment, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = 0
                    grade.manual_score = None
                    grade.needs_manual_grade = False
            gradebook.db.commit()

    def feedback(self, student, assignment, destination):
        """Render the feedback page and copy it to `destination` (a folder)."""
        result = self.api.generate_feedback(assignment, student, force=True)
        if not result["success"]:
            raise GradebookError(f"nbgrader generate_feedback {assignment} for {student} failed:"
                                 f"\n{result.get('error') or result.get('log')}")
        source = self.root / "feedback" / student / assignment
        destination = Path(destination)
        destination.mkdir(parents=True, exist_ok=True)
        pages = sorted(source.glob("*.html"))
        for page in pages:
            shutil.copyfile(page, destination / page.name)
        return [destination / page.name for page in pages]
