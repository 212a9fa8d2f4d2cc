"""The sandbox's mounts: what a kernel sees wherever the Python environment lives."""
import os
import subprocess
import tempfile
from pathlib import Path

from autograder import sandbox as sandbox_module
from autograder.sandbox import Sandbox


def test_an_environment_under_tmp_stays_visible_over_the_scratch_tmpfs(monkeypatch):
    """A venv under /tmp (a clone in a temporary folder) must not be hidden by the kernel's own /tmp."""
    venv = Path(tempfile.mkdtemp(prefix="venv-under-tmp-", dir="/tmp"))
    os.chmod(venv, 0o755)
    (venv / "marker").write_text("visible\n")
    os.chmod(venv / "marker", 0o644)
    real = sandbox_module._python_prefixes
    monkeypatch.setattr(sandbox_module, "_python_prefixes", lambda: real() + [str(venv)])
    box = Sandbox()
    try:
        seen = subprocess.run(box.command(["/bin/sh", "-c", f"cat {venv}/marker && touch /tmp/scratch-ok && echo writable"]),
                              env=box.environment(), capture_output=True, text=True, timeout=60)
    finally:
        box.close()
    assert seen.stdout.split() == ["visible", "writable"], seen.stderr
