#!/usr/bin/env python3
"""Merges the results.csv of experiments/multifidelity.sh's studies into one CSV on stdout.

Usage: multifidelity_table.py WORK_DIR [--parts]

WORK_DIR holds one study folder per (part, seeds, workers), named PART-SEEDS-WORKERS. Each row:
(with --parts, the PART first: a study's setting that is not a strategy or evaluator) seeds, workers, strategy, evaluator, the final incumbent test error (mean, bootstrap 95%
interval), the median time to the target error (with its interval), the share of runs that
reached it, and the speed-up over RE + val-final with the same seeds and workers (its median
time to the target divided by this combination's; empty where either is infinite).
"""
import csv
import math
import pathlib
import sys


def main(argv):
    if len(argv) not in (2, 3) or argv[2:] not in ([], ["--parts"]):
        sys.exit(__doc__)
    parts = argv[2:] == ["--parts"]
    rows = []
    for folder in sorted(pathlib.Path(argv[1]).iterdir()):
        if not (folder / "results.csv").is_file():
            continue
        part, seeds, workers = folder.name.rsplit("-", 2)
        with open(folder / "results.csv", newline="") as f:
            for r in csv.DictReader(f):
                rows.append(dict(r, part=part, seeds=int(seeds), workers=int(workers)))
    baseline = {(r["seeds"], r["workers"]): float(r["time_to_target_median_s"])
                for r in rows if r["strategy"] == "re" and r["evaluator"] == "val-final"}
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow((["part"] if parts else []) + [
                  "seeds", "workers", "strategy", "evaluator", "evaluations_per_run",
                  "final_incumbent_test_error", "final_incumbent_test_error_ci95_low",
                  "final_incumbent_test_error_ci95_high", "target_test_error",
                  "time_to_target_median_s", "time_to_target_ci95_low_s",
                  "time_to_target_ci95_high_s", "target_reached_fraction",
                  "speedup_over_re_val_final"])
    order = ["re", "tpe", "rs", "sh", "hyperband", "asha", "asha-stop", "bohb", "one-epoch-topk"]
    rows.sort(key=lambda r: (r["seeds"], r["workers"], r["part"] if parts else "",
                             order.index(r["strategy"])
                             if r["strategy"] in order else len(order), r["evaluator"]))
    for r in rows:
        time = float(r["time_to_target_median_s"])
        base = baseline.get((r["seeds"], r["workers"]), math.inf)
        speedup = f"{base / time:.3f}" if math.isfinite(base) and math.isfinite(time) else ""
        out.writerow(([r["part"]] if parts else []) + [
                      r["seeds"], r["workers"], r["strategy"], r["evaluator"],
                      r["evaluations_per_run"], r["final_incumbent_test_error"],
                      r["final_incumbent_test_error_ci95_low"],
                      r["final_incumbent_test_error_ci95_high"], r["target_test_error"],
                      r["time_to_target_median_s"], r["time_to_target_ci95_low_s"],
                      r["time_to_target_ci95_high_s"], r["target_reached_fraction"], speedup])


if __name__ == "__main__":
    main(sys.argv)
