#!/bin/bash
# Interleaved A/B rounds of the engine's plain-MLP training step and the PyTorch reference
# (bench/reference/pytorch_mlp_step.py) on this machine, so both see the same background load.
# Each round: engine with DEQN_WASM_THREADS=2, PyTorch with 2 then 1 threads, engine with 1 thread;
# every run is the median of --steps=20 steps after warm-up. Prints one JSON line per run, then
# the median wall and CPU ms per step of each configuration and the per-round engine/PyTorch ratios.
#
# Usage: bench/reference/interleaved.sh [rounds (default 3)]
#   PYTORCH_BLAS_DIR=dir   prepend dir to LD_LIBRARY_PATH for PyTorch (e.g. an unpacked OpenBLAS:
#                          apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb /tmp/openblas;
#                          PYTORCH_BLAS_DIR=/tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread)
# Runs are niced (the machine is shared); compare CPU times and same-round ratios, not single wall times.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
LOG=$(mktemp)
engine() { # threads round
  local json
  json=$(DEQN_WASM_THREADS=$1 nice -n 10 npm run -s bench:train -- --cases=mlp-3x1000-b2048 --steps=20 --json 2>/dev/null | tail -1)
  echo "{\"round\":$2,\"framework\":\"engine\",\"threads\":$1,\"load\":$(cut -d' ' -f1 /proc/loadavg),\"result\":$json}" | tee -a "$LOG"
}
pytorch() { # round
  LD_LIBRARY_PATH=${PYTORCH_BLAS_DIR:-}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} nice -n 10 /usr/bin/python3 bench/reference/pytorch_mlp_step.py --threads=2,1 --steps=20 |
    while read -r line; do echo "{\"round\":$1,\"framework\":\"pytorch\",\"load\":$(cut -d' ' -f1 /proc/loadavg),\"result\":$line}" | tee -a "$LOG"; done
}
for r in $(seq 1 "$ROUNDS"); do
  engine 2 "$r"
  pytorch "$r"
  engine 1 "$r"
done
/usr/bin/python3 - "$LOG" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
def row(run):
    r = run["result"][0] if isinstance(run["result"], list) else run["result"]
    return run["framework"], r.get("threads", run.get("threads")), run["round"], r["msPerStep"], r["cpuMsPerStep"], r.get("blas", "")
rows = [row(r) for r in runs]
print("\nconfiguration               median wall ms   median CPU ms   (rounds)")
for fw in ("engine", "pytorch"):
    for t in (2, 1):
        sel = [x for x in rows if x[0] == fw and x[1] == t]
        if sel:
            print(f"{fw:8s} {t} thread(s)        {statistics.median(x[3] for x in sel):10.1f}   {statistics.median(x[4] for x in sel):12.1f}   ({len(sel)})")
blas = {x[5] for x in rows if x[0] == "pytorch"}
print("PyTorch BLAS:", ", ".join(sorted(blas)))
best = {}
for fw in ("engine", "pytorch"):
    meds = {t: statistics.median(x[3] for x in rows if x[0] == fw and x[1] == t) for t in (2, 1) if any(x[0] == fw and x[1] == t for x in rows)}
    if meds:
        t = min(meds, key=meds.get)
        best[fw] = (t, meds[t])
if len(best) == 2:
    (te, we), (tp, wp) = best["engine"], best["pytorch"]
    print(f"fastest wall: engine {we:.1f} ms ({te} thread(s)) / PyTorch {wp:.1f} ms ({tp} thread(s)) = x{we / wp:.2f}")
print("\nper round: engine / PyTorch, same thread count (wall, CPU)")
for r in sorted({x[2] for x in rows}):
    for t in (2, 1):
        e = [x for x in rows if x[2] == r and x[0] == "engine" and x[1] == t]
        p = [x for x in rows if x[2] == r and x[0] == "pytorch" and x[1] == t]
        if e and p:
            print(f"round {r}, {t} thread(s): wall x{e[0][3] / p[0][3]:.2f}, CPU x{e[0][4] / p[0][4]:.2f}")
PY
rm -f "$LOG"
