// Routes the wasm backend's single-threaded float32 matrix products (BatchMatMul and _FusedMatMul
// of rank-2 or single-batch operands, no transposes, linear or relu activation) to the register-blocked kernel of
// wasm-gemm-module.ts, which reaches about 1.4x the product rate of the XNNPACK kernel tfjs ships
// (36.8 vs 25.7 GFLOP/s per core for 2048 x 1000 x 1000, CPU time, this machine). Everything else
// goes to the stock kernels. The kernel adds products in k order starting from the bias, rounding
// each multiply and add, so results match the stock kernel to float32 rounding
// (test/tensor/wasm-gemm.test.ts).
import * as tf from '@tensorflow/tfjs';
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

const instances = new WeakMap<WasmModule, GemmExports>();

function backendMemory(wasm: WasmModule): WebAssembly.Memory | undefined {
  return wasm.wasmMemory ?? wasm.asm?.memory;
}

function gemmFor(backend: WasmBackendInternals): GemmExports | undefined {
  let exports = instances.get(backend.wasm);
  if (exports) return exports;
  const memory = backendMemory(backend.wasm);
  if (!memory) return undefined;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const module = new WebAssembly.Module(gemmModuleBytes(shared) as BufferSource);
  exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as GemmExports;
  instances.set(backend.wasm, exports);
  return exports;
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
    gemm.pack(offset(b), scratch, k, n);
    for (let i0 = 0; i0 < m; i0 += ROW_BLOCK) {
      gemm.gemm(offset(a), scratch, offset(out), biasAddress, m, n, k, relu ? 1 : 0, i0, Math.min(m, i0 + ROW_BLOCK));
    }
  } finally {
    backend.wasm._free(scratch);
  }
  return out;
}

let installed = false;

/**
 * Re-registers BatchMatMul and _FusedMatMul on wasm so eligible products use the SIMD kernel.
 * Must run before the transposed-matMul fix wraps these kernels (the fix then hands this kernel
 * products whose operands it has already transposed). Idempotent.
 */
export function installWasmSimdGemm(): void {
  if (installed) return;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: (args) => simdGemm(original, args) });
  }
  installed = true;
}
