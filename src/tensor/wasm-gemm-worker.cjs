// Helper thread of the SIMD matrix product (wasm-gemm.ts): instantiates the same GEMM module on
// the backend's shared wasm memory and takes row blocks of each posted product until none are
// left. Protocol (Int32 control words, all accessed atomically):
//   GEN       job generation; the main thread bumps it after writing a job's parameters
//   NEXT      (job tag << 20) | next unclaimed block; a block is claimed by compare-exchange, so a
//             helper that wakes late cannot take a block of a finished or newer job
//   COMPLETED blocks finished in the current job; the main thread waits for all of them
//   PARAMS..  a, bp, c, bias, m, n, k, flags (1 relu, 2 A transposed), blocks, rowsPerBlock
//   HELPED    blocks computed by helpers so far (a statistic for tests and benchmarks)
// Each block is computed whole by one thread with the same code, so the result does not depend on
// which thread took it.
'use strict';
const { workerData } = require('node:worker_threads');

const GEN = 0;
const NEXT = 1;
const COMPLETED = 2;
const PARAMS = 3;
const HELPED = 13;

const { gemmModule, memory, control } = workerData;
const ctl = new Int32Array(control);
const { gemm } = new WebAssembly.Instance(gemmModule, { env: { memory } }).exports;

let seen = Atomics.load(ctl, GEN);
for (;;) {
  Atomics.wait(ctl, GEN, seen);
  const gen = Atomics.load(ctl, GEN);
  seen = gen;
  const p = [];
  for (let i = 0; i < 10; i++) p.push(Atomics.load(ctl, PARAMS + i));
  const [a, bp, c, bias, m, n, k, flags, blocks, rowsPerBlock] = p;
  const tag = gen & 0x7ff;
  for (;;) {
    const current = Atomics.load(ctl, NEXT);
    const block = current & 0xfffff;
    if (current >>> 20 !== tag || block >= blocks) break;
    if (Atomics.compareExchange(ctl, NEXT, current, current + 1) !== current) continue;
    gemm(a, bp, c, bias, m, n, k, flags, block * rowsPerBlock, Math.min(m, (block + 1) * rowsPerBlock));
    Atomics.add(ctl, HELPED, 1);
    Atomics.add(ctl, COMPLETED, 1);
    Atomics.notify(ctl, COMPLETED);
  }
}
