"""How the suite is ordered.

`make test` runs it in two processes (pytest-xdist, `--dist loadfile`: each test file goes whole
to one process, handed out in the order below). The hostile batch (test_hostile.py) is one long
`grade` run that mostly waits: on cell time limits, on kernels that hang or wedge their
channels. Its file goes first, and within it the tests that read the batch, so the batch grades
while the other process works through the rest; then the longest files, so that no long file
starts last and runs alone.

Two test processes share the machine's cores with the kernels they start: each process, and
every notebook or kernel it starts without a thread count of its own, runs torch on one thread
(OMP_NUM_THREADS=1). With more threads than cores, OpenMP's busy-waiting makes a notebook of tiny
models several times slower; the notebooks' claims do not depend on the thread count.

The demo class, graded in one run, is a session fixture (`demo`, tests/demo_class.py): the files
that read it share one grading.
"""
import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")       # before torch is imported here or in a child
os.environ.setdefault("MKL_NUM_THREADS", "1")

LONGEST_FIRST = ("test_hostile", "test_student_notebooks", "test_demo", "test_merge", "test_nbgrader_path",
                 "test_solutions", "test_grading", "test_corpus", "test_faults", "test_concurrent_graders",
                 "test_supervise", "test_interrupt")


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
