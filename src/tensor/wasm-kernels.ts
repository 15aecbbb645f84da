// Replacements for wasm kernels that cost time in every training step, all exact:
// - Transpose, for its commonest case: swapping the last two axes of a float32/int32 tensor (what
//   the transposed-matMul fix in backend.ts asks for in every dense layer's backward pass). The
//   stock kernel walks the output element by element with strided reads; this one copies 32 x 32
//   tiles directly in the backend's wasm memory, so reads and writes stay within a few cache lines.
// - Identity, which tfjs runs for every tensor it saves for the backward pass (engine.clone): the
//   stock kernel copies the data; this one shares it by reference count, as the wasm Reshape kernel
//   and the cpu backend's Identity do (tensor data is never written after creation).
// - Tile, when only the first axis is repeated (the engine stacks states and policies once per
//   next shock this way): whole copies of the input, about 60x faster than the stock kernel's
//   element-by-element index arithmetic (6 ms vs 0.1 ms for 128 x 170 repeated 4 times).
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelConfig['kernelFunc']>[0];

/** The parts of tfjs' BackendWasm this kernel uses. */
interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array; wasmMemory?: WebAssembly.Memory };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: object): void;
}

const TILE = 32;
/** Below this many elements the stock kernel is as fast; leave small tensors to it. */
const MIN_SIZE = 4096;

/** Copies `rows x cols` at `src[offset..]` into `dst[offset..]` as `cols x rows`. */
export function transposeTiled(src: Int32Array, dst: Int32Array, offset: number, rows: number, cols: number): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, cols);
      for (let i = i0; i < i1; i++) {
        const from = offset + i * cols;
        for (let j = j0; j < j1; j++) dst[offset + j * rows + i] = src[from + j];
      }
    }
  }
}

/** An Int32 view of a tensor's bytes in wasm memory (the buffer is re-read: memory may have grown). */
function heapView(backend: WasmBackendInternals, t: tf.TensorInfo): Int32Array {
  const buffer = backend.wasm.wasmMemory?.buffer ?? backend.wasm.HEAPU8.buffer;
  const size = t.shape.reduce((a, b) => a * b, 1);
  return new Int32Array(buffer, backend.dataIdMap.get(t.dataId).memoryOffset, size);
}

function swapsLastTwoAxes(perm: readonly number[]): boolean {
  const rank = perm.length;
  if (rank < 2 || perm[rank - 2] !== rank - 1 || perm[rank - 1] !== rank - 2) return false;
  for (let i = 0; i < rank - 2; i++) if (perm[i] !== i) return false;
  return true;
}

function tiledTranspose(original: tf.KernelConfig, args: KernelArgs) {
  const x = args.inputs.x as tf.TensorInfo;
  const { perm } = args.attrs as unknown as { perm: number[] };
  const size = x.shape.reduce((a, b) => a * b, 1);
  if (!swapsLastTwoAxes(perm) || (x.dtype !== 'float32' && x.dtype !== 'int32') || size < MIN_SIZE) {
    return original.kernelFunc(args);
  }
  const backend = args.backend as unknown as WasmBackendInternals;
  const rank = x.shape.length;
  const [rows, cols] = [x.shape[rank - 2], x.shape[rank - 1]];
  const out = backend.makeOutput([...x.shape.slice(0, rank - 2), cols, rows], x.dtype);
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  for (let offset = 0; offset < size; offset += rows * cols) transposeTiled(src, dst, offset, rows, cols);
  return out;
}

function rowTile(original: tf.KernelConfig, args: KernelArgs) {
  const x = args.inputs.x as tf.TensorInfo;
  const { reps } = args.attrs as unknown as { reps: number[] };
  const size = x.shape.reduce((a, b) => a * b, 1);
  const onlyFirst = reps.length === x.shape.length && reps.slice(1).every((r) => r === 1);
  if (!onlyFirst || (x.dtype !== 'float32' && x.dtype !== 'int32') || size === 0) return original.kernelFunc(args);
  const backend = args.backend as unknown as WasmBackendInternals;
  const out = backend.makeOutput([x.shape[0] * reps[0], ...x.shape.slice(1)], x.dtype);
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  for (let r = 0; r < reps[0]; r++) dst.set(src, r * size);
  return out;
}

function sharedIdentity(original: tf.KernelConfig, args: KernelArgs) {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return original.kernelFunc(args);
  (args.backend as unknown as WasmBackendInternals).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const installed = new Set<string>();

function replaceKernel(name: string, replacement: (original: tf.KernelConfig, args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): void {
  if (installed.has(name)) return;
  const original = tf.getKernel(name, 'wasm');
  if (!original) return;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: (args) => replacement(original, args) });
  installed.add(name);
}

/** Re-registers the wasm Transpose kernel with the tiled path (idempotent). */
export function installWasmTiledTranspose(): void {
  replaceKernel('Transpose', tiledTranspose);
}

/** Re-registers the wasm Tile kernel with the whole-copy path for first-axis repeats (idempotent). */
export function installWasmRowTile(): void {
  replaceKernel('Tile', rowTile);
}

/** Re-registers the wasm Identity kernel so that it shares data instead of copying it (idempotent). */
export function installWasmSharedIdentity(): void {
  replaceKernel('Identity', sharedIdentity);
}
