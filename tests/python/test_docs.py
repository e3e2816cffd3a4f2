"""docs/python.md's examples run as written: every ```python block, in order, in one namespace,
from an empty folder."""
import os
import re

from conftest import SOURCE_DIR


def python_blocks(path):
    with open(path) as f:
        return re.findall(r"^```python\n(.*?)^```$", f.read(), re.DOTALL | re.MULTILINE)


def test_the_examples_of_docs_python_md_run(tmp_path, monkeypatch):
    blocks = python_blocks(os.path.join(SOURCE_DIR, "docs", "python.md"))
    assert len(blocks) >= 6
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"docs/python.md block {number}", "exec"), namespace)
    assert os.listdir(tmp_path) == []
