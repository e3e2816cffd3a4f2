"""Studies and evaluators from Python give what nas-run gives, and refuse what it refuses, with
the same messages."""
import csv
import filecmp
import json
import os
import subprocess
import sys

import pytest

import nasrun
from conftest import error_of, program

STUDY = {"strategy": "re,rs", "evaluator": "sotle,val-final", "seeds": 3, "budget": "20x",
         "target_error": 20, "workers": 2}
CLI = ["--strategy", "re,rs", "--evaluator", "sotle,val-final", "--seeds", "3", "--budget", "20x",
       "--target-error", "20", "--workers", "2"]


def without_time(summary):
    return {k: v for k, v in summary.items() if k != "real_time_s"}


def test_python_and_nas_run_give_identical_results(tmp_path):
    cli_out, py_out = str(tmp_path / "cli"), str(tmp_path / "py")
    subprocess.run([program("nas-run"), *CLI, "--out", cli_out], check=True, capture_output=True)
    summary = nasrun.run_study(**STUDY, out=py_out)
    with open(os.path.join(cli_out, "summary.json")) as f:
        cli_summary = json.load(f)
    assert without_time(summary) == without_time(cli_summary)
    for name in ["results.csv", "config.json"]:
        assert filecmp.cmp(os.path.join(cli_out, name), os.path.join(py_out, name), shallow=False)
    traces = sorted(os.listdir(os.path.join(cli_out, "traces")))
    assert traces == sorted(os.listdir(os.path.join(py_out, "traces"))) and len(traces) == 12
    for name in traces:
        assert filecmp.cmp(os.path.join(cli_out, "traces", name),
                           os.path.join(py_out, "traces", name), shallow=False)
    # Without a folder: the same summary, nothing written.
    assert without_time(nasrun.run_study(**STUDY)) == without_time(cli_summary)


def test_a_warm_up_from_python_is_nas_run_s(tmp_path):
    cli_out, py_out = str(tmp_path / "cli"), str(tmp_path / "py")
    warmup = ["--warmup", "jacov", "--warmup-sample", "30"]
    subprocess.run([program("nas-run"), *CLI, *warmup, "--out", cli_out], check=True,
                   capture_output=True)
    nasrun.run_study(**STUDY, warmup="jacov", warmup_sample=30, out=py_out)
    for name in ["results.csv", "config.json"]:
        assert filecmp.cmp(os.path.join(cli_out, name), os.path.join(py_out, name), shallow=False)
    with open(os.path.join(py_out, "config.json")) as f:
        assert json.load(f)["warmup"] == {"proxy": "jacov", "sample": 30}


def test_a_lists_of_names_is_a_comma_list():
    as_text = nasrun.run_study(strategy="rs,re", seeds=2, budget="5x")
    as_list = nasrun.run_study(strategy=["rs", "re"], seeds=2, budget="5x")
    assert without_time(as_text) == without_time(as_list)


def test_the_thread_count_changes_nothing():
    one = nasrun.run_study(strategy="tpe", seeds=4, budget="10x", threads=1)
    two = nasrun.run_study(strategy="tpe", seeds=4, budget="10x", threads=2)
    assert without_time(one) == without_time(two)


@pytest.mark.parametrize("options, cli", [
    ({"strategy": "foo"}, ["--strategy", "foo"]),
    ({"strategy": "re,re"}, ["--strategy", "re,re"]),
    ({"budget": "3q"}, ["--budget", "3q"]),
    ({"seeds": 0}, ["--seeds", "0"]),
    ({"evaluator": "val-final", "T": 0}, ["--evaluator", "val-final", "--T", "0"]),
    ({"data_seed": "often"}, ["--data-seed", "often"]),
    ({"eta": 3}, ["--eta", "3"]),
    ({"warmup": "sotle"}, ["--warmup", "sotle"]),
    ({"strategy": "sh", "proxy_rungs": True}, ["--strategy", "sh", "--proxy-rungs"]),
    ({"dataset": "cifar100"}, ["--dataset", "cifar100"]),
    ({"target_error": 101}, ["--target-error", "101"]),
])
def test_bad_options_raise_with_nas_runs_messages(options, cli, tmp_path):
    defaults = {"seeds": 1, "budget": "1x"}
    for name, value in defaults.items():
        if name not in options:
            cli = cli + [f"--{name}", str(value)]
    # In a fresh interpreter: the strategies other tests registered would join the lists of
    # names that some messages give.
    script = ("import nasrun, sys\n"
              "try:\n"
              f"    nasrun.run_study(**{ {**defaults, **options}!r})\n"
              "except (ValueError, LookupError) as e:\n"
              "    print(e)\n"
              "    sys.exit(0)\n"
              "sys.exit('no exception')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip("\n") == error_of(
        [program("nas-run"), *cli, "--out", str(tmp_path / "out")])


def test_unknown_keywords_are_named():
    with pytest.raises(ValueError, match="unknown run_study option 'budgett'"):
        nasrun.run_study(budgett="1x")
    with pytest.raises(TypeError, match="run_study option 'seeds' cannot take 'many' \\(str\\)"):
        nasrun.run_study(seeds="many")


def test_a_missing_benchmark_is_file_not_found(tmp_path):
    missing = str(tmp_path / "none.nasbench")
    with pytest.raises(FileNotFoundError) as e:
        nasrun.run_study(benchmark=missing, seeds=1)
    assert str(e.value) == error_of([program("nas-run"), "--benchmark", missing, "--seeds", "1",
                                     "--out", str(tmp_path / "out")])


def read_trace(path):
    with open(path) as f:
        rows = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(rows))


def test_an_evaluator_scores_as_a_studys_run_does(tmp_path):
    out = str(tmp_path / "study")
    nasrun.run_study(strategy="rs", evaluator="sotle", seeds=1, budget="5x", out=out)
    trace = read_trace(os.path.join(out, "traces", "rs__sotle__run000.csv"))
    evaluator = nasrun.Evaluator("sotle", seed=nasrun.mix_seed(0, 0))
    assert (evaluator.T, evaluator.schedule_epochs) == (3, 10)
    for row in trace:
        e = evaluator.evaluate(row["arch"])
        assert (repr(e["score"]), repr(e["cost_s"]), e["epochs"]) == (
            repr(float(row["score"])), repr(float(row["cost_s"])), int(row["epochs"]))
        assert repr(e["test_error"]) == repr(float(row["test_error"]))


def test_an_evaluator_continues_a_trial_and_charges_the_new_epochs():
    evaluator = nasrun.Evaluator("sotle", seed=1)
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    low = evaluator.evaluate_rung(arch, 2, trial=7)
    high = evaluator.evaluate_rung(arch, 6, trial=7)
    fresh = nasrun.Evaluator("sotle", seed=1).evaluate_rung(arch, 6, trial=0)
    assert (low["epochs"], high["epochs"]) == (2, 6)
    assert 0 < high["cost_s"] < fresh["cost_s"]
    evaluator.drop(7)
    with pytest.raises(RuntimeError):
        evaluator.evaluate_rung(arch, 7, trial=8) and evaluator.evaluate_rung(arch, 3, trial=8)


def test_a_tabular_study_never_loads_libtorch():
    nasrun.run_study(strategy="rs", seeds=1, budget="2x")
    with open("/proc/self/maps") as f:
        maps = f.read()
    assert "libtorch" not in maps and "libc10" not in maps
