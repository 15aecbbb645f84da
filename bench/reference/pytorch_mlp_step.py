#!/usr/bin/python3
"""PyTorch CPU reference for `npm run bench:train -- --cases=mlp-3x1000-b2048` (issue 8).

The same training step the engine's bench times (bench/train-throughput.ts, plainMlpThroughput):
an MLP 236 -> 1000 -> 1000 -> 1000 -> 221 with relu hidden layers and a linear output, float32,
a batch of 2048 standard-normal inputs and targets, the mean squared error, backward, and one
Adam step (beta1 0.9, beta2 0.999, eps 1e-8, learning rate 1e-4).

For each thread count in --threads (default "2,1") it runs --warmup steps, then times --steps
steps (default 20) and prints one JSON line per thread count:
  {"case": "mlp-3x1000-b2048", "framework": "pytorch", "torch": "...", "threads": 2,
   "msPerStep": <median wall ms>, "cpuMsPerStep": <median process CPU ms>, "gflops": ...,
   "steps": 20, "blas": "..."}
GFLOP/s counts 6 flops per multiply-add of the forward pass (forward + two backward products),
as the engine's bench does.

Usage: /usr/bin/python3 bench/reference/pytorch_mlp_step.py [--threads=2,1] [--steps=20] [--warmup=3]
(Debian's python3-torch; the pyenv python3 has no torch.) With a tuned BLAS without installing it:
  apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb /tmp/openblas
  LD_LIBRARY_PATH=/tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 bench/reference/pytorch_mlp_step.py
"""
import ctypes
import json
import statistics
import sys
import time

import torch

WIDTHS = [236, 1000, 1000, 1000, 221]
BATCH = 2048


def option(name, default):
    for arg in sys.argv[1:]:
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return default


def build_mlp():
    layers = []
    for i in range(len(WIDTHS) - 1):
        layers.append(torch.nn.Linear(WIDTHS[i], WIDTHS[i + 1]))
        if i + 2 < len(WIDTHS):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def loaded_blas():
    """The BLAS torch called through libblas.so.3 (Debian builds torch with BLAS_INFO=generic, so
    the library is whatever libblas.so.3 resolves to: the netlib reference by default, OpenBLAS when
    its directory comes first on LD_LIBRARY_PATH). Returns (description, OpenBLAS handle or None)."""
    try:
        lib = ctypes.CDLL("libblas.so.3")
    except OSError:
        return "no libblas.so.3", None
    if hasattr(lib, "openblas_get_config"):
        lib.openblas_get_config.restype = ctypes.c_char_p
        return "OpenBLAS " + lib.openblas_get_config().decode(), lib
    return "reference BLAS (netlib libblas3)", None


def set_threads(threads):
    """torch's intra-op threads and, for OpenBLAS, its own pool (torch does not size a generic BLAS)."""
    torch.set_num_threads(threads)
    _, openblas = loaded_blas()
    if openblas is not None:
        openblas.openblas_set_num_threads(threads)


def measure(threads, steps, warmup):
    set_threads(threads)
    torch.manual_seed(1)
    net = build_mlp()
    x = torch.randn(BATCH, WIDTHS[0])
    y = torch.randn(BATCH, WIDTHS[-1])
    adam = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = torch.nn.MSELoss()

    def step():
        adam.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        adam.step()

    for _ in range(warmup):
        step()
    wall, cpu = [], []
    for _ in range(steps):
        c0, t0 = time.process_time(), time.perf_counter()
        step()
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    macs = sum(WIDTHS[i] * WIDTHS[i + 1] for i in range(len(WIDTHS) - 1))
    ms = statistics.median(wall)
    return {
        "case": "mlp-3x1000-b2048",
        "framework": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "msPerStep": round(ms, 2),
        "cpuMsPerStep": round(statistics.median(cpu), 2),
        "gflops": round(6 * BATCH * macs / (ms * 1e6), 2),
        "steps": steps,
        "blas": loaded_blas()[0],
    }


def main():
    threads = [int(t) for t in option("threads", "2,1").split(",")]
    steps = int(option("steps", "20"))
    warmup = int(option("warmup", "3"))
    for n in threads:
        print(json.dumps(measure(n, steps, warmup)), flush=True)


if __name__ == "__main__":
    main()
