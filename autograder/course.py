"""Where the course lives, and how nbgrader turns solution notebooks into student ones.

Each solution notebook `solutions/<stem>.ipynb` is its own nbgrader assignment with id `<stem>`.
"""
import contextlib
import functools
import logging
import os
import shutil
import sys
import warnings
from pathlib import Path
from unittest import mock

from nbgrader.utils import is_grade, is_solution
from traitlets.config import Config

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
NOTEBOOKS = REPO / "notebooks"
AUTOGRADER = REPO / "autograder"
COURSE_ID = "lr-schedules-and-clipping"
# The one place the GitHub home is set: the README's "Open in Colab" links are made from it.
GITHUB_REPO = "your-org/lr-schedules-and-clipping"
GITHUB_BRANCH = "main"


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment (bad markup in a solution notebook)."""


def assignment_ids():
    """The assignment ids, one per solution notebook, in course order."""
    return sorted(path.stem for path in SOLUTIONS.glob("*.ipynb"))


def nbgrader_config(root):
    """The configuration nbgrader runs with for a course rooted at `root`."""
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = COURSE_ID
    # Solution notebooks hold figures in solutions/figures; students never need them.
    config.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "figures"]
    config.Exchange.root = str(Path(root) / "exchange")
    return config


COURSE_CONFIG = """\
# nbgrader's own commands on this course (`nbgrader autograde`, formgrader, generate_feedback),
# written by `python -m autograder` (course.write_course_config): they grade as `grade` does, with
# the sandbox and the judges (autograder/nbgrader_path.py), and feedback hides the hidden tests.
import os
import sys
sys.path.insert(0, {repo!r})
from autograder.course import nbgrader_config, path_with_venv
from autograder.nbgrader_path import configure

os.environ["PATH"] = path_with_venv()   # this nbgrader process makes gradebooks: `alembic`
c = get_config()  # noqa: F821 (nbgrader provides it)
c.merge(nbgrader_config(os.path.dirname(os.path.abspath(__file__))))   # moves with OUT
configure(c)
"""


def write_course_config(root):
    """OUT/course/nbgrader_config.py: nbgrader's commands and formgrader, run in the course root,
    use this course, an exchange inside it, and the project's grading path."""
    (Path(root) / "nbgrader_config.py").write_text(COURSE_CONFIG.format(repo=str(REPO)))


def path_with_venv():
    """PATH with this interpreter's folder first: nbgrader runs the `alembic` command by name when
    it makes a new gradebook, and a venv used without being activated has it there."""
    return os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")


@functools.cache
def alembic_head():
    """The schema revision nbgrader stamps a new gradebook with, read by alembic's API in this
    process: nbgrader starts an `alembic heads` process for it (1.2 s) at every new gradebook."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    return ScriptDirectory(ALEMBIC_DIR).get_current_head()      # nbgrader's own migration scripts


@contextlib.contextmanager
def nbgrader_at_work():
    """While nbgrader reads or writes a gradebook in this process: the revision of a new gradebook
    from alembic_head() (so no `alembic` command is looked up), and SQLAlchemy 2's autoflush
    warnings, which nbgrader 0.9 trips on every new submission, silenced (noise)."""
    import nbgrader.api

    with warnings.catch_warnings(), mock.patch.object(nbgrader.api, "get_alembic_version", alembic_head):
        warnings.filterwarnings("ignore", message=".*not in session.*")
        yield


def nbgrader_api(root):
    """nbgrader's own Python API for the course at `root`, quiet unless something fails."""
    from nbgrader.apps import NbGraderAPI

    api = NbGraderAPI(config=nbgrader_config(root))
    api.log.setLevel(logging.WARNING)
    return api


def build_course(root, assignments=None):
    """Lay out an nbgrader course at `root` from solutions/ and generate every assignment.

    Returns {assignment_id: path of the released (student) notebook}. The gradebook at
    root/gradebook.db then knows every assignment, its grade cells and their points.
    """
    root = Path(root)
    (root / "exchange").mkdir(parents=True, exist_ok=True)  # nbgrader complains when it is missing
    write_course_config(root)
    released = {}
    api = nbgrader_api(root)
    for assignment in assignments or assignment_ids():
        source_dir = root / "source" / assignment
        source_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOLUTIONS / f"{assignment}.ipynb", source_dir / f"{assignment}.ipynb")
        with nbgrader_at_work():
            result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise ReleaseError(f"nbgrader generate_assignment {assignment} failed:\n"
                               f"{result.get('error') or result.get('log')}")
        released[assignment] = root / "release" / assignment / f"{assignment}.ipynb"
    return released


def grade_id(cell):
    """The grade id nbgrader's markup gives `cell` (a cell of our own notebooks), or None."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_test_cell(cell):
    """A graded test cell: an nbgrader grade cell of code that is not an answer."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def solution_answers(stem):
    """{grade_id: source} of the answer cells of solutions/<stem>.ipynb (the reference answers)."""
    import nbformat

    notebook = nbformat.read(str(SOLUTIONS / f"{stem}.ipynb"), as_version=4)
    return {grade_id(c): c.source for c in notebook.cells if is_solution(c)}


def colab_url(stem):
    return (f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/{GITHUB_BRANCH}/"
            f"notebooks/{stem}.ipynb")
