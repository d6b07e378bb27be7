"""The documentation is the interface: every command and option is documented, and every
command of the README runs on the shipped samples."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
import typer.main

from pipeline.cli import app
from pipeline.config import project_root

ROOT = project_root()


def documented() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))


def commands(group, prefix=""):
    for name, command in group.commands.items():
        full = f"{prefix} {name}".strip()
        if hasattr(command, "commands"):
            yield from commands(command, full)
        else:
            yield full, command


def test_every_command_and_option_is_documented():
    text = documented()
    missing = []
    for name, command in commands(typer.main.get_command(app)):
        if f"stance {name}" not in text:
            missing.append(f"stance {name}")
        missing += [f"stance {name} {o}" for p in command.params for o in p.opts
                    if o.startswith("--") and o != "--help" and o not in text]
    assert not missing, missing


def test_readme_is_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8")) <= 8000


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", text, re.S)
    return [line.split("  #")[0].strip() for block in blocks for line in block.splitlines() if line.startswith("stance ")]


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command, tmp_path, stance_pipeline):
    args = shlex.split(command)[1:]
    for flag in ("-o", "--plot"):  # outputs go to a temporary folder, never into the checkout
        while flag in args and not args[args.index(flag) + 1].startswith(str(tmp_path)):
            i = args.index(flag) + 1
            args[i] = str(tmp_path / args[i])
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
