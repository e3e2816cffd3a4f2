"""The tables of docs/performance.md that the benchmark scripts generate from their CSVs, each
between its marker lines, "<!-- generated table NAME: SCRIPT -->" and
"<!-- end of generated table NAME -->". One place writes them and checks them (a script's
--check, run by the test suite, fails when a table differs from its CSV)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs/performance.md")


class DocTableError(Exception):
    pass


def with_table(text, name, script, lines):
    """`text` with the lines between table `name`'s markers replaced by `lines`."""
    begin_marker = f"<!-- generated table {name}: {script} -->"
    end_marker = f"<!-- end of generated table {name} -->"
    doc = text.split("\n")
    if begin_marker not in doc or end_marker not in doc or \
            doc.index(end_marker) < doc.index(begin_marker):
        raise DocTableError(f"{DOC}: lacks the marker lines {begin_marker} ... {end_marker}")
    begin, end = doc.index(begin_marker), doc.index(end_marker)
    return "\n".join(doc[:begin + 1] + lines + doc[end:])


def write_table(name, script, lines):
    with open(DOC) as f:
        text = f.read()
    with open(DOC, "w") as f:
        f.write(with_table(text, name, script, lines))
    print("\n".join(lines))


def table_matches(name, script, lines, csv_path, regenerate):
    """Whether the doc's table `name` is `lines`; says so, or how to regenerate it."""
    with open(DOC) as f:
        text = f.read()
    if with_table(text, name, script, lines) != text:
        print(f"{os.path.basename(script)}: the table '{name}' of {DOC} differs from {csv_path}; "
              f"regenerate it ({regenerate})", file=sys.stderr)
        return False
    print(f"{os.path.basename(script)}: the {name} table matches its CSV")
    return True
