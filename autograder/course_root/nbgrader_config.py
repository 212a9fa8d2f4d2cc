"""nbgrader configuration for instructors who prefer nbgrader's own commands.

Run them from this folder (autograder/course_root/), the course root: source/ links to the
solution notebooks. `nbgrader autograde` grades as `python -m autograder grade` does (the sandbox,
the judges; autograder/nbgrader_path.py).
"""
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from autograder.course import nbgrader_config, path_with_venv  # noqa: E402  (needs the line above)
from autograder.nbgrader_path import configure  # noqa: E402

os.environ["PATH"] = path_with_venv()   # this nbgrader process makes gradebooks: `alembic`
c = get_config()  # noqa: F821  (nbgrader provides get_config)
c.merge(nbgrader_config(HERE))
configure(c)        # autograde in the sandbox, judged outside the kernel; feedback hides tests
