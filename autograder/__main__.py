"""Command line: python -m autograder {grade,key,merge,export,check,demo,figures,release,check-release} ..."""
import argparse
import os
import sys
from dataclasses import replace

from .limits import add_flags, from_args


def sandbox_problem():
    """Why the sandbox cannot run here, or "" when it can."""
    from .sandbox import SandboxUnavailable, check_available

    try:
        check_available()
    except SandboxUnavailable as problem:
        return str(problem)
    return ""


def sandbox_ready(limits):
    """Whether kernels may run under `limits`: unconfined (--no-sandbox) after a warning, else
    only where the sandbox can run (after saying why it cannot)."""
    if not limits.sandbox:
        print("WARNING: --no-sandbox: student code runs unconfined, as this user, and can change "
              "grades; every row says so in its notes", file=sys.stderr)
        return True
    problem = sandbox_problem()
    if problem:
        print(f"cannot grade: {problem}", file=sys.stderr)
    return not problem


def shard(text):
    """K/N with 1 <= K <= N, as (K, N)."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N (for example 2/8)") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"{text!r}: K must be between 1 and N")
    return k, n


def grade_command(args):
    """`grade`; a fault of the machine (full disk, read-only OUT) in one line, exit 2."""
    if not os.path.isdir(args.submissions):     # said before the grader's imports (torch: 2 s)
        print(f"cannot grade: the submissions folder {args.submissions} does not exist (or is "
              f"not a folder)", file=sys.stderr)
        return 2
    from .grade import resource_problem

    try:
        return grade_class(args)
    except OSError as error:
        if args.debug or not resource_problem(error):
            raise
        print(f"cannot grade: {resource_problem(error)}", file=sys.stderr)
        return 2


def grade_class(args):
    """The class under args.submissions into args.out; the exit code."""
    from .grade import ClassGrader, OutInUse, print_table
    from .trust import KeyFileError

    grader = ClassGrader(args.out, jobs=args.jobs, force=args.force, progress=not args.quiet,
                         shard=args.shard, key=args.key, warm=not args.cold_kernels,
                         limits=from_args(args))
    if not sandbox_ready(grader.limits):
        return 2
    try:
        rows = grader.grade(args.submissions)
    except (OutInUse, KeyFileError) as problem:
        print(f"cannot grade: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted: the rows graded so far are kept in {args.out}; run the same "
              f"command again to grade the rest", file=sys.stderr)
        return 130
    print_table(rows)
    errors = [r for r in rows.values() if r.status == "grader-error"]
    print(f"{len(rows)} rows written to {args.out}/grades.csv"
          + (f"; {len(errors)} grader errors" if errors else ""))
    return 1 if errors else 0


def key_command(args):
    from .trust import create_key

    existed = os.path.exists(args.file)
    create_key(args.file)
    print(f"{'kept the existing' if existed else 'created a'} course key in {args.file}; give it "
          f"to every `grade --key` of the class and to `merge --key`")
    return 0


def merge_command(args):
    from .grade import OutInUse
    from .merge import MergeError, merge

    try:
        rows = merge(args.parts, args.out, args.key)
    except (MergeError, OutInUse) as problem:
        print(f"cannot merge: {problem}", file=sys.stderr)
        return 1
    print(f"{len(rows)} rows from {len(args.parts)} parts written to {args.out}/grades.csv")
    return 0


def export_command(args):
    from .lms import RosterError, export

    try:
        missing = export(args.out, args.roster, args.id_column, args.to)
    except (RosterError, OSError) as problem:
        print(f"cannot export: {problem}", file=sys.stderr)
        return 1
    print(f"wrote {args.to}" + (f"; {len(missing)} graded students are not on the roster"
                                 if missing else ""))
    return 0


def check_command(args):
    from .check import UNGRADABLE, check

    limits = from_args(args)
    if not sandbox_ready(limits):
        return UNGRADABLE
    return check(args.notebook, args.assignment, limits=limits)


def demo_command(args):
    from .demo import build_submissions, check_expected
    from .grade import ClassGrader, print_table

    expected = build_submissions(f"{args.out}/submissions")
    limits = from_args(args)
    problem = sandbox_problem() if limits.sandbox else ""
    if problem:     # the demo's answers are this project's own: they may run unconfined
        print(f"the sandbox is off for the demo class (its answers are this project's own): "
              f"{problem}. `grade` and `check` refuse real submissions until it works.",
              file=sys.stderr)
        limits = replace(limits, sandbox=False)
    elif not sandbox_ready(limits):
        return 2
    grader = ClassGrader(args.out, jobs=args.jobs, limits=limits)
    rows = grader.grade(f"{args.out}/submissions")
    print_table(rows)
    problems = check_expected(rows, expected)
    for problem in problems:
        print("MISMATCH", problem, file=sys.stderr)
    print(f"demo class: {len(rows)} rows in {args.out}/grades.csv, feedback in "
          f"{args.out}/feedback/" + (f"; {len(problems)} unexpected scores" if problems
                                     else "; every score as expected"))
    return 1 if problems else 0


def figures_command(args):
    from .figures import regenerate_figures

    regenerate_figures()
    return 0


def release_command(args):
    from .release import generate, update_readme

    for path in generate():
        print(f"wrote {path}")
    update_readme()
    print("updated the Colab links in README.md")
    return 0


def check_release_command(args):
    from .release import check_release

    problems = check_release()
    for problem in problems:
        print(problem, file=sys.stderr)
    print("notebooks/ is in sync with solutions/ and leaks nothing" if not problems
          else f"{len(problems)} problems")
    return 1 if problems else 0


def grade_parser(commands):
    grade = commands.add_parser("grade", help="grade a class of submissions with nbgrader")
    grade.add_argument("submissions", help="folder laid out as <student_id>/<assignment_id>/*.ipynb")
    grade.add_argument("--out", required=True, help="folder for grades.csv, feedback/ and the gradebook")
    grade.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: cores)")
    grade.add_argument("--force", action="store_true", help="regrade submissions graded before")
    grade.add_argument("--quiet", action="store_true", help="no progress lines")
    grade.add_argument("--shard", type=shard, default=None, metavar="K/N",
                       help="grade only the K-th of N disjoint parts of the class (K from 1)")
    grade.add_argument("--key", default=None, metavar="FILE",
                       help="sign results with this course key (made by `key`; default: OUT/.grader-key)")
    grade.add_argument("--debug", action="store_true",
                       help="show the traceback of an error the grader reports in one line")
    grade.add_argument("--cold-kernels", action="store_true",
                       help="start every kernel from scratch instead of forking it from a warm "
                            "template (slower; the same sandbox)")
    return grade


def parser():
    """The command line: a sub-parser per command, each naming its function (`run`); the ones
    that run kernels (grade, check, demo) take the limit flags (limits.add_flags)."""
    top = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    grade = grade_parser(commands)

    key = commands.add_parser("key", help="create a course key for sharded grading (once)")
    key.add_argument("file", help="where to keep the key (readable only by you); kept if it exists")

    merge = commands.add_parser("merge", help="combine the OUT folders of `grade --shard` runs")
    merge.add_argument("parts", nargs="+", help="the OUT folders of the parts")
    merge.add_argument("--key", required=True, metavar="FILE",
                       help="the course key the parts were graded with (`grade --key`)")
    merge.add_argument("--out", required=True)

    export = commands.add_parser("export", help="fill an LMS gradebook CSV (Canvas, Moodle, ...)")
    export.add_argument("out", help="a graded OUT folder")
    export.add_argument("--roster", required=True, help="the LMS's gradebook export (CSV)")
    export.add_argument("--id-column", required=True, help="the roster column holding student ids")
    export.add_argument("--to", required=True, help="where to write the filled CSV")

    check = commands.add_parser("check", help="grade one notebook; exit 0 pass, 1 fail, 2 ungradable")
    check.add_argument("notebook")
    check.add_argument("--assignment", default=None, help="the assignment id (default: guessed)")

    demo = commands.add_parser("demo", help="build the demo class, grade it, check its scores")
    demo.add_argument("--out", default="out/demo")
    demo.add_argument("--jobs", type=int, default=None)

    figures = commands.add_parser("figures", help="execute solutions/ (nbconvert), regenerating the figures")
    release = commands.add_parser("release", help="regenerate notebooks/ from solutions/")
    check_release = commands.add_parser("check-release", help="fail if notebooks/ is stale or leaks answers")

    for command in (grade, check, demo):
        add_flags(command)
    for command, run in ((grade, grade_command), (key, key_command), (merge, merge_command),
                         (export, export_command), (check, check_command), (demo, demo_command),
                         (figures, figures_command), (release, release_command),
                         (check_release, check_release_command)):
        command.set_defaults(run=run)
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
