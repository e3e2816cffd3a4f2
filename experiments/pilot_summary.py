#!/usr/bin/env python3
"""Summarise a tabulation pilot (issue 5's acceptance criteria) from a nas-run benchmark file.

Reads the file with the standard library only (docs/benchmark-format.md) and prints:
final test accuracy best / median / worst and interquartile range, the median final training
loss, seed noise (mean over the cells trained with several seeds of the standard deviation of
their final test accuracy), and Spearman's rank correlation with final test accuracy of SoTL-E
(E=1) and of validation accuracy at T = T_end / 4. When every cell has several seeds
(`--seeds 0,1,2`), the same gates for the seed-mean final test accuracy, the benchmark's truth:
its interquartile range and its noise (each cell's standard deviation over seeds / sqrt(seeds)).

Usage: pilot_summary.py FILE.nasbench [--T T]
"""
import array
import json
import math
import statistics
import struct
import sys
import zlib

DTYPES = {"u8": "B", "i32": "i", "u64": "Q", "f32": "f", "f64": "d"}


def open_benchmark(path):
    raw = open(path, "rb").read()
    magic, version, header_crc, n = struct.unpack_from("<8sIIQ", raw, 0)
    if magic != b"NASBENCH" or version != 1:
        sys.exit(f"{path}: not a nas-run benchmark file of version 1")
    header = json.loads(raw[24:24 + n])
    data = raw[(24 + n + 63) // 64 * 64:]
    if zlib.crc32(data) != header["data_crc32"]:
        sys.exit(f"{path}: data checksum mismatch")

    def read(a):
        values = array.array(DTYPES[a["dtype"]])
        count = math.prod(a["shape"])
        values.frombytes(data[a["offset"]:a["offset"] + count * values.itemsize])
        return values

    return header, read


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def spearman(x, y):
    return statistics.correlation(ranks(x), ranks(y))


def main():
    path = sys.argv[1]
    header, read = open_benchmark(path)
    table = header["tables"][0]
    S, E = len(table["seeds"]), len(table["recorded_epochs"])
    T = int(sys.argv[sys.argv.index("--T") + 1]) if "--T" in sys.argv else max(1, table["epochs"] // 4)
    rows = read(table["row_of_arch"])
    present = read(table["seed_present"])
    metric = {name: read(a) for name, a in table["metrics"].items()}

    def value(name, row, slot, epoch):
        return metric[name][(row * S + slot) * E + epoch - 1]

    # One row per trained cell (cells of a class share their row).
    trained = sorted({(rows[a], a) for a in range(len(rows)) if rows[a] >= 0})
    seen, cells = set(), []
    for row, arch in trained:
        if row not in seen:
            seen.add(row)
            cells.append((row, arch))
    test, loss, sotle, val = [], [], [], []
    noise, mean_test, mean_noise = [], [], []
    for row, arch in cells:
        slots = [s for s in range(S) if present[arch * S + s]]
        first = slots[0]
        test.append(value("test_acc", row, first, E))
        loss.append(value("train_loss", row, first, E))
        sotle.append(-value("train_loss", row, first, T))
        val.append(value("valid_acc", row, first, T))
        finals = [value("test_acc", row, s, E) for s in slots]
        if len(slots) >= 3:
            noise.append(statistics.stdev(finals))
        mean_test.append(statistics.mean(finals))
        if len(slots) >= 2:
            mean_noise.append(statistics.stdev(finals) / math.sqrt(len(slots)))
    q = statistics.quantiles(test, n=4)
    iqr = q[2] - q[0]
    print(f"{path}: {len(cells)} cells, T_end={table['epochs']}, T={T}")
    print(f"  final test acc best / median / worst: {max(test):.2f} / {statistics.median(test):.2f} / {min(test):.2f}")
    print(f"  interquartile range: {iqr:.2f} points (criterion: >= 2)")
    print(f"  median final training loss: {statistics.median(loss):.3f} (criterion: >= 0.2)")
    if noise:
        # The noise is itself an estimate from a sample of cells: its standard error and the
        # range of the cells' sds say how close to the criterion a result may be called.
        spread = (f", standard error {statistics.stdev(noise) / math.sqrt(len(noise)):.3f}, "
                  f"cells' sds {min(noise):.2f} to {max(noise):.2f}" if len(noise) >= 2 else "")
        print(f"  seed noise (mean sd of test acc over {len(noise)} cells with 3+ seeds): "
              f"{statistics.mean(noise):.3f}{spread} (criterion: <= IQR/3 = {iqr / 3:.3f})")
    if len(mean_noise) == len(cells):
        q = statistics.quantiles(mean_test, n=4)
        print(f"  every cell with several seeds: the seed-mean final test acc has interquartile range "
              f"{q[2] - q[0]:.2f} and noise (mean sd / sqrt(seeds)) {statistics.mean(mean_noise):.3f} "
              f"(criterion: <= IQR/3 = {(q[2] - q[0]) / 3:.3f})")
    print(f"  Spearman with final test acc at T={T}: SoTL-E {spearman(sotle, test):.3f}, "
          f"Val Acc {spearman(val, test):.3f}")
    print(f"  measured training seconds: {header['meta'].get('measured_training_seconds', float('nan')):.0f}")


if __name__ == "__main__":
    main()
