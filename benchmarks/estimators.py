#!/usr/bin/python3
"""One evaluation through the evaluator (lookup of the epochs it needs, score, cost, truth) for
every registered estimator a search may use, at T = 50 of a synthetic 200-epoch benchmark, and a
whole 20-seed run (Regularised Evolution with SoTL-E, 150 simulated hours) on one thread (the
baseline) and two: bench_estimators (Google Benchmark), in one run. Writes
benchmarks/results/estimators.csv: one row per measurement, its time, and its ratio to the
baseline of its kind (sotle, the paper's estimator; the one-thread run).

The table "estimators" of docs/performance.md is generated from the CSV.

Usage: /usr/bin/python3 benchmarks/estimators.py BUILD
  BUILD: a build folder configured with -DNASRUN_BUILD_BENCHMARKS=ON, holding
         benchmarks/bench_estimators
       /usr/bin/python3 benchmarks/estimators.py --check
  change nothing; exit 1 when the table differs from the CSV"""
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_tables  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = os.path.join(ROOT, "benchmarks/results/estimators.csv")
COLUMNS = ["kind", "name", "seconds", "baseline", "ratio_to_baseline", "evaluations"]
EVALUATE, RUN = "BM_Evaluate/", "BM_TwentySeedRun/"
BASELINE = {"evaluation": "sotle", "run": "1 thread"}


def measure(build):
    rows = []
    for b in doc_tables.benchmark_results(build, "bench_estimators", "estimators.py"):
        # CPU time for one evaluation; real time for the run, whose threads share it.
        if b["name"].startswith(EVALUATE):
            seconds = b["cpu_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3}[b["time_unit"]]
            rows.append(["evaluation", b["name"][len(EVALUATE):], seconds, ""])
        elif b["name"].startswith(RUN):
            threads = b["name"][len(RUN):].split("/")[0]
            seconds = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3}[b["time_unit"]]
            rows.append(["run", f"{threads} thread{'s' if threads != '1' else ''}", seconds,
                         int(b["evaluations"])])
    return rows


def duration(seconds):
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.2f} us" if seconds >= 1e-6 else f"{seconds * 1e9:.0f} ns"


def table():
    with open(CSV, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or list(rows[0].keys()) != COLUMNS:
        raise doc_tables.DocTableError(f"{CSV}: expected the header {','.join(COLUMNS)}")
    lines = ["| measured | time | ratio to its baseline |", "|---|---|---|"]
    for r in rows:
        what = (f"one evaluation, `{r['name']}`" if r["kind"] == "evaluation" else
                f"20-seed run, {r['name']} ({int(r['evaluations']):,} evaluations)")
        lines.append(f"| {what} | {duration(float(r['seconds']))} | "
                     f"{float(r['ratio_to_baseline']):.2f} ({r['baseline']} = 1) |")
    return lines


def main():
    if sys.argv[1:] == ["--check"]:
        sys.exit(0 if doc_tables.table_matches("estimators", "benchmarks/estimators.py",
                                               table(), CSV, "estimators.py BUILD") else 1)
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rows = measure(sys.argv[1])
    baseline = {}
    for kind, name, seconds, _ in rows:
        if name == BASELINE[kind]:
            baseline[kind] = seconds
    if set(baseline) != set(BASELINE):
        sys.exit(f"estimators.py: bench_estimators measured no baseline ({BASELINE})")
    with open(CSV, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for kind, name, seconds, evaluations in rows:
            writer.writerow([kind, name, f"{seconds:.4e}", BASELINE[kind],
                             f"{seconds / baseline[kind]:.3f}", evaluations])
    doc_tables.write_table("estimators", "benchmarks/estimators.py", table())


if __name__ == "__main__":
    main()
