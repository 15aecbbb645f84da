// Routes the wasm backend's float32 matrix products (BatchMatMul and _FusedMatMul of rank-2 or
// single-batch operands, no transposes, linear or relu activation) to the register-blocked kernel
// of wasm-gemm-module.ts: about 1.4x the rate of the XNNPACK kernel tfjs ships (37-40 vs 26 GFLOP/s
// per core for 2048 x 1000 x 1000, CPU time, this machine). On the threaded build (shared memory)
// large products are split into 64-row blocks that helper threads claim (wasm-gemm-worker.cjs).
// Everything else goes to the stock kernels. Each output is summed in k order from the bias, one
// rounding per multiply and per add, whichever thread computes it (test/tensor/wasm-gemm.test.ts).
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gemmModuleBytes } from './wasm-gemm-module.ts';

type KernelArgs = Parameters<tf.KernelConfig['kernelFunc']>[0];

interface WasmModule {
  HEAPU8: Uint8Array;
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

interface WasmBackendInternals {
  wasm: WasmModule;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface GemmExports {
  gemm(a: number, bp: number, c: number, bias: number, m: number, n: number, k: number, relu: number, i0: number, i1: number): void;
  pack(b: number, bp: number, k: number, n: number): void;
}

/** Rows of A per call: a block of A stays in cache while every panel of B streams past it. */
const ROW_BLOCK = 64;
/** Smaller products stay with the stock kernel (its setup costs less than packing). */
const MIN_MULTIPLY_ADDS = 4096;

/** Products this small are not split across threads (waking a helper costs more than it saves). */
const PARALLEL_MIN_MULTIPLY_ADDS = 1 << 21;

// Control words shared with the helper threads (see wasm-gemm-worker.cjs).
const [GEN, NEXT, COMPLETED, PARAMS, HELPED] = [0, 1, 2, 3, 13];

interface Gemm {
  exports: GemmExports;
  /** Control words when helper threads share the work (shared memory only). */
  control?: Int32Array;
}

const instances = new WeakMap<WasmModule, Gemm>();
let requestedThreads = 1;

function backendMemory(wasm: WasmModule): WebAssembly.Memory | undefined {
  return wasm.wasmMemory ?? wasm.asm?.memory;
}

function gemmFor(backend: WasmBackendInternals): Gemm | undefined {
  let gemm = instances.get(backend.wasm);
  if (gemm) return gemm;
  const memory = backendMemory(backend.wasm);
  if (!memory) return undefined;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const module = new WebAssembly.Module(gemmModuleBytes(shared) as BufferSource);
  gemm = { exports: new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as GemmExports };
  if (shared && requestedThreads > 1) gemm.control = startHelpers(module, memory, requestedThreads - 1);
  instances.set(backend.wasm, gemm);
  return gemm;
}

/** Starts `count` helper threads on the shared memory; they never keep the process alive. */
function startHelpers(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number): Int32Array {
  const control = new SharedArrayBuffer(16 * 4);
  const script = join(dirname(fileURLToPath(import.meta.url)), 'wasm-gemm-worker.cjs');
  for (let i = 0; i < count; i++) {
    const worker = new Worker(script, { workerData: { gemmModule: module, memory, control }, execArgv: [] });
    worker.unref();
    // A helper that fails only stops helping: blocks are claimed one at a time, the caller does the rest.
    worker.on('error', (err) => process.emitWarning(`SIMD matrix product helper thread failed: ${err.message}`));
  }
  return new Int32Array(control);
}

/** Runs row blocks until none are left: blocks go to whichever thread claims them first. */
function runBlocks(gemm: Gemm, params: number[], blocks: number): void {
  const run = (block: number) => {
    const [a, bp, c, bias, m, n, k, relu] = params;
    gemm.exports.gemm(a, bp, c, bias, m, n, k, relu, block * ROW_BLOCK, Math.min(m, (block + 1) * ROW_BLOCK));
  };
  const ctl = gemm.control;
  if (!ctl) {
    for (let b = 0; b < blocks; b++) run(b);
    return;
  }
  [...params, blocks, ROW_BLOCK].forEach((v, i) => Atomics.store(ctl, PARAMS + i, v));
  Atomics.store(ctl, COMPLETED, 0);
  const tag = (Atomics.load(ctl, GEN) + 1) & 0x7ff;
  Atomics.store(ctl, NEXT, tag << 20);
  Atomics.add(ctl, GEN, 1);
  Atomics.notify(ctl, GEN);
  for (;;) {
    const current = Atomics.load(ctl, NEXT);
    const block = current & 0xfffff;
    if (block >= blocks) break;
    if (Atomics.compareExchange(ctl, NEXT, current, current + 1) !== current) continue;
    run(block);
    Atomics.add(ctl, COMPLETED, 1);
  }
  // Only blocks a helper has already claimed are waited for.
  for (let done = Atomics.load(ctl, COMPLETED); done < blocks; done = Atomics.load(ctl, COMPLETED)) {
    Atomics.wait(ctl, COMPLETED, done, 100);
  }
}

interface Operands {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  bias?: tf.TensorInfo;
  relu: boolean;
}

/** The product this kernel takes, or undefined for the stock kernel. */
function eligible(args: KernelArgs): Operands | undefined {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean; activation?: string };
  if (!a || !b || attrs.transposeA || attrs.transposeB || preluActivationWeights) return undefined;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  // Rank 2, or leading (batch) dimensions that are all 1.
  if (![...a.shape.slice(0, -2), ...b.shape.slice(0, -2)].every((d) => d === 1)) return undefined;
  const activation = attrs.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') return undefined;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== b.shape[b.shape.length - 1])) return undefined;
  const [m, k, n] = [a.shape[a.shape.length - 2], a.shape[a.shape.length - 1], b.shape[b.shape.length - 1]];
  if (b.shape[b.shape.length - 2] !== k) return undefined;
  if (m === 0 || k === 0 || n === 0 || m * n * k < MIN_MULTIPLY_ADDS) return undefined;
  return { a, b, bias, relu: activation === 'relu' };
}

function simdGemm(original: tf.KernelConfig, args: KernelArgs) {
  const operands = eligible(args);
  const backend = args.backend as unknown as WasmBackendInternals;
  const gemm = operands && gemmFor(backend);
  if (!operands || !gemm) return original.kernelFunc(args);
  const { a, b, bias, relu } = operands;
  const [m, k, n] = [a.shape[a.shape.length - 2], a.shape[a.shape.length - 1], b.shape[b.shape.length - 1]];
  const panels = Math.ceil(n / 8);
  // The stock kernels' output shape: the longer list of (unit) batch dimensions, then [m, n].
  const batchDims = (a.shape.length >= b.shape.length ? a : b).shape.slice(0, -2);
  const out = backend.makeOutput([...batchDims, m, n], 'float32');
  // Scratch: B packed into 8-column panels, then the bias padded to whole panels.
  const packedBytes = panels * k * 32;
  const scratch = backend.wasm._malloc(packedBytes + panels * 32);
  try {
    const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
    let biasAddress = 0;
    if (bias) {
      biasAddress = scratch + packedBytes;
      const buffer = backendMemory(backend.wasm)!.buffer;
      const padded = new Float32Array(buffer, biasAddress, panels * 8);
      padded.fill(0);
      padded.set(new Float32Array(buffer, offset(bias), n));
    }
    gemm.exports.pack(offset(b), scratch, k, n);
    const params = [offset(a), scratch, offset(out), biasAddress, m, n, k, relu ? 1 : 0];
    const blocks = Math.ceil(m / ROW_BLOCK);
    runBlocks(m * n * k >= PARALLEL_MIN_MULTIPLY_ADDS ? gemm : { exports: gemm.exports }, params, blocks);
  } finally {
    backend.wasm._free(scratch);
  }
  return out;
}

/** Row blocks computed by helper threads so far (0 on one thread). */
export function gemmHelperBlocks(): number {
  let total = 0;
  for (const backend of [tf.backend() as unknown as WasmBackendInternals]) {
    const control = backend.wasm && instances.get(backend.wasm)?.control;
    if (control) total += Atomics.load(control, HELPED);
  }
  return total;
}

let installed = false;

/**
 * Re-registers BatchMatMul and _FusedMatMul on wasm so eligible products use the SIMD kernel, on
 * `threads` threads when the backend's memory is shared (the threaded build), else on one.
 * Must run before the transposed-matMul fix wraps these kernels (the fix then hands this kernel
 * products whose operands it has already transposed). Idempotent.
 */
export function installWasmSimdGemm(threads = 1): void {
  requestedThreads = threads;
  if (installed) return;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: (args) => simdGemm(original, args) });
  }
  installed = true;
}
