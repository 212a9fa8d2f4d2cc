"""nbgrader configuration for instructors who prefer nbgrader's own commands.

Run them from this folder (autograder/), which is the course root: source/ links to the
solution notebooks, and the hidden tests find `autograder.checks` through PYTHONPATH.
"""
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from autograder.course import nbgrader_config  # noqa: E402  (needs the line above)

c = get_config()  # noqa: F821  (nbgrader provides get_config)
c.merge(nbgrader_config(HERE))
# Kernels started by `nbgrader autograde` inherit this, so `from autograder import checks` works.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")]))
c.Execute.timeout = 60
