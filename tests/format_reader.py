#!/usr/bin/python3
"""A reader of nas-run's benchmark files written from docs/benchmark-format.md alone (standard
library only), and the test that the page is enough to read one: every value this reader derives
must equal what `nas-bench query --json` prints.

The test (run by CTest):
  1. writes two small NAS-Bench-201 CSV tables (official indices that are not codes, seeds
     partly present, a row with no values, a table without test accuracies, the 12-epoch table's
     seed -1), imports them with `nas-bench import --nb201-csv` and compares every architecture,
     table and seed choice with the query;
  2. compares a sample of the shipped embedded benchmark (data/fashion-mnist-nb201.nasbench),
     shared rows and three-seed classes included, and checks the page's statements about what it
     holds over the whole file (rows shared by classes, params and epoch times, test metrics at
     the last epoch only);
  3. repeats the comparisons with a wrong rule in place of each of three documented ones (the
     value array's dimensions in another order, the code's digits reversed, the architecture's
     index taken for its row) and requires each to be caught, so the comparison can fail.

Usage: format_reader.py NAS_BENCH WORK_DIR   (the nas-bench program; a scratch folder)
"""
import json
import math
import os
import struct
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DTYPES = {"u8": "B", "i32": "i", "u64": "Q", "f32": "f", "f64": "d"}
METRICS = ["train_loss", "train_acc", "valid_loss", "valid_acc", "test_loss", "test_acc",
           "ori_test_loss", "ori_test_acc", "train_time", "eval_time"]
COSTS = ["params", "flops", "latency_s", "epoch_train_time_s", "epoch_eval_time_s"]
OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
EDGE_FROM = [0, 0, 1, 0, 1, 2]
EDGE_TO = [1, 2, 2, 3, 3, 3]

# The documented rules; the test swaps each for a wrong one and expects to notice.
RULES = {"layout": "row-seed-epoch", "digits": "edge 0 least significant", "rows": "row_of_arch"}


class FormatError(Exception):
    pass


def operations(code, rules=RULES):
    digits = [code // 5 ** d % 5 for d in range(6)]
    return digits if rules["digits"] == "edge 0 least significant" else digits[::-1]


def arch_string(code, rules=RULES):
    ops = operations(code, rules)
    text = "|"
    for d in range(6):
        if d > 0 and EDGE_FROM[d] == 0:
            text += "+|"
        text += f"{OPS[ops[d]]}~{EDGE_FROM[d]}|"
    return text


def output_expression(ops):
    value = {0: "x"}
    for node in (1, 2, 3):
        terms = []
        for d in range(6):
            if EDGE_TO[d] != node:
                continue
            source = value[EDGE_FROM[d]]
            if ops[d] == 0 or source == "#":
                terms.append("#")
            elif ops[d] == 1:
                terms.append(source)
            else:
                terms.append(f"({source})@{OPS[ops[d]]}")
        value[node] = "+".join(sorted(terms))
    return value[3]


def class_representatives(rules=RULES):
    """code -> the smallest code with the same output expression."""
    first, out = {}, []
    for code in range(5 ** 6):
        out.append(first.setdefault(output_expression(operations(code, rules)), code))
    return out


class Table:
    def __init__(self, header, read):
        self.dataset, self.schedule = header["dataset"], header["schedule"]
        self.epochs, self.recorded = header["epochs"], header["recorded_epochs"]
        self.seeds, self.truth_metric = header["seeds"], header["truth_metric"]
        self.num_rows = header["num_rows"]
        self.present = read(header["seed_present"])
        self.row_of_arch = read(header["row_of_arch"])
        self.metrics = {m: read(a) for m, a in header["metrics"].items()}
        self.costs = {c: read(a) for c, a in header["costs"].items()}

    def seed_present(self, i, s):
        return self.present[i * len(self.seeds) + s] == 1

    def value(self, metric, i, slot, epoch, rules=RULES):
        """The value, or None where it does not exist; slot None is the mean over seeds."""
        if metric not in self.metrics or epoch not in self.recorded or self.row_of_arch[i] < 0:
            return None
        if slot is None:
            values = [v for v in (self.value(metric, i, s, epoch, rules) for s in range(len(self.seeds)))
                      if v is not None]
            total = 0.0
            for v in values:  # in seed order, in double precision, as the page says
                total += v
            return total / len(values) if values else None
        if not self.seed_present(i, slot):
            return None
        row = self.row_of_arch[i] if rules["rows"] == "row_of_arch" else i
        S, E = len(self.seeds), len(self.recorded)
        c = self.recorded.index(epoch)
        at = (row * S + slot) * E + c if rules["layout"] == "row-seed-epoch" else (row * E + c) * S + slot
        v = self.metrics[metric][at]
        return None if math.isnan(v) else v

    def cost(self, name, i):
        if name not in self.costs or math.isnan(self.costs[name][i]):
            return None
        return self.costs[name][i]


class Benchmark:
    def __init__(self, path):
        raw = open(path, "rb").read()
        if len(raw) < 24:
            raise FormatError(f"{path}: {len(raw)} bytes, shorter than the 24-byte preamble")
        magic, version, header_crc, n = struct.unpack_from("<8sIIQ", raw, 0)
        if magic != b"NASBENCH" or version != 1:
            raise FormatError(f"{path}: magic {magic!r}, version {version}; expected NASBENCH, 1")
        text = raw[24:24 + n]
        if zlib.crc32(text) != header_crc:
            raise FormatError(f"{path}: header checksum mismatch")
        header = json.loads(text)
        start = (24 + n + 63) // 64 * 64
        if raw[24 + n:start] != bytes(start - 24 - n):
            raise FormatError(f"{path}: the header's padding is not zero bytes")
        data = raw[start:]
        if len(data) != header["data_size"] or zlib.crc32(data) != header["data_crc32"]:
            raise FormatError(f"{path}: data section size or checksum mismatch")

        def read(a):
            fmt = DTYPES[a["dtype"]]
            count = math.prod(a["shape"])
            if a["offset"] % 64 or a["offset"] + count * struct.calcsize(fmt) > len(data):
                raise FormatError(f"{path}: array at offset {a['offset']} misaligned or outside")
            return struct.unpack_from(f"<{count}{fmt}", data, a["offset"])

        self.header, self.meta = header, header.get("meta", {})
        if header["space"] != "nb201":
            raise FormatError(f"{path}: space {header['space']!r}, expected nb201")
        self.codes = read(header["arch_codes"])
        self.tables = [Table(t, read) for t in header["tables"]]

    def table(self, dataset, schedule=None):
        found = [t for t in self.tables if t.dataset == dataset and schedule in (None, t.schedule)]
        return max(found, key=lambda t: t.epochs)

    def query(self, i, table, seed=None, rules=RULES, classes=None):
        """What `nas-bench query --index i --dataset D --schedule S [--seed seed] --json`
        prints, or the error it must give (a string)."""
        slot = None
        if seed is not None:
            slot = table.seeds.index(seed)
            if not table.seed_present(i, slot):
                return f"has no run of seed {seed}"
        if not any(table.seed_present(i, s) for s in range(len(table.seeds))):
            return "has no results for index"
        code = self.codes[i]
        classes = classes or class_representatives(rules)
        metrics = [m for m in METRICS if m in table.metrics]
        return {
            "index": i, "arch": arch_string(code, rules), "class": arch_string(classes[code], rules),
            "dataset": table.dataset, "schedule": table.schedule, "epochs": table.epochs,
            "seed": "mean" if seed is None else seed,
            "final": {m: table.value(m, i, slot, table.epochs, rules) for m in metrics},
            "recorded_epochs": table.recorded,
            "curves": {m: [table.value(m, i, slot, e, rules) for e in table.recorded] for m in metrics},
            "costs": {c: table.cost(c, i) for c in COSTS},
        }


# --- The test ---------------------------------------------------------------------------------

FINAL_CSV = """index,arch,dataset,seed,valid_acc,test_acc,valtest_acc,train_time_s,params_m
0,|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|,cifar100,777,70.5,71.25,70.875,3000.5,1.5
0,|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|,cifar100,888,71.3,72.1,71.7,3000.5,1.5
0,|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|,cifar100,999,69.9,,70.1,3000.5,1.5
0,|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|,cifar10-valid,777,91.25,,,1400.25,1.5
1,|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|,cifar100,777,10.5,11.5,11,900,0.07
1,|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|,cifar100,999,12.5,12.25,12.4,900,0.07
1,|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|,cifar10-valid,777,50.5,,,400,0.07
1,|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|,cifar10-valid,888,51.75,,,400,0.07
2,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,cifar100,888,60.25,61.5,60.75,2000,0.8
3,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,cifar100,777,,,,,
3,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,cifar10-valid,888,10,,,300,0.02
4,|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|nor_conv_3x3~2|,cifar10-valid,777,80.5,,,800,0.4
5,|none~0|+|nor_conv_3x3~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_1x1~2|,cifar100,777,65.5,66.5,66,2500,1.1
5,|none~0|+|nor_conv_3x3~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_1x1~2|,cifar100,888,66.25,67.75,67,2500,1.1
"""
HP12_CSV = """index,arch,dataset,valid_acc,test_acc
0,|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|,cifar100,40.5,41.25
2,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,cifar100,35.5,
4,|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|nor_conv_3x3~2|,cifar10-valid,60.75,
"""


class Query:
    """Runs `nas-bench query --json` (each answer once, whatever rule is being tried)."""

    def __init__(self, nas_bench):
        self.nas_bench, self.answers = nas_bench, {}

    def __call__(self, path, i, table, seed):
        key = (path, i, table.dataset, table.schedule, seed)
        if key not in self.answers:
            args = [self.nas_bench, "query", path, "--index", str(i), "--dataset", table.dataset,
                    "--schedule", table.schedule, "--json"]
            if seed is not None:
                args.append(f"--seed={seed}")
            run = subprocess.run(args, capture_output=True, text=True)
            self.answers[key] = json.loads(run.stdout) if run.returncode == 0 else run.stderr
        return self.answers[key]


def compare(query, path, bench, archs, rules=RULES, classes=None):
    """Mismatches between this reader and nas-bench query, as lines."""
    classes = classes or class_representatives(rules)
    wrong = []
    for table in bench.tables:
        for i in archs:
            for seed in [None] + table.seeds:  # the mean, and each seed, present or not
                where = f"{os.path.basename(path)} index {i} {table.dataset}@{table.schedule} seed {seed}"
                try:
                    mine = bench.query(i, table, seed, rules, classes)
                except IndexError:
                    wrong.append(f"{where}: the reader's position lies outside the array")
                    continue
                theirs = query(path, i, table, seed)
                if isinstance(mine, str) or isinstance(theirs, str):
                    if not (isinstance(mine, str) and isinstance(theirs, str) and mine in theirs):
                        wrong.append(f"{where}: reader {str(mine)[:200]!r}, query {str(theirs)[:200]!r}")
                elif mine != theirs:
                    keys = [k for k in theirs if mine.get(k) != theirs[k]]
                    wrong.append(f"{where}: differs in {keys}: reader "
                                 f"{[mine.get(k) for k in keys]!s:.300} query {[theirs[k] for k in keys]!s:.300}")
    return wrong


def check(condition, message):
    if not condition:
        sys.exit(f"format_reader.py: {message}")


def check_nb201_import(bench):
    """The page's statements about an imported NAS-Bench-201 CSV."""
    final = bench.table("cifar100", "200")
    check(final.seeds == [777, 888, 999] and final.recorded == [200] and final.epochs == 200,
          f"cifar100@200 has seeds {final.seeds}, epochs {final.recorded} of {final.epochs}")
    check(bench.table("cifar10-valid").truth_metric == "valid_acc",
          "cifar10-valid's truth is not its validation accuracy")
    check(final.cost("params", 0) == 1.5e6 and final.cost("epoch_train_time_s", 0) == 3000.5 / 200,
          "params or epoch_train_time_s is not params_m x 10^6 or train_time_s / 200")
    check(final.value("ori_test_acc", 0, 1, 200) == struct.unpack("<f", struct.pack("<f", 71.7))[0],
          "ori_test_acc is not the CSV's valtest_acc")
    hp12 = bench.table("cifar100", "12")
    check(hp12.seeds == [-1] and hp12.cost("params", 0) == final.cost("params", 0),
          "the 12-epoch table's seed is not -1 or it lacks the 200-epoch table's params")
    # Index 3's cifar100 row has no values: present, every value missing.
    check(final.seed_present(3, 0) and final.value("valid_acc", 3, None, 200) is None,
          "a CSV row without values is not a present seed with missing values")


def check_embedded(bench, classes):
    """The page's statements about the embedded (tabulated) benchmark, over the whole file."""
    t = bench.tables[0]
    S, E = len(t.seeds), t.epochs
    check(list(bench.codes) == list(range(5 ** 6)), "a tabulated benchmark's index is not its code")
    index = {code: i for i, code in enumerate(bench.codes)}
    rows_of_class = {}
    for i, code in enumerate(bench.codes):
        rep = index[classes[code]]
        rows_of_class.setdefault(classes[code], set()).add(t.row_of_arch[i])
        for name in ("params", "epoch_train_time_s", "epoch_eval_time_s"):
            check(t.cost(name, i) == t.cost(name, rep),
                  f"index {i}: {name} is not its class representative's")
        check([t.seed_present(i, s) for s in range(S)] == [t.seed_present(rep, s) for s in range(S)],
              f"index {i}: its seeds are not its class representative's")
    check(all(len(rows) == 1 for rows in rows_of_class.values()) and
          len(rows_of_class) == t.num_rows == 6466, "rows are not shared by exactly the classes")
    three = 0
    for rep in set(classes):
        present = [s for s in range(S) if t.seed_present(rep, s)]
        check(t.seeds[present[0]] == 0, f"class {rep} lacks seed 0")
        three += len(present) == 3
        for name, metric in (("epoch_train_time_s", "train_time"), ("epoch_eval_time_s", "eval_time")):
            mean = sum(sum(t.value(metric, rep, s, e) for e in range(1, E + 1)) / E
                       for s in present) / len(present)
            check(math.isclose(t.cost(name, rep), mean, rel_tol=1e-6),
                  f"class {rep}: {name} {t.cost(name, rep)} is not the mean of {metric}, {mean}")
        for s in present:
            for m in ("test_acc", "test_loss", "ori_test_acc", "ori_test_loss"):
                check(all(t.value(m, rep, s, e) is None for e in range(1, E)) and
                      t.value(m, rep, s, E) is not None,
                      f"class {rep} seed {t.seeds[s]}: {m} is not at the last epoch only")
            check(t.value("ori_test_acc", rep, s, E) == t.value("test_acc", rep, s, E),
                  f"class {rep}: ori_test_acc is not test_acc")
            for m in ("train_loss", "train_acc", "valid_loss", "valid_acc", "train_time", "eval_time"):
                check(all(t.value(m, rep, s, e) is not None for e in range(1, E + 1)),
                      f"class {rep} seed {t.seeds[s]}: {m} is missing at an epoch")
    check(three == 647, f"{three} classes have three seeds, expected 647")


def embedded_sample(bench, classes):
    """Index 0 and the last, representatives and other members of three-seed classes, and every
    997th architecture."""
    t = bench.tables[0]
    three = [i for i in range(len(bench.codes)) if all(t.seed_present(i, s) for s in range(3))]
    members = [i for i in three if classes[bench.codes[i]] != bench.codes[i]]
    reps = [i for i in three if classes[bench.codes[i]] == bench.codes[i]]
    return sorted({0, len(bench.codes) - 1, *reps[:8], *members[:8], *range(0, len(bench.codes), 997)})


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    nas_bench, work = argv
    os.makedirs(work, exist_ok=True)
    for name, text in (("final.csv", FINAL_CSV), ("hp12.csv", HP12_CSV)):
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    imported = os.path.join(work, "nb201-small.nasbench")
    run = subprocess.run([nas_bench, "import", "--nb201-csv", os.path.join(work, "final.csv"),
                          os.path.join(work, "hp12.csv"), "--out", imported],
                         capture_output=True, text=True)
    check(run.returncode == 0, f"nas-bench import failed: {run.stdout}{run.stderr}")
    embedded_path = os.path.join(ROOT, "data/fashion-mnist-nb201.nasbench")
    small, embedded = Benchmark(imported), Benchmark(embedded_path)
    classes = class_representatives()
    check(len(set(classes)) == 6466, f"{len(set(classes))} isomorphism classes, expected 6466")
    query = Query(nas_bench)
    cases = [(imported, small, range(len(small.codes))),
             (embedded_path, embedded, embedded_sample(embedded, classes))]

    compared = 0
    for path, bench, archs in cases:
        wrong = compare(query, path, bench, archs, RULES, classes)
        check(not wrong, "the reader and nas-bench query disagree:\n" + "\n".join(wrong[:10]))
        compared += len(archs)
    check_nb201_import(small)
    check_embedded(embedded, classes)

    # Each wrong rule must be caught: otherwise the comparison could not tell it from the right one.
    for rule, wrong_value in (("layout", "row-epoch-seed"), ("digits", "edge 5 least significant"),
                              ("rows", "the index")):
        rules = dict(RULES, **{rule: wrong_value})
        wrong_classes = class_representatives(rules)
        caught = any(compare(query, path, bench, archs, rules, wrong_classes)
                     for path, bench, archs in cases)
        check(caught, f"the wrong rule {rule} = {wrong_value!r} went unnoticed")
    print(f"format_reader.py: {compared} architectures read as nas-bench query reads them, "
          f"{len(query.answers)} queries; the page's statements hold; 3 wrong rules caught")


if __name__ == "__main__":
    main(sys.argv[1:])
