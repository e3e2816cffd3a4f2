#!/usr/bin/python3
"""What a program costs before it does any work: `nas-run --help` and the README's main job (RE
with SoTL-E, 20 seeds, on the embedded benchmark), measured for two builds in the same run,
interleaved: a baseline (e.g. the commit before live training became a plugin) and the build
under test. Writes benchmarks/results/startup.csv (one row per measure and build, its role
baseline or measured) and the table of docs/performance.md made from it, which sits between the
marker lines

    <!-- generated table startup: benchmarks/startup.py -->
    <!-- end of generated table startup -->

Usage:
  startup.py --baseline BUILD --measured BUILD [--baseline-name TEXT] [--measured-name TEXT]
             [--runs 10]
      measure (BUILD: a build folder holding nas-run), write the CSV, regenerate the table
  startup.py --table
      regenerate the table from the CSV, measuring nothing
  startup.py --check
      change nothing; exit 1 when the table differs from what the CSV gives
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_tables  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = os.path.join(ROOT, "benchmarks/results/startup.csv")
COLUMNS = ["measure", "statistic", "unit", "target", "role", "build", "value"]
ROLES = ["baseline", "measured"]
MAIN_JOB = ["--strategy", "re", "--evaluator", "sotle", "--seeds", "20"]


class StartupError(Exception):
    pass


def run(command, env=None):
    """Wall seconds and peak resident memory (MB, the program and the children it waited for)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    # Read to the end first: a program that fills the pipe would otherwise never exit.
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise StartupError(f"{' '.join(command)} failed: {stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024, stderr


def loads_libtorch(command):
    _, _, trace = run(command, dict(os.environ, LD_DEBUG="files"))
    return "yes" if "libtorch" in trace or "libc10" in trace else "no"


def measure(builds, names, runs):
    """Rows of the CSV; each measurement alternates between the builds."""
    scratch = tempfile.mkdtemp(prefix="nasrun-startup-")
    try:
        def job(build, i, *more):
            out = os.path.join(scratch, f"{builds.index(build)}-{i}")
            shutil.rmtree(out, ignore_errors=True)
            return [os.path.join(build, "nas-run"), *MAIN_JOB, *more, "--out", out]

        help_ms = {b: [] for b in builds}
        job_ms = {b: [] for b in builds}
        job_mb = {b: [] for b in builds}
        plot_mb = {b: [] for b in builds}
        for i in range(runs):
            for b in builds:
                help_ms[b].append(run([os.path.join(b, "nas-run"), "--help"])[0] * 1e3)
        for i in range(3):
            for b in builds:
                wall, mb, _ = run(job(b, i))
                job_ms[b].append(wall * 1e3)
                job_mb[b].append(mb)
                plot_mb[b].append(run(job(b, i, "--plot"))[1])
        measures = [
            ("nas-run --help: wall time", f"best of {runs}", "ms", "50",
             [f"{min(help_ms[b]):.1f}" for b in builds]),
            ("main job: peak memory", "largest of 3", "MB", "40",
             [f"{max(job_mb[b]):.1f}" for b in builds]),
            ("main job with --plot (scripts/quickstart.sh): peak memory", "largest of 3", "MB", "",
             [f"{max(plot_mb[b]):.1f}" for b in builds]),
            ("main job: wall time", "best of 3", "ms", "",
             [f"{min(job_ms[b]):.0f}" for b in builds]),
            ("nas-run --help loads LibTorch", "LD_DEBUG=files", "", "no",
             [loads_libtorch([os.path.join(b, "nas-run"), "--help"]) for b in builds]),
            ("main job loads LibTorch", "LD_DEBUG=files", "", "no",
             [loads_libtorch(job(b, 9)) for b in builds]),
        ]
        return [[*m[:4], role, name, value]
                for m in measures for role, name, value in zip(ROLES, names, m[4])]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def read_csv():
    """The build names (baseline, measured) and, per measure, its fields and the two values."""
    try:
        with open(CSV, newline="") as f:
            lines = list(csv.reader(f))
    except OSError as e:
        raise StartupError(f"{CSV}: cannot read it ({e.strerror})")
    if lines[:1] != [COLUMNS]:
        raise StartupError(f"{CSV}: expected the header {','.join(COLUMNS)}")
    names, measures = {}, {}
    for number, line in enumerate(lines[1:], start=2):
        if len(line) != len(COLUMNS):
            raise StartupError(f"{CSV}:{number}: {len(line)} fields, expected {len(COLUMNS)}")
        row = dict(zip(COLUMNS, line))
        if row["role"] not in ROLES or names.setdefault(row["role"], row["build"]) != row["build"]:
            raise StartupError(f"{CSV}:{number}: role '{row['role']}' of build '{row['build']}': "
                               "expected baseline or measured, each one build throughout")
        measures.setdefault(row["measure"], dict(row))[row["role"]] = row["value"]
    for m in measures.values():
        if not all(role in m for role in ROLES):
            raise StartupError(f"{CSV}: '{m['measure']}' needs a baseline and a measured row")
    return [names.get(role) for role in ROLES], list(measures.values())


def ratio(baseline, measured):
    try:
        r = float(measured) / float(baseline)
    except ValueError:
        return "-"
    return f"1 / {1 / r:.0f}" if r < 0.1 else f"{r:.2f}"


def table(names, rows):
    lines = [f"| measure | baseline: {names[0]} | {names[1]} | ratio to the baseline | target |",
             "|---|---|---|---|---|"]
    for r in rows:
        unit = f" {r['unit']}" if r["unit"] else ""
        target = f"under {r['target']}{unit}" if r["target"] and r["unit"] else r["target"] or "-"
        lines.append(f"| {r['measure']} ({r['statistic']}) | {r['baseline']}{unit} | "
                     f"{r['measured']}{unit} | {ratio(r['baseline'], r['measured'])} | {target} |")
    return lines


def main(argv):
    try:
        if argv == ["--check"]:
            return 0 if doc_tables.table_matches("startup", "benchmarks/startup.py", table(*read_csv()),
                                                  CSV, "startup.py --baseline ... --measured ...") else 1
        if argv == ["--table"]:
            doc_tables.write_table("startup", "benchmarks/startup.py", table(*read_csv()))
            return 0
        options = dict(zip(argv[::2], argv[1::2]))
        known = {"--baseline", "--measured", "--baseline-name", "--measured-name", "--runs"}
        if len(argv) % 2 or not {"--baseline", "--measured"} <= options.keys() \
                or not options.keys() <= known:
            print(__doc__, file=sys.stderr)
            return 2
        builds = [options["--baseline"], options["--measured"]]
        names = [options.get("--baseline-name", builds[0]),
                 options.get("--measured-name", builds[1])]
        rows = measure(builds, names, int(options.get("--runs", "10")))
        os.makedirs(os.path.dirname(CSV), exist_ok=True)
        with open(CSV, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([COLUMNS, *rows])
        doc_tables.write_table("startup", "benchmarks/startup.py", table(*read_csv()))
        return 0
    except (StartupError, doc_tables.DocTableError) as e:
        print(f"startup.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
