#!/usr/bin/env python3
"""scripts/check_layers.py passes on the real tree and catches what it must: an arrow the table
does not allow (naming the file and line), a room the table does not list, and a table it cannot
read."""
import pathlib
import shutil
import subprocess
import sys
import tempfile

root = pathlib.Path(__file__).resolve().parent.parent
script = root / "scripts" / "check_layers.py"


def check(tree):
    r = subprocess.run([sys.executable, str(script), str(tree)], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


status, out = check(root)
if status != 0:
    fail("the real tree has violations:\n" + out)

with tempfile.TemporaryDirectory() as tmp:
    tree = pathlib.Path(tmp)
    shutil.copytree(root / "src", tree / "src")
    (tree / "docs").mkdir()
    shutil.copy(root / "docs" / "architecture.md", tree / "docs" / "architecture.md")
    # A strategy that reads benchmark data: the arrow the architecture forbids above all.
    strategy = tree / "src" / "search" / "random_search.cpp"
    strategy.write_text('#include "bench/benchmark.hpp"\n' + strategy.read_text())
    status, out = check(tree)
    if status != 1 or "src/search/random_search.cpp:1: search -> bench is not an allowed arrow" not in out:
        fail("a search -> bench include was not reported:\n" + out)
    # A room the table does not list.
    (tree / "src" / "extra").mkdir()
    (tree / "src" / "extra" / "x.cpp").write_text('#include "spaces/search_space.hpp"\n')
    status, out = check(tree)
    if "src/extra: a room that the table in docs/architecture.md does not list" not in out:
        fail("an unlisted room was not reported:\n" + out)
    # No table at all.
    (tree / "docs" / "architecture.md").write_text("# Architecture\n")
    status, out = check(tree)
    if status != 2 or "no '## Allowed arrows' section" not in out:
        fail("a missing table was not reported:\n" + out)
print("check_layers_test: 4 passed, 0 failed")
