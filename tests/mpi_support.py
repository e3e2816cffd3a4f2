"""What the MPI tests share: mpirun and its flags (-np 3: rank 0 and two worker ranks), skipping
where mpirun is missing, and finding the ranks' processes."""
import os
import shutil
import sys

MPIRUN = shutil.which("mpirun")
MPI_FLAGS = ["--allow-run-as-root", "--oversubscribe", "-np", "3"]
# Under scripts/sanitize.sh, LeakSanitizer reports what OpenMPI itself (its dlopen'ed components,
# hwloc) still holds at exit, in every rank; the programs' own allocations are leak-checked by
# every other test, so the MPI tests check addresses and undefined behaviour only.
if "ASAN_OPTIONS" in os.environ:
    os.environ["ASAN_OPTIONS"] += ":detect_leaks=0"


def skip_without_mpirun():
    """Exits 77 (CTest: skipped), saying so, when mpirun is not installed."""
    if MPIRUN is None:
        print("SKIPPED: mpirun is not installed (Debian: openmpi-bin)")
        sys.exit(77)


def rank_pids(mpirun_pid):
    """{rank: pid} of the processes mpirun started (found by their OMPI_COMM_WORLD_RANK)."""
    ranks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
            parent = int(stat[stat.rindex(")") + 2:].split()[1])
            environ = open(f"/proc/{entry}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        if parent != mpirun_pid:
            continue
        for variable in environ:
            if variable.startswith(b"OMPI_COMM_WORLD_RANK="):
                ranks[int(variable.split(b"=")[1])] = int(entry)
    return ranks
