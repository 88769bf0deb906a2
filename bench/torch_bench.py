"""PyTorch counterpart of bench/tfjs_bench.ts: the same models, batch sizes and steps.

Prints one JSON line: ms per BayesBiNN-like step and per STE+Adam step (medians after warm-up),
eval images/s and the process's peak RSS (VmHWM). Run by bench/main.ts as
  LD_PRELOAD=libtcmalloc_minimal.so.4 /usr/bin/python3 bench/torch_bench.py --model mlp
(Debian python3-torch with libopenblas0-pthread as libblas.so.3; 2 threads).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parameters_to_vector, vector_to_parameters


def mlp(hidden=2048, p=0.2):
    layers = [nn.Flatten(), nn.Dropout(p)]
    sizes = [784, hidden, hidden, hidden]
    for i in range(3):
        layers += [nn.Linear(sizes[i], sizes[i + 1], bias=False),
                   nn.BatchNorm1d(sizes[i + 1], eps=1e-4, momentum=0.15, affine=False),
                   nn.ReLU(), nn.Dropout(p)]
    layers += [nn.Linear(hidden, 10, bias=False), nn.BatchNorm1d(10, eps=1e-4, momentum=0.15, affine=False)]
    return nn.Sequential(*layers)


def vgg(width=1.0, classes=10):
    c = [round(n * width) for n in (128, 128, 256, 256, 512, 512)]
    fc = round(1024 * width)
    layers, cin = [], 3
    for i, co in enumerate(c):
        layers.append(nn.Conv2d(cin, co, 3, padding=1, bias=False))
        if i % 2 == 1:
            layers.append(nn.MaxPool2d(2))
        layers += [nn.BatchNorm2d(co, eps=1e-5, momentum=0.2, affine=False), nn.ReLU()]
        cin = co
    layers += [nn.Flatten(), nn.Linear(16 * c[5], fc, bias=False), nn.BatchNorm1d(fc, eps=1e-5, momentum=0.1, affine=False), nn.ReLU(),
               nn.Linear(fc, fc, bias=False), nn.BatchNorm1d(fc, eps=1e-5, momentum=0.1, affine=False), nn.ReLU(),
               nn.Linear(fc, classes, bias=False), nn.BatchNorm1d(classes, eps=1e-5, momentum=0.1, affine=False)]
    return nn.Sequential(*layers)


def peak_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def eval_only(model, a):
    """Eval images/s at batch a.eval_batch (bench/_int8_section.ts): about a second of timed
    no-grad forward passes per measurement, the median of three."""
    shape = (1, 28, 28) if a.model == "mlp" else (3, 32, 32)
    model.eval()
    x = torch.randn(a.eval_batch, *shape)

    def run(n):
        t0 = time.perf_counter()
        with torch.no_grad():
            for _ in range(n):
                model(x).sum().item()
        return time.perf_counter() - t0

    run(2)
    n = max(3, int(1.0 / max(run(1), 1e-4)))
    rate = statistics.median(n * a.eval_batch / run(n) for _ in range(3))
    return {"framework": "torch", "model": a.model, "batch": a.eval_batch, "eval_img_s": rate,
            "peak_mib": peak_mib()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="mlp", choices=["mlp", "vgg"])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda for the GPU check")
    ap.add_argument("--eval-batch", type=int, default=0, help="only time eval, at this batch size")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    dev = torch.device(a.device)
    model = (mlp() if a.model == "mlp" else vgg(a.width)).to(dev)
    if a.eval_batch:
        print(json.dumps(eval_only(model, a)))
        return
    batch, eval_batch = (100, 1000) if a.model == "mlp" else (50, 200)
    shape = (1, 28, 28) if a.model == "mlp" else (3, 32, 32)
    train_size = 54000 if a.model == "mlp" else 450000
    x = torch.randn(batch, *shape, device=dev)
    y = torch.randint(0, 10, (batch,), device=dev)
    x_eval = torch.randn(eval_batch, *shape, device=dev)
    params = list(model.parameters())
    for p in params:
        p.requires_grad_(True)
    n = sum(p.numel() for p in params)
    model.train()

    def grads():
        loss = F.cross_entropy(model(x), y)
        g = torch.autograd.grad(loss, params)
        loss.item()
        return parameters_to_vector(g)

    # BayesBiNN-like step, following the original code (S = 1, beta = 0).
    lamda = torch.where(torch.rand(n, device=dev) < 0.5, -10.0, 10.0)
    mom = torch.zeros(n, device=dev)
    mu = torch.tanh(lamda)
    tau, beta, lr, kappa = 1e-10, 0.0, 1e-4, 1.0
    state = {"t": 0, "lamda": lamda, "mom": mom, "mu": mu}

    def bayes_step():
        state["t"] += 1
        lam = state["lamda"]
        u = torch.rand_like(lam)
        w = torch.tanh((torch.log(u / (1 - u)) / 2 + lam) / tau)
        with torch.no_grad():
            vector_to_parameters(w, params)
        g = grads()
        scale = (1 - w * w + 1e-10) / tau / (1 - state["mu"] * state["mu"] + 1e-10)
        ghat = scale * g * (train_size / 1)
        state["mom"] = beta * state["mom"] + (1 - beta) * (ghat + kappa * lam)
        bc = 1 - beta ** state["t"]
        state["lamda"] = lam - lr * state["mom"] / bc
        state["mu"] = torch.tanh(lam)

    # STE + Adam on latent weights, gradient and weight clamps.
    wr = ((torch.rand(n, device=dev) * 2 - 1) * 0.05).requires_grad_(False)
    wr_leaf = torch.nn.Parameter(wr)
    adam = torch.optim.Adam([wr_leaf], lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

    def ste_step():
        with torch.no_grad():
            wb = torch.where(wr_leaf >= 0, 1.0, -1.0)
            vector_to_parameters(wb, params)
        g = grads()
        wr_leaf.grad = g.clamp_(-1, 1)
        adam.step()
        with torch.no_grad():
            wr_leaf.clamp_(-1, 1)

    def timed(fn, steps):
        for _ in range(a.warmup):
            fn()
        ms = []
        for _ in range(steps):
            t0 = time.perf_counter()
            fn()
            if dev.type == "cuda":
                torch.cuda.synchronize()
            ms.append((time.perf_counter() - t0) * 1000)
        return statistics.median(ms)

    bayes_ms = timed(bayes_step, a.steps)
    ste_ms = timed(ste_step, a.steps)
    model.eval()

    def evaluate():
        with torch.no_grad():
            model(x_eval).sum().item()

    eval_ms = timed(evaluate, max(3, a.steps // 2))
    print(json.dumps({
        "framework": "torch", "model": a.model,
        "backend": f"torch {torch.__version__} " + (torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"{a.threads} threads"),
        "batch": batch, "weights": n, "bayes_ms": bayes_ms, "ste_ms": ste_ms,
        "eval_img_s": eval_batch / (eval_ms / 1000), "peak_mib": peak_mib(),
    }))


if __name__ == "__main__":
    main()
