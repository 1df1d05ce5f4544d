#!/usr/bin/env bash
# Installs every Debian package that building, running and testing AWQ Workbench needs.
# libopenblas0-pthread matters: without it Debian's libtorch falls back to reference BLAS
# and its matmuls run ~25x slower.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config \
  libtorch-dev libopenblas0-pthread \
  qt6-base-dev libqcustomplot-dev libgl-dev \
  libhdf5-dev hdf5-tools \
  nlohmann-json3-dev libcli11-dev \
  xvfb xauth >/dev/null
