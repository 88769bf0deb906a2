"""PyTorch counterpart of bench/conv_bench.ts: the VGG's convolutions of one training step
(batch 50; forward + backward, no input gradient for the first layer), best of N per layer, with
2 threads. Prints one JSON line. Run as
  LD_PRELOAD=libtcmalloc_minimal.so.4 /usr/bin/python3 bench/torch_conv_bench.py [REPEATS]
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

LAYERS = [(3, 128, 32), (128, 128, 32), (128, 256, 16), (256, 256, 16), (256, 512, 8), (512, 512, 8)]


def main():
    torch.set_num_threads(2)
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    per_layer = []
    for i, (c, co, s) in enumerate(LAYERS):
        x = torch.randn(50, c, s, s, requires_grad=i > 0)
        w = torch.randn(co, c, 3, 3, requires_grad=True)
        g = torch.randn(50, co, s, s)
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            F.conv2d(x, w, padding=1).backward(g)
            best = min(best, time.perf_counter() - t0)
            w.grad = x.grad = None
        per_layer.append(round(best * 1000))
    print(json.dumps({"framework": "torch", "backend": f"torch {torch.__version__} 2 threads",
                      "conv_ms": sum(per_layer), "per_layer_ms": per_layer}))


if __name__ == "__main__":
    main()
