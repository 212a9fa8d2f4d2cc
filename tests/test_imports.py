"""Importing the package changes nothing in the importing process: its environment (PATH
included), warnings filters, sys.path, working directory, signal handlers, logging and umask stay
as they were. What a module needs changed is changed where it is needed, and put back.

The libraries the package imports may change some of these themselves (torch and numpy add
warnings filters, nbgrader puts setuptools' vendored packages on sys.path): they are imported
first, so only what the package's own modules do is compared."""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Not modules to import: the command line; nbgrader's configuration file in course_root/ (it
# configures the nbgrader process that runs it), the exercises' answer corpora and their tests.
NOT_IMPORTED = ("autograder.__main__",)
NOT_MODULES = ("course_root", "corpus")



def our_modules():
    """Every module of the package, by its file (found without importing anything)."""
    names = []
    for path in sorted((REPO / "autograder").rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name not in NOT_IMPORTED and not set(parts) & set(NOT_MODULES) and not parts[-1].startswith("test_"):
            names.append(name)
    return names


LIBRARIES = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(" ".join(sorted(n for n in sys.modules if n.split(".")[0] != "autograder")))
"""

COMPARE = """
import importlib, json, logging, os, signal, sys, warnings
ours, libraries = sys.argv[1].split(), sys.argv[2].split()
for name in libraries:
    try:
        importlib.import_module(name)
    except Exception:       # a private module that only imports from inside its package
        pass

def state():
    umask = os.umask(0o22)
    os.umask(umask)
    return {"environ": dict(os.environ), "warnings filters": [repr(f) for f in warnings.filters],
            "sys.path": list(sys.path), "cwd": os.getcwd(), "umask": umask,
            "signals": {s.name: repr(signal.getsignal(s)) for s in
                        (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE, signal.SIGHUP)},
            "logging": [logging.root.level, [repr(h) for h in logging.root.handlers]]}

changed = {}
for name in ours:
    before = state()
    importlib.import_module(name)
    after = state()
    moved = [key for key in before if before[key] != after[key]]
    if moved:
        changed[name] = moved
print(json.dumps(changed))
"""


def python(code, *args):
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_importing_the_package_changes_nothing_in_the_process():
    ours = our_modules()
    libraries = python(LIBRARIES, *ours)
    assert json.loads(python(COMPARE, " ".join(ours), libraries)) == {}
