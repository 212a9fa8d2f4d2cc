"""The limits are declared once (autograder/limits.py): every command that runs kernels takes the
same flags with the same defaults, the sandbox's defaults are theirs, and the README states them."""
import re
from dataclasses import fields
from pathlib import Path

import pytest

from autograder.__main__ import parser
from autograder.limits import DEFAULTS, Limits, flag_fields, from_args
from autograder.sandbox import GiB, SandboxLimits

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
KERNEL_COMMANDS = {"grade": ["subs", "--out", "out"], "check": ["a.ipynb"], "demo": []}
FLAGS = ["--cell-timeout", "--budget", "--memory-gib", "--processes", "--file-gib",
         "--output-chars", "--no-sandbox"]


def options(command):
    sub = parser()._subparsers._group_actions[0].choices[command]
    return {option for action in sub._actions for option in action.option_strings}


@pytest.mark.parametrize("command", KERNEL_COMMANDS)
def test_every_command_that_runs_kernels_takes_every_limit_flag(command):
    assert set(FLAGS) <= options(command)
    args = parser().parse_args([command] + KERNEL_COMMANDS[command])
    assert from_args(args) == DEFAULTS


@pytest.mark.parametrize("command", KERNEL_COMMANDS)
def test_the_flags_set_their_limits(command):
    argv = [command] + KERNEL_COMMANDS[command] + [
        "--cell-timeout", "5", "--budget", "50", "--memory-gib", "0.5", "--processes", "9",
        "--file-gib", "2", "--output-chars", "7", "--no-sandbox"]
    limits = from_args(parser().parse_args(argv))
    assert limits == Limits(cell_timeout=5.0, budget=50.0, memory_gib=0.5, processes=9,
                            file_gib=2.0, output_chars=7, sandbox=False)


def test_only_the_kernel_commands_take_them():
    for command in ("key", "merge", "export", "figures", "release", "check-release"):
        assert not set(FLAGS) & options(command), command


def test_the_sandbox_defaults_are_the_limits_defaults():
    assert SandboxLimits() == DEFAULTS.sandbox_limits()
    assert SandboxLimits().memory_bytes == int(DEFAULTS.memory_gib * GiB)


def test_every_limit_has_help_and_the_flags_are_the_ones_marked():
    assert all(f.metadata["help"] for f in fields(Limits))
    assert [f.name for f in flag_fields()] == ["cell_timeout", "budget", "memory_gib", "processes",
                                               "file_gib", "output_chars", "sandbox"]


def test_a_grader_shares_the_cores_unless_told_a_thread_count():
    assert Limits(threads=3).shared_by(64).threads == 3
    assert Limits().shared_by(10 ** 6).threads == 1


def test_the_readme_states_each_flags_default():
    for f in flag_fields():
        if f.type is bool:
            continue
        found = re.search(rf"`--{f.name.replace('_', '-')}`,\s+([\d,.]+)", README)
        assert found, f"README.md does not state the default of --{f.name}"
        assert float(found.group(1).replace(",", "")) == f.default, f.name
