# attack: allocate and touch 6 GiB in 256 MiB steps, printing progress (it stops early only if the host itself runs low)
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
import time as _time

_CHUNK = 256 * 2 ** 20
_TARGET = 6 * 2 ** 30


def _host_available():
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 62


_held = []
_start = _time.monotonic()
while len(_held) * _CHUNK < _TARGET:
    if _host_available() < 3 * 2 ** 30:
        # Safety net: a missing memory limit must not take the host down with it.
        print("memory hog: the host is nearly out of memory; stopping at",
              f"{len(_held) * _CHUNK / 2 ** 30:.2f} GiB", flush=True)
        break
    _block = bytearray(_CHUNK)
    _block[::4096] = b"\x01" * len(range(0, _CHUNK, 4096))      # touch every page
    _held.append(_block)
    print(f"memory hog: {len(_held) * _CHUNK / 2 ** 30:.2f} GiB allocated and touched "
          f"after {_time.monotonic() - _start:.1f} s", flush=True)
print("memory hog: done; releasing", f"{len(_held) * _CHUNK / 2 ** 30:.2f} GiB", flush=True)
del _held
