#!/usr/bin/env bash
# Installs every Debian package nas-run needs. Idempotent; run as root.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-debian.sh: must run as root (it calls apt-get install)" >&2
  exit 1
fi
packages=(
  build-essential cmake pkg-config
  libboost-program-options-dev libboost-graph-dev
  nlohmann-json3-dev catch2 libtbb-dev libbz2-dev zlib1g-dev
  libbenchmark-dev
  libsvm-dev libeigen3-dev
  libboost-mpi-dev openmpi-bin
  libtorch-dev
  gnuplot-nox
  python3
  pybind11-dev python3-pybind11 python3-numpy python3-pytest python3-optuna
  dataset-fashion-mnist
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
