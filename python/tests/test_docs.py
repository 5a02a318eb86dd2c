"""The examples of docs/python.md, run in order in one namespace (in a scratch folder): the
documentation cannot drift from what the package does."""
import os
import re

from conftest import SOURCE_DIR


def test_python_md_examples_run(tmp_path):
    text = (SOURCE_DIR / "docs" / "python.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 6, "docs/python.md lost its examples"
    namespace = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for i, block in enumerate(blocks):
            exec(compile(block, f"docs/python.md example {i + 1}", "exec"), namespace)
    finally:
        os.chdir(cwd)
    assert namespace["accuracy"] > 0.8
    assert namespace["report"]["compression_ratio"] > 10
    assert (tmp_path / "lenet5_deep_coded.qfm").stat().st_size < (tmp_path / "lenet5_deep.qfm").stat().st_size
