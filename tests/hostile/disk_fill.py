# attack: write a 2 GiB file into cwd, the temp dir, /tmp and /dev/shm, printing progress (each removed afterwards)
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
import tempfile as _tempfile

_BLOCK = _os.urandom(16 * 2 ** 20)
_TARGET = 2 * 2 ** 30
_folders = []
for _folder in (_os.getcwd(), _tempfile.gettempdir(), "/tmp", "/dev/shm"):
    try:
        _real = _os.path.realpath(_folder)
    except OSError:
        continue
    if _real not in _folders and _os.path.isdir(_real):
        _folders.append(_real)
for _folder in _folders:
    _path = _os.path.join(_folder, f".hostile-fill-{_os.getpid()}.bin")
    _written = 0
    try:
        with open(_path, "wb") as _handle:
            while _written < _TARGET:
                _handle.write(_BLOCK)
                _written += len(_BLOCK)
                if _written % (256 * 2 ** 20) == 0:
                    print(f"disk fill: {_written / 2 ** 20:.0f} MiB in {_folder}", flush=True)
            _handle.flush()
            _os.fsync(_handle.fileno())
        print(f"disk fill: wrote the whole 2 GiB to {_folder}", flush=True)
    except OSError as _error:
        print(f"disk fill: stopped after {_written / 2 ** 20:.0f} MiB in {_folder}: {type(_error).__name__}: {_error}",
              flush=True)
    finally:
        try:
            _os.remove(_path)
        except OSError:
            pass
