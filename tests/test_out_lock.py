"""One grader writes an OUT at a time."""
import os

import pytest


def test_one_writer_per_out(tmp_path):
    """A second grader on the same OUT is refused with one line naming the first."""
    from autograder.outlock import OutInUse, sole_writer

    with sole_writer(tmp_path / "out"):
        with pytest.raises(OutInUse, match=f"being graded by pid {os.getpid()} on "):
            with sole_writer(tmp_path / "out"):
                pass
    with sole_writer(tmp_path / "out"):     # free again once the first is done
        pass
