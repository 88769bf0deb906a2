#!/usr/bin/env bash
# One-time setup of a machine for bnn (idempotent; needs root for apt):
#   - Debian packages: OpenBLAS (the fast GEMM path, through Deno FFI), gcc (bnn's native
#     kernels), xz (the stored CIFAR copies), python3-onnx (the ONNX checker the tests use),
#     librsvg2-bin (rsvg-convert, which renders the SVG plots in a test), libdnnl2/libdnnl-dev
#     (oneDNN 2.6.3, PyTorch's convolution library, through FFI), mesa-vulkan-drivers (a software
#     Vulkan, so that the WebGPU backend's tests run without a GPU), chromium (the headless
#     browser that tests the served page), slurmctld/slurmd/slurm-client/munge (a one-node Slurm
#     that the sweep tests start and stop themselves: there is no systemd);
#   - Deno 2.9.6 from npm, when it is missing;
#   - the npm dependencies pinned in deno.lock, and bnn's native kernels (.cache/native/).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenblas0-pthread gcc libc6-dev xz-utils python3-onnx librsvg2-bin
  libdnnl2 libdnnl-dev mesa-vulkan-drivers chromium slurmctld slurmd slurm-client munge)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v deno >/dev/null 2>&1; then
  echo "setup: installing deno 2.9.6 from npm"
  npm install -g deno@2.9.6 >/dev/null 2>&1
fi

deno install --frozen
deno run --allow-read --allow-write --allow-run train/backend/build_native.ts
