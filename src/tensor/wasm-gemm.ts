// Routes the wasm backend's float32 matrix products (BatchMatMul and _FusedMatMul of rank-2 or
// single-batch operands, linear or relu activation) to the register-blocked kernel of
// wasm-gemm-module.ts. Transposed operands need no separate Transpose kernel: B is transposed while
// it is packed, A block by block by the threads that compute those rows; one-row products (bias
// gradients) skip the packing. Where the engine accepts relaxed SIMD (Node 20: enabled here at run time
// with --experimental-wasm-relaxed-simd) the kernel uses f32x4.relaxed_madd, which V8 compiles to
// vfmadd231ps on CPUs with FMA3: 54-56 GFLOP/s per core for 2048 x 1000 x 1000 (CPU time, this
// machine; the 128-bit FMA peak measured here is ~63), against 42-44 with f32x4.mul + f32x4.add
// and ~26 for the XNNPACK kernel tfjs ships. Without relaxed SIMD the separate multiply and add
// kernel is used. On the threaded build (shared memory) large products are split into 64-row
// blocks that helper threads claim (wasm-gemm-worker.cjs). Everything else goes to the stock
// kernels. Each output is summed in k order from the bias (one rounding per fused multiply-add, or
// per multiply and per add), whichever thread computes it (test/tensor/wasm-gemm.test.ts).
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { SEPARATE_ROUNDING_TILE, gemmModuleBytes, panelWidth, type TileShape } from './wasm-gemm-module.ts';

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
  /** flags: 1 = relu, 2 = A stored transposed (scratch for it after the packed panels and bias). */
  gemm(a: number, bp: number, c: number, bias: number, m: number, n: number, k: number, flags: number, i0: number, i1: number): void;
  pack(b: number, bp: number, k: number, n: number): void;
  packTransposed(bt: number, bp: number, k: number, n: number): void;
  gemv(a: number, b: number, acc: number, n: number, k: number): void;
  adam(
    p: number, m: number, v: number, g: number, pOut: number, mOut: number, vOut: number, n: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, epsilon: number, stepSize: number,
  ): void;
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
  /** Columns per packed panel of B (the tile's width). */
  panelWidth: number;
  /** Control words when helper threads share the work (shared memory only). */
  control?: Int32Array;
}

const instances = new WeakMap<WasmModule, Gemm>();
let requestedThreads = 1;
let fmaRequested = true;

/**
 * Tile of the fused multiply-add kernel. 4 x 8 and 3 x 12 measured the same (54-56 GFLOP/s);
 * 5 x 8, 6 x 8 and 4 x 12 are 30-40% slower: V8 issues all of an iteration's broadcasts of A
 * before its multiply-adds, so those tiles need more than the 15 allocatable xmm registers and spill.
 * Packing A into k-major tiles (one pointer, broadcasts at constant offsets) measured 12% slower.
 * The 128-bit FMA peak measured on this machine (independent accumulators, no loads) is 63-64
 * GFLOP/s per core, so the kernel runs at ~85% of what wasm SIMD allows here.
 */
const FMA_TILE: TileShape = { rows: 4, vectors: 2, fma: true };

/**
 * f32x4.relaxed_madd(x, y, z) on lanes of (1 + 2^-12)^2 - (1 + 2^-11): 2^-24 when fused, 0 when
 * the product is rounded first. Assembled like the GEMM module: (f32, f32, f32) -> f32.
 */
const MADD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7d, 0x7d, 0x7d, 0x01, 0x7d,
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x08, 0x01, 0x04, 0x6d, 0x61, 0x64, 0x64, 0x00, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00,
  0x20, 0x00, 0xfd, 0x13, 0x20, 0x01, 0xfd, 0x13, 0x20, 0x02, 0xfd, 0x13, // f32x4.splat of each parameter
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0xfd, 0x1f, 0x00, // f32x4.extract_lane 0
  0x0b,
]);

/** How the multiply-adds of the SIMD kernel round. */
export interface GemmArithmetic {
  /** f32x4.relaxed_madd is in use. */
  relaxedSimd: boolean;
  /** Each multiply-add is rounded once (the CPU fuses it); false: product and sum rounded separately. */
  fused: boolean;
  /** Why relaxed SIMD is not in use, when it is not. */
  reason?: string;
}

let arithmetic: GemmArithmetic | undefined;

/**
 * Turns on V8's relaxed SIMD (a flag on Node 20, set before the first module using it is compiled)
 * and checks that it validates and runs; anything else keeps the separate multiply and add kernel.
 */
function probeRelaxedSimd(): GemmArithmetic {
  try {
    if (!WebAssembly.validate(MADD_PROBE)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (!WebAssembly.validate(MADD_PROBE)) return { relaxedSimd: false, fused: false, reason: 'this engine does not validate relaxed SIMD' };
    const { madd } = new WebAssembly.Instance(new WebAssembly.Module(MADD_PROBE)).exports as { madd(x: number, y: number, z: number): number };
    const x = 1 + 2 ** -12;
    const result = madd(x, x, -(1 + 2 ** -11));
    if (result !== 0 && result !== 2 ** -24) return { relaxedSimd: false, fused: false, reason: `relaxed_madd probe gave ${result}` };
    return { relaxedSimd: true, fused: result !== 0 };
  } catch (err) {
    return { relaxedSimd: false, fused: false, reason: (err as Error).message };
  }
}

/** The arithmetic of the SIMD kernel in this process (decided once, on first use). */
export function gemmArithmetic(): GemmArithmetic {
  if (!installed) return { relaxedSimd: false, fused: false, reason: 'SIMD matrix product not installed' };
  if (!fmaRequested) return { relaxedSimd: false, fused: false, reason: 'disabled' };
  arithmetic ??= probeRelaxedSimd();
  return arithmetic;
}

/** One line for `deqn info` and the benchmarks. */
export function describeGemmArithmetic(): string {
  if (!installed) return 'SIMD matrix product: off (stock XNNPACK kernels)';
  const arithmetic = gemmArithmetic();
  if (arithmetic.fused) return 'SIMD matrix product: fused multiply-add (relaxed SIMD)';
  return `SIMD matrix product: separate multiply and add${arithmetic.reason ? ` (${arithmetic.reason})` : ''}`;
}

function tileShape(): TileShape {
  return gemmArithmetic().relaxedSimd ? FMA_TILE : SEPARATE_ROUNDING_TILE;
}

function backendMemory(wasm: WasmModule): WebAssembly.Memory | undefined {
  return wasm.wasmMemory ?? wasm.asm?.memory;
}

function gemmFor(backend: WasmBackendInternals): Gemm | undefined {
  let gemm = instances.get(backend.wasm);
  if (gemm) return gemm;
  const memory = backendMemory(backend.wasm);
  if (!memory) return undefined;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const shape = tileShape();
  const module = new WebAssembly.Module(gemmModuleBytes(shared, shape) as BufferSource);
  gemm = { exports: new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as GemmExports, panelWidth: panelWidth(shape) };
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
    const [a, bp, c, bias, m, n, k, flags] = params;
    gemm.exports.gemm(a, bp, c, bias, m, n, k, flags, block * ROW_BLOCK, Math.min(m, (block + 1) * ROW_BLOCK));
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
  /** A is stored [K, M] (the product uses its transpose). */
  transposeA: boolean;
  /** B is stored [N, K]. */
  transposeB: boolean;
  m: number;
  k: number;
  n: number;
}

/** The product this kernel takes, or undefined for the stock kernel. */
function eligible(args: KernelArgs): Operands | undefined {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean; activation?: string };
  if (!a || !b || preluActivationWeights) return undefined;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  // Rank 2, or leading (batch) dimensions that are all 1.
  if (![...a.shape.slice(0, -2), ...b.shape.slice(0, -2)].every((d) => d === 1)) return undefined;
  const activation = attrs.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') return undefined;
  const [transposeA, transposeB] = [attrs.transposeA === true, attrs.transposeB === true];
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  const [m, k] = transposeA ? [a1, a0] : [a0, a1];
  const n = transposeB ? b0 : b1;
  if ((transposeB ? b1 : b0) !== k) return undefined;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== n)) return undefined;
  if (m === 0 || k === 0 || n === 0 || m * n * k < MIN_MULTIPLY_ADDS) return undefined;
  return { a, b, bias, relu: activation === 'relu', transposeA, transposeB, m, k, n };
}

function simdGemm(original: tf.KernelConfig, args: KernelArgs) {
  const operands = eligible(args);
  const backend = args.backend as unknown as WasmBackendInternals;
  const gemm = operands && gemmFor(backend);
  if (!operands || !gemm) return original.kernelFunc(args);
  const { a, b, m, n } = operands;
  // The stock kernels' output shape: the longer list of (unit) batch dimensions, then [m, n].
  const batchDims = (a.shape.length >= b.shape.length ? a : b).shape.slice(0, -2);
  const out = backend.makeOutput([...batchDims, m, n], 'float32');
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  // One row (a bias gradient, ones x dz): no packed copy of B; A's single row is contiguous either way.
  if (m === 1 && !operands.transposeB) vectorTimesMatrix(backend, gemm, operands, offset, offset(out));
  else matrixProduct(backend, gemm, operands, offset, offset(out));
  return out;
}

type Offset = (t: tf.TensorInfo) => number;

/** C = A B (+ bias, relu) for a one-row A, accumulated in a padded scratch row, then copied out. */
function vectorTimesMatrix(backend: WasmBackendInternals, gemm: Gemm, operands: Operands, offset: Offset, outAddress: number): void {
  const { a, b, bias, relu, k, n } = operands;
  const padded = Math.ceil(n / 4) * 4;
  const scratch = backend.wasm._malloc(padded * 4);
  try {
    const buffer = backendMemory(backend.wasm)!.buffer;
    const acc = new Float32Array(buffer, scratch, padded);
    acc.fill(0);
    if (bias) acc.set(new Float32Array(buffer, offset(bias), n));
    gemm.exports.gemv(offset(a), offset(b), scratch, n, k);
    // Views again: the product allocates nothing, but a view must not outlive a memory growth.
    const result = new Float32Array(buffer, scratch, n);
    const out = new Float32Array(buffer, outAddress, n);
    // Math.max(x, 0) is relu as the micro-kernel's f32x4.max(x, 0) computes it (+0 for -0, NaN kept).
    if (relu) for (let j = 0; j < n; j++) out[j] = Math.max(result[j], 0);
    else out.set(result);
  } finally {
    backend.wasm._free(scratch);
  }
}

/** C = A B (+ bias, relu) by the register-blocked kernel on packed panels of B, split across threads when large. */
function matrixProduct(backend: WasmBackendInternals, gemm: Gemm, operands: Operands, offset: Offset, outAddress: number): void {
  const { a, b, bias, relu, transposeA, transposeB, m, k, n } = operands;
  const width = gemm.panelWidth;
  const panels = Math.ceil(n / width);
  // Scratch: B packed into panels of `width` columns, the bias padded to whole panels, then (A
  // stored transposed) room for A row-major, which the blocks fill (see the module's gemm).
  const packedBytes = panels * k * width * 4;
  const scratch = backend.wasm._malloc(packedBytes + panels * width * 4 + (transposeA ? m * k * 4 : 0));
  try {
    let biasAddress = 0;
    if (bias) {
      biasAddress = scratch + packedBytes;
      const buffer = backendMemory(backend.wasm)!.buffer;
      const padded = new Float32Array(buffer, biasAddress, panels * width);
      padded.fill(0);
      padded.set(new Float32Array(buffer, offset(bias), n));
    }
    if (transposeB) gemm.exports.packTransposed(offset(b), scratch, k, n);
    else gemm.exports.pack(offset(b), scratch, k, n);
    const flags = (relu ? 1 : 0) | (transposeA ? 2 : 0);
    const params = [offset(a), scratch, outAddress, biasAddress, m, n, k, flags];
    const blocks = Math.ceil(m / ROW_BLOCK);
    runBlocks(m * n * k >= PARALLEL_MIN_MULTIPLY_ADDS ? gemm : { exports: gemm.exports, panelWidth: width }, params, blocks);
  } finally {
    backend.wasm._free(scratch);
  }
}

/**
 * The SIMD module's exports on the wasm backend `backend` (instantiated on first use; undefined
 * when its memory cannot be reached), for other kernels built into the module (wasm-adam.ts).
 */
export function simdModuleExports(backend: unknown): GemmExports | undefined {
  return gemmFor(backend as WasmBackendInternals)?.exports;
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
 * `threads` threads when the backend's memory is shared (the threaded build), else on one, with
 * fused multiply-adds when `fma` and the engine has relaxed SIMD. Install it after the
 * transposed-matMul fix: this kernel then sees transposed operands itself, and hands the fix (and
 * the stock kernels behind it) only the products it does not take. Idempotent.
 */
export function installWasmSimdGemm(threads = 1, fma = true): void {
  requestedThreads = threads;
  fmaRequested = fma;
  if (installed) return;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: (args) => simdGemm(original, args) });
  }
  installed = true;
}
