"""Benchmarks from Python: the embedded benchmark's tables, queries against nas-bench query,
zero-copy curves that outlive their benchmark, architectures <-> indices <-> classes, and bad
input as Python exceptions with the programs' messages."""
import gc
import json
import os
import subprocess

import numpy as np
import pytest

import nasrun
from conftest import error_of, program, shared_data


@pytest.fixture(scope="module")
def embedded():
    return nasrun.open_benchmark()


def test_embedded_benchmark_describes_itself(embedded):
    assert embedded.datasets == ["fashion-mnist"]
    table = embedded.table("fashion-mnist")
    assert (table.schedule, table.epochs) == ("10", 10)
    assert table.recorded_epochs == list(range(1, 11))
    assert table.seeds == [0, 1, 2]
    assert table.truth_metric == "test_acc"
    assert "valid_acc" in table.metrics
    info = json.loads(subprocess.run([program("nas-bench"), "info", "--json"],
                                     capture_output=True, text=True, check=True).stdout)
    assert embedded.info() == info


def test_results_are_what_nas_bench_query_prints(embedded):
    for index, seed in [(0, "mean"), (1234, "mean"), (9930, 0)]:
        command = [program("nas-bench"), "query", "--index", str(index), "--json"]
        if seed != "mean":
            command += ["--seed", str(seed)]
        cli = json.loads(subprocess.run(command, capture_output=True, text=True,
                                        check=True).stdout)
        assert embedded.results(index, "fashion-mnist", seed=seed) == cli


def test_query_reads_the_curves_at_an_epoch(embedded):
    results = embedded.results(77, "fashion-mnist")
    # JSON writes a missing value as null.
    expected = {name: float("nan") if value is None else value
                for name, value in {**results["final"], **results["costs"]}.items()}
    assert embedded.query(77, "fashion-mnist") == pytest.approx(expected, rel=0, abs=0,
                                                                 nan_ok=True)
    by_string = embedded.query(embedded.arch(77), "fashion-mnist", epoch=4)
    assert by_string["valid_acc"] == results["curves"]["valid_acc"][3]
    # The test pass runs after the last epoch only: missing (NaN) before it.
    assert np.isnan(by_string["test_acc"])


def test_curves_are_a_read_only_view_of_the_mapped_file(embedded):
    curves = embedded.curves("fashion-mnist", "valid_acc")
    table = embedded.table("fashion-mnist")
    assert curves.shape == (table.num_rows, len(table.seeds), len(table.recorded_epochs))
    assert curves.dtype == np.float32
    assert not curves.flags.owndata and not curves.flags.writeable
    with pytest.raises(ValueError):
        curves[0, 0, 0] = 1
    # Two calls view the same bytes: nothing was copied.
    assert np.shares_memory(curves, embedded.curves("fashion-mnist", "valid_acc"))
    rows = embedded.rows("fashion-mnist")
    index = 4321
    expected = embedded.results(index, "fashion-mnist", seed=0)["curves"]["valid_acc"]
    assert curves[rows[index], 0].tolist() == pytest.approx(expected, rel=0, abs=0)


def test_missing_values_are_nan(embedded):
    curves = embedded.curves("fashion-mnist", "train_loss")
    rows = embedded.rows("fashion-mnist")
    present = embedded.seed_present("fashion-mnist")
    trained = rows >= 0
    assert trained.all()
    # Seeds 1 and 2 trained a tenth of the classes: the others' series are NaN throughout.
    absent = present[:, 1] == 0
    assert absent.any()
    assert np.isnan(curves[rows[absent], 1]).all()
    assert not np.isnan(curves[rows[~absent], 1]).any()
    test_acc = embedded.curves("fashion-mnist", "test_acc")
    assert np.isnan(test_acc[:, 0, :-1]).all() and not np.isnan(test_acc[:, 0, -1]).any()


def test_arrays_outlive_their_benchmark():
    benchmark = nasrun.open_benchmark()
    curves = benchmark.curves("fashion-mnist", "valid_acc")
    costs = benchmark.costs("fashion-mnist", "params")
    view = curves[100:200, 0]
    expected = (float(np.nansum(curves)), float(np.nansum(costs)), view.tolist())
    del benchmark, curves
    gc.collect()
    # Other mappings take the place the file had, were it unmapped.
    others = [nasrun.open_benchmark().curves("fashion-mnist", "train_loss") for _ in range(3)]
    assert view.tolist() == expected[2]
    assert float(np.nansum(costs)) == expected[1]
    assert float(np.nansum(view.base)) == expected[0]
    del others


def test_architectures_indices_and_classes(embedded):
    space = embedded.space
    assert (space.name, space.size, len(embedded)) == ("nb201", 15625, 15625)
    for index in range(len(embedded)):
        assert embedded.index(embedded.arch(index)) == index
    string = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    code = space.parse(string)
    assert space.to_string(code) == string
    assert space.encode(space.decode(code)) == code
    assert embedded.code(embedded.index(string)) == code
    # NAS-Bench-201 (Dong & Yang, ICLR 2020, section 2.1): 15,625 cells, 6,466 unique
    # topologies once isomorphic cells are merged.
    representatives = space.class_representatives()
    assert len(representatives) == 6466
    assert {space.class_of(int(c)) for c in representatives} == set(representatives.tolist())
    # The embedded benchmark trains each class once: a class shares one row.
    rows = embedded.rows("fashion-mnist")
    for arch in [1, 2, 100, 15624]:
        assert rows[embedded.index(arch)] == rows[embedded.index(space.class_of(arch))]


def test_bad_input_raises_with_the_programs_messages(embedded, tmp_path):
    missing = str(tmp_path / "none.nasbench")
    with pytest.raises(FileNotFoundError) as e:
        nasrun.open_benchmark(missing)
    assert str(e.value) == error_of([program("nas-bench"), "info", missing])

    corrupt = tmp_path / "corrupt.nasbench"
    data = bytearray(open(nasrun.embedded_benchmark_path(), "rb").read())
    data[-1] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    with pytest.raises(nasrun.FormatError) as e:
        nasrun.open_benchmark(corrupt)
    assert str(e.value) == error_of([program("nas-bench"), "info", str(corrupt)])
    assert isinstance(e.value, ValueError)

    with pytest.raises(ValueError) as e:
        embedded.index("bad")
    assert str(e.value) == error_of([program("nas-bench"), "query", "--arch", "bad"])

    with pytest.raises(nasrun.MissingDataError) as e:
        embedded.query(1, "cifar")
    assert str(e.value) == error_of(
        [program("nas-bench"), "query", "--index", "1", "--dataset", "cifar"])
    assert isinstance(e.value, LookupError)

    with pytest.raises(nasrun.MissingDataError) as e:
        embedded.query(1, "fashion-mnist", seed=7)
    assert str(e.value) == error_of(
        [program("nas-bench"), "query", "--index", "1", "--seed", "7"])

    with pytest.raises(IndexError, match="index 15625 is out of range"):
        embedded.query(15625, "fashion-mnist")
    with pytest.raises(IndexError, match="epoch 11 is outside"):
        embedded.query(0, "fashion-mnist", epoch=11)
    with pytest.raises(ValueError, match="unknown metric 'valid_accuracy'"):
        embedded.curves("fashion-mnist", "valid_accuracy")
    with pytest.raises(ValueError, match="seed must be 'mean' or a training seed"):
        embedded.query(0, "fashion-mnist", seed="random")
    with pytest.raises(TypeError):
        embedded.query(1.5, "fashion-mnist")


def test_an_imported_nas_bench_201_table(tmp_path):
    data = shared_data()
    if data is None or not os.path.exists(os.path.join(data, "nb201", "nb201_final.csv")):
        pytest.skip("../shared/data/nb201 is not there")
    out = str(tmp_path / "nb201.nasbench")
    subprocess.run([program("nas-bench"), "import", "--nb201-csv",
                    os.path.join(data, "nb201", "nb201_final.csv"),
                    os.path.join(data, "nb201", "nb201_hp12_mean.csv"), "--out", out],
                   check=True, capture_output=True)
    benchmark = nasrun.open_benchmark(out)
    cli = json.loads(subprocess.run(
        [program("nas-bench"), "query", out, "--index", "9930", "--dataset", "cifar100", "--json"],
        capture_output=True, text=True, check=True).stdout)
    assert benchmark.results(9930, "cifar100") == cli
    curves = benchmark.curves("cifar100", "test_acc")
    assert curves.shape[1:] == (3, 1)
