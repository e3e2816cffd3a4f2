"""nas-run from Python: benchmarks, search spaces, strategies, evaluators and studies.

The C++ core is the extension nasrun._core; this package names it and adds what is easier said
in Python. docs/python.md is the guide.
"""
import os
import sys

from . import _paths

# The live-training plugin, when a study trains live, resolves the core's symbols against the
# process (as it does against nas-run): the extension is loaded with RTLD_GLOBAL. It is only
# opened when a live source is made, so importing nasrun never loads LibTorch.
os.environ.setdefault("NASRUN_PLUGIN_DIR", _paths.PLUGIN_DIR)
_flags = sys.getdlopenflags()
sys.setdlopenflags(_flags | os.RTLD_GLOBAL)
try:
    from . import _core
finally:
    sys.setdlopenflags(_flags)

from ._core import (  # noqa: E402  (after the flags above)
    ESTIMATOR_EPOCHS,
    Benchmark,
    FormatError,
    Job,
    JobStrategy,
    MissingDataError,
    Space,
    Strategy,
    StrategyContext,
    Table,
    estimators,
    metric_names,
    mix_seed,
    register_strategy,
    space_names,
    strategies,
)

__all__ = [
    "ESTIMATOR_EPOCHS", "Benchmark", "Evaluator", "FormatError", "Job", "JobStrategy",
    "MissingDataError", "Space", "Strategy", "StrategyContext", "Table", "embedded_benchmark_path",
    "estimators", "metric_names", "mix_seed", "open_benchmark", "register_strategy", "run_study",
    "space_names", "strategies",
]


def embedded_benchmark_path():
    """The embedded benchmark (all NAS-Bench-201 cells on Fashion-MNIST): in $NASRUN_DATA_DIR
    when set, else where this copy of the package was built or installed with it."""
    directory = os.environ.get("NASRUN_DATA_DIR", _paths.DATA_DIR)
    return os.path.join(directory, "fashion-mnist-nb201.nasbench")


def open_benchmark(path=None, verify_checksum=True):
    """Opens a benchmark file (memory-mapped); without a path, the embedded benchmark."""
    return Benchmark(embedded_benchmark_path() if path is None else os.fspath(path),
                     verify_checksum)


def run_study(**options):
    """Runs a study as nas-run does and returns its summary: the dict nas-run writes to
    summary.json (bit for bit the same numbers; `real_time_s` is this call's).

    Every keyword is the nas-run option of the same name with '_' for '-': strategy and
    evaluator (a comma list or a list of names), seeds, benchmark, dataset, source, space,
    source_options (a dict, --source-option), device, budget, T, E, mu, n_init, init_file,
    warmup, warmup_sample, proxy_rungs, workers, threads, seed, data_seed, truth_seed, train_time_only, max_evaluations,
    min_epochs, max_epochs, eta, brackets; and the output ones: out (the folder nas-run --out
    writes, resumed the same way; none by default), force, target_error, plot, plot_curve.
    Defaults are nas-run's. The GIL is released while the runs go on.
    """
    return _core._run_study(options, embedded_benchmark_path())


class Evaluator:
    """An evaluator of nas-run (an estimator over a curve source, with the cost model), made
    from the same options as run_study. `seed` is a run seed: its data draws are those of a
    study's run with that seed (run i of a study with base seed B has seed mix_seed(B, i))."""

    def __init__(self, name="sotle", seed=0, **options):
        self._evaluator = _core._Evaluator(name, seed, options, embedded_benchmark_path())

    def evaluate(self, arch):
        """Scores an architecture (string or code) at the estimator's T: a dict of score
        (lower is better), cost_s, epochs, diverged, test_error (reporting only)."""
        return self._evaluator.evaluate(arch)

    def evaluate_rung(self, arch, epochs, trial):
        """Trains trial `trial` of `arch` on to `epochs` (continuing its earlier rungs) and
        scores it there; charged only the new epochs."""
        return self._evaluator.evaluate_rung(arch, epochs, trial)

    def drop(self, trial):
        """Releases what is kept of a trial that will not be continued."""
        self._evaluator.drop(trial)

    T = property(lambda self: self._evaluator.T)
    schedule_epochs = property(lambda self: self._evaluator.schedule_epochs)
    budget_s = property(lambda self: self._evaluator.budget_s)
    space = property(lambda self: self._evaluator.space)
