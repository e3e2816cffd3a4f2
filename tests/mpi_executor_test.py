#!/usr/bin/python3
"""nas-run --executor mpi under mpirun (-np 3: rank 0 searches, ranks 1 and 2 train) on the
embedded benchmark: the ranks' results equal the local workers' job for job (each job's result
depends on its launch order only), the traces carry the real and charged times, every worker
rank trains, and a rerun resumes. Misuse is refused with a clear message, on every rank, with no
rank left waiting. A study whose worker rank or master is killed with SIGKILL ends, and its rerun
resumes it from the runs saved before, which it keeps as they were; a master killed in the middle
of a run resumes it from its journal, training none of the journaled jobs again.

    mpi_executor_test.py NAS_RUN WORK_DIR

Exits 77 (CTest: skipped) with a message when mpirun is not installed."""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from mpi_support import MPI_FLAGS, MPIRUN, rank_pids, skip_without_mpirun

TIMEOUT_S = 300


def run(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, env=env)
    return result.returncode, result.stdout + result.stderr


def traces(folder):
    """{file name: (header line, rows as dicts)} of a study's traces."""
    out = {}
    for name in sorted(os.listdir(os.path.join(folder, "traces"))):
        text = open(os.path.join(folder, "traces", name)).read()
        lines = [l for l in text.splitlines() if not l.startswith("#")]
        out[name] = (lines[0], list(csv.DictReader(io.StringIO("\n".join(lines)))))
    return out


def kill_and_resume(nas_run, work, rank, check):
    """Kills `rank` with SIGKILL once the study's first run is saved; the whole MPI job ends;
    the same command then resumes: the runs saved before are kept byte for byte, not run again,
    and every run is there once."""
    out = os.path.join(work, f"killed-rank{rank}")
    # Each run lasts 1.5 s of real time: five runs take long enough to be killed in the middle.
    command = [MPIRUN, *MPI_FLAGS, nas_run, "--executor", "mpi", "--strategy", "rs",
               "--evaluator", "sotle", "--seeds", "5", "--budget", "1.5s", "--budget-clock",
               "real", "--max-evaluations", "2000", "--out", out]
    mpirun = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    traces_dir = os.path.join(out, "traces")
    deadline = time.time() + 120
    while time.time() < deadline and not (
            os.path.isdir(traces_dir) and any(n.endswith(".csv") for n in os.listdir(traces_dir))):
        time.sleep(0.05)
    ranks = rank_pids(mpirun.pid)
    if rank not in ranks:
        mpirun.kill()
        check(False, f"rank {rank} of mpirun not found (ranks {ranks})")
        return
    os.kill(ranks[rank], signal.SIGKILL)
    output = mpirun.communicate(timeout=TIMEOUT_S)[0]
    check(mpirun.returncode != 0, f"mpirun went on after rank {rank} was killed:\n{output}")
    # The runs saved: their traces (the run in progress left its journal beside them).
    saved = {name: open(os.path.join(traces_dir, name)).read() for name in os.listdir(traces_dir)
             if name.endswith(".csv")}
    check(0 < len(saved) < 5, f"killing rank {rank}: {len(saved)} of 5 runs saved, expected some")
    code, output = run(command)
    check(code == 0, f"the rerun after killing rank {rank} failed ({code}):\n{output}")
    after = {name: open(os.path.join(traces_dir, name)).read() for name in os.listdir(traces_dir)}
    check(all(name.endswith(".csv") for name in after), f"files left beside the traces: {sorted(after)}")
    check(len(after) == 5, f"after the rerun {len(after)} runs, expected 5")
    check(all(after.get(name) == text for name, text in saved.items()),
          f"the rerun after killing rank {rank} changed a run saved before")


def journal_lines(path):
    """The journaled jobs of a run's journal (its complete lines after the header), or []."""
    try:
        text = open(path).read()
    except OSError:
        return []
    return [json.loads(line) for line in text.split("\n")[1:-1]]


def kill_master_mid_run(nas_run, work, check):
    """Kills the master with SIGKILL in the middle of a run, once jobs are journaled; the rerun
    resumes the run from its journal: no journaled job is trained again (each keeps the real
    times it was journaled with, which a training again would measure anew), the jobs running at
    the kill are trained again, and the trace holds every job once."""
    out = os.path.join(work, "killed-mid-run")
    jobs = 3000
    # Regularised Evolution proposes after what it was told: the rerun must replay the journal
    # in its order to ask the same jobs.
    command = [MPIRUN, *MPI_FLAGS, nas_run, "--executor", "mpi", "--strategy", "re",
               "--evaluator", "sotle", "--seeds", "1", "--budget", "1e9",
               "--max-evaluations", str(jobs), "--out", out]
    journal = os.path.join(out, "traces", "re__sotle__run000.journal")
    mpirun = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(journal_lines(journal)) < 50 and mpirun.poll() is None:
        time.sleep(0.01)
    ranks = rank_pids(mpirun.pid)
    if 0 not in ranks:
        mpirun.kill()
        check(False, f"the master of mpirun not found (ranks {ranks}): "
              f"{mpirun.communicate()[0]}")
        return
    os.kill(ranks[0], signal.SIGKILL)
    output = mpirun.communicate(timeout=TIMEOUT_S)[0]
    check(mpirun.returncode != 0, f"mpirun went on after the master was killed:\n{output}")
    before = journal_lines(journal)
    check(50 <= len(before) < jobs,
          f"killed with {len(before)} of {jobs} jobs journaled, expected some but not all")
    check(not os.path.exists(os.path.join(out, "traces", "re__sotle__run000.csv")),
          "the run's trace was written before the kill")
    code, output = run(command)
    check(code == 0, f"the rerun after killing the master mid-run failed ({code}):\n{output}")
    check(not os.path.exists(journal), "the journal was left after the run's trace was written")
    rows = traces(out).get("re__sotle__run000.csv", ("", []))[1]
    check(len(rows) == jobs, f"the resumed run has {len(rows)} rows, expected {jobs}")
    check(sorted(int(r["job"]) for r in rows) == list(range(1, jobs + 1)),
          "the resumed run's trace does not hold every job once")
    by_job = {int(r["job"]): r for r in rows}
    retrained = [e["job"] for e in before
                 if e["job"] not in by_job
                 or float(by_job[e["job"]]["real_time_s"]) != e["real_time_s"]
                 or float(by_job[e["job"]]["score"]) != e["score"]]
    check(not retrained, f"journaled jobs trained again or changed: {retrained[:10]}")
    # The jobs after the journaled ones were trained by the rerun, after the resumed clock.
    last = max(e["real_time_s"] for e in before)
    later = [r for r in rows if int(r["job"]) not in {e["job"] for e in before}]
    check(later and all(float(r["real_time_s"]) >= last for r in later),
          "a job trained by the rerun completed before the last journaled one")


def main():
    nas_run, work = sys.argv[1], sys.argv[2]
    skip_without_mpirun()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)

    study = ["--strategy", "rs,re", "--evaluator", "sotle", "--seeds", "2", "--budget", "1e9",
             "--max-evaluations", "24"]
    mpi_out = os.path.join(work, "mpi")
    code, output = run([MPIRUN, *MPI_FLAGS, nas_run, "--executor", "mpi", *study,
                        "--out", mpi_out])
    check(code == 0, f"mpirun nas-run --executor mpi failed ({code}):\n{output}")
    local_out = os.path.join(work, "local")
    code, output = run([nas_run, "--executor", "local", "--workers", "2", *study,
                        "--out", local_out])
    check(code == 0, f"nas-run --executor local failed ({code}):\n{output}")
    if failures:
        sys.exit("\n".join(failures))

    config = json.load(open(os.path.join(mpi_out, "config.json")))
    check(config.get("executor") == "mpi" and config.get("workers") == 2,
          f"config.json records executor {config.get('executor')}, workers {config.get('workers')}")
    mpi, local = traces(mpi_out), traces(local_out)
    check(sorted(mpi) == sorted(local), f"trace files differ: {sorted(mpi)} vs {sorted(local)}")
    for name, (header, rows) in mpi.items():
        check(header.endswith(",job,worker,attempts,failed,real_s,real_time_s,charged_time_s"),
              f"{name}: header without the real columns: {header}")
        check(len(rows) == 24, f"{name}: {len(rows)} rows, expected 24")
        check({r["worker"] for r in rows} == {"0", "1"},
              f"{name}: workers {sorted({r['worker'] for r in rows})}, expected both ranks")
        check(all(float(r["real_s"]) >= 0 and float(r["charged_time_s"]) > 0 for r in rows),
              f"{name}: a negative real or charged time")
        check(all(r["attempts"] == "1" and r["failed"] == "0" for r in rows),
              f"{name}: a job was tried again or failed")
        if name.startswith("rs__"):
            # Random Search proposes the same whatever it is told: job n is the same evaluation
            # on MPI ranks and on local threads.
            by_job = lambda rs: sorted((int(r["job"]), r["arch"], r["score"]) for r in rs)
            check(by_job(rows) == by_job(local[name][1]),
                  f"{name}: the MPI ranks' jobs differ from the local workers'")

    # A rerun of the same command resumes: every run is on disk, nothing is trained again.
    code, output = run([MPIRUN, *MPI_FLAGS, nas_run, "--executor", "mpi", *study,
                        "--out", mpi_out])
    check(code == 0 and traces(mpi_out) == mpi, f"the rerun did not resume ({code}):\n{output}")

    # Misuse: too few ranks, or --workers against the ranks.
    code, output = run([nas_run, "--executor", "mpi", *study, "--out", os.path.join(work, "one")])
    check(code == 2 and "--executor mpi needs at least 2 MPI ranks" in output,
          f"one rank: expected the usage error, got ({code}):\n{output}")
    code, output = run([MPIRUN, *MPI_FLAGS, nas_run, "--executor", "mpi", "--workers", "5",
                        *study, "--out", os.path.join(work, "five")])
    check(code != 0 and "--workers 5 with --executor mpi: the workers are the ranks after the "
          "first, 2 here" in output, f"--workers 5: expected the usage error, got ({code}):\n{output}")
    # A failure on rank 0 only (its output folder is locked by another nas-run... here: is a
    # file) stops the worker ranks too.
    blocked = os.path.join(work, "a-file")
    open(blocked, "w").write("not a folder\n")
    code, output = run([MPIRUN, *MPI_FLAGS, nas_run, "--executor", "mpi", *study,
                        "--out", blocked])
    check(code != 0 and "is not a folder" in output,
          f"--out a file: expected the error on rank 0, got ({code}):\n{output}")

    # SIGKILL a worker rank, then the master, in the middle of a study; rerun each.
    kill_and_resume(nas_run, work, 1, check)
    kill_and_resume(nas_run, work, 0, check)
    kill_master_mid_run(nas_run, work, check)

    if failures:
        sys.exit("\n".join(failures))
    print(f"MPI executor: {len(mpi)} runs on 2 worker ranks match the local workers; studies "
          "killed at a worker and at the master resume, mid-run from the journal")


if __name__ == "__main__":
    main()
