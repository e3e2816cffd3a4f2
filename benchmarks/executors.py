#!/usr/bin/python3
"""Real parallel workers: the evaluations that Random Search runs of tiny live trainings
(Fashion-MNIST at 16x16, 512 training images, C=4, one cell per stage, T=2 of 4 epochs, one
LibTorch thread each) complete in the same real time (--budget-clock real) on one local worker,
two local workers, and MPI with three ranks (two training). Writes
benchmarks/results/executors.csv (one row per executor) and the table of docs/performance.md
made from it, between the marker lines

    <!-- generated table executors: benchmarks/executors.py -->
    <!-- end of generated table executors -->

Usage:
  executors.py BUILD [--seconds 40] [--build-name TEXT]
      measure with BUILD's nas-run (and mpirun for the MPI row), write the CSV, regenerate the
      table; TEXT names the build in the CSV (default: the checkout's commit)
  executors.py --table    regenerate the table from the CSV, measuring nothing
  executors.py --check    change nothing; exit 1 when the table differs from the CSV
"""
import argparse
import csv
import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_tables  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = os.path.join(ROOT, "benchmarks/results/executors.csv")
COLUMNS = ["executor", "ranks", "training_workers", "seconds", "evaluations", "build"]
LIVE = ["--source", "live", "--dataset", "fashion-mnist", "--strategy", "rs", "--seeds", "1",
        "--budget-clock", "real", "--T", "2", "--source-option", "epochs=4",
        "--source-option", "channels=4", "--source-option", "cells=1",
        "--source-option", "image_size=16", "--source-option", "train_subset=512",
        "--source-option", "valid_subset=256", "--source-option", "test_subset=256",
        "--source-option", "threads=1"]


def evaluations(out):
    """The evaluations in a one-run study's trace."""
    (trace,) = glob.glob(os.path.join(out, "traces", "*.csv"))
    lines = open(trace).read().splitlines()
    return sum(1 for line in lines if line and not line.startswith(("#", "evaluation")))


def measure(build, seconds):
    """[(executor, ranks, training workers, evaluations)] of one study each."""
    nas_run = os.path.join(build, "nas-run")
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        sys.exit("executors.py: mpirun is not installed (Debian: openmpi-bin)")
    runs = [("local", 1, 1, [nas_run, "--executor", "local", "--workers", "1"]),
            ("local", 1, 2, [nas_run, "--executor", "local", "--workers", "2"]),
            ("mpi", 3, 2, [mpirun, "--allow-run-as-root", "--oversubscribe", "-np", "3", nas_run,
                           "--executor", "mpi"])]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for executor, ranks, workers, command in runs:
            out = os.path.join(work, f"{executor}{workers}")
            subprocess.run([*command, *LIVE, "--budget", f"{seconds}s", "--out", out], check=True,
                           stdout=subprocess.DEVNULL)
            rows.append((executor, ranks, workers, evaluations(out)))
    return rows


def table():
    with open(CSV, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or list(rows[0].keys()) != COLUMNS:
        raise doc_tables.DocTableError(f"{CSV}: expected the header {','.join(COLUMNS)}")
    one = [r for r in rows if r["executor"] == "local" and r["training_workers"] == "1"]
    if len(one) != 1 or len({r["seconds"] for r in rows}) != 1:
        raise doc_tables.DocTableError(f"{CSV}: expected one row of one local worker, and the "
                                       "same seconds in every row")
    lines = [f"| executor | training workers | evaluations in {rows[0]['seconds']} s | "
             "vs one worker |", "|---|---|---|---|"]
    for r in rows:
        name = f"mpi ({r['ranks']} ranks)" if r["executor"] == "mpi" else r["executor"]
        ratio = int(r["evaluations"]) / int(one[0]["evaluations"])
        lines.append(f"| {name} | {r['training_workers']} | {r['evaluations']} | "
                     f"{'1' if r is one[0] else f'{ratio:.2f}'} |")
    return lines


def main():
    script = "benchmarks/executors.py"
    if sys.argv[1:] == ["--check"]:
        sys.exit(0 if doc_tables.table_matches("executors", script, table(), CSV,
                                               "executors.py --table") else 1)
    if sys.argv[1:] == ["--table"]:
        doc_tables.write_table("executors", script, table())
        return
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("build")
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--build-name")
    args = parser.parse_args()
    build_name = args.build_name or subprocess.run(
        ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
        check=True).stdout.strip()
    rows = measure(args.build, args.seconds)
    with open(CSV, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for executor, ranks, workers, count in rows:
            writer.writerow([executor, ranks, workers, args.seconds, count, build_name])
    doc_tables.write_table("executors", script, table())


if __name__ == "__main__":
    main()
