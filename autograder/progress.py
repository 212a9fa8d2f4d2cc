"""The lines a grading run prints on stderr as it goes (none when `show` is off): what it is about
to do and the longest it can take, a line per row, and the sandbox's enforcement once."""
import math
import sys
import time

from .printable import one_line


def announced_seconds(count, jobs, limits):
    """The longest `count` notebooks can take: each its deadline, `jobs` at a time, and a
    worker that crashed once is retried."""
    return 2 * math.ceil(count / jobs) * limits.deadline()


class Progress:
    """Counts the rows of a run of `jobs` workers under `limits`, from its start (now)."""

    def __init__(self, show, jobs, limits):
        self.show, self.jobs, self.limits = show, jobs, limits
        self.start = time.monotonic()
        self.total = self.done = self.failures = 0
        self.said_enforcement = False

    def begin(self, total, rows):
        """`total` submissions to settle, `rows` of them already (an earlier run's)."""
        self.total, self.done = total, len(rows)
        self.failures = sum(r.score < r.max_score for r in rows.values())
        self._say(f"{self.done} already graded" if self.done else "starting")

    def count(self, key, row):
        self.done += 1
        self.failures += row.score < row.max_score
        self._say(f"{one_line(key)}: {row.score:g}/{row.max_score:g} {row.status}")

    def announce(self, count):
        if self.show:
            print(f"grading {count} notebooks, {self.jobs} at a time; each gets at most "
                  f"{self.limits.deadline():.0f} s ({self.limits.budget:.0f} s budget + "
                  f"{self.limits.grace:.0f} s to start and judge), so at most "
                  f"{announced_seconds(count, self.jobs, self.limits):.0f} s in all",
                  file=sys.stderr, flush=True)

    def enforcement(self, text):
        """How the sandbox enforces its limits (Sandbox.enforcement), said once a run."""
        if text and not self.said_enforcement and self.show:
            print(f"sandbox: {text}", file=sys.stderr, flush=True)
            self.said_enforcement = True

    def _say(self, last):
        if self.show:
            print(f"[{self.done:>4}/{self.total}] {time.monotonic() - self.start:6.1f}s  below max: "
                  f"{self.failures}  {last}", file=sys.stderr, flush=True)
