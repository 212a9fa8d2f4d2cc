"""How the suite is ordered.

`make test` runs it in three processes on two cores (pytest-xdist, `--dist loadfile`: each test
file goes whole to one process, handed out in the order below, the next file to whichever process
is free). The hostile batch (test_hostile.py) is one long `grade` run that mostly waits: on cell
time limits, on kernels that hang or wedge their channels; the third process keeps both cores busy
meanwhile. The longest files go first, so that none starts late and runs alone at the end.

Every test process, and every notebook or kernel it starts without a thread count of its own,
runs torch on one thread (OMP_NUM_THREADS=1). With more threads than cores, OpenMP's busy-waiting
makes a notebook of tiny models several times slower; the notebooks' claims do not depend on the
thread count.

The demo class, graded in one run, is a session fixture (`demo`, tests/demo_class.py): the files
that read it share one grading.
"""
import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")       # before torch is imported here or in a child
os.environ.setdefault("MKL_NUM_THREADS", "1")

# The longest files first (the rest follow in collection order); seconds are each file's time in a
# three-process run (2026-12-07).
LONGEST_FIRST = ("test_hostile",                # 335 s, mostly waiting
                 "test_solutions",              # 150 s
                 "test_faults",                 # 144 s
                 "test_nbgrader_path",          # 126 s
                 "test_student_notebooks",      # 80 s
                 "test_merge",                  # 73 s
                 "test_corpus",                 # 63 s
                 "test_grading",                # 58 s
                 "test_supervise", "test_demo", "test_interrupt", "test_check", "test_concurrent_graders",
                 "autograder.exercises.step_decay.test_step_decay")


def _rank(item):
    module = getattr(item, "module", None)
    name = module.__name__ if module is not None else ""
    file_rank = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
    return file_rank, "batch" not in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=_rank)


@pytest.fixture
def env_without_the_project():
    """This environment without PYTHONPATH, strict (LR_COURSE_STRICT=1) and without a display: a
    command run in it finds the project as on a machine where it was only cloned and set up."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LR_COURSE_STRICT")}
    env.update(MPLBACKEND="Agg", LR_COURSE_STRICT="1")
    return env


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo class graded in one run, once per session (tests/demo_class.py)."""
    from demo_class import graded_demo

    return graded_demo(tmp_path_factory)
