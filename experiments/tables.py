#!/usr/bin/python3
"""Generates the result tables of experiments/README.md, docs/results-nb201.md and
docs/embedded-benchmark.md from the CSVs under experiments/results/.

Each generated table sits between two marker lines,

    <!-- generated table NAME: experiments/tables.py -->
    | ... |
    <!-- end of generated table NAME -->

and the script rewrites what lies between them. CSV columns are read by name, so a header that
names a column twice is an error (results.csv once had two columns called "se", and the
best-seen architecture's standard error was read as the incumbent's).

Usage: tables.py [--check] [--root DIR]
  --check  change nothing; exit 1, naming the file and table, when a table differs from what
           its CSVs give, a marker is missing, or a CSV under experiments/results/ cannot be
           read by name
  --root   the repository to work on (default: the one holding this script)
"""
import csv
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class TableError(Exception):
    pass


class Csvs:
    """The CSVs under experiments/results/, each read once, columns by name."""

    def __init__(self, root):
        self.root = root
        self.cache = {}

    def rows(self, rel):
        if rel not in self.cache:
            path = os.path.join(self.root, "experiments/results", rel)
            try:
                with open(path, newline="") as f:
                    lines = list(csv.reader(f))
            except OSError as e:
                raise TableError(f"experiments/results/{rel}: cannot read it ({e.strerror})")
            if not lines:
                raise TableError(f"experiments/results/{rel}: empty (expected a header line)")
            header = lines[0]
            twice = sorted({name for name in header if header.count(name) > 1})
            if twice:
                raise TableError(f"experiments/results/{rel}: the header names column(s) "
                                 f"{', '.join(twice)} more than once ({','.join(header)}); "
                                 "every column needs its own name to be read by name")
            for number, line in enumerate(lines[1:], start=2):
                if len(line) != len(header):
                    raise TableError(f"experiments/results/{rel}:{number}: {len(line)} fields, "
                                     f"expected {len(header)} as the header has")
            self.cache[rel] = [dict(zip(header, line)) for line in lines[1:]]
        return self.cache[rel]

    def find(self, rel, **key):
        found = [r for r in self.rows(rel) if all(r.get(k) == str(v) for k, v in key.items())]
        if len(found) != 1:
            what = ", ".join(f"{k}={v}" for k, v in key.items())
            raise TableError(f"experiments/results/{rel}: {len(found)} rows with {what}, "
                             "expected exactly one")
        return found[0]

    def number(self, rel, column, **key):
        row = self.find(rel, **key)
        if column not in row:
            raise TableError(f"experiments/results/{rel}: no column '{column}' "
                             f"(it has {', '.join(row)})")
        return float(row[column])


def markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def bold_best(values, formatted, best=max):
    """The formatted cells, the best value's (and its ties') in bold."""
    top = best(values)
    return [f"**{f}**" if v == top else f for v, f in zip(values, formatted)]


# --- Rank correlations (nas-rank CSVs: T,estimator,spearman,kendall,n,median_cost_s) ----------

RANK_TS = [1, 2, 3, 4, 5, 6, 8, 10]


def rho_row(c, label, rel, estimator, Ts=RANK_TS):
    return label, [c.number(rel, "spearman", T=T, estimator=estimator) for T in Ts]


def rank_embedded(c):
    # (label, CSV, estimator); the final test loss is a reference line, not an estimator at T.
    estimators = [
        rho_row(c, "SoTL-E (E=1)", "fashion-mnist/fig4.csv", "sotle"),
        rho_row(c, "SoTL", "fashion-mnist/fig4.csv", "sotl"),
        rho_row(c, "SoVL", "fashion-mnist/fig4.csv", "sovl"),
        rho_row(c, "SoVL-E (E=1, the paper's 10 of 200 scaled)", "fashion-mnist/fig2.csv", "sovl-e-E1"),
        rho_row(c, "Val Acc at T", "fashion-mnist/fig4.csv", "val-early"),
        rho_row(c, "TSE-EMA (its authors' code, mu=0.9)", "fashion-mnist/fig4.csv", "tse-ema"),
        rho_row(c, "TSE-EMA (NASLib, mu=0.99)", "fashion-mnist/fig4.csv", "tse-ema-naslib"),
        rho_row(c, "LcSVR (200 training classes)", "fashion-mnist/fig4.csv", "lcsvr"),
    ]
    columns = [bold_best([v[k] for _, v in estimators], [f"{v[k]:.3f}" for _, v in estimators])
               for k in range(len(RANK_TS))]
    rows = [[label] + [columns[k][i] for k in range(len(RANK_TS))]
            for i, (label, _) in enumerate(estimators)]
    label, loss = rho_row(c, "final test loss", "fashion-mnist/fig2.csv", "test-loss")
    rows.append([label] + [f"{v:.3f}" for v in loss])
    return markdown(["estimator"] + [f"T={T}" for T in RANK_TS], rows)


PROXIES = ["params", "flops", "synflow", "snip", "grad_norm", "fisher", "jacov", "nwot", "zen",
           "zico"]
PROXY_TS = [1, 3, 5, 10]


def seconds(value):
    return f"{value:.3f}" if value >= 0.001 else f"{value:.1e}"


def rank_proxies(c):
    # A proxy needs no training (its rows are equal at every T); SoTL-E, the validation
    # accuracy and the hybrids are read at each training budget T.
    rel = "fashion-mnist/proxies.csv"
    names = PROXIES + ["sotle", "val-early", "jacov+sotle", "jacov+val-early", "nwot+sotle"]
    columns = {name: [] for name in names}
    for T in PROXY_TS:
        found = [c.find(rel, T=T, estimator=name) for name in names]
        rhos = [float(r["spearman"]) for r in found]
        rho_cells = bold_best(rhos, [f"{v:.3f}" for v in rhos])
        for name, r, rho in zip(names, found, rho_cells):
            columns[name] += [rho, f"{float(r['kendall']):.3f}",
                              seconds(float(r["median_cost_s"]))]
    header = ["estimator"]
    for T in PROXY_TS:
        header += [f"T={T}: rho", "tau", "cost (s)"]
    rows = [[f"`{name}`" + (" (no training)" if name in PROXIES else "")] + columns[name]
            for name in names]
    return markdown(header, rows)


def rank_windows(c):
    # A window longer than T has no value ("-"): it needs E epochs.
    rows = [[f"SoTL-E, E={E}"] +
            [f"{c.number('fashion-mnist/fig3.csv', 'spearman', T=T, estimator=f'sotle-E{E}'):.3f}"
             if T >= E else "-" for T in RANK_TS] for E in (1, 2, 3)]
    return markdown(["window"] + [f"T={T}" for T in RANK_TS], rows)


def rank_pilot(c):
    rows = []
    for label, name in (("100-cell pilot", "pilot"), ("all 6,466 classes", "fashion-mnist")):
        rel = f"{name}/fig4.csv"
        cells = [f"{c.number(rel, 'spearman', T=T, estimator=e):.3f}"
                 for e in ("sotle", "val-early") for T in (3, 5)]
        n = int(c.number(rel, "n", T=3, estimator="sotle"))
        rows.append([f"{label} (n={n:,})"] + cells)
    return markdown(["benchmark", "SoTL-E T=3", "SoTL-E T=5", "Val Acc T=3", "Val Acc T=5"], rows)


def rank_independent(c):
    Ts = (2, 3, 5, 10)
    estimators = [("SoTL-E (E=1)", "sotle"), ("SoTL", "sotl"), ("SoVL", "sovl"),
                  ("Val Acc at T", "val-early"), ("TSE-EMA", "tse-ema"),
                  ("final test loss (seed 0)", "test-loss"),
                  ("final test accuracy (seed 0)", "test-acc")]
    truths = [("seed 0 (same run)", "seed0-vs-seed0.csv"), ("seed 1", "seed0-vs-seed1.csv"),
              ("seed 2", "seed0-vs-seed2.csv")]
    rows = []
    for label, name in estimators:
        cells = []
        for _, rel in truths:
            values = [c.number(f"fashion-mnist/{rel}", "spearman", T=T, estimator=name) for T in Ts]
            cells.append(" / ".join(f"{v:.3f}" for v in values))
        rows.append([label] + cells)
    n = {int(c.number(f"fashion-mnist/{rel}", "n", T=T, estimator=name))
         for _, rel in truths for T in Ts for _, name in estimators}
    if len(n) != 1:
        raise TableError(f"the independent-seed CSVs correlate over different counts {sorted(n)}; "
                         "expected the same classes throughout")
    T_text = " / ".join(f"T={T}" for T in Ts)
    return markdown(["estimator (seed 0's run)"] +
                    [f"truth {label}: {T_text}" for label, _ in truths], rows)


def rank_fig8(c):
    # A window longer than T has no value ("-"); the best of each T in bold.
    estimators = [("SoTL-E (E=1)", "sotle", 1),
                  ("SoVL-E (E=1, the paper's 10 of 200 scaled)", "sovl-e-E1", 1),
                  ("SoVA-E (E=1, the paper's 10 of 200 scaled)", "sova-e-E1", 1),
                  ("SoVA-E (E=3)", "sova-e-E3", 3)]
    values = [[c.number("fashion-mnist/fig8.csv", "spearman", T=T, estimator=name)
               if T >= E else None for T in RANK_TS] for _, name, E in estimators]
    columns = []
    for k in range(len(RANK_TS)):
        present = [v[k] for v in values if v[k] is not None]
        columns.append([("-" if v[k] is None else
                         f"**{v[k]:.3f}**" if v[k] == max(present) else f"{v[k]:.3f}")
                        for v in values])
    rows = [[label] + [columns[k][i] for k in range(len(RANK_TS))]
            for i, (label, _, _) in enumerate(estimators)]
    return markdown(["estimator"] + [f"T={T}" for T in RANK_TS], rows)


def loss_curves_embedded(c):
    rel = "fashion-mnist/fig9.csv"
    rows = []
    for r in c.rows(rel):
        rows.append([r["epoch"], f"{float(r['mean']):.3f} +- {float(r['standard_error']):.3f}",
                     f"{float(r['lowest']):.3f}", f"{int(r['below_threshold']):,} of {int(r['n']):,}"])
    return markdown(["epoch", "mean training loss +- standard error", "lowest",
                     "architectures below 0.1"], rows)


def regression_example(c):
    rows = []
    for model in ("M1 (identity)", "M2 (first coordinate)"):
        for points in (10, 50, 100):
            r = c.find("fig1.csv", model=model, points=points)
            rows.append([model, str(points)] +
                        [f"{float(r[k]):.2f}" for k in ("sotl", "minus_lower_bound",
                                                        "minus_log_evidence", "fitted_loss")])
    return markdown(["model", "points seen", "SoTL", "-L (lower bound)", "-log evidence",
                     "fitted training loss (mean per point)"], rows)


# --- The RandWire benchmark (experiments/randwire.sh) -----------------------------------------

RANDWIRE = "fashion-mnist-randwire"


def rank_randwire(c):
    rel = f"{RANDWIRE}/fig4d.csv"
    estimators = [
        rho_row(c, "SoTL-E (E=1)", rel, "sotle"),
        rho_row(c, "SoTL", rel, "sotl"),
        rho_row(c, "SoVL", rel, "sovl"),
        rho_row(c, "Val Acc at T", rel, "val-early"),
        rho_row(c, "TSE-EMA (mu=0.9)", rel, "tse-ema"),
        rho_row(c, "LcSVR (100 training networks)", rel, "lcsvr"),
        rho_row(c, "jacov (no training)", rel, "jacov"),
        rho_row(c, "jacov+sotle", rel, "jacov+sotle"),
    ]
    columns = [bold_best([v[k] for _, v in estimators], [f"{v[k]:.3f}" for _, v in estimators])
               for k in range(len(RANK_TS))]
    rows = [[label] + [columns[k][i] for k in range(len(RANK_TS))]
            for i, (label, _) in enumerate(estimators)]
    label, loss = rho_row(c, "final test loss", rel, "test-loss")
    rows.append([label] + [f"{v:.3f}" for v in loss])
    return markdown(["estimator"] + [f"T={T}" for T in RANK_TS], rows)


def randwire_selection(c):
    rel = f"{RANDWIRE}/fig5.csv"
    rows = []
    for T in RANK_TS:
        cells = [str(T)]
        for estimator in ("sotle-E1", "val-early"):
            r = c.find(rel, T=T, estimator=estimator)
            cells += [f"{float(r['spearman']):.3f}",
                      f"{r['chosen']} ({float(r['chosen_truth']):.2f}%, rank {r['chosen_true_rank']})"]
        rows.append(cells)
    best = c.find(rel, T=RANK_TS[-1], estimator="sotle-E1")
    rows.append(["truth", "1", f"{best['best']} ({float(best['best_truth']):.2f}%, rank 1)", "1",
                 f"{best['best']} ({float(best['best_truth']):.2f}%, rank 1)"])
    return markdown(["T", "SoTL-E: rho of the 69 settings", "its choice (mean test acc, true rank)",
                     "Val Acc: rho", "its choice (mean test acc, true rank)"], rows)


def search_randwire(c):
    rel = f"{RANDWIRE}/search.csv"
    columns = [("SoTL-E (T=3)", "sotle"), ("Val Acc (T=3)", "val-early"),
               ("Val Acc (T_end)", "val-final")]
    rows = [[s.upper()] + [search_cell(c, rel, s, e, 2) for _, e in columns]
            for s in ("re", "tpe", "rs")]
    return markdown(["strategy"] + [label for label, _ in columns], rows)


# --- Searches (results.csv of nas-run) --------------------------------------------------------

def search_cell(c, rel, strategy, evaluator, digits):
    r = c.find(rel, strategy=strategy, evaluator=evaluator)
    f = lambda column: f"{float(r[column]):.{digits}f}"
    return (f"{f('final_incumbent_test_error')} +- {f('final_incumbent_test_error_se')} / "
            f"{f('final_best_test_error')} +- {f('final_best_test_error_se')} "
            f"({float(r['evaluations_per_run']):.0f})")


def strategy_csv(name, strategy):
    return f"{name}/{'fig10' if strategy == 'rs' else 'fig6'}.csv"


def search_embedded(c):
    columns = [("SoTL-E (T=3)", "sotle"), ("Val Acc (T=3)", "val-early"),
               ("Val Acc (T_end)", "val-final")]
    rows = [[s.upper()] + [search_cell(c, strategy_csv("fashion-mnist", s), s, e, 2)
                           for _, e in columns] for s in ("re", "tpe", "rs")]
    return markdown(["strategy"] + [label for label, _ in columns], rows)


def search_embedded_T5(c):
    rows = []
    for s in ("re", "tpe", "rs"):
        rows.append([s.upper(),
                     search_cell(c, "fashion-mnist/search_T5.csv", s, "sotle", 2),
                     search_cell(c, "fashion-mnist/search_T5.csv", s, "val-early", 2),
                     search_cell(c, strategy_csv("fashion-mnist", s), s, "val-final", 2)])
    return markdown(["strategy", "SoTL-E (T=5)", "Val Acc (T=5)", "Val Acc (T_end)"], rows)


NB201_DATASETS = ("cifar10-valid", "cifar100", "ImageNet16-120")


def search_nb201(c):
    columns = [(s, e) for s in ("re", "tpe", "rs") for e in ("val-final", "val-hp12")]
    rows = []
    for d in NB201_DATASETS:
        cells = []
        for s, e in columns:
            r = c.find(strategy_csv(f"nb201-{d}", s), strategy=s, evaluator=e)
            cells.append(f"{float(r['final_incumbent_test_error']):.3f} +- "
                         f"{float(r['final_incumbent_test_error_se']):.3f} / "
                         f"{float(r['final_best_test_error']):.3f}")
        rows.append([d] + cells)
    return markdown(["dataset"] + [f"{s.upper()} {e}" for s, e in columns], rows)


def nb201_cifar100(c):
    keys = [(s, e) for e in ("val-final", "val-hp12") for s in ("re", "tpe", "rs")]
    found = [c.find(strategy_csv("nb201-cifar100", s), strategy=s, evaluator=e) for s, e in keys]
    incumbents = [float(r["final_incumbent_test_error"]) for r in found]
    cells = bold_best(incumbents, [f"{v:.3f} +- {float(r['final_incumbent_test_error_se']):.3f}"
                                   for v, r in zip(incumbents, found)], best=min)
    rows = [[s.upper(), e, f"{float(r['evaluations_per_run']):.1f}", cell,
             f"{float(r['final_best_test_error']):.3f} +- {float(r['final_best_test_error_se']):.3f}"]
            for (s, e), r, cell in zip(keys, found, cells)]
    return markdown(["strategy", "evaluator", "evaluations / run", "incumbent's test error",
                     "best test error seen"], rows)


def nb201_val_final(c):
    rows = []
    for d in ("cifar10-valid", "ImageNet16-120"):
        found = [c.find(strategy_csv(f"nb201-{d}", s), strategy=s, evaluator="val-final")
                 for s in ("re", "tpe", "rs")]
        rows.append([d] + [f"{float(r['final_incumbent_test_error']):.3f} +- "
                           f"{float(r['final_incumbent_test_error_se']):.3f}" for r in found])
    return markdown(["dataset", "RE", "TPE", "RS"], rows)


# --- Multi-fidelity search (experiments/multifidelity.sh) -------------------------------------

MF_COMBOS = [("re", "val-final"), ("re", "sotle"), ("tpe", "val-final"), ("tpe", "sotle"),
             ("rs", "val-final"), ("rs", "sotle")] + \
    [(s, e) for s in ("sh", "hyperband", "asha", "asha-stop", "bohb", "one-epoch-topk")
     for e in ("val-early", "sotle")]


def mf_label(strategy, evaluator):
    rung = {"val-final": "Val Acc (T_end)", "val-early": "Val Acc at the rung",
            "sotle": "SoTL-E at the rung"}[evaluator]
    if strategy in ("re", "tpe", "rs"):
        rung = "SoTL-E (T=5)" if evaluator == "sotle" else rung
    return f"{strategy.upper() if strategy in ('re', 'tpe', 'rs') else strategy} + {rung}"


def mf_time(value):
    return "never" if value == "inf" else f"{float(value):.1f}"


def search_outcome(r):
    # A row of multifidelity_table.py: the final error [interval], the time to the target
    # [interval], the share of runs that reached it, the speed-up over RE + val-final.
    return [f"{float(r['final_incumbent_test_error']):.2f} "
            f"[{float(r['final_incumbent_test_error_ci95_low']):.2f}, "
            f"{float(r['final_incumbent_test_error_ci95_high']):.2f}]",
            f"{mf_time(r['time_to_target_median_s'])} "
            f"[{mf_time(r['time_to_target_ci95_low_s'])}, "
            f"{mf_time(r['time_to_target_ci95_high_s'])}]",
            f"{float(r['target_reached_fraction']):.2f}",
            r["speedup_over_re_val_final"] or "-"]


ZERO_COST_PARTS = [
    ("baseline", "Val Acc (T_end)", ("re",)),
    ("proxy", "jacov alone (no training)", ("re", "tpe")),
    ("sotle", "SoTL-E (T=3; rungs: at the rung)", ("re", "tpe", "sh", "hyperband", "asha")),
    ("warmup", "jacov warm-up, then SoTL-E", ("re", "tpe", "sh", "hyperband", "asha")),
    ("rungs", "jacov rung in every bracket, then SoTL-E", ("sh", "hyperband"))]


def zero_cost_search(c):
    rel = "fashion-mnist/zero_cost_search.csv"
    rows = []
    for part, label, strategies in ZERO_COST_PARTS:
        for s in strategies:
            r = c.find(rel, part=part, strategy=s)
            name = s.upper() if s in ("re", "tpe") else s
            rows.append([f"{name} + {label}", f"{float(r['evaluations_per_run']):,.0f}"] +
                        search_outcome(r))
    return markdown(["strategy + score", "evaluations per run", "final error %",
                     "time to 19.5% (s)", "reached", "speed-up"], rows)


def multifidelity(seeds):
    def make(c):
        rel = "fashion-mnist/multifidelity.csv"
        rows = []
        for s, e in MF_COMBOS:
            cells = [mf_label(s, e)]
            for workers in (1, 8):
                cells += search_outcome(
                    c.find(rel, seeds=seeds, workers=workers, strategy=s, evaluator=e))
            rows.append(cells)
        header = ["strategy + score"]
        for workers in (1, 8):
            header += [f"W={workers}: final error %", "time to 19.5% (s)", "reached",
                       "speed-up"]
        return markdown(header, rows)
    return make


def scaling(c):
    rel = "fashion-mnist/scaling.csv"
    strategies = [s for s in ("re", "asha") if any(r["strategy"] == s for r in c.rows(rel))]
    rows = []
    for workers in sorted({int(r["workers"]) for r in c.rows(rel)}):
        cells = [str(workers)]
        for s in strategies:
            r = c.find(rel, workers=workers, strategy=s, evaluator="sotle")
            cells += [f"{float(r['evaluations_per_run']):,.0f}",
                      f"{mf_time(r['time_to_target_median_s'])} "
                      f"[{mf_time(r['time_to_target_ci95_low_s'])}, "
                      f"{mf_time(r['time_to_target_ci95_high_s'])}]",
                      f"{100 * float(r['target_reached_fraction']):.0f}%"]
        rows.append(cells)
    header = ["workers"]
    for s in strategies:
        header += [f"{s.upper()}: evaluations per run", "median time to 19.5% (s) [95%]",
                   "runs that reached it"]
    return markdown(header, rows)


# --- The embedded benchmark's validation lag (experiments/bn_lag.py) --------------------------

def bn_lag(c):
    rows = []
    for epoch in range(1, 7):
        r = c.find("fashion-mnist/bn_lag.csv", epoch=epoch)
        rows.append([str(epoch), f"{float(r['train_loss_median']):.3f}",
                     f"{float(r['valid_loss_median']):.3f}",
                     r["valid_loss_above_10"], r["valid_loss_above_10_by_epoch"],
                     r["valid_loss_above_10_by_epoch_any_seed"],
                     f"{r['valid_acc_at_chance_while_fitting']} "
                     f"({r['valid_acc_at_chance_while_fitting_top_decile']})",
                     f"{float(r['rho_valid_acc']):.3f} / {float(r['rho_valid_acc_without_chance']):.3f}",
                     f"{float(r['rho_train_loss']):.3f} / {float(r['rho_train_loss_without_chance']):.3f}"])
    return markdown(["epoch", "median train loss", "median valid loss", "valid loss > 10",
                     "... at any epoch so far", "... with any seed",
                     "valid acc < 15% while train acc >= 40% (top tenth)",
                     "rho Val Acc: all / without those", "rho SoTL-E: all / without those"], rows)


# Every generated table: the file it lives in, its name there, and what makes it.
TABLES = [
    ("experiments/README.md", "rank-embedded", rank_embedded),
    ("experiments/README.md", "rank-windows", rank_windows),
    ("experiments/README.md", "rank-proxies", rank_proxies),
    ("experiments/README.md", "zero-cost-search", zero_cost_search),
    ("experiments/README.md", "rank-randwire", rank_randwire),
    ("experiments/README.md", "randwire-selection", randwire_selection),
    ("experiments/README.md", "search-randwire", search_randwire),
    ("experiments/README.md", "rank-pilot", rank_pilot),
    ("experiments/README.md", "rank-independent", rank_independent),
    ("experiments/README.md", "rank-fig8", rank_fig8),
    ("experiments/README.md", "loss-curves-embedded", loss_curves_embedded),
    ("experiments/README.md", "regression-example", regression_example),
    ("experiments/README.md", "search-embedded", search_embedded),
    ("experiments/README.md", "search-embedded-T5", search_embedded_T5),
    ("experiments/README.md", "search-nb201", search_nb201),
    ("experiments/README.md", "multifidelity-20", multifidelity(20)),
    ("experiments/README.md", "multifidelity-1000", multifidelity(1000)),
    ("experiments/README.md", "scaling", scaling),
    ("docs/results-nb201.md", "nb201-cifar100", nb201_cifar100),
    ("docs/results-nb201.md", "nb201-val-final", nb201_val_final),
    ("docs/embedded-benchmark.md", "bn-lag", bn_lag),
]

BEGIN = re.compile(r"^<!-- generated table ([\w-]+): experiments/tables.py -->$")
END = "<!-- end of generated table {} -->"


def regenerate(text, doc, tables):
    """The document with each generated table rewritten, and for each table that changed, where
    it first differs. Errors for markers that do not pair up, tables the document lacks and
    tables it has that nothing generates."""
    lines = text.split("\n")
    out, seen, changed, i = [], set(), [], 0
    while i < len(lines):
        out.append(lines[i])
        m = BEGIN.match(lines[i])
        i += 1
        if not m:
            continue
        name = m.group(1)
        if name not in tables:
            raise TableError(f"{doc}:{i}: no generated table is called '{name}' "
                             f"(expected one of: {', '.join(sorted(tables))})")
        if name in seen:
            raise TableError(f"{doc}:{i}: table '{name}' appears twice")
        seen.add(name)
        end = END.format(name)
        try:
            j = lines.index(end, i)
        except ValueError:
            raise TableError(f"{doc}:{i}: table '{name}' has no end marker '{end}'")
        table = tables[name]().split("\n")
        if table != lines[i:j]:
            changed.append(f"{doc}: table '{name}' differs from its CSVs "
                           f"({first_difference(i, lines[i:j], table)})")
        out += table + [end]
        i = j + 1
    missing = sorted(set(tables) - seen)
    if missing:
        raise TableError(f"{doc}: lacks the generated table(s) {', '.join(missing)} "
                         "(their begin and end markers)")
    return "\n".join(out), changed


def first_difference(offset, old, new):
    for number, (x, y) in enumerate(zip(old, new), start=offset + 1):
        if x != y:
            return f"line {number} is '{x}', the CSVs give '{y}'"
    return f"it has {len(old)} lines, the CSVs give {len(new)}"


def main(argv):
    check = "--check" in argv
    root = argv[argv.index("--root") + 1] if "--root" in argv else ROOT
    c = Csvs(root)
    docs = {}
    for doc, name, make in TABLES:
        docs.setdefault(doc, {})[name] = lambda make=make: make(c)
    stale = []
    try:
        # Every committed CSV must be readable by name, the ones no table reads too.
        results = os.path.join(root, "experiments/results")
        for path in sorted(glob.glob(os.path.join(results, "**/*.csv"), recursive=True)):
            c.rows(os.path.relpath(path, results))
        for doc, tables in docs.items():
            path = os.path.join(root, doc)
            with open(path) as f:
                text = f.read()
            new, changed = regenerate(text, doc, tables)
            if not changed:
                continue
            if check:
                stale += changed
            else:
                with open(path + ".tmp", "w") as f:
                    f.write(new)
                os.replace(path + ".tmp", path)
                print("\n".join(changed) + "\n" + f"{doc}: regenerated")
    except TableError as e:
        sys.exit(f"tables.py: {e}")
    if stale:
        sys.exit("tables.py: " + "\n".join(stale) + "\nrun experiments/tables.py to regenerate")
    if check:
        print(f"tables.py: the {len(TABLES)} generated tables match their CSVs")


if __name__ == "__main__":
    main(sys.argv[1:])
