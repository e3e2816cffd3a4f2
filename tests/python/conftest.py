"""Shared by the Python module's tests. CTest runs them with the build tree's package on
PYTHONPATH and NASRUN_BUILD_DIR naming the build folder (tests/CMakeLists.txt)."""
import os
import subprocess

import pytest

BUILD_DIR = os.environ.get("NASRUN_BUILD_DIR", "")
SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def program(name):
    path = os.path.join(BUILD_DIR, name)
    if not os.path.exists(path):
        pytest.fail(f"{path} is not built (NASRUN_BUILD_DIR names the build folder)")
    return path


def error_of(command):
    """The message a program prints after '<program>: error: ' (it must fail)."""
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode != 0, f"{command} succeeded"
    line = result.stderr.splitlines()[0]
    prefix = os.path.basename(command[0]) + ": error: "
    assert line.startswith(prefix), result.stderr
    return line[len(prefix):]


def shared_data():
    """../shared/data beside the checkout (or $NASRUN_SHARED_DATA), or None."""
    path = os.environ.get("NASRUN_SHARED_DATA",
                          os.path.join(os.path.dirname(SOURCE_DIR), "shared", "data"))
    return path if os.path.isdir(path) else None
