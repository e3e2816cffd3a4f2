#!/usr/bin/env python3
"""Two commits' Google Benchmark results side by side (benchmarks/compare_commits.sh).

    compare_table.py --csv WORK BASELINE_SHA ROUNDS PROGRAM...   the CSV from the JSON outputs
    compare_table.py --markdown CSV                               the table docs/performance.md
                                                                  shows, from that CSV

Each benchmark's time is the median over the rounds of its real time; the ratio is this tree's
time over the baseline's (below 1: faster now).
"""
import csv
import json
import statistics
import sys


def times(path):
    with open(path) as f:
        data = json.load(f)
    return {b["name"]: b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
            for b in data["benchmarks"] if b.get("run_type", "iteration") == "iteration"}


def write_csv(work, baseline, rounds, programs):
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["program", "benchmark", "baseline_commit", "baseline_s", "current_s", "ratio"])
    for program in programs:
        sides = {}
        for side in ("baseline", "current"):
            runs = []
            for r in range(1, int(rounds) + 1):
                try:
                    runs.append(times(f"{work}/{side}-{program}-{r}.json"))
                except (OSError, ValueError):
                    pass  # a program that could not run (no shared data) has no rows
            sides[side] = runs
        if not sides["baseline"] or not sides["current"]:
            continue
        for name in sides["current"][0]:
            base = [r[name] for r in sides["baseline"] if name in r]
            cur = [r[name] for r in sides["current"] if name in r]
            if not base or not cur:
                continue
            b, c = statistics.median(base), statistics.median(cur)
            out.writerow([program, name, baseline[:12], f"{b:.6g}", f"{c:.6g}", f"{c / b:.3f}"])


def write_markdown(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    print("| program | benchmark | baseline | now | ratio now / baseline |")
    print("|---|---|---|---|---|")
    for r in rows:
        def fmt(s):
            v = float(s)
            for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
                if v >= scale:
                    return f"{v / scale:.3g} {unit}"
            return f"{v / 1e-9:.3g} ns"
        print(f"| {r['program']} | `{r['benchmark']}` | {fmt(r['baseline_s'])} | "
              f"{fmt(r['current_s'])} | {r['ratio']} |")


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "--csv":
        write_csv(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    elif len(sys.argv) == 3 and sys.argv[1] == "--markdown":
        write_markdown(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
