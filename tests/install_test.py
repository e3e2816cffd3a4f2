#!/usr/bin/python3
"""cmake --install into a temporary prefix, then use all it holds: the installed nas-run finds
the embedded benchmark under the prefix, a C++ program configured with find_package(nasrun)
lists the strategies (registered by static objects: the layers are linked whole) and opens the
benchmark, and the installed Python package imports and runs a study.

Usage: install_test.py BUILD_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys

CONSUMER_CMAKE = """cmake_minimum_required(VERSION 3.24)
project(consumer CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(nasrun REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE nasrun::study)
target_compile_definitions(consumer PRIVATE EMBEDDED="${NASRUN_EMBEDDED_BENCHMARK}")
"""

CONSUMER_MAIN = """#include <cstdio>

#include "bench/benchmark.hpp"
#include "search/multi_fidelity.hpp"

int main() {
  for (const auto& [name, description] : nasrun::search::all_strategies())
    std::printf("strategy %s\\n", name.c_str());
  const auto b = nasrun::bench::Benchmark::open(EMBEDDED);
  std::printf("benchmark %s %zu %s\\n", EMBEDDED, b.num_archs(),
              b.tables().front().dataset().c_str());
}
"""


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def main():
    build, work = (os.path.abspath(p) for p in sys.argv[1:3])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    prefix = os.path.join(work, "prefix")
    run(["cmake", "--install", build, "--prefix", prefix])
    env = {k: v for k, v in os.environ.items()
           if k not in ("NASRUN_DATA_DIR", "NASRUN_PLUGIN_DIR", "PYTHONPATH")}
    embedded = os.path.join(prefix, "share", "nas-run", "fashion-mnist-nb201.nasbench")
    assert os.path.exists(embedded), embedded

    # The installed program, from elsewhere, with its default benchmark.
    out = os.path.join(work, "study")
    run([os.path.join(prefix, "bin", "nas-run"), "--strategy", "rs", "--seeds", "2", "--budget",
         "5x", "--out", out], cwd=work, env=env)
    with open(os.path.join(out, "config.json")) as f:
        config = json.load(f)
    assert embedded in json.dumps(config), "the installed nas-run read another benchmark"

    # A C++ consumer of the CMake package.
    source = os.path.join(work, "consumer")
    os.makedirs(source)
    with open(os.path.join(source, "CMakeLists.txt"), "w") as f:
        f.write(CONSUMER_CMAKE)
    with open(os.path.join(source, "main.cpp"), "w") as f:
        f.write(CONSUMER_MAIN)
    binary = os.path.join(work, "consumer-build")
    run(["cmake", "-S", source, "-B", binary, "-DCMAKE_BUILD_TYPE=Release",
         f"-DCMAKE_PREFIX_PATH={prefix}"], env=env)
    run(["cmake", "--build", binary, "-j2"], env=env)
    listing = run([os.path.join(binary, "consumer")], env=env).splitlines()
    for name in ["re", "tpe", "rs", "ls"]:
        assert f"strategy {name}" in listing, listing
    assert f"benchmark {embedded} 15625 fashion-mnist" in listing, listing

    # The installed Python package.
    site = os.path.join(prefix, "lib", "python3", "dist-packages")
    script = (
        "import nasrun, sys\n"
        f"assert nasrun.__file__.startswith({site!r}), nasrun.__file__\n"
        f"assert nasrun.embedded_benchmark_path() == {embedded!r}, nasrun.embedded_benchmark_path()\n"
        "assert len(nasrun.open_benchmark()) == 15625\n"
        "s = nasrun.run_study(strategy='rs', seeds=2, budget='5x')\n"
        "assert s['combinations'][0]['runs'] == 2\n"
        "import nasrun.optuna_strategies\n"
    )
    run([sys.executable, "-c", script], cwd=work, env={**env, "PYTHONPATH": site})
    print("installed programs, CMake package and Python package all work from", prefix)


if __name__ == "__main__":
    main()
