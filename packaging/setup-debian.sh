#!/usr/bin/env bash
# Installs every Debian package that building, running and testing AWQ Workbench needs.
# OpenBLAS matters: without it Debian's libtorch falls back to reference BLAS and its matmuls run
# ~25x slower. The OpenMP build shares libtorch's OpenMP threads, so products use every core; the
# pthread build would spin against them (core/base/runtime.h), so it is not the one selected.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config \
  libtorch-dev libopenblas0-openmp \
  qt6-base-dev libqcustomplot-dev libgl-dev \
  libhdf5-dev hdf5-tools \
  nlohmann-json3-dev libcli11-dev \
  xvfb xauth >/dev/null
# Another package may have brought the pthread build, whose alternatives rank higher: select ours.
for link in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  $SUDO update-alternatives --quiet --set "$link-x86_64-linux-gnu" "/usr/lib/x86_64-linux-gnu/openblas-openmp/$link"
done
