#!/usr/bin/python3
"""nas-bench tabulate --executor mpi under mpirun (-np 3: rank 0 keeps the journal, ranks 1 and 2
train) on tiny live trainings of fake CIFAR-10 data: its records equal a serial tabulation's
(one local worker) bit for bit but for the measured times, and so do its zero-cost proxies
(--proxies, with the trainings or added to a finished tabulation); a rerun resumes, one
tabulation per journal whatever the executor (serial against MPI, MPI against serial), and a
tabulation whose worker rank or master is killed with SIGKILL resumes on rerun: every record
written before is kept, every planned training is in the journal once, and the results equal
the serial ones.
Misuse is refused with a clear message.

    mpi_tabulate_test.py NAS_BENCH WORK_DIR

Exits 77 (CTest: skipped) with a message when mpirun is not installed."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

from mpi_support import MPI_FLAGS, MPIRUN, rank_pids, skip_without_mpirun

TIMEOUT_S = 300
# 20 architectures with seed 0, six of them also with seed 1.
PLANNED = 26
MEASURED = {"train_time", "eval_time"}


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    return result.returncode, result.stdout + result.stderr


def write_fake_cifar(folder):
    """CIFAR-10 binary files (a label byte, then 3x32x32 pixels per image) of random images."""
    os.makedirs(folder)
    rng = random.Random(7)
    for name, count in [(f"data_batch_{b}.bin", 128) for b in range(1, 6)] + [("test_batch.bin", 64)]:
        with open(os.path.join(folder, name), "wb") as f:
            for _ in range(count):
                f.write(bytes([rng.randrange(10)]) + rng.randbytes(3072))


def tabulate_args(data, out):
    return ["tabulate", "--out", out, "--dataset", "cifar10", "--archs", "sample:20",
            "--extra-seeds", "1", "--extra-fraction", "0.3",
            "--source-option", f"data_dir={data}", "--source-option", "epochs=2",
            "--source-option", "channels=4", "--source-option", "cells=1",
            "--source-option", "image_size=16", "--source-option", "train_subset=256",
            "--source-option", "valid_subset=64", "--source-option", "test_subset=64",
            "--source-option", "batch=64", "--source-option", "augment=false"]


def journal_lines(out):
    try:
        return open(out + ".journal").read().split("\n")[:-1]  # complete lines only
    except FileNotFoundError:
        return []


def results(out):
    """{(arch, seed): record without the measured times} of a journal's records."""
    records = {}
    for line in journal_lines(out)[1:]:
        r = json.loads(line)
        r["series"] = {k: v for k, v in r["series"].items() if k not in MEASURED}
        records[(r["arch"], r["seed"])] = r
    return records


def proxy_results(out):
    """{(arch, seed): {proxy: value}} of a proxies' journal, without the measured seconds."""
    records = {}
    for line in open(out + ".proxies.journal").read().split("\n")[1:-1]:
        r = json.loads(line)
        key = (r["arch"], r["seed"])
        if key in records:
            sys.exit(f"{out}.proxies.journal: the proxies of {key} twice")
        records[key] = {name: pair[0] for name, pair in r["proxies"].items()}
    return records


def wait_for_lines(out, n, process):
    """Waits (at most two minutes, and while `process` runs) until the journal has n lines."""
    deadline = time.time() + 120
    while len(journal_lines(out)) < n and process.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    return len(journal_lines(out))


def main():
    nas_bench, work = sys.argv[1], sys.argv[2]
    skip_without_mpirun()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    data = os.path.join(work, "cifar")
    write_fake_cifar(data)
    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)

    def mpi(out, *extra):
        return [MPIRUN, *MPI_FLAGS, nas_bench, *tabulate_args(data, out), "--executor", "mpi",
                *extra]

    def serial(out):
        return [nas_bench, *tabulate_args(data, out), "--workers", "1"]

    serial_out = os.path.join(work, "serial.nasbench")
    code, output = run(serial(serial_out))
    if code != 0:
        sys.exit(f"the serial tabulation failed ({code}):\n{output}")
    expected = results(serial_out)
    if len(expected) != PLANNED:
        sys.exit(f"the serial tabulation journaled {len(expected)} trainings, expected {PLANNED}")

    def check_complete(out, what):
        lines = journal_lines(out)
        check(len(lines) == PLANNED + 1 and len(set(lines)) == len(lines),
              f"{what}: {len(lines)} journal lines ({len(set(lines))} distinct), expected "
              f"{PLANNED + 1}: a training lost or trained twice")
        check(results(out) == expected, f"{what}: the results differ from the serial tabulation's")
        check(os.path.exists(out) and not os.path.exists(out + ".lock"),
              f"{what}: no benchmark written, or the lock left behind")

    # The ranks' tabulation equals the serial one; its benchmark holds the same results.
    mpi_out = os.path.join(work, "mpi.nasbench")
    code, output = run(mpi(mpi_out))
    check(code == 0, f"mpirun nas-bench tabulate --executor mpi failed ({code}):\n{output}")
    check(f"{PLANNED} trainings done now, 0 resumed from the journal, {PLANNED} planned" in output,
          f"--executor mpi: unexpected report:\n{output}")
    check_complete(mpi_out, "--executor mpi")
    for arch, seed in sorted(expected):
        answers = []
        for out in (serial_out, mpi_out):
            code, output = run([nas_bench, "query", out, "--index", str(arch), "--seed", str(seed),
                                "--json"])
            check(code == 0, f"query --index {arch} --seed {seed} of {out} failed:\n{output}")
            answer = json.loads(output) if code == 0 else {}
            answer.pop("costs", None)  # the measured times per epoch
            for key in ("final", "curves"):
                for name in MEASURED:
                    answer.get(key, {}).pop(name, None)
            answers.append(answer)
        check(answers[0] == answers[1],
              f"architecture {arch} with seed {seed}: the MPI benchmark differs from the serial one")

    # A rerun resumes: nothing is trained again.
    before = journal_lines(mpi_out)
    code, output = run(mpi(mpi_out))
    check(code == 0 and f"0 trainings done now, {PLANNED} resumed from the journal" in output
          and journal_lines(mpi_out) == before, f"the rerun did not resume ({code}):\n{output}")

    # The zero-cost proxies travel with the trainings: computed on the worker ranks, they equal
    # a serial tabulation's, whether they come with the trainings or are added to a finished
    # tabulation (then nothing is trained again); and they change no training's result.
    serial_proxies = os.path.join(work, "serial-proxies.nasbench")
    code, output = run(serial(serial_proxies) + ["--proxies"])
    if code != 0:
        sys.exit(f"the serial tabulation with --proxies failed ({code}):\n{output}")
    expected_proxies = proxy_results(serial_proxies)
    check(len(expected_proxies) == PLANNED and results(serial_proxies) == expected,
          "--proxies: the serial tabulation's proxies are not all there, or its trainings differ")
    mpi_proxies = os.path.join(work, "mpi-proxies.nasbench")
    code, output = run(mpi(mpi_proxies, "--proxies"))
    check(code == 0, f"--executor mpi --proxies failed ({code}):\n{output}")
    check_complete(mpi_proxies, "--executor mpi --proxies")
    check(proxy_results(mpi_proxies) == expected_proxies,
          "--executor mpi --proxies: the proxies differ from the serial ones")
    before = journal_lines(mpi_out)
    code, output = run(mpi(mpi_out, "--proxies"))
    check(code == 0 and journal_lines(mpi_out) == before,
          f"--proxies on a finished MPI tabulation failed or changed its trainings ({code}):\n"
          f"{output}")
    check(proxy_results(mpi_out) == expected_proxies,
          "--proxies added by the ranks: the proxies differ from the serial ones")
    code, output = run(mpi(mpi_out, "--proxies"))
    check(code == 0 and f"0 trainings done now, {PLANNED} resumed from the journal" in output,
          f"the rerun with --proxies did not resume ({code}):\n{output}")

    # Misuse: one rank, or --workers against the ranks.
    code, output = run([nas_bench, *tabulate_args(data, os.path.join(work, "one.nasbench")),
                        "--executor", "mpi"])
    check(code == 2 and "--executor mpi needs at least 2 MPI ranks" in output,
          f"one rank: expected the usage error, got ({code}):\n{output}")
    code, output = run(mpi(os.path.join(work, "workers.nasbench"), "--workers", "2"))
    check(code != 0 and "--workers with --executor mpi: the workers are the ranks after the "
          "first, 2 here" in output, f"--workers: expected the usage error, got ({code}):\n{output}")
    code, output = run([nas_bench, *tabulate_args(data, os.path.join(work, "x.nasbench")),
                        "--executor", "threads"])
    check(code == 2 and "--executor 'threads': expected local or mpi" in output,
          f"--executor threads: expected the usage error, got ({code}):\n{output}")

    # One tabulation per journal, whatever the executor: the second is refused, and the first,
    # stopped meanwhile, then ends with every training once.
    def refused_while_held(holder_command, held_process_of, second_command, what):
        out = holder_command[holder_command.index("--out") + 1]
        holder = subprocess.Popen(holder_command, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        # Its journal exists once it holds the lock.
        if wait_for_lines(out, 1, holder) < 1:
            holder.kill()
            check(False, f"{what}: the first tabulation wrote no journal")
            return
        held = held_process_of(holder)
        os.kill(held, signal.SIGSTOP)
        code, output = run(second_command)
        os.kill(held, signal.SIGCONT)
        check(code != 0 and f"{out}.journal is in use by another tabulation (pid {held})" in output,
              f"{what}: expected the second tabulation refused, got ({code}):\n{output}")
        output = holder.communicate(timeout=TIMEOUT_S)[0]
        check(holder.returncode == 0, f"{what}: the first tabulation failed:\n{output}")
        check_complete(out, what)

    held = os.path.join(work, "held-serial.nasbench")
    refused_while_held(serial(held), lambda p: p.pid, mpi(held), "serial, then MPI")
    held = os.path.join(work, "held-mpi.nasbench")
    refused_while_held(mpi(held), lambda p: rank_pids(p.pid)[0], serial(held), "MPI, then serial")

    # SIGKILL a worker rank, then the master, in the middle of a tabulation; rerun each.
    for rank in (1, 0):
        out = os.path.join(work, f"killed-rank{rank}.nasbench")
        mpirun = subprocess.Popen(mpi(out), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        wait_for_lines(out, 4, mpirun)  # the settings and three records
        ranks = rank_pids(mpirun.pid)
        if rank not in ranks or mpirun.poll() is not None:
            mpirun.kill()
            check(False, f"rank {rank} of mpirun not found running (ranks {ranks})")
            continue
        os.kill(ranks[rank], signal.SIGKILL)
        output = mpirun.communicate(timeout=TIMEOUT_S)[0]
        check(mpirun.returncode != 0, f"mpirun went on after rank {rank} was killed:\n{output}")
        saved = journal_lines(out)
        check(4 <= len(saved) < PLANNED + 1,
              f"killing rank {rank}: {len(saved)} journal lines, expected some but not all")
        check(not os.path.exists(out), f"killing rank {rank}: a benchmark was written")
        code, output = run(mpi(out))
        check(code == 0, f"the rerun after killing rank {rank} failed ({code}):\n{output}")
        check(f"{PLANNED - len(saved) + 1} trainings done now, {len(saved) - 1} resumed" in output,
              f"the rerun after killing rank {rank} did not resume the journal:\n{output}")
        check(journal_lines(out)[:len(saved)] == saved,
              f"the rerun after killing rank {rank} changed a record written before")
        check_complete(out, f"killed at rank {rank}, rerun")

    shutil.rmtree(data)
    if failures:
        sys.exit("\n".join(failures))
    print(f"MPI tabulation: {PLANNED} trainings on 2 worker ranks equal the serial ones; resumed "
          "after killing a worker and the master; one tabulation per journal either way")


if __name__ == "__main__":
    main()
