"""A hostile class, graded in one batch beside honest students.

Each file in tests/hostile/ is one attacker's answer cell: a WRONG answer (the text before
`# --- tamper ---`), then tamper code that tries to raise its score (forged records, patched probes,
display, session, json, swallowed or skipped tests, killed kernels), to harm classmates (rewriting
their submissions, the gradebook, results and grades; code run in their kernels; killed processes),
to leak the grading code, the solutions and classmates' answers, or to exhaust the machine (memory,
processes, disk, output, network).

The batch is graded once (module fixture), by a copy of the project in a temporary tree, so an
attack that escapes can only hurt the copy. The tests then check that nothing worked: every attacker
scores exactly what its wrong answer earns untampered, honest students keep their grades, feedback
pages leak nothing, no file outside the grader's own writes changed, no process outlived the grader.

Only the wrong-answer part of an attack file ever runs in this process (to compute the score it earns
honestly). The tamper code runs only inside the grader's sandbox, which needs bubblewrap: without it
the batch fails rather than run anything unconfined. Several attacks also refuse their
most destructive step unless they see themselves contained, and modify files and processes only under
a path containing `hostile-batch` (the batch's temporary tree), so that a broken sandbox fails these
tests instead of damaging the machine.
"""
import ast
import base64
import binascii
import csv
import hashlib
import html
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
import zlib
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from autograder.course import NOTEBOOKS, SOLUTIONS, solution_answers
from autograder.demo import with_answers
from autograder import exercises
from autograder.exercises import answer_file
from autograder.exercises.judging import CheckFailed

REPO = Path(__file__).resolve().parents[1]
HOSTILE = REPO / "tests" / "hostile"
MARKER = "# --- tamper ---"
POINTS = 5
# assignment -> its hidden checks, each as (check, the name in the answer cell it is given)
CHECKS = {exercises.declaration(e).NOTEBOOK: tuple(exercises.declaration(e).CHECKS.items()) for e in exercises.names()}
HONEST = {   # student -> assignment -> "solution" or an answer file of the corpus
    "honest_a": {"01_lr_schedules": "solution", "02_gradient_clipping": "solution", "03_tiny_gpt": "solution"},
    "honest_b": {"01_lr_schedules": "solution", "02_gradient_clipping": "clip_value/buggy/no_none_check.py"},
    "honest_c": {"01_lr_schedules": "solution"},
}
SAFE_NAME = "hostile" + "-batch"   # the attacks modify files and signal processes only under such a path
GRADE_TIMEOUT = 25 * 60            # seconds for the whole batch
SETTLE = 20                        # seconds to wait after the grader exits before looking again
SANDBOX_UIDS = range(60000, 62000)
# What attacks print only when they got through (built here too, so no file holds them literally):
SUCCESS_SIGNS = ("CONNECTED" + "-TO-", "UNCONTAINED" + "-", "FOUND" + "-COURSE-FILE", "REACHED" + "-KERNEL")
TAMPER_TAG = "PW" + "NED-BY-"      # what attacks write into every file they manage to change
XSS_MARK = "XSS" + "-MARKER"
COPY_EXCLUDED = {".git", ".venv", "out", "__pycache__", ".pytest_cache"}
GRADER_RSS = 2 * 2 ** 30           # bytes any one of the grader's own processes (not a kernel) may hold
SAMPLE_SECONDS = 0.5               # how often the batch samples the grader's processes
BUDGET = re.compile(r"at most (\d+(?:\.\d+)?) s in all")   # the grader's announced bound for the batch
CELL_TIMEOUT, NOTEBOOK_BUDGET = 20, 90      # the batch's limits: every attack that waits is held to these
# A kernel's memory in the batch: an honest one needs under 1 GiB; a hog reaches 2 GiB in half
# of the time it takes to reach the default 4, so it meets the memory limit, not the cell's time
# limit, even on a busy machine where touching fresh memory is slow.
MEMORY_GIB = 2
BUDGET_SLACK = 60                  # seconds past the announced bound allowed for starting and writing out
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")      # control characters other than \t and \n


# ---------------------------------------------------------------------------------------------
# The attack files

def attack_files():
    return sorted(HOSTILE.glob("*.py"))


def header(path):
    """{attack, assignment, wrong[, detour]}: the `# key: value` lines that open an attack file."""
    fields = {}
    for line in path.read_text().splitlines()[:4]:
        match = re.match(r"# (attack|assignment|wrong|detour): (.+)$", line)
        if match:
            fields[match.group(1)] = match.group(2).strip()
    return fields


def wrong_part(path):
    """The wrong answer: the file up to the tamper marker (the only part ever run in this process)."""
    text = path.read_text()
    return text[:text.index("\n" + MARKER + "\n") + 1]


ATTACKS = {path.stem: path for path in attack_files()}


def student_of(name):
    return f"attacker_{name}"


# ---------------------------------------------------------------------------------------------
# Scores earned honestly, from the trusted checks in this process

def namespace_of(source, filename):
    """The names an answer defines, exec'd as the notebook would (torch, math, np, nn, F exist)."""
    namespace = {"torch": torch, "math": math, "np": np, "nn": torch.nn, "F": torch.nn.functional}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def in_process_score(source, assignment, filename):
    """POINTS for each of the assignment's hidden checks the answer passes, judged in this process."""
    from autograder import checks

    namespace = namespace_of(source, filename)
    score = 0
    for check, name in CHECKS[assignment]:
        try:
            getattr(checks, check)(namespace[name])
            score += POINTS
        except CheckFailed:
            pass
    return float(score)


@pytest.fixture(scope="module")
def untampered():
    """{attack name: the score its wrong answer earns}, {(student, assignment): an honest grade}."""
    attackers = {name: float(POINTS * len(CHECKS[header(path)["assignment"]])) if "detour" in header(path)
                 else in_process_score(wrong_part(path), header(path)["assignment"], str(path))
                 for name, path in ATTACKS.items()}
    honest = {}
    for student, plan in HONEST.items():
        for assignment, spec in plan.items():
            if spec == "solution":
                honest[(student, assignment)] = float(POINTS * len(CHECKS[assignment]))
            else:
                honest[(student, assignment)] = in_process_score(answer_file(spec).read_text(), assignment,
                                                                 str(answer_file(spec)))
    return {"attackers": attackers, "honest": honest}


# ---------------------------------------------------------------------------------------------
# The batch

def digests(root):
    """{relative path: sha256 or link target} of every file under root (bytecode caches aside)."""
    result = {}
    root = Path(root)
    if not root.exists():
        return result
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = Path(folder) / name
            relative = str(path.relative_to(root))
            if path.is_symlink():
                result[relative] = "link:" + os.readlink(path)
            elif path.is_file():
                digest = hashlib.sha256()
                with open(path, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                result[relative] = digest.hexdigest()
    return result


def differences(before, after, limit=20):
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    added, removed = sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys())
    return {"changed": changed[:limit], "added": added[:limit], "removed": removed[:limit]} \
        if changed or added or removed else {}


def write_notebook(path, notebook):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(notebook))


def build_submissions(root):
    """The class under root, in nbgrader's layout; returns {(student, assignment): case}."""
    cases = {}
    for student, plan in HONEST.items():
        for assignment, spec in plan.items():
            (grade_id, solution), = solution_answers(assignment).items()
            canary = f"canary-{uuid.uuid4().hex}"
            source = f"# {canary}\n" + (solution if spec == "solution" else answer_file(spec).read_text())
            write_notebook(root / student / assignment / f"{assignment}.ipynb",
                           with_answers(assignment, {grade_id: source}))
            cases[(student, assignment)] = {"honest": True, "spec": spec, "canary": canary, "source": source}
    for name, path in ATTACKS.items():
        assignment = header(path)["assignment"]
        (grade_id,) = solution_answers(assignment)
        source = path.read_text()
        write_notebook(root / student_of(name) / assignment / f"{assignment}.ipynb",
                       with_answers(assignment, {grade_id: source}))
        cases[(student_of(name), assignment)] = {"honest": False, "attack": name, "source": source}
    return cases


def survivors(started, roots, batch_id, grader_pid):
    """Processes created since the batch started that belong to it and are still alive.

    A process is the batch's when its command line, cwd or environment names the batch's tree or id
    (strong evidence), or when it is a kernel, a bwrap, or runs under a sandbox uid and descends from
    the batch's grader or was orphaned (see _batchs: the kernels of other tests, running beside the
    batch, and another program's on a shared machine do not count; the batch's orphans do).
    """
    import psutil

    me = psutil.Process()
    own = {me.pid} | {parent.pid for parent in me.parents()}
    roots = [str(r) for r in roots]
    found = []
    for process in psutil.process_iter():
        try:
            if process.pid in own or process.create_time() < started - 1:
                continue
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
            cmdline = " ".join(process.cmdline())
            try:
                cwd = process.cwd()
            except (psutil.AccessDenied, psutil.ZombieProcess):
                cwd = ""
            try:
                environ = process.environ()
            except (psutil.AccessDenied, psutil.ZombieProcess):
                environ = {}
            uid = process.uids().real
            text = " ".join([cmdline, cwd, *environ.values()])
            strong = environ.get("HOSTILE_BATCH") == batch_id or \
                any(root + os.sep in text or text.endswith(root) or cwd == root for root in roots)
            weak = "ipykernel" in cmdline or "bwrap" in cmdline or uid in SANDBOX_UIDS
            if not strong and not (weak and _batchs(process, started, own, grader_pid)):
                continue
            found.append(f"pid {process.pid} uid {uid} ppid {process.ppid()}: {cmdline[:300]}")
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _batchs(process, started, own, grader_pid):
    """True when the batch's grader is an ancestor, or the process was orphaned (adopted by init or
    a subreaper) without passing through an ancestor older than the batch: other tests' kernels,
    which now run beside the batch, descend from this test process instead."""
    import psutil

    try:
        for parent in process.parents():
            if parent.pid == grader_pid:
                return True
            if parent.pid in own:
                return False
            if parent.pid == 1:
                return True
            if parent.create_time() < started - 1:
                return False
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return False


def _sandboxed(process):
    """True for a kernel's process: bubblewrap, what runs inside it, or a sandbox uid."""
    import psutil

    try:
        if process.uids().real in SANDBOX_UIDS:
            return True
        for each in [process] + process.parents():
            if "bwrap" in each.name() or "ipykernel" in " ".join(each.cmdline()):
                return True
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return True
    return False


def sample_grader(pid, peaks, stop):
    """Until `stop` is set, every SAMPLE_SECONDS: the largest RSS seen of each of the grader's own
    processes (the grader and its descendants that are not sandboxed kernels), {(pid, cmdline): bytes}."""
    import psutil

    while not stop.is_set():
        try:
            top = psutil.Process(pid)
            tree = [top] + top.children(recursive=True)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            tree = []
        for process in tree:
            try:
                if _sandboxed(process):
                    continue
                key = (process.pid, " ".join(process.cmdline())[:200])
                peaks[key] = max(peaks.get(key, 0), process.memory_info().rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        stop.wait(SAMPLE_SECONDS)


def read_rows(out):
    path = Path(out) / "grades.csv"
    if not path.exists():
        return {}, 0
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {(r["student_id"], r["assignment"]): r for r in rows}, len(rows)


def launch(tmp_path_factory):
    """Build the class in a copy of the project and start the grader on it (not waiting)."""
    assert shutil.which("bwrap"), ("bubblewrap (bwrap) is not installed: the grader cannot sandbox "
                                   "the hostile class (apt-get install bubblewrap; .ci/run does)")
    root = tmp_path_factory.mktemp(SAFE_NAME)
    copy, submissions, out = root / "project", root / "submissions", root / "out"
    scratch, runtime = root / "tmp", root / "jupyter-runtime"
    scratch.mkdir()
    runtime.mkdir()
    shutil.copytree(REPO, copy, symlinks=True,
                    ignore=lambda folder, names: [n for n in names if n in COPY_EXCLUDED])
    cases = build_submissions(submissions)
    before = {"submissions": digests(submissions), "copy": digests(copy)}
    batch_id = uuid.uuid4().hex
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(scratch),
               JUPYTER_RUNTIME_DIR=str(runtime), HOSTILE_BATCH=batch_id)
    log = root / "grader.log"
    peaks, stop_sampling = {}, threading.Event()
    started = time.time()
    with open(log, "wb") as handle:
        grader = subprocess.Popen(
            [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out), "--jobs", "3",
             "--cell-timeout", str(CELL_TIMEOUT), "--budget", str(NOTEBOOK_BUDGET), "--memory-gib", str(MEMORY_GIB)],
            cwd=copy, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    sampler = threading.Thread(target=sample_grader, args=(grader.pid, peaks, stop_sampling), daemon=True)
    sampler.start()
    return {"root": root, "copy": copy, "submissions": submissions, "out": out, "scratch": scratch,
            "cases": cases, "before": before, "batch_id": batch_id, "log": log, "peaks": peaks,
            "stop_sampling": stop_sampling, "sampler": sampler, "started": started, "grader": grader}


def stop(launched):
    """End the grader if it still runs (a session cut short)."""
    launched["stop_sampling"].set()
    if launched["grader"].poll() is None:
        os.killpg(launched["grader"].pid, signal.SIGKILL)
        launched["grader"].wait()


def finish(launched):
    """Wait for the launched grader, then take stock of what it left: rows, files, processes."""
    grader, log, started = launched["grader"], launched["log"], launched["started"]
    try:
        returncode = grader.wait(timeout=max(1, started + GRADE_TIMEOUT - time.time()))
    except subprocess.TimeoutExpired:
        stop(launched)
        pytest.fail(f"the grader ran past {GRADE_TIMEOUT} s on the hostile batch; its log: {log}\n"
                    + log.read_text(errors="replace")[-3000:])
    seconds = time.time() - started
    launched["stop_sampling"].set()
    launched["sampler"].join(timeout=30)
    root, out = launched["root"], launched["out"]
    roots = [root, launched["copy"], launched["submissions"], out]
    alive_at_exit = survivors(started, roots, launched["batch_id"], grader.pid)
    out_at_exit = digests(out)
    time.sleep(SETTLE)
    out_later = digests(out)
    alive_later = survivors(started, roots, launched["batch_id"], grader.pid)
    after = {"submissions": digests(launched["submissions"]), "copy": digests(launched["copy"])}
    rows, row_count = read_rows(out)
    return {**{k: launched[k] for k in ("root", "copy", "submissions", "out", "cases", "before", "log",
                                        "scratch")},
            "after": after, "out_at_exit": out_at_exit, "out_later": out_later,
            "alive": sorted(set(alive_at_exit) | set(alive_later)), "rows": rows, "row_count": row_count,
            "returncode": returncode, "seconds": seconds, "peaks": dict(launched["peaks"]),
            "scratch_left": sorted(p.name for p in launched["scratch"].iterdir())}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The graded batch (this file's batch tests run first: conftest.py)."""
    launched = launch(tmp_path_factory)
    try:
        yield finish(launched)
    finally:
        stop(launched)


def grader_log(batch, chars=2000):
    return f"(grader log {batch['log']}, last {chars} characters:)\n" + \
        batch["log"].read_text(errors="replace")[-chars:]


def pages(batch, student, assignment):
    return sorted((batch["out"] / "feedback" / student / assignment).glob("*.html"))


_PAGES = {}


def page_text(path):
    """A page's text with HTML entities resolved (cached: several tests read every page)."""
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _PAGES:
        text = html.unescape(path.read_text(errors="replace"))
        if len(text) > 5_000_000:
            return text
        _PAGES[key] = text
    return _PAGES[key]


# ---------------------------------------------------------------------------------------------
# What no attacker's feedback page may hold

def released_text():
    text = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(str(path), as_version=4)
        text += [cell.source for cell in notebook.cells]
    return "\n".join(text)


def solution_lines():
    """Stripped lines (>= 25 characters) between ### BEGIN SOLUTION and ### END SOLUTION of the
    solution notebooks' answer cells."""
    lines = set()
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        notebook = nbformat.read(str(path), as_version=4)
        for cell in notebook.cells:
            if not cell.metadata.get("nbgrader", {}).get("solution"):
                continue
            inside = False
            for line in cell.source.splitlines():
                if "### BEGIN SOLUTION" in line:
                    inside = True
                elif "### END SOLUTION" in line:
                    inside = False
                elif inside and len(line.strip()) >= 25:
                    lines.add(line.strip())
    return lines


def grader_lines(project):
    """Distinctive stripped lines (>= 40 characters) of the grading code: autograder/*.py and the
    judges, less those also in what kernels may see (the probes, the exercises' declarations) or
    the released notebooks."""
    exercises = project / "autograder" / "exercises"
    seen = [exercises / "probing.py", exercises / "__init__.py", *exercises.glob("*/probe.py"),
            *exercises.glob("*/__init__.py")]
    probes = "\n".join(p.read_text() for p in sorted(seen))
    released = released_text()
    lines = set()
    judges = sorted(exercises.glob("*/judge.py")) + [exercises / "judging.py"]
    for path in sorted((project / "autograder").glob("*.py")) + judges:
        for line in path.read_text().splitlines():
            line = line.strip()
            if len(line) >= 40 and line not in probes and line not in released:
                lines.add(line)
    return lines


BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{60,}={0,2}")


def decoded_runs(text, limit=20_000_000):
    """The text hidden in base64 runs of a page (plain or zlib-compressed), for leaks sent encoded."""
    found = []
    for match in BASE64_RUN.finditer(text[:limit]):
        run = match.group(0)
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4))
        except (binascii.Error, ValueError):
            continue
        for candidate in (raw, _inflate(raw)):
            if candidate:
                try:
                    found.append(candidate.decode("utf-8"))
                    break
                except UnicodeDecodeError:
                    continue
    return "\n".join(found)


def _inflate(raw):
    try:
        return zlib.decompressobj().decompress(raw, 10_000_000)    # at most 10 MB: no zlib bombs
    except zlib.error:
        return b""


@pytest.fixture(scope="module")
def forbidden(batch):
    """Canaries, solution lines and grading-code lines, less the lines honest pages show anyway."""
    canaries = {case["canary"] for case in batch["cases"].values() if case["honest"]}
    honest_text = "\n".join(page_text(page) for (student, assignment), case in batch["cases"].items()
                            if case["honest"] for page in pages(batch, student, assignment))
    code = {line for line in grader_lines(batch["copy"]) if line not in honest_text}
    released = released_text()
    solutions = {line for line in solution_lines() if line not in released}
    assert len(solutions) >= 3 and len(code) >= 50 and len(canaries) == 6, (len(solutions), len(code))
    return {"canaries": canaries, "solutions": solutions, "code": code}


# ---------------------------------------------------------------------------------------------
# The attack files themselves (no grading needed)

def test_the_hostile_corpus_is_big_and_well_formed():
    assert len(ATTACKS) >= 26, f"only {len(ATTACKS)} attack files"
    for name, path in ATTACKS.items():
        text = path.read_text()
        fields = header(path)
        assert set(fields) - {"detour"} == {"attack", "assignment", "wrong"}, f"{name}: header {fields}"
        assert fields["assignment"] in CHECKS, f"{name}: unknown assignment {fields['assignment']}"
        assert text.count("\n" + MARKER + "\n") == 1, f"{name}: needs exactly one line '{MARKER}'"
        ast.parse(text, filename=str(path))
        for sign in SUCCESS_SIGNS + (TAMPER_TAG, XSS_MARK):
            assert sign not in text, f"{name} holds {sign!r} literally: it must build it at run time"


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_the_wrong_answer_is_plain_definitions(name):
    """The part run in this process only defines the answer (nothing else can run here)."""
    path = ATTACKS[name]
    assignment = header(path)["assignment"]
    tree = ast.parse(wrong_part(path), filename=str(path))
    defined = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            assert not node.decorator_list, f"{name}: a decorator in the wrong answer"
            if isinstance(node, ast.ClassDef):
                assert not node.bases and not node.keywords, f"{name}: a base class in the wrong answer"
                assert all(isinstance(item, ast.FunctionDef) or (isinstance(item, ast.Expr) and
                           isinstance(item.value, ast.Constant)) for item in node.body), f"{name}: class body"
            defaults = node.args.defaults + node.args.kw_defaults if isinstance(node, ast.FunctionDef) else []
            assert all(d is None or isinstance(d, ast.Constant) for d in defaults), f"{name}: a computed default"
            defined.add(node.name)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        else:
            raise AssertionError(f"{name}: the wrong answer runs a {type(node).__name__} at top level")
    assert {answer for _, answer in CHECKS[assignment]} <= defined, f"{name} does not define its answer"


VISIBLE_TESTS = r'''
import json, os, sys
os.environ["NBGRADER_EXECUTION"] = "autograde"
os.environ.setdefault("MPLBACKEND", "Agg")
import nbformat
notebooks, answers = sys.argv[1], json.loads(open(sys.argv[2]).read())
results = {}
for name, (assignment, source) in answers.items():
    notebook = nbformat.read(os.path.join(notebooks, assignment + ".ipynb"), as_version=4)
    code = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    run = set(code[:1]) | {i for i in code if notebook.cells[i].metadata.get("nbgrader", {}).get("grade_id")
                          or "grading" in notebook.cells[i].metadata.get("tags", [])}
    namespace, failed = {"__name__": "__main__"}, []
    for index in sorted(run):
        cell, meta = notebook.cells[index], notebook.cells[index].metadata.get("nbgrader", {})
        try:
            exec(compile(source if meta.get("solution") else cell.source, f"cell {index}", "exec"), namespace)
        except BaseException as error:
            failed.append(f"{meta.get('grade_id', index)}: {type(error).__name__}: {str(error)[:200]}")
    results[name] = failed
print(json.dumps(results))
'''


def test_wrong_answers_pass_the_visible_tests(tmp_path):
    """So that the hidden checks alone decide what a wrong answer earns (a visible failure stops a
    cell before its hidden part, and the in-process score would then overstate the grade)."""
    answers = {name: (header(path)["assignment"], wrong_part(path)) for name, path in ATTACKS.items()}
    (tmp_path / "answers.json").write_text(json.dumps(answers))
    done = subprocess.run([sys.executable, "-c", VISIBLE_TESTS, str(NOTEBOOKS), str(tmp_path / "answers.json")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert {name: failed for name, failed in results.items() if failed} == {}


# ---------------------------------------------------------------------------------------------
# The batch: scores

def test_every_submission_has_a_row_and_a_page(batch):
    expected = set(batch["cases"])
    assert set(batch["rows"]) == expected, (
        f"missing rows: {sorted(expected - set(batch['rows']))}; extra rows: "
        f"{sorted(set(batch['rows']) - expected)}\n{grader_log(batch)}")
    assert batch["row_count"] == len(expected), "grades.csv holds duplicate rows"
    assert [key for key in expected if not pages(batch, *key)] == []


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attacker_scores_what_its_wrong_answer_earns(batch, untampered, name):
    """A wrong answer earns what it earns untampered, whatever its tamper code does; a detour that
    computes the right numbers itself (a corrected copy handed to the probes) earns them: points
    follow the numbers the submission's code produces, and nothing else."""
    assignment = header(ATTACKS[name])["assignment"]
    row = batch["rows"].get((student_of(name), assignment))
    assert row is not None, f"no row for {student_of(name)}/{assignment}\n{grader_log(batch)}"
    expected = untampered["attackers"][name]
    assert float(row["score"]) == expected, (
        f"{name}: scored {row['score']}, its wrong answer earns {expected:g} untampered "
        f"(status {row['status']}; reason: {row['reason']}; notes: {row['notes']})")


@pytest.mark.parametrize("student,assignment", [(s, a) for s, plan in HONEST.items() for a in plan])
def test_honest_students_keep_their_grades(batch, untampered, student, assignment):
    row = batch["rows"].get((student, assignment))
    assert row is not None, f"no row for {student}/{assignment}\n{grader_log(batch)}"
    expected = untampered["honest"][(student, assignment)]
    assert float(row["score"]) == expected, (
        f"{student}/{assignment}: scored {row['score']}, expected {expected:g} "
        f"(status {row['status']}; reason: {row['reason']}; notes: {row['notes']})")


def test_no_grader_errors(batch):
    errors = {key: row["reason"] for key, row in batch["rows"].items() if row["status"] == "grader-error"}
    assert errors == {}
    assert batch["returncode"] == 0, grader_log(batch)


# ---------------------------------------------------------------------------------------------
# The batch: feedback pages

@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attacker_feedback_leaks_nothing(batch, forbidden, name):
    assignment = header(ATTACKS[name])["assignment"]
    own = {line.strip() for line in ATTACKS[name].read_text().splitlines()}
    for page in pages(batch, student_of(name), assignment):
        text = page_text(page)
        text = text + "\n" + decoded_runs(text)
        canaries = sorted(c for c in forbidden["canaries"] if c in text)
        assert canaries == [], f"{page.name} of {name} holds classmates' canaries {canaries}"
        solutions = sorted(line for line in forbidden["solutions"] - own if line in text)
        assert solutions == [], f"{page.name} of {name} holds solution lines: {solutions[:5]}"
        code = sorted(line for line in forbidden["code"] - own if line in text)
        assert code == [], f"{page.name} of {name} holds {len(code)} lines of grading code: {code[:5]}"


def test_canaries_show_only_on_their_own_page(batch):
    """The canary check can see answer cells (each honest page shows its own canary), and no page of
    anyone else, honest or not, shows it."""
    for (student, assignment), case in batch["cases"].items():
        if not case["honest"]:
            continue
        own_pages = [page_text(page) for page in pages(batch, student, assignment)]
        assert any(case["canary"] in text for text in own_pages), f"{student}/{assignment}: own canary not shown"
        elsewhere = [f"{s}/{a}" for (s, a) in batch["cases"] if (s, a) != (student, assignment)
                     for page in pages(batch, s, a) if case["canary"] in page_text(page)]
        assert elsewhere == [], f"the canary of {student}/{assignment} shows on {elsewhere}"


def test_no_page_reports_a_successful_attack(batch):
    """Attacks print these signs only when they got through: a connection, no containment, a course
    file in sight, code run in another kernel."""
    hits = {}
    for (student, assignment) in batch["cases"]:
        for page in pages(batch, student, assignment):
            text = page_text(page)
            found = [sign for sign in SUCCESS_SIGNS if sign in text]
            if found:
                lines = [line.strip()[:200] for line in text.splitlines() if any(s in line for s in found)]
                hits[f"{student}/{assignment}"] = lines[:5]
    assert hits == {}


def test_tcp_attack_did_not_connect(batch, untampered):
    assignment = header(ATTACKS["tcp_connect"])["assignment"]
    for page in pages(batch, student_of("tcp_connect"), assignment):
        assert SUCCESS_SIGNS[0] not in page_text(page)
    row = batch["rows"].get((student_of("tcp_connect"), assignment))
    assert row is not None and float(row["score"]) == untampered["attackers"]["tcp_connect"], row


def test_feedback_pages_are_small(batch):
    sizes = {str(page.relative_to(batch["out"])): page.stat().st_size
             for page in (batch["out"] / "feedback").rglob("*.html")}
    assert sizes, "no feedback pages at all"
    assert {page: size for page, size in sizes.items() if size >= 2_000_000} == {}


def test_attacker_markup_is_not_live_in_feedback(batch):
    """A TA opens these pages: output HTML from a submission must not run there (stored XSS)."""
    assignment = header(ATTACKS["feedback_xss"])["assignment"]
    live = re.compile(r"<script[^>]*>[^<]*" + XSS_MARK + r"|<[a-z]+[^>]*\son[a-z]+\s*=\s*[\"']?[^>]*"
                      + XSS_MARK + r"|javascript:[^\"'>]*" + XSS_MARK + r"|http-equiv=\"?refresh", re.I)
    for page in pages(batch, student_of("feedback_xss"), assignment):
        raw = page.read_text(errors="replace")
        assert not live.search(raw), f"live markup in {page}: {live.search(raw).group(0)[:200]}"


# ---------------------------------------------------------------------------------------------
# The batch: files and processes

def test_out_unchanged_after_the_grader_exited(batch):
    assert differences(batch["out_at_exit"], batch["out_later"]) == {}


def test_submissions_and_project_byte_identical(batch):
    assert differences(batch["before"]["submissions"], batch["after"]["submissions"]) == {}
    assert differences(batch["before"]["copy"], batch["after"]["copy"]) == {}


def test_no_file_carries_an_attack_tag(batch):
    tagged = []
    for folder in (batch["out"], batch["submissions"], batch["copy"]):
        for path in Path(folder).rglob("*"):
            if path.is_file() and not path.is_symlink() and TAMPER_TAG.encode() in path.read_bytes():
                tagged.append(str(path.relative_to(batch["root"])))
    assert tagged == []


def test_results_and_gradebook_agree_with_the_csv(batch):
    from nbgrader.api import Gradebook, MissingEntry

    disagree = []
    with Gradebook(f"sqlite:///{batch['out'] / 'course' / 'gradebook.db'}") as gradebook:
        for (student, assignment), row in batch["rows"].items():
            result = batch["out"] / "results" / student / f"{assignment}.json"
            saved = json.loads(result.read_text()) if result.exists() else {}
            if isinstance(saved, dict) and isinstance(saved.get("row"), dict) and \
                    float(saved["row"].get("score", -1)) != float(row["score"]):
                disagree.append(f"{student}/{assignment}: results {saved['row'].get('score')} vs csv {row['score']}")
            try:
                score = gradebook.find_submission(assignment, student).score
            except MissingEntry:
                disagree.append(f"{student}/{assignment}: not in the gradebook")
                continue
            if float(score) != float(row["score"]):
                disagree.append(f"{student}/{assignment}: gradebook {score} vs csv {row['score']}")
    assert disagree == []


def test_no_process_survives(batch):
    assert batch["alive"] == []


def test_memory_hog_row_names_the_limit(batch):
    assignment = header(ATTACKS["memory_hog"])["assignment"]
    row = batch["rows"].get((student_of("memory_hog"), assignment))
    assert row is not None, f"no row for the memory hog\n{grader_log(batch)}"
    assert "memory" in (row["reason"] + " " + row["notes"]).lower(), row


def test_memfd_shm_hog_row_names_the_limit(batch):
    """Memory no process maps (a memfd, /dev/shm, SysV shm, a nested tmpfs) still counts."""
    assignment = header(ATTACKS["memfd_shm_hog"])["assignment"]
    row = batch["rows"].get((student_of("memfd_shm_hog"), assignment))
    assert row is not None, f"no row for the memfd/shm hog\n{grader_log(batch)}"
    assert "memory" in (row["reason"] + " " + row["notes"]).lower(), row


# ---------------------------------------------------------------------------------------------
# The batch: the grader's own resources and output

def test_grader_processes_stay_small(batch):
    """The grader and its workers hold at most GRADER_RSS each, whatever kernels send them (frames
    that share one buffer, widget buffers, update_display floods)."""
    assert batch["peaks"], "the grader's processes were never sampled"
    big = {f"pid {pid}: {cmdline}": f"{rss / 2 ** 30:.2f} GiB" for (pid, cmdline), rss in batch["peaks"].items()
           if rss >= GRADER_RSS}
    assert big == {}


def announced_budget(batch):
    """The bound, in seconds, the grader announced for the whole batch ('... at most N s in all'), or None."""
    match = BUDGET.search(batch["log"].read_text(errors="replace"))
    return float(match.group(1)) if match else None


def test_batch_keeps_to_its_announced_budget(batch):
    """Kernels that wedge their own connections or stop reading are given up on in time: the batch
    ends within the bound the grader announces."""
    budget = announced_budget(batch)
    assert budget is not None, f"the grader announced no bound ('... at most N s in all')\n{grader_log(batch)}"
    assert batch["seconds"] <= budget + BUDGET_SLACK, (
        f"the batch took {batch['seconds']:.0f} s, past its {budget:g} s budget\n{grader_log(batch)}")


GRADER_TEMPORARY = ("autograder-", "pymp-")    # autograder-kernel-*, -run-*, -check-*; multiprocessing's


def test_no_grader_temporary_folder_is_left(batch):
    """Every autograder-kernel-* folder (and any other folder the grader made in TMPDIR) is removed,
    even for kernels that were killed, wedged or given up on. (Libraries' caches, such as torch's
    torchinductor_<user>, are not the grader's to remove.)"""
    left = [name for name in batch["scratch_left"] if name.startswith(GRADER_TEMPORARY)]
    assert left == [], f"left in {batch['scratch']}: {left[:20]}"


def test_no_control_characters_in_grades_or_the_table(batch):
    """Reasons quote student-controlled text (exception names and messages): nothing in grades.csv
    or the grader's printed table may move the cursor, clear the screen or overwrite a line."""
    bad = []
    for (student, assignment), row in batch["rows"].items():
        for column, value in row.items():
            if value and CONTROL.search(value):
                bad.append(f"grades.csv {student}/{assignment} {column}: {value[:120]!r}")
    for number, line in enumerate(batch["log"].read_text(errors="replace").splitlines()):
        if CONTROL.search(line):
            bad.append(f"grader output line {number + 1}: {line[:120]!r}")
    assert bad == []


def test_a_kernel_cannot_read_another_kernels_key(batch):
    """keyring_read prints a success sign when it reads the key keyring_plant's kernel added."""
    assignment = header(ATTACKS["keyring_read"])["assignment"]
    for page in pages(batch, student_of("keyring_read"), assignment):
        assert SUCCESS_SIGNS[3] not in page_text(page), f"{page} reports another kernel's key"


def test_update_display_markup_is_not_live_in_feedback(batch):
    """update_display replaces an output's data in place: it must pass the same filter as display()."""
    assignment = header(ATTACKS["update_display_flood"])["assignment"]
    live = re.compile(r"<script[^>]*>[^<]*" + XSS_MARK + r"|<[a-z]+[^>]*\son[a-z]+\s*=\s*[\"']?[^>]*"
                      + XSS_MARK + r"|javascript:[^\"'>]*" + XSS_MARK, re.I)
    found = pages(batch, student_of("update_display_flood"), assignment)
    assert found, f"no page for update_display_flood\n{grader_log(batch)}"
    for page in found:
        raw = page.read_text(errors="replace")
        assert not live.search(raw), f"live markup in {page}: {live.search(raw).group(0)[:200]}"


# ---------------------------------------------------------------------------------------------
# check, on one hostile notebook

def test_check_prints_no_escape_sequences(tmp_path_factory):
    """`check` (what a student or CI runs) exits 1 on ansi_exception's wrong answer, and its output
    holds none of the escape sequences its exceptions carry."""
    assert shutil.which("bwrap"), "bubblewrap (bwrap) is not installed: check cannot sandbox the notebook"
    root = tmp_path_factory.mktemp(SAFE_NAME)
    assignment = header(ATTACKS["ansi_exception"])["assignment"]
    (grade_id,) = solution_answers(assignment)
    notebook = root / f"{assignment}.ipynb"
    write_notebook(notebook, with_answers(assignment, {grade_id: ATTACKS["ansi_exception"].read_text()}))
    (root / "tmp").mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(root / "tmp"))
    done = subprocess.run([sys.executable, "-m", "autograder", "check", str(notebook), "--assignment", assignment],
                          cwd=root, env=env, capture_output=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 1, (done.returncode, output[-3000:])
    assert b"\x1b" not in output, output[-3000:]
    text = output.decode(errors="replace")
    assert [line for line in text.splitlines() if CONTROL.search(line)] == []
