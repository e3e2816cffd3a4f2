#!/usr/bin/python3
"""experiments/tables.py refuses what would put wrong numbers in the docs: a CSV header that
names a column twice (results.csv's two "se" columns, of which a reader by name took the
best-seen architecture's standard error for the incumbent's), a table that differs from its CSVs,
a broken marker. It works on a copy of the docs and CSVs, so the checkout is never touched."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ["experiments/README.md", "docs/results-nb201.md", "docs/embedded-benchmark.md"]


def tables(root, *args):
    run = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "experiments/tables.py"),
                          "--root", root, *args], capture_output=True, text=True)
    return run.returncode, run.stdout + run.stderr


def edit(path, old, new):
    with open(path) as f:
        text = f.read()
    assert old in text, f"{path} lacks {old!r}"
    with open(path, "w") as f:
        f.write(text.replace(old, new, 1))


def expect(root, fragments, *args):
    status, output = tables(root, "--check", *args)
    if status == 0 or not all(f in output for f in fragments):
        sys.exit(f"expected --check to fail naming {fragments}, got status {status}:\n{output}")


def main():
    with tempfile.TemporaryDirectory() as root:
        for rel in DOCS + [os.path.relpath(p, ROOT) for p in
                           glob.glob(os.path.join(ROOT, "experiments/results/**/*.csv"), recursive=True)]:
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            shutil.copy(os.path.join(ROOT, rel), os.path.join(root, rel))
        status, output = tables(root, "--check")
        if status != 0:
            sys.exit(f"the copy of the checkout fails the check:\n{output}")

        # The old results.csv header: two columns called "se".
        fig6 = os.path.join(root, "experiments/results/fashion-mnist/fig6.csv")
        edit(fig6, "final_incumbent_test_error_se", "se")
        edit(fig6, "final_best_test_error_se", "se")
        expect(root, ["experiments/results/fashion-mnist/fig6.csv", "column(s) se more than once"])
        shutil.copy(os.path.join(ROOT, "experiments/results/fashion-mnist/fig6.csv"), fig6)

        # The README's old mistake: the best-seen standard error in the incumbent's place.
        readme = os.path.join(root, "experiments/README.md")
        edit(readme, "| RE | 19.54 +- 0.19 /", "| RE | 19.54 +- 0.06 /")
        expect(root, ["experiments/README.md", "table 'search-embedded' differs", "19.54 +- 0.19"])
        # Regenerating repairs it.
        status, output = tables(root)
        if status != 0 or tables(root, "--check")[0] != 0:
            sys.exit(f"regenerating did not repair the table:\n{output}")

        edit(readme, "<!-- end of generated table rank-pilot -->\n", "")
        expect(root, ["experiments/README.md", "table 'rank-pilot' has no end marker"])
    print("tables.py refuses duplicate columns, drifted tables and broken markers")


if __name__ == "__main__":
    main()
