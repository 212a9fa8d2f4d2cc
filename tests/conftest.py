"""Session-wide fixtures.

The hostile batch (test_hostile.py) is one long `grade` run that mostly waits: on cell time
limits, on kernels that hang or wedge their channels, on deadlines. It is started as the session
starts, when the session holds its tests, so those waits overlap the other tests' work instead of
adding to the suite's time; test_hostile's `batch` fixture then waits for it and checks it.
"""
import pytest


@pytest.fixture(scope="session", autouse=True)
def hostile_batch_started(request, tmp_path_factory):
    """The launched batch (test_hostile.launch), or None when no test of this session reads it."""
    wanted = any(getattr(item, "module", None) is not None and item.module.__name__ == "test_hostile"
                 and "batch" in item.fixturenames for item in request.session.items)
    if not wanted:
        yield None
        return
    import test_hostile

    launched = test_hostile.launch(tmp_path_factory)
    yield launched
    test_hostile.stop(launched)


def pytest_collection_modifyitems(session, config, items):
    """The hostile batch's tests run last: every other test then runs while the batch grades
    (started with the session), instead of after its waits."""
    items.sort(key=lambda item: getattr(item, "module", None) is not None
               and item.module.__name__ == "test_hostile")
