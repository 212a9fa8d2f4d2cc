"""`make bench`: how long the notebooks take, and how fast a class is graded.

1. Each solution notebook, and the seed notebook when ../shared/seeds has it, executed through
   `jupyter nbconvert --execute` (kernel start and imports included), median of --runs runs.
   Targets: the MLP series (01, 02) within 2.5x the seed notebook; 04 (tiny GPT) and 05 each
   within 4x the seed and under 60 s (OWN_TARGET). The report also says how far they move the
   whole series.
2. The same class of answered submissions graded by plain sequential `nbgrader autograde` and by
   `python -m autograder grade` (sandboxed, verdicts judged outside the kernels), beside the
   floor: one fresh kernel that imports torch and matplotlib and runs only the answer and test
   cells.
"""
import argparse
import copy
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from .course import REPO, SOLUTIONS, assignment_ids, build_course, solution_answers
from .solutions import cell_seconds

SEED = REPO.parent / "shared" / "seeds" / "lr-scheduling-and-clipping-notebook.ipynb"
BIN = Path(sys.executable).parent


def environment():
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def time_notebook(path, runs):
    """Median wall seconds of `jupyter nbconvert --execute` on a copy of `path`, and the
    slowest cell of the last run."""
    times, slowest = [], 0.0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as work:
            copy_path = Path(work) / Path(path).name
            shutil.copyfile(path, copy_path)
            started = time.monotonic()
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                            "--ExecutePreprocessor.record_timing=True", "--output", "run.ipynb",
                            str(copy_path)], cwd=work, env=environment(), check=True,
                           capture_output=True)
            times.append(time.monotonic() - started)
            executed = nbformat.read(str(Path(work) / "run.ipynb"), as_version=4)
            slowest = max(cell_seconds(executed).values(), default=0.0)
    return statistics.median(times), slowest


# Notebooks timed against their own target rather than the MLP series' 2.5x.
OWN_TARGET = {"04_tiny_gpt": (4.0, 60.0),      # stem: (times the seed notebook, seconds)
              "05_practical_training_loop": (4.0, 60.0)}


def bench_notebooks(runs):
    print(f"== notebooks: median of {runs} runs of `jupyter nbconvert --execute` ==")
    seconds = {}
    for stem in assignment_ids():
        seconds[stem], slowest = time_notebook(SOLUTIONS / f"{stem}.ipynb", runs)
        print(f"{stem:<28} {seconds[stem]:6.1f} s   slowest cell {slowest:4.1f} s")
    series = sum(s for stem, s in seconds.items() if stem not in OWN_TARGET)
    total = sum(seconds.values())
    print(f"{'MLP series (01, 02)':<28} {series:6.1f} s")
    print(f"{'all notebooks':<28} {total:6.1f} s")
    if not SEED.exists():
        print(f"(seed notebook not found at {SEED}: no ratio)")
        return
    seed, slowest = time_notebook(SEED, runs)
    print(f"{'seed notebook':<28} {seed:6.1f} s   slowest cell {slowest:4.1f} s")
    print(f"MLP series / seed = {series / seed:.2f} (target <= 2.5)")
    for stem, (ratio, limit) in OWN_TARGET.items():
        if stem in seconds:
            print(f"{stem} / seed = {seconds[stem] / seed:.2f} (target <= {ratio:g}), "
                  f"{seconds[stem]:.1f} s (target < {limit:g} s)")
    print(f"all notebooks / seed = {total / seed:.2f}: notebooks with their own target add "
          f"{(total - series) / seed:.2f} to the series' ratio")


# --- grading ---------------------------------------------------------------------------------

def answered_class(root, students, assignments=None):
    """`students` students, each submitting every graded assignment (or those in `assignments`)
    with the reference answers."""
    from .demo import with_answers

    graded = [stem for stem in assignments or assignment_ids() if solution_answers(stem)]
    for stem in graded:
        notebook = with_answers(stem)
        for number in range(students):
            folder = Path(root) / f"student{number:03d}" / stem
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, str(folder / f"{stem}.ipynb"))
    return graded


def plain_nbgrader(submissions, graded, work):
    """Sequential `nbgrader autograde`, one command per assignment, as its docs show."""
    course = Path(work) / "plain"
    build_course(course, graded)
    shutil.copytree(submissions, course / "submitted")
    config = course / "nbgrader_config.py"
    config.write_text("c = get_config()\nc.CourseDirectory.course_id = 'bench'\n"
                      "c.CourseDirectory.ignore = ['figures']\n")
    started = time.monotonic()
    for stem in graded:
        subprocess.run([str(BIN / "nbgrader"), "autograde", stem, "--force"], cwd=course,
                       env=environment(), check=True, capture_output=True)
    seconds = time.monotonic() - started
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = [(s.score, s.max_score) for stem in graded
                  for s in gradebook.assignment_submissions(stem)]
    return seconds, scores


def ours(submissions, work, jobs):
    from .grade import ClassGrader

    grader = ClassGrader(Path(work) / "ours", jobs=jobs, progress=False)
    grader.prepare_course()
    started = time.monotonic()
    rows = grader.grade(submissions)
    return time.monotonic() - started, [(r.score, r.max_score) for r in rows.values()]


def floor(graded, runs):
    """A fresh kernel, without the sandbox, running only the cells grading needs (the setup cell
    with its imports, the cells tagged `grading`, the answer and test cells, hidden tests
    included): nothing grading could skip, so what ours costs above it is the sandbox, the
    judges, the gradebook and the feedback pages."""
    from .execute import Limits, run_notebook
    from .submission import cells_grading_needs

    seconds = []
    for stem in graded:
        solution = nbformat.read(str(SOLUTIONS / f"{stem}.ipynb"), as_version=4)
        needed = cells_grading_needs(solution)
        cells = [c for i, c in enumerate(solution.cells) if i in needed]
        for _ in range(runs):
            notebook = nbformat.v4.new_notebook(cells=copy.deepcopy(cells))
            started = time.monotonic()
            run_notebook(notebook, Limits(threads=1, sandbox=False))
            seconds.append(time.monotonic() - started)
            errors = [o for c in notebook.cells for o in c.outputs if o.output_type == "error"]
            assert not errors, f"the floor run of {stem} failed: {errors[0]['evalue']}"
    return statistics.median(seconds)


def bench_grading(students, jobs, runs):
    jobs = jobs or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        submissions = Path(work) / "submissions"
        graded = answered_class(submissions, students)
        count = students * len(graded)
        print(f"\n== grading {count} answered submissions ({students} students x {graded}) ==")
        plain_seconds, plain_scores = plain_nbgrader(submissions, graded, work)
        ours_seconds, ours_scores = ours(submissions, work, jobs)
        floor_seconds = floor(graded, runs)
    full = lambda scores: sum(s == m and m > 0 for s, m in scores)
    print(f"plain nbgrader autograde: {plain_seconds:6.1f} s  = {plain_seconds / count:5.2f} s per "
          f"submission; full marks {full(plain_scores)}/{count}")
    print(f"make grade (--jobs {jobs}):    {ours_seconds:6.1f} s  = {ours_seconds / count:5.2f} s per "
          f"submission; full marks {full(ours_scores)}/{count}")
    per_core = ours_seconds * jobs / count
    print(f"floor (kernel + imports + graded cells): {floor_seconds:5.2f} s per submission")
    print(f"ours / plain = {ours_seconds / plain_seconds:.2f} (target <= 0.5)")
    print(f"ours per submission, core-seconds: {per_core:5.2f} s = {per_core / floor_seconds:.2f} x "
          f"floor (target <= 1.5)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--students", type=int, default=6, help="students; each submits every graded notebook")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--only", choices=["notebooks", "grading"])
    args = parser.parse_args(argv)
    if args.only != "grading":
        bench_notebooks(args.runs)
    if args.only != "notebooks":
        bench_grading(args.students, args.jobs, args.runs)


if __name__ == "__main__":
    main()
