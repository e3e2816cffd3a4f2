#!/usr/bin/python3
"""How far the embedded benchmark's early validation metrics lag its training metrics.

With 2,048 training images in batches of 256, an epoch is 8 SGD steps, and batch normalisation's
running statistics (momentum 0.1), which the validation pass uses, still carry 0.9^8 = 43% of
their initial values after the first epoch while the weights move fast (learning rate 0.1). The
training loss is measured with each batch's own statistics and does not lag. This script counts,
per epoch, the classes whose validation metrics show the lag, from the benchmark file alone
(docs/benchmark-format.md), and writes one CSV row per epoch (seed 0 unless a column says
otherwise; each class counted once, through the row its cells share):

  train_loss_median, valid_loss_median   medians over the classes
  valid_loss_above_10                     classes with a validation loss above 10 at that epoch
  valid_loss_above_10_by_epoch            ... at some epoch up to that one
  valid_loss_above_10_by_epoch_any_seed   ... with any of their training seeds
  valid_acc_at_chance_while_fitting       classes whose validation accuracy is below 15% (chance
                                          is 10%) while their training accuracy of the same
                                          epoch is at least 40%
  valid_acc_at_chance_while_fitting_top_decile   of those, classes in the top tenth by final
                                          test accuracy
  rho_valid_acc, rho_train_loss           Spearman's rho with the final test accuracy of the
                                          validation accuracy at that epoch (Val Acc at T) and
                                          of the negated training loss (SoTL-E, E=1)
  rho_valid_acc_without_chance, rho_train_loss_without_chance   the same without the classes
                                          at chance while fitting: what the lag costs

Usage: bn_lag.py [FILE] [--out CSV] [--check]
  FILE defaults to data/fashion-mnist-nb201.nasbench, CSV to
  experiments/results/fashion-mnist/bn_lag.csv; --check compares instead of writing and exits 1
  when the committed CSV differs from what the file gives.
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pilot_summary import open_benchmark, spearman  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = ["epoch", "train_loss_median", "valid_loss_median", "valid_loss_above_10",
           "valid_loss_above_10_by_epoch", "valid_loss_above_10_by_epoch_any_seed",
           "valid_acc_at_chance_while_fitting", "valid_acc_at_chance_while_fitting_top_decile",
           "rho_valid_acc", "rho_valid_acc_without_chance", "rho_train_loss",
           "rho_train_loss_without_chance"]


def lag_table(path):
    header, read = open_benchmark(path)
    table = header["tables"][0]
    S, E = len(table["seeds"]), len(table["recorded_epochs"])
    if table["recorded_epochs"] != list(range(1, table["epochs"] + 1)):
        sys.exit(f"{path}: needs every epoch recorded, has {table['recorded_epochs']}")
    seed0 = table["seeds"].index(0)
    rows = read(table["row_of_arch"])
    present = read(table["seed_present"])
    metric = {name: read(table["metrics"][name])
              for name in ("train_loss", "valid_loss", "train_acc", "valid_acc", "test_acc")}
    # One architecture per stored row: the class's shared results.
    first_arch = {}
    for arch, row in enumerate(rows):
        if row >= 0:
            first_arch.setdefault(row, arch)
    classes = [(row, arch) for row, arch in sorted(first_arch.items()) if present[arch * S + seed0]]

    def value(name, row, slot, epoch):
        return metric[name][(row * S + slot) * E + epoch - 1]

    by_final = sorted(classes, key=lambda c: -value("test_acc", c[0], seed0, E))
    top_decile = {row for row, _ in by_final[:len(by_final) // 10]}
    above_by, above_any_by = set(), set()
    out = []
    for epoch in range(1, E + 1):
        above = {row for row, _ in classes if value("valid_loss", row, seed0, epoch) > 10}
        above_by |= above
        above_any_by |= {row for row, arch in classes for s in range(S)
                         if present[arch * S + s] and value("valid_loss", row, s, epoch) > 10}
        chance = {row for row, _ in classes if value("valid_acc", row, seed0, epoch) < 15
                  and value("train_acc", row, seed0, epoch) >= 40}

        def rho(metric, sign, rows):
            return "%.4f" % spearman([sign * value(metric, r, seed0, epoch) for r in rows],
                                     [value("test_acc", r, seed0, E) for r in rows])

        all_rows = [row for row, _ in classes]
        kept = [row for row in all_rows if row not in chance]
        out.append([epoch,
                    "%.4f" % statistics.median(value("train_loss", r, seed0, epoch) for r, _ in classes),
                    "%.4f" % statistics.median(value("valid_loss", r, seed0, epoch) for r, _ in classes),
                    len(above), len(above_by), len(above_any_by), len(chance),
                    len(chance & top_decile),
                    rho("valid_acc", 1, all_rows), rho("valid_acc", 1, kept),
                    rho("train_loss", -1, all_rows), rho("train_loss", -1, kept)])
    return ",".join(COLUMNS) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in out)


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    check = "--check" in argv
    if "--out" in argv:
        out = argv[argv.index("--out") + 1]
        args.remove(out)
    else:
        out = os.path.join(ROOT, "experiments/results/fashion-mnist/bn_lag.csv")
    path = args[0] if args else os.path.join(ROOT, "data/fashion-mnist-nb201.nasbench")
    csv = lag_table(path)
    if check:
        committed = open(out).read() if os.path.exists(out) else ""
        if committed != csv:
            sys.exit(f"{out} differs from what {path} gives; rerun experiments/bn_lag.py")
        print(f"{out} matches {path}")
        return
    with open(out + ".tmp", "w") as f:
        f.write(csv)
    os.replace(out + ".tmp", out)
    print(csv, end="")


if __name__ == "__main__":
    main(sys.argv[1:])
