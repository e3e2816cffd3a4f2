#!/usr/bin/python3
"""The Python module's costs: opening a benchmark (the imported NAS-Bench-201 table and the
embedded one) in a fresh interpreter, time and resident memory; curves() over every table and
metric (what it allocates against the size of what it views); one query; and a strategy
written in Python inside the C++ runner, per ask + tell, against the same strategy in C++ and
against optuna's own RandomSampler loop, as ratios from one run. Writes
benchmarks/results/python.csv and the table of docs/performance.md between

    <!-- generated table python: benchmarks/python_bench.py -->
    <!-- end of generated table python -->

Usage:
  python_bench.py BUILD [--nb201 FILE]
      measure with BUILD's module (BUILD/python) and nas-bench; FILE is the imported NB201
      table (default: imported from ../shared/data/nb201 into a temporary folder)
  python_bench.py --table     regenerate the table from the CSV, measuring nothing
  python_bench.py --check     change nothing; exit 1 when the table differs from the CSV
"""
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_tables  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = os.path.join(ROOT, "benchmarks/results/python.csv")
COLUMNS = ["measure", "statistic", "unit", "target", "value"]
PYTHON = "/usr/bin/python3"

# Each measure runs in a fresh interpreter that prints one JSON document.
OPEN = """
import json, resource, sys, time
import nasrun
def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
before = rss_mb()
start = time.perf_counter()
b = nasrun.open_benchmark(sys.argv[1], verify_checksum=sys.argv[2] == "1")
ms = (time.perf_counter() - start) * 1e3
print(json.dumps({"ms": ms, "rss_mb": rss_mb(), "growth_mb": rss_mb() - before}))
"""

CURVES = """
import json, sys, tracemalloc
import numpy as np
import nasrun
def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
b = nasrun.open_benchmark(sys.argv[1])
before = rss_mb()
tracemalloc.start()
arrays = [b.curves(t.dataset, m, t.schedule) for t in b.tables for m in t.metrics]
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({"arrays": len(arrays), "viewed_mb": sum(a.nbytes for a in arrays) / 2**20,
                  "traced_kb": peak / 1024, "growth_mb": rss_mb() - before}))
"""

QUERY = """
import json, random, sys, timeit
import nasrun
b = nasrun.open_benchmark(sys.argv[1])
dataset = sys.argv[2]
rng = random.Random(0)
indices = [rng.randrange(len(b)) for _ in range(1000)]
strings = [b.arch(i) for i in indices]
def per_call_us(f, items):
    runs = [timeit.timeit(lambda: [f(x) for x in items], number=20) for _ in range(5)]
    return min(runs) / (20 * len(items)) * 1e6
print(json.dumps({
    "index_us": per_call_us(lambda i: b.query(i, dataset), indices),
    "string_us": per_call_us(lambda s: b.query(s, dataset), strings),
    "index_of_us": per_call_us(b.index, strings)}))
"""

STRATEGY = """
import json, random, time
import optuna
import nasrun
import nasrun.optuna_strategies

EVALUATIONS, SEEDS = 2000, 2

class RandomSearch:
    def __init__(self, context):
        self.size = context.space.size
        self.rng = random.Random(context.seed)
        self.initial = context.initial_architectures()
    def ask(self):
        return self.initial.pop(0) if self.initial else self.rng.randrange(self.size)
    def tell(self, arch, score):
        pass

nasrun.register_strategy("py-rs", RandomSearch)

def per_evaluation_us(strategy):
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        s = nasrun.run_study(strategy=strategy, seeds=SEEDS, budget="1000000x",
                             max_evaluations=EVALUATIONS, threads=1)
        wall = time.perf_counter() - start
        evaluations = s["combinations"][0]["evaluations_per_run"]["mean"] * SEEDS
        best = min(best, wall / evaluations * 1e6)
    return best

# optuna's own loop: RandomSampler's ask/tell over the same space, scored by the same evaluator.
def optuna_loop_us():
    space = nasrun.Space()
    dims = space.dimensions
    evaluator = nasrun.Evaluator("sotle", seed=0)
    start = time.perf_counter()
    for seed in range(SEEDS):
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
        for _ in range(EVALUATIONS):
            trial = study.ask()
            arch = space.encode([names.index(trial.suggest_categorical(name, names))
                                 for name, names in dims])
            study.tell(trial, evaluator.evaluate(arch)["score"])
    return (time.perf_counter() - start) / (SEEDS * EVALUATIONS) * 1e6

result = {name: per_evaluation_us(name) for name in ["rs", "py-rs", "optuna-random"]}
result["optuna-loop"] = optuna_loop_us()
print(json.dumps(result))
"""


class BenchError(Exception):
    pass


def measure_in(build, script, *args):
    env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"))
    result = subprocess.run([PYTHON, "-c", script, *args], capture_output=True, text=True,
                            env=env)
    if result.returncode != 0:
        raise BenchError(f"a measurement failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def nb201_table(build, scratch):
    data = os.path.join(os.path.dirname(ROOT), "shared", "data", "nb201")
    out = os.path.join(scratch, "nb201.nasbench")
    subprocess.run([os.path.join(build, "nas-bench"), "import", "--nb201-csv",
                    os.path.join(data, "nb201_final.csv"),
                    os.path.join(data, "nb201_hp12_mean.csv"), "--out", out],
                   check=True, capture_output=True)
    return out


def measure(build, nb201):
    embedded = os.path.join(ROOT, "data", "fashion-mnist-nb201.nasbench")
    rows = []
    for label, path in [("NB201 table", nb201), ("embedded benchmark", embedded)]:
        size_mb = os.path.getsize(path) / 2**20
        for verify, how in [("1", "checksum verified"), ("0", "checksum skipped")]:
            runs = [measure_in(build, OPEN, path, verify) for _ in range(10)]
            rows.append([f"open the {label} ({size_mb:.1f} MB), {how}: time", "median of 10",
                         "ms", "10", f"{statistics.median(r['ms'] for r in runs):.3f}"])
            rows.append([f"open the {label}, {how}: resident memory of the interpreter",
                         "largest of 10", "MB", "100", f"{max(r['rss_mb'] for r in runs):.1f}"])
            rows.append([f"open the {label}, {how}: resident memory added by opening",
                         "largest of 10", "MB", "", f"{max(r['growth_mb'] for r in runs):.2f}"])
        c = measure_in(build, CURVES, path)
        rows.append([f"curves() of every table and metric of the {label}: size viewed",
                     f"{c['arrays']} arrays", "MB", "", f"{c['viewed_mb']:.1f}"])
        rows.append([f"curves() of every table and metric of the {label}: Python allocations",
                     "tracemalloc peak", "KB", "", f"{c['traced_kb']:.1f}"])
        rows.append([f"curves() of every table and metric of the {label}: resident memory added",
                     "VmRSS", "MB", "", f"{c['growth_mb']:.2f}"])
    q = measure_in(build, QUERY, nb201, "cifar100")
    rows.append(["query(index, 'cifar100') on the NB201 table: every metric and cost as a dict",
                 "best of 5", "us", "2", f"{q['index_us']:.2f}"])
    rows.append(["query(architecture string, 'cifar100') on the NB201 table", "best of 5", "us",
                 "", f"{q['string_us']:.2f}"])
    rows.append(["index(architecture string) on the NB201 table", "best of 5", "us", "",
                 f"{q['index_of_us']:.2f}"])
    s = measure_in(build, STRATEGY)
    names = {"rs": "rs (C++) in the runner", "py-rs": "the same random search in Python, in the runner",
             "optuna-random": "optuna-random (optuna's RandomSampler through ask/tell) in the runner",
             "optuna-loop": "optuna's own RandomSampler ask/tell loop, scored by nasrun.Evaluator"}
    for key, name in names.items():
        rows.append([f"one evaluation (ask + evaluate + tell), {name}", "best of 3", "us", "",
                     f"{s[key]:.2f}"])
    rows.append(["Python random search in the runner / C++ rs in the runner", "ratio", "", "",
                 f"{s['py-rs'] / s['rs']:.2f}"])
    rows.append(["Python strategy's overhead per ask + tell (Python rs - C++ rs)", "difference",
                 "us", "", f"{s['py-rs'] - s['rs']:.2f}"])
    rows.append(["optuna's own RandomSampler loop / Python random search in the runner", "ratio",
                 "", "", f"{s['optuna-loop'] / s['py-rs']:.1f}"])
    rows.append(["optuna-random in the runner / optuna's own RandomSampler loop", "ratio", "", "",
                 f"{s['optuna-random'] / s['optuna-loop']:.2f}"])
    return rows


def read_csv():
    try:
        with open(CSV, newline="") as f:
            lines = list(csv.reader(f))
    except OSError as e:
        raise BenchError(f"{CSV}: cannot read it ({e.strerror})")
    if lines[:1] != [COLUMNS]:
        raise BenchError(f"{CSV}: expected the header {','.join(COLUMNS)}")
    for number, line in enumerate(lines[1:], start=2):
        if len(line) != len(COLUMNS):
            raise BenchError(f"{CSV}:{number}: {len(line)} fields, expected {len(COLUMNS)}")
    return [dict(zip(COLUMNS, line)) for line in lines[1:]]


def table(rows):
    lines = ["| measure | value | goal |", "|---|---|---|"]
    for r in rows:
        unit = f" {r['unit']}" if r["unit"] else ""
        goal = ("at most" if r["unit"] == "us" else "under") + f" {r['target']}{unit}" \
            if r["target"] else "-"
        lines.append(f"| {r['measure']} ({r['statistic']}) | {r['value']}{unit} | {goal} |")
    return lines


def main(argv):
    try:
        if argv == ["--check"]:
            return 0 if doc_tables.table_matches("python", "benchmarks/python_bench.py", table(read_csv()),
                                                  CSV, "python_bench.py --table") else 1
        if argv == ["--table"]:
            doc_tables.write_table("python", "benchmarks/python_bench.py", table(read_csv()))
            return 0
        if len(argv) not in (1, 3) or argv[0].startswith("-") or \
                (len(argv) == 3 and argv[1] != "--nb201"):
            print(__doc__, file=sys.stderr)
            return 2
        build = os.path.abspath(argv[0])
        with tempfile.TemporaryDirectory(prefix="nasrun-python-bench-") as scratch:
            nb201 = argv[2] if len(argv) == 3 else nb201_table(build, scratch)
            rows = measure(build, nb201)
        os.makedirs(os.path.dirname(CSV), exist_ok=True)
        with open(CSV, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([COLUMNS, *rows])
        doc_tables.write_table("python", "benchmarks/python_bench.py", table(read_csv()))
        return 0
    except (BenchError, doc_tables.DocTableError) as e:
        print(f"python_bench.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
