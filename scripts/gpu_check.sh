#!/usr/bin/env bash
# The GPU check: bnn's training steps on `--backend webgpu` (tfjs-backend-webgpu over Deno's
# WebGPU → Vulkan) for the paper's MNIST MLP and CIFAR-10 VGG, the projected CIFAR-10 epoch, and
# PyTorch's same steps on the same GPU (CUDA) for the ratio. Two phases:
#
#   bash scripts/gpu_check.sh prepare   here, on the development machine (needs deno, xz, apt):
#       writes .cache/gpu/ (gitignored): deno.xz (this Deno, xz -9, ~30 MB), tfjs_bench.js (the
#       benchmark and its npm dependencies bundled into one file: the GPU machine has no
#       registry) and gl/*.deb (the Vulkan/EGL loaders, apt-get download, amd64).
#   bash scripts/gpu_check.sh [run]     on the GPU machine (device tool: carry [".cache/gpu"]),
#       or here to try it on lavapipe: unpacks the loaders (when libvulkan is missing; root) and
#       Deno, names the adapter, runs the bench on webgpu, then PyTorch (cuda when available).
#
# Knobs (environment): GPU_CHECK_MODELS (default "mlp vgg"), GPU_CHECK_STEPS (timed steps,
# default 10; warm-up 2), GPU_CHECK_VGG_WIDTH (default 1, the paper's VGG; 0.0625 for a quick try
# on a software Vulkan), GPU_CHECK_TORCH_DEVICE (default cuda if PyTorch sees one, else cpu;
# none: skip), GPU_CHECK_OUT (default $OUT or .cache/gpu/out: the JSON lines and the summary),
# GPU_CHECK_UNPACK_DENO=1 (use the carried Deno even where one is installed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pack=.cache/gpu

prepare() {
  mkdir -p "$pack/gl"
  echo "gpu_check: bundling bench/tfjs_bench.ts with its npm dependencies"
  deno bundle --quiet --platform deno bench/tfjs_bench.ts -o "$pack/tfjs_bench.js"
  echo "gpu_check: compressing $(command -v deno) (xz -9)"
  xz -9 -T2 -c "$(readlink -f "$(command -v deno)")" >"$pack/deno.xz.tmp"
  mv "$pack/deno.xz.tmp" "$pack/deno.xz"
  echo "gpu_check: downloading the Vulkan/EGL loaders (amd64 .deb)"
  local o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/bnn-apt"
  mkdir -p /tmp/bnn-apt/partial
  # shellcheck disable=SC2086
  apt-get -qq $o update
  # shellcheck disable=SC2086
  (cd "$pack/gl" && apt-get -qq $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 \
    libglx0 libgles2)
  du -sh "$pack"/* | sed 's/^/gpu_check: /'
  echo "gpu_check: ready; on the GPU machine: bash scripts/gpu_check.sh (carry .cache/gpu)"
}

# The loaders and Deno, unpacked where they are missing.
unpack() {
  if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; then
    [ "$(id -u)" = 0 ] || { echo "gpu_check: libvulkan missing and not root" >&2; exit 2; }
    for f in "$pack"/gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  local nv=/usr/local/nvidia/share
  if [ -f $nv/vulkan/icd.d/nvidia_icd.json ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
    export VK_DRIVER_FILES=$nv/vulkan/icd.d/nvidia_icd.json
    export __EGL_VENDOR_LIBRARY_FILENAMES=$nv/glvnd/egl_vendor.d/10_nvidia.json
  fi
  if ! command -v deno >/dev/null || [ -n "${GPU_CHECK_UNPACK_DENO:-}" ]; then
    mkdir -p /tmp/bnn-gpu
    xz -dc "$pack/deno.xz" >/tmp/bnn-gpu/deno 2>/dev/null ||
      python3 -c "import lzma,sys; sys.stdout.buffer.write(lzma.open('$pack/deno.xz').read())" \
        >/tmp/bnn-gpu/deno
    chmod +x /tmp/bnn-gpu/deno
    export PATH=/tmp/bnn-gpu:$PATH
  fi
  export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
}

# One JSON line from the bundled bench on webgpu, or from PyTorch.
bnn_bench() {
  deno run -A "$pack/tfjs_bench.js" --backend webgpu --model "$1" --steps "$steps" \
    --warmup 2 --width "$width" | tail -n 1
}
torch_bench() {
  "$py" bench/torch_bench.py --model "$1" --steps "$steps" --warmup 2 --width "$width" \
    --device "$torch_device" --threads "$(nproc)" | tail -n 1
}

# The summary of one model: step times, the projected epoch, the ratios, the slowest kernels.
summary() {
  python3 - "$1" "$2" "$3" "$width" <<'EOF'
import json, sys
model, bnn, torch, width = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], float(sys.argv[4])
torch = json.loads(torch) if torch.startswith("{") else None
steps, cpu_ms, name = (540, 95, "MNIST (54,000 images, 540 steps of 100)") if model == "mlp" else \
    (900, 979, "CIFAR-10 (45,000 images, 900 steps of 50)")
evals = 16000 if model == "mlp" else 15000  # validation + test images evaluated per epoch
what = "MLP 784-2048x3-10" if model == "mlp" else f"VGGBinaryConnect width {width:g}"
print(f"\n== {what}: bnn on {bnn['backend']}, batch {bnn['batch']}, {bnn['weights']:,} binary weights")
for k, opt in (("bayes_ms", "BayesBiNN"), ("ste_ms", "STE")):
    line = f"{opt:9}: {bnn[k]:9.1f} ms/step"
    if torch:
        line += f" | PyTorch ({torch['backend']}) {torch[k]:8.1f} ms | PyTorch ms / bnn ms = {torch[k] / bnn[k]:.2f}"
    print(line)
epoch = steps * bnn["bayes_ms"] / 1000 + evals / bnn["eval_img_s"]
print(f"projected {name} BayesBiNN epoch: {epoch:.0f} s = {epoch / 60:.1f} min "
      f"(steps + {evals:,} eval images at {bnn['eval_img_s']:.0f} img/s)")
if model == "mlp" or width == 1:
    print(f"BayesBiNN step vs bnn's CPU step on the 2-core dev machine ({cpu_ms} ms, README): "
          f"{cpu_ms / bnn['bayes_ms']:.2f}x as fast (target on an H100: >= 10x)")
print("slowest kernels of a BayesBiNN step (tfjs profiler, ms):",
      ", ".join(f"{n} {ms}" for n, ms in bnn.get("slowest_kernels_ms", [])))
EOF
}

run() {
  unpack
  steps=${GPU_CHECK_STEPS:-10}
  width=${GPU_CHECK_VGG_WIDTH:-1}
  out=${GPU_CHECK_OUT:-${OUT:-$pack/out}}
  mkdir -p "$out"
  py=none # the python3 that has PyTorch (Debian's /usr/bin/python3 on the development machine)
  for p in python3 /usr/bin/python3; do "$p" -c "import torch" 2>/dev/null && py=$p && break; done
  torch_device=${GPU_CHECK_TORCH_DEVICE:-$([ "$py" = none ] && echo none || "$py" -c \
    "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')")}
  echo "gpu_check: $(deno --version | head -n 1); PyTorch device: $torch_device"
  deno eval 'const a = await navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
    const i = a?.info;
    console.log("gpu_check: WebGPU adapter:", i ? `${i.description} (vendor ${i.vendor}, ` +
      `${i.architecture || "?"}, fallback ${i.isFallbackAdapter})` : "none");'
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total \
    --format=csv,noheader | sed 's/^/gpu_check: nvidia-smi: /'
  for model in ${GPU_CHECK_MODELS:-mlp vgg}; do
    local t0=$SECONDS bnn torch=none
    bnn=$(bnn_bench "$model")
    echo "$bnn" >>"$out/bnn_webgpu.jsonl"
    echo "gpu_check: bnn $model done in $((SECONDS - t0)) s"
    if [ "$torch_device" != none ]; then
      torch=$(torch_bench "$model")
      echo "$torch" >>"$out/torch.jsonl"
    fi
    summary "$model" "$bnn" "$torch" | tee -a "$out/summary.txt"
  done
}

case "${1:-run}" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: bash scripts/gpu_check.sh [prepare|run]" >&2; exit 2 ;;
esac
