"""Strategies by name through ask/tell, and strategies written in Python driven by the C++
runner: like built-in ones, deterministic, and a failing one stops its run with a clear error."""
import os
import random

import pytest

import nasrun

STUDY = {"seeds": 3, "budget": "10x", "workers": 2}


def without_time(summary):
    return {k: v for k, v in summary.items() if k != "real_time_s"}


def test_a_strategy_by_name_is_driven_by_ask_and_tell():
    def proposals(seed):
        strategy = nasrun.Strategy("re", nasrun.StrategyContext(nasrun.Space(), seed=seed))
        out = []
        for k in range(30):
            arch = strategy.ask()
            strategy.tell(arch, float(arch % 97))
            out.append(arch)
        return out
    assert proposals(5) == proposals(5)
    assert proposals(5) != proposals(6)
    jobs = nasrun.JobStrategy("rs", nasrun.StrategyContext(nasrun.Space(), seed=5))
    job = jobs.ask()
    assert job.epochs == nasrun.ESTIMATOR_EPOCHS and job.trial == 0
    jobs.tell(job, 1.0)
    assert jobs.ask().trial == 1 and jobs.take_dropped() == []
    with pytest.raises(ValueError, match="unknown strategy 'nope'"):
        nasrun.Strategy("nope", nasrun.StrategyContext(nasrun.Space()))


class Delegate:
    """A Python strategy that asks nas-run's own RE: the study must be RE's, bit for bit."""

    def __init__(self, context):
        self.inner = nasrun.Strategy("re", context)

    def ask(self):
        return self.inner.ask()

    def tell(self, arch, score):
        self.inner.tell(arch, score)


def test_a_python_strategy_runs_like_a_built_in_one(tmp_path):
    nasrun.register_strategy("py-re", Delegate, "RE, through Python")
    assert ("py-re", "RE, through Python", False) in nasrun.strategies()
    ours = nasrun.run_study(strategy="py-re", out=str(tmp_path / "py"), **STUDY)
    theirs = nasrun.run_study(strategy="re", out=str(tmp_path / "re"), **STUDY)
    for a, b in zip(ours["combinations"], theirs["combinations"]):
        assert {**a, "strategy": "re"} == b
    for run in range(STUDY["seeds"]):
        def rows(folder, name):
            with open(tmp_path / folder / "traces" / f"{name}__sotle__run{run:03d}.csv") as f:
                return f.read().splitlines()[1:-1]
        assert rows("py", "py-re") == rows("re", "re")


class SeededRandom:
    """Random search from the run's seed and initial design, in Python."""

    def __init__(self, context):
        self.space = context.space
        self.rng = random.Random(context.seed)
        self.initial = context.initial_architectures()

    def ask(self):
        return self.initial.pop(0) if self.initial else self.rng.randrange(self.space.size)

    def tell(self, arch, score):
        pass


def test_python_strategies_are_deterministic_whatever_the_threads():
    nasrun.register_strategy("py-random", SeededRandom)
    one = nasrun.run_study(strategy="py-random,rs", threads=1, **STUDY)
    two = nasrun.run_study(strategy="py-random,rs", threads=2, **STUDY)
    assert without_time(one) == without_time(two)


class FailingLate(SeededRandom):
    """Raises in tell() once it has seen `limit` scores, in the run whose seed is `doomed`."""
    doomed = None

    def __init__(self, context):
        super().__init__(context)
        self.told = 0
        self.fails = context.seed == FailingLate.doomed

    def tell(self, arch, score):
        self.told += 1
        if self.fails and self.told == 12:
            raise ZeroDivisionError("the twelfth score")


def test_a_python_strategy_that_raises_stops_its_run_and_leaves_the_others(tmp_path):
    FailingLate.doomed = nasrun.mix_seed(nasrun.mix_seed(0, 2), 1)  # run 2's strategy seed
    nasrun.register_strategy("py-failing", FailingLate)
    out = tmp_path / "study"
    with pytest.raises(RuntimeError) as e:
        nasrun.run_study(strategy="rs,py-failing", threads=1, out=str(out), **STUDY)
    message = str(e.value)
    assert message.startswith(f"Python strategy 'py-failing' (strategy seed {FailingLate.doomed}):"
                              " tell() raised ZeroDivisionError: the twelfth score")
    traces = sorted(os.listdir(out / "traces"))
    # rs's runs and py-failing's first two finished before it and are saved; run 2 is not.
    assert traces == ["py-failing__sotle__run000.csv", "py-failing__sotle__run001.csv",
                      "rs__sotle__run000.csv", "rs__sotle__run001.csv", "rs__sotle__run002.csv"]
    # Fixed, the same study resumes from the saved runs and gives what a fresh one gives.
    FailingLate.doomed = None
    resumed = nasrun.run_study(strategy="rs,py-failing", threads=1, out=str(out), **STUDY)
    fresh = nasrun.run_study(strategy="rs,py-failing", threads=1, **STUDY)
    assert without_time(resumed) == without_time(fresh)


@pytest.mark.parametrize("proposal, expected", [
    ("|none~0|", "ask() returned '|none~0|', expected an architecture code (int)"),
    (15625, "ask() proposed 15625: "),
])
def test_a_bad_proposal_is_named(proposal, expected):
    class Proposes:
        def __init__(self, context):
            pass

        def ask(self):
            return proposal

        def tell(self, arch, score):
            pass
    nasrun.register_strategy("py-bad-proposal", Proposes)
    with pytest.raises(RuntimeError, match="Python strategy 'py-bad-proposal' .*" +
                       expected.replace("(", r"\(").replace(")", r"\)").replace("|", r"\|")):
        nasrun.run_study(strategy="py-bad-proposal", **STUDY)


def test_registration_refuses_what_it_cannot_run():
    with pytest.raises(ValueError, match="strategy 're' is built into nas-run"):
        nasrun.register_strategy("re", SeededRandom)
    with pytest.raises(ValueError, match="a strategy name is letters"):
        nasrun.register_strategy("a,b", SeededRandom)
    with pytest.raises(TypeError, match="must be callable"):
        nasrun.register_strategy("py-not-callable", 3)
    nasrun.register_strategy("py-kind", SeededRandom)
    with pytest.raises(ValueError, match="registered as a single-fidelity strategy"):
        nasrun.register_strategy("py-kind", SeededRandom, multi_fidelity=True)
    # A factory that raises names the strategy.
    nasrun.register_strategy("py-factory-fails", lambda context: 1 / 0)
    with pytest.raises(RuntimeError, match="Python strategy 'py-factory-fails' .*its factory "
                                           "raised ZeroDivisionError"):
        nasrun.run_study(strategy="py-factory-fails", **STUDY)


class Promote:
    """A multi-fidelity strategy in Python: each trial at 1 epoch, continued to 4 when its score
    beats the median so far; dropped otherwise."""

    def __init__(self, context):
        self.space = context.space
        self.rng = random.Random(context.seed)
        self.trials = 0
        self.scores = []
        self.promote = []
        self.dropped = []

    def ask(self):
        if self.promote:
            return self.promote.pop(0)
        self.trials += 1
        return nasrun.Job(self.trials, self.rng.randrange(self.space.size), 1)

    def tell(self, job, score):
        if job.epochs == 1:
            self.scores.append(score)
            if score <= sorted(self.scores)[len(self.scores) // 2]:
                self.promote.append(nasrun.Job(job.trial, job.arch, 4))
                return
        self.dropped.append(job.trial)

    def take_dropped(self):
        dropped, self.dropped = self.dropped, []
        return dropped


def test_a_multi_fidelity_python_strategy(tmp_path):
    nasrun.register_strategy("py-promote", Promote, multi_fidelity=True)
    assert ("py-promote", "a strategy written in Python", True) in nasrun.strategies()
    out = tmp_path / "study"
    summary = nasrun.run_study(strategy="py-promote", min_epochs=1, max_epochs=4, out=str(out),
                               **STUDY)
    assert summary["combinations"][0]["evaluations_per_run"]["mean"] > 10
    with open(out / "traces" / "py-promote__sotle__run000.csv") as f:
        epochs = {line.split(",")[5] for line in f.read().splitlines()[2:-1]}
    assert epochs == {"1", "4"}
    with pytest.raises(ValueError, match="--min-epochs"):
        nasrun.run_study(strategy="rs", min_epochs=1, **STUDY)


def test_optuna_strategies_run_inside_a_study():
    import nasrun.optuna_strategies  # noqa: F401  (registers them)
    names = {name for name, _, _ in nasrun.strategies()}
    assert {"optuna-tpe", "optuna-random"} <= names
    study = {"strategy": "optuna-tpe,optuna-random,rs", "seeds": 2, "budget": "10x"}
    first = nasrun.run_study(**study)
    again = nasrun.run_study(**study, threads=1)
    assert without_time(first) == without_time(again)
    combos = {c["strategy"]: c for c in first["combinations"]}
    assert all(combos[name]["evaluations_per_run"]["mean"] > 20 for name in combos)
    # They start from nas-run's initial design: the first ten evaluations are rs's.
    assert combos["optuna-random"]["incumbent_test_error"]["mean"][:20] == \
        combos["rs"]["incumbent_test_error"]["mean"][:20]
