"""`make test`: the suite as two pytest processes at once, one per core of a 2-core machine.

The test files are independent and most of them grade notebooks (CPU-bound), while the hostile
batch (tests/test_hostile.py, started with its session: tests/conftest.py) mostly waits on cell
time limits. One process takes the hostile batch with the notebook-execution files, the other
the grading files; each prints its own report, after both end. Exit status: the worse of the two.
Arguments are passed to both pytest processes (e.g. -x, -k).
"""
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# the second process: files that grade classes or drive the sandbox (the rest go to the first)
GRADING = {"test_grading.py", "test_faults.py", "test_nbgrader_path.py", "test_concurrent_graders.py",
           "test_interrupt.py", "test_supervise.py", "test_sandbox.py", "test_template.py",
           "test_front_door.py", "test_out_lock.py", "test_verdict.py", "test_submission.py",
           "test_corpus.py"}


def groups():
    files = sorted(p.name for p in TESTS.glob("test_*.py"))
    return [[str(TESTS / f) for f in files if f not in GRADING],
            [str(TESTS / f) for f in files if f in GRADING]]


def main(argv):
    running = []
    for group in groups():
        log = tempfile.TemporaryFile()
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *argv, *group]
        running.append((subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), log))
    worst = 0
    for process, log in running:
        code = process.wait()
        worst = max(worst, 0 if code == 5 else code)    # 5: -k/-x left this half no test
        log.seek(0)
        sys.stdout.write(log.read().decode(errors="replace"))
        sys.stdout.flush()
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
