"""A course built once is copied into every new OUT of the same solutions and grading code; a
damaged cache is built again, and a cache that cannot be written is skipped."""
import os

import pytest

from autograder import course_cache
from autograder.trust import Signer
from autograder.workspace import Workspace

LR = "01_lr_schedules"


def prepared(out):
    workspace = Workspace(out, [LR], Signer(out / ".grader-key"))
    workspace.prepare()
    return workspace


def files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "course.json"}      # course.json: signed by each OUT's key


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("LR_COURSE_CACHE", str(folder))
    return folder


def test_a_second_out_gets_the_course_the_first_one_built_without_building_it(tmp_path, cache, monkeypatch):
    first = prepared(tmp_path / "first")
    assert len(list(cache.iterdir())) == 1

    def no_build(*_):
        raise AssertionError("the course was built again")

    monkeypatch.setattr(course_cache, "build_course", no_build)
    second = prepared(tmp_path / "second")
    assert files(second.course) == files(first.course)
    assert second.max_scores == first.max_scores and second.max_scores[LR] > 0
    assert second.recorder is not None


def test_a_damaged_cache_is_built_again(tmp_path, cache):
    prepared(tmp_path / "first")
    kept, = cache.iterdir()
    (kept / "gradebook.db").unlink()
    second = prepared(tmp_path / "second")
    assert (kept / "gradebook.db").is_file() and (second.course / "gradebook.db").is_file()


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path, cache):
    cache.mkdir()
    os.chmod(cache, 0o500)
    try:
        if os.access(cache, os.W_OK):       # root writes anywhere: a file where the folder should be
            os.chmod(cache, 0o700)
            cache.rmdir()
            cache.write_text("not a folder")
        workspace = prepared(tmp_path / "out")
    finally:
        if cache.is_dir():
            os.chmod(cache, 0o700)
    assert workspace.max_scores[LR] > 0 and (workspace.course / "gradebook.db").is_file()


def test_a_course_dropped_from_the_cache_while_copied_is_built_in_place(tmp_path, cache, monkeypatch):
    prepared(tmp_path / "first")
    real_copy = course_cache._copy

    def vanishing(kept, root):          # another grader drops the entry half-way through the copy
        real_copy(kept, root)
        raise FileNotFoundError(kept / "gradebook.db")

    monkeypatch.setattr(course_cache, "_copy", vanishing)
    workspace = prepared(tmp_path / "second")
    assert workspace.max_scores[LR] > 0 and (workspace.course / "gradebook.db").is_file()
