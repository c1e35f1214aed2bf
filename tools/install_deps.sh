#!/usr/bin/env bash
# Installs the Debian packages heyhi needs, only those that are missing.
set -euo pipefail

packages=(
  cmake make g++ pkg-config
  libprotobuf-dev protobuf-compiler libprotoc-dev
  libabsl-dev libgflags-dev libgoogle-glog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev nlohmann-json3-dev clang-format
  # Only the fuzz targets (tests/fuzz) need them: clang, libFuzzer, ASan, UBSan.
  clang libclang-rt-14-dev
  # Only tests/svg_chart_test and the grid report's tests link it, to parse
  # the SVG and HTML they check.
  libxml2-dev
  # Only tests/grid_report_browser_test (label browser) runs it, to render the
  # HTML grid report headless.
  chromium-headless-shell
  libtorch-dev libgloo-dev zlib1g-dev
  # run's allocator (runners/run_main.cc says why).
  libtcmalloc-minimal4
  # OpenBLAS takes over libblas.so.3 from the reference BLAS that LibTorch's
  # matrix products would otherwise run on.
  libopenblas0-openmp
  dataset-fashion-mnist
  slurm-wlm munge
  git procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
