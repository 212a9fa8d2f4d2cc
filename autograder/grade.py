"""Grade a class: every submission gets a row, whatever it holds, and nothing is lost.

Layout in: SUBMISSIONS/<student_id>/<assignment_id>/<any name>.ipynb (nbgrader's).
Layout out: OUT/grades.csv, OUT/feedback/<student>/<assignment>/*.html, OUT/course/ (the
nbgrader course with its gradebook.db), OUT/results/ (one JSON per submission, so an
interrupted run resumes where it stopped).

The grading path, a module a step; this one only puts them in order, with the progress lines:
discover.py finds the submissions; workspace.py holds the signed course they are graded against;
the supervisor (supervise.py) runs each in a worker (worker.py: build the graded notebook, run it
in the sandbox, judge, page); settle.py turns its outcome into a gradebook entry and a row;
results.py keeps the pages, the signed result (trust.py) and grades.csv.
"""
import contextlib
import os
import time
from pathlib import Path

from .course import assignment_ids
from .discover import discover, in_shard
from .execute import Limits
from .files import resource_problem
from .outlock import OutInUse, sole_writer
from .progress import Progress
from .results import Results, as_final, print_table, write_csv
from .settle import settle
from .supervise import Job, Supervisor, warming
from .trust import Signer
from .workspace import Workspace

# The orchestrator, and what the command line (__main__) takes from here besides.
__all__ = ["ClassGrader", "OutInUse", "print_table", "resource_problem"]


class ClassGrader:
    """Grades one class into OUT; reuses what an earlier run of the same course left there."""

    def __init__(self, out, jobs=None, force=False, limits=None, progress=True, shard=None,
                 assignments=None, key=None, warm=True):
        self.out = Path(out)
        self.warm = warm                    # kernels forked from a warm template (template.py)
        self.jobs = jobs or os.cpu_count() or 1
        self.force = force
        self.limits = (limits or Limits()).shared_by(self.jobs)    # threads: a share of the cores
        self.progress = progress
        self.shard = shard                  # (k, N): grade only the k-th of N parts, k from 1
        # A course key must exist already (`key FILE`): a typo would otherwise sign each part
        # with a key of its own, and merge would refuse them only after all the grading.
        signer = Signer(key or self.out / ".grader-key", create=key is None)
        # the course's assignments, unless narrowed
        self.workspace = Workspace(self.out, assignments or assignment_ids(), signer)
        self.results = Results(self.out, signer, self.limits)
        self.spent = []     # per graded submission, its worker's seconds and CPU (make bench reads it)

    def prepare_course(self):
        """The signed course in OUT/course, rebuilt (and the results graded against the old one
        dropped) unless it is intact."""
        self.workspace.prepare(self.force, self.progress, voided=[self.results.folder])

    def grade(self, submissions_dir):
        """Grade every submission under `submissions_dir`; returns the rows by key."""
        with sole_writer(self.out), warming(self.limits, self.warm) as self.template:
            return self._grade(submissions_dir)     # the template warms while we prepare

    def _grade(self, submissions_dir):
        progress = Progress(self.progress, self.jobs, self.limits)
        if self.limits.sandbox:
            from .sandbox import check_available

            check_available()       # refuse, naming the package, rather than grade unconfined
        self.prepare_course()
        submissions = in_shard(discover(submissions_dir, set(self.workspace.released)), self.shard)
        rows = self._cached_rows(submissions)
        progress.begin(len(submissions), rows)
        self._settle_all([s for s in submissions if s.key not in rows], rows, progress)
        self.workspace.recorder.refresh()   # the last grades.csv takes the gradebook as it is now
        manual = self.workspace.recorder.final_scores()
        write_csv(self.out, rows, manual)
        return as_final(rows, manual)       # the table shows what grades.csv says

    def _cached_rows(self, submissions):
        """{key: row} saved by an earlier run for these very files (none with --force)."""
        rows = {}
        for submission in [] if self.force else submissions:
            row = self.results.cached(submission, self.workspace.recorder)
            if row:
                rows[submission.key] = row
        return rows

    def _settle_all(self, todo, rows, progress):
        """Settle every submission of `todo` into `rows`: those with nothing to run first, then
        the others as the supervisor's workers finish them."""
        def settled(submission, outcome, sha256=""):
            rows[submission.key] = row = self._settle(submission, outcome, sha256)
            write_csv(self.out, rows, self.workspace.recorder.final_scores())
            progress.count(submission.key, row)

        waiting = {}
        for submission in todo:
            if submission.path is None or submission.problem:
                settled(submission, {})
            else:
                waiting[submission.key] = submission
        if waiting:
            progress.announce(len(waiting))
        jobs = [Job.of(s, self.workspace.released[s.assignment], self.limits) for s in waiting.values()]
        pool = Supervisor(self.jobs, self.limits, warm=self.warm, template=self.template)
        with contextlib.closing(pool.run(jobs)) as outcomes:
            for job, outcome in outcomes:   # closing: Ctrl-C in settled() ends the workers at once
                progress.enforcement(outcome.get("enforcement"))
                cpu = time.process_time()
                settled(waiting[job.key], outcome, outcome.get("sha256"))
                self.spent.append({**outcome.get("seconds", {}), "settle cpu": time.process_time() - cpu,
                                   "assignment": job.assignment})

    def _settle(self, submission, outcome, sha256):
        """The row of `outcome`, its pages written and, bound to the bytes graded (`sha256`;
        None when the worker read none), its result signed."""
        saved = []

        def keep(result):
            self.results.write_pages(result.row, result.pages)
            if "vanished" not in outcome and sha256 is not None:
                self.results.save(submission, result, sha256)
                saved.append(True)

        result = settle(self.workspace, submission, outcome, keep)
        if not saved:      # an earlier result must not stand in for this one (cache, merge)
            self.results.drop(submission)
        return result.row
