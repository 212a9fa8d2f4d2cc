"""`make bench`: how long the notebooks take, and how fast a class is graded.

1. Each solution notebook, and the --reference notebook if one is given (the notebook the course
   was built from, say: the project holds none), executed through `jupyter nbconvert --execute`
   (kernel start and imports included), median of --runs runs. Targets: 03 (tiny GPT) and 04
   each under 60 s (OWN_TARGET); beside a reference, the MLP series (01, 02) within 2.5x its
   time, 03 and 04 each within 4x, and how far they move the whole series.
2. Each hidden check, probe and judge in this process, on its exercise's reference answer (the
   corpus's correct/reference.py): median seconds of --runs runs after a warm-up. Target: each
   under CHECK_TARGET.
3. The same class of answered submissions graded by plain sequential `nbgrader autograde` and by
   `python -m autograder grade` (sandboxed, verdicts judged outside the kernels, feedback pages),
   with cold and with warm kernels; where one submission's time goes (kernel start, imports, the
   other cells, the judge, the page); and the floor: the checks' own compute (the cells in a warm
   kernel, which run the answers and the probes, and the judge, which compares outside it) plus
   one round trip. Per-submission core-seconds are measured on every process at once (grader,
   workers, template, kernels): what one more submission adds to a warm run. Targets: warm /
   plain <= 0.25, warm core-seconds per submission <= 1.3 x floor.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from .course import REPO, SOLUTIONS, assignment_ids, build_course, path_with_venv, solution_answers
from .solutions import cell_seconds

BIN = Path(sys.executable).parent


def environment():
    return dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg", PATH=path_with_venv())


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


# The MLP series' target beside a reference notebook, and the notebooks timed against their own.
SERIES_RATIO = 2.5
OWN_TARGET = {"03_tiny_gpt": (4.0, 60.0),      # stem: (times the reference notebook, seconds)
              "04_practical_training_loop": (4.0, 60.0)}


def bench_notebooks(runs, reference=None):
    print(f"== notebooks: median of {runs} runs of `jupyter nbconvert --execute` ==")
    seconds = {}
    for stem in assignment_ids():
        seconds[stem], slowest = time_notebook(SOLUTIONS / f"{stem}.ipynb", runs)
        print(f"{stem:<28} {seconds[stem]:6.1f} s   slowest cell {slowest:4.1f} s")
    series = sum(s for stem, s in seconds.items() if stem not in OWN_TARGET)
    total = sum(seconds.values())
    print(f"{'MLP series (01, 02)':<28} {series:6.1f} s")
    print(f"{'all notebooks':<28} {total:6.1f} s")
    for stem, (_, limit) in OWN_TARGET.items():
        if stem in seconds:
            print(f"{stem}: {seconds[stem]:.1f} s (target < {limit:g} s)")
    if reference is None:
        print("(no --reference notebook: no ratios)")
        return
    base, slowest = time_notebook(reference, runs)
    print(f"{'reference notebook':<28} {base:6.1f} s   slowest cell {slowest:4.1f} s")
    print(f"MLP series / reference = {series / base:.2f} (target <= {SERIES_RATIO:g})")
    for stem, (ratio, _) in OWN_TARGET.items():
        if stem in seconds:
            print(f"{stem} / reference = {seconds[stem] / base:.2f} (target <= {ratio:g})")
    print(f"all notebooks / reference = {total / base:.2f}: notebooks with their own target add "
          f"{(total - series) / base:.2f} to the series' ratio")


# --- checks ----------------------------------------------------------------------------------

CHECK_TARGET = 1.0      # seconds a hidden check may take on a correct answer, probe and judge


def bench_checks(runs):
    from . import checks, exercises
    from .exercises.corpus import checks_of, corpus_of, namespace_of

    print(f"\n== hidden checks on the reference answers: median of {runs} runs, probe and judge ==")
    for exercise in exercises.names():
        reference = corpus_of(exercise) / "correct" / "reference.py"
        if not reference.exists():
            continue
        answers = namespace_of(reference)
        for check, name in checks_of(exercise):
            getattr(checks, check)(answers[name])      # warm-up: lazy imports inside torch
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                getattr(checks, check)(answers[name])
                times.append(time.perf_counter() - started)
            seconds = statistics.median(times)
            print(f"{check:<28} {seconds:6.2f} s  (target < {CHECK_TARGET:g} s)"
                  + ("" if seconds < CHECK_TARGET else "  OVER"))


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


def cpu_seconds():
    """CPU seconds of this process and of every descendant it has waited for: the workers, the
    template and, through it, every kernel it reaped."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ours(submissions, work, jobs, warm=True, name=None):
    """Grade `submissions` into a fresh OUT: (wall seconds, scores, per-submission parts, CPU
    seconds of every process of the run)."""
    from .grade import ClassGrader

    grader = ClassGrader(Path(work) / (name or ("ours" if warm else "ours-cold")), jobs=jobs,
                         progress=False, warm=warm)
    grader.prepare_course()
    started, cpu = time.monotonic(), cpu_seconds()
    rows = grader.grade(submissions)
    return time.monotonic() - started, [(r.score, r.max_score) for r in rows.values()], \
        grader.spent, cpu_seconds() - cpu


def marginal_cpu(submissions, doubled, work, jobs, count):
    """CPU seconds one more submission costs every process together (grader, supervisor, workers,
    template, kernels, filing): warm runs of the class and of the class twice over, after the runs
    before them paid what a process pays once (the judges' references, imports); the difference
    over `count` (the class's size), so the template's start and the course check cancel out."""
    *_, once = ours(submissions, work, jobs, name="ours-once")
    *_, twice = ours(doubled, work, jobs, name="ours-twice")
    return (twice - once) / count


CPU_PARTS = ("worker cpu", "kernel cpu", "settle cpu")


def cpu_per_submission(spent):
    """The mean CPU seconds one submission cost each process that works on it: its worker, its
    kernel's cgroup (bubblewrap, kernel start and cells) and the grader's filing of the result."""
    return {part: statistics.mean(s.get(part, 0.0) for s in spent) for part in CPU_PARTS}


PHASES = ("start", "imports", "cells", "judge", "page", "other")


def breakdown(graded, work, warm, runs):
    """Where one submission's seconds go, in the grading process itself (so each phase can be
    timed): kernel start, the first cell (imports), the other cells, the judge, the page, and the
    rest (reading and rebuilding the notebook). Median over `runs` runs of each assignment's
    reference answers; also, per assignment, the median of the checks' own compute: the cells
    (the answers and the probes that call them, in the kernel) and the judge (in the grader)."""
    from .demo import with_answers
    from .execute import Limits
    from .grade import ClassGrader
    from .supervise import Job, start_template
    from .worker import grade_submission

    grader = ClassGrader(Path(work) / "phases", jobs=1, progress=False)
    grader.prepare_course()
    template = start_template(Limits(), warm)
    if template is not None:
        template.wait_ready()
    samples, floors = {phase: [] for phase in PHASES}, {stem: [] for stem in graded}
    try:
        for stem in graded:
            path = Path(work) / "phases-submissions" / f"{stem}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(with_answers(stem), str(path))
            for _ in range(runs):
                job = Job("bench", "bench", stem, path, grader.workspace.released[stem],
                          SOLUTIONS / f"{stem}.ipynb", Limits(threads=1), Path(work),
                          template.socket_path if template else None)
                sent = {}
                started = time.monotonic()
                grade_submission(job, lambda kind, payload: sent.__setitem__(kind, payload))
                total = time.monotonic() - started
                seconds = sent["done"]["seconds"]
                cells = [seconds["cells"][i] for i in sorted(seconds["cells"], key=int)]
                parts = {"start": seconds["start"], "imports": cells[0] if cells else 0.0,
                         "cells": sum(cells[1:]), "judge": seconds["judge"], "page": seconds["page"]}
                parts["other"] = total - sum(parts.values())
                for phase in PHASES:
                    samples[phase].append(parts[phase])
                floors[stem].append(sum(cells) + seconds["judge"])
    finally:
        if template is not None:
            template.close()
    return {phase: statistics.median(values) for phase, values in samples.items()}, \
        {stem: statistics.median(values) for stem, values in floors.items()}


def round_trip():
    """Seconds for one empty cell in a running kernel (no sandbox)."""
    from .execute import Limits, run_notebook

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass") for _ in range(6)])
    execution = run_notebook(notebook, Limits(threads=1, sandbox=False))
    return statistics.median(list(execution.cell_seconds.values())[1:])


def bench_grading(students, jobs, runs):
    jobs = jobs or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        submissions, doubled = Path(work) / "submissions", Path(work) / "doubled"
        graded = answered_class(submissions, students)
        answered_class(doubled, 2 * students)
        count = students * len(graded)
        print(f"\n== grading {count} answered submissions ({students} students x {graded}) ==")
        plain_seconds, plain_scores = plain_nbgrader(submissions, graded, work)
        cold_seconds, cold_scores, *_ = ours(submissions, work, jobs, warm=False)
        warm_seconds, warm_scores, warm_spent, _ = ours(submissions, work, jobs, warm=True)
        per_submission_cpu = marginal_cpu(submissions, doubled, work, jobs, count)
        cold_phases, _ = breakdown(graded, work, False, runs)
        warm_phases, checks_seconds = breakdown(graded, work, True, runs)
        trip = round_trip()
    # The class holds each assignment equally often: its floor is the mean of theirs, as its
    # per-submission CPU is the mean over its submissions.
    floors = {stem: seconds + trip for stem, seconds in checks_seconds.items()}
    floor_seconds = statistics.mean(floors.values())
    full = lambda scores: sum(s == m and m > 0 for s, m in scores)
    for label, seconds, scores in (("plain nbgrader autograde", plain_seconds, plain_scores),
                                   (f"ours, cold kernels (--jobs {jobs})", cold_seconds, cold_scores),
                                   (f"ours, warm kernels (--jobs {jobs})", warm_seconds, warm_scores)):
        print(f"{label:<34} {seconds:6.1f} s = {seconds / count:5.2f} s per submission; "
              f"full marks {full(scores)}/{count}")
    print("\nper submission, in the grading process (median; seconds):")
    print(f"{'':<6}" + "".join(f"{phase:>9}" for phase in PHASES) + f"{'total':>9}")
    for label, phases in (("cold", cold_phases), ("warm", warm_phases)):
        print(f"{label:<6}" + "".join(f"{phases[p]:9.2f}" for p in PHASES) +
              f"{sum(phases.values()):9.2f}")
    per_core = warm_seconds * jobs / count
    print(f"\nfloor (the checks' own compute: cells in a warm kernel and the judge; + one round "
          f"trip): {floor_seconds:5.3f} s")
    print(f"warm / plain = {warm_seconds / plain_seconds:.2f} (target <= 0.25); "
          f"cold / plain = {cold_seconds / plain_seconds:.2f}")
    print(f"warm per submission, wall x jobs: {per_core:5.2f} core-s = {per_core / floor_seconds:.2f} x "
          f"floor (per-run costs included: the template's start, the judges' references)")
    cpu = cpu_per_submission(warm_spent)
    print("warm per submission, CPU of its processes: " + ", ".join(f"{p} {v:.3f} s" for p, v in cpu.items()) +
          f"; {sum(cpu.values()):.3f} s = {sum(cpu.values()) / floor_seconds:.2f} x floor")
    print(f"\n{'per assignment':<28}{'floor':>8}" + "".join(f"{p:>12}" for p in CPU_PARTS) + f"{'x floor':>9}")
    for stem, floor in floors.items():
        mine = cpu_per_submission([s for s in warm_spent if s.get("assignment") == stem])
        print(f"{stem:<28}{floor:8.3f}" + "".join(f"{mine[p]:12.3f}" for p in CPU_PARTS) +
              f"{sum(mine.values()) / floor:9.2f}")
    print(f"warm per submission, CPU of every process (one more submission, measured): "
          f"{per_submission_cpu:.3f} s = {per_submission_cpu / floor_seconds:.2f} x floor (target <= 1.3)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--students", type=int, default=6, help="students; each submits every graded notebook")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--only", choices=["notebooks", "checks", "grading"])
    parser.add_argument("--reference", type=Path, metavar="NOTEBOOK",
                        help="a notebook to time the solution notebooks against")
    args = parser.parse_args(argv)
    if args.reference is not None and not args.reference.is_file():
        parser.error(f"--reference {args.reference}: no such notebook")
    if args.only in (None, "notebooks"):
        bench_notebooks(args.runs, args.reference)
    if args.only in (None, "checks"):
        bench_checks(args.runs)
    if args.only in (None, "grading"):
        bench_grading(args.students, args.jobs, args.runs)


if __name__ == "__main__":
    main()
