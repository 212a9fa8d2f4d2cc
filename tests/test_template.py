"""Warm kernels: a kernel forked from the template is confined exactly as one started cold (its own
namespaces, scratch /tmp, user id, cgroup and seccomp filter), and nothing one kernel does to what it
inherited reaches the next one or the template."""
import json
import os
import tempfile

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.cgroup import Cgroup
from autograder.execute import Limits, run_notebook
from autograder.template import Template

PROBE = r'''
import ctypes, json, math, os, socket, builtins
import numpy, torch
libc = ctypes.CDLL(None, use_errno=True)
try:
    socket.create_connection(("1.1.1.1", 80), timeout=1)
    network = "connected"
except OSError as error:
    network = type(error).__name__
seen = {
    "uid": os.getuid(), "euid": os.geteuid(), "ppid": os.getppid(),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "seccomp": [l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:")][0],
    "no_new_privs": [l.split()[1] for l in open("/proc/self/status") if l.startswith("NoNewPrivs:")][0],
    "cap_eff": [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff:")][0],
    "cap_bnd": [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapBnd:")][0],
    "unshare": libc.unshare(0x10000000), "unshare_errno": ctypes.get_errno(),
    "tmp": sorted(p for p in os.listdir("/tmp") if not p.startswith("autograder-kernel-")),
    "cwd": os.getcwd(), "network": network, "project_visible": os.path.exists(PROJECT + "/autograder/grade.py"),
    "floor": math.floor(2.5), "sgd_step": torch.optim.SGD.step.__module__,
    "tampered": hasattr(builtins, "TAMPERED"), "env": os.environ.get("TAMPERED"),
    "numpy_sum": float(numpy.sum(numpy.ones(3))), "threads": len(os.listdir("/proc/self/task")) >= 1,
}
print("SEEN " + json.dumps(seen))
'''

TAMPER = r'''
import builtins, math, os, sys, numpy, torch
builtins.TAMPERED = True
math.floor = lambda x: 42
torch.optim.SGD.step = lambda self, closure=None: None
numpy.sum = lambda *a, **k: -1.0
os.environ["TAMPERED"] = "yes"
sys.modules["torch"].__dict__["TAMPERED"] = True
open("/tmp/left-behind", "w").write("by the previous kernel")
print("TAMPERED", math.floor(2.5))
'''


@pytest.fixture(scope="module")
def template():
    if os.geteuid() != 0:
        pytest.skip("warm kernels need root (a user id of its own per kernel)")
    probe = Cgroup.create("probe")
    if probe is None:
        pytest.skip(f"this machine cannot give the grader a cgroup: {Cgroup.unavailable}")
    probe.remove()
    folder = tempfile.mkdtemp(prefix="template-test-", dir="/tmp")
    made = Template(folder)
    made.wait_ready()
    yield made
    made.close()
    assert made.process.poll() is not None


def run_cells(sources, template=None, **limits):
    notebook = new_notebook(cells=[new_code_cell(s) for s in sources])
    execution = run_notebook(notebook, Limits(**limits), template=template)
    return notebook, execution


def seen(notebook, index):
    for output in notebook.cells[index].outputs:
        if output.get("output_type") == "stream" and "SEEN " in output.get("text", ""):
            return json.loads(output["text"].split("SEEN ", 1)[1])
    raise AssertionError(f"cell {index} printed nothing: {notebook.cells[index].outputs}")


def probe_source():
    return f"PROJECT = {str(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))!r}\n" + PROBE


def test_a_warm_kernel_is_confined_as_a_cold_one(template):
    warm_notebook, warm = run_cells([probe_source()], template=template.socket_path)
    cold_notebook, cold = run_cells([probe_source()])
    assert "warm kernel" in warm.enforcement and "warm kernel" not in cold.enforcement
    got, want = seen(warm_notebook, 0), seen(cold_notebook, 0)
    assert got["uid"] == got["euid"] and 60000 <= got["uid"] < 62000
    assert got["ppid"] == 0 and max(got["pids"]) < 20       # its own PID namespace
    assert got["seccomp"] == "2" and got["no_new_privs"] == "1"
    assert got["cap_eff"] == "0000000000000000" and got["cap_bnd"] == "0000000000000000"
    assert got["unshare"] == -1 and got["unshare_errno"] == 1      # EPERM: nested user namespace
    assert got["network"] != "connected" and not got["project_visible"]
    for key in ("seccomp", "no_new_privs", "cap_eff", "cwd", "unshare", "unshare_errno", "network",
                "project_visible", "floor", "sgd_step", "tmp"):
        assert got[key] == want[key], (key, got[key], want[key])


def test_tampering_with_what_a_kernel_inherited_reaches_no_later_kernel(template):
    tampered, _ = run_cells([TAMPER], template=template.socket_path)
    assert "TAMPERED 42" in tampered.cells[0].outputs[0]["text"]
    later, _ = run_cells([probe_source()], template=template.socket_path)
    got = seen(later, 0)
    assert got["floor"] == 2 and got["sgd_step"] == "torch.optim.sgd"
    assert not got["tampered"] and got["env"] is None and got["numpy_sum"] == 3.0
    assert "left-behind" not in got["tmp"], "the scratch /tmp of an earlier kernel is visible"
    assert template.process.poll() is None


def test_a_warm_kernel_past_its_memory_limit_is_stopped_and_named(template):
    notebook, execution = run_cells(["import numpy\nx = numpy.ones(600 * 2**20 // 8)\nprint('survived')"],
                                    template=template.socket_path, memory_gib=0.5)
    kinds = [i.kind for i in execution.incidents]
    assert kinds == ["limit"], (kinds, notebook.cells[0].outputs)
    assert "memory limit" in execution.incidents[0].message
    assert template.process.poll() is None


def test_a_kernel_that_exits_ends_its_sandbox_and_the_next_cell_restarts(template):
    notebook, execution = run_cells(["import os\nos._exit(3)", "print('after restart')"],
                                    template=template.socket_path)
    assert [i.kind for i in execution.incidents] == ["kernel died"]
    assert "after restart" in notebook.cells[1].outputs[0]["text"]


def test_kernels_leave_no_process_behind_the_template(template):
    import psutil

    run_cells(["import subprocess\nsubprocess.Popen(['sleep', '300'])\nprint('started')"],
              template=template.socket_path)
    children = psutil.Process(template.process.pid).children(recursive=True)
    assert [c for c in children if c.status() != psutil.STATUS_ZOMBIE] == []


def test_a_warm_kernel_shows_a_cold_kernels_command_line(template):
    """Code that finds its connection file in /proc/self/cmdline (as kernels are started) finds it."""
    notebook, _ = run_cells(["print(open('/proc/self/cmdline', 'rb').read().split(b'\\0')[1:4])"],
                            template=template.socket_path)
    assert "[b'-m', b'ipykernel_launcher', b'-f']" in notebook.cells[0].outputs[0]["text"]
