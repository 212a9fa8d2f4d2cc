"""How the suite is ordered.

`make test` runs it in two processes (pytest-xdist, `--dist loadfile`: each test file goes whole
to one process, handed out in the order below). The hostile batch (test_hostile.py) is one long
`grade` run that mostly waits: on cell time limits, on kernels that hang or wedge their
channels. Its file goes first, and within it the tests that read the batch, so the batch grades
while the other process works through the rest; then the longest files, so that no long file
starts last and runs alone.
"""

LONGEST_FIRST = ("test_hostile", "test_student_notebooks", "test_demo", "test_nbgrader_path",
                 "test_solutions", "test_grading", "test_faults", "test_concurrent_graders",
                 "test_supervise", "test_interrupt")


def _rank(item):
    module = getattr(item, "module", None)
    name = module.__name__ if module is not None else ""
    file_rank = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
    return file_rank, "batch" not in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=_rank)
