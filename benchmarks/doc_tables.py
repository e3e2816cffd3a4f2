"""The tables of docs/performance.md that the benchmark scripts generate from their CSVs, each
between its marker lines, "<!-- generated table NAME: SCRIPT -->" and
"<!-- end of generated table NAME -->". One place writes them and checks them (a script's
--check, run by the test suite, fails when a table differs from its CSV)."""
import json
import os
import subprocess
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


def benchmark_results(build, program, script):
    """The results of Google Benchmark program `program` of BUILD/benchmarks, as its JSON lists
    them; exits naming `script` when BUILD lacks the program."""
    path = os.path.join(build, "benchmarks", program)
    if not os.access(path, os.X_OK):
        sys.exit(f"{script}: no {path}; configure BUILD with -DNASRUN_BUILD_BENCHMARKS=ON and "
                 f"build {program}")
    out = subprocess.run([path, "--benchmark_format=json"], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)["benchmarks"]


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
