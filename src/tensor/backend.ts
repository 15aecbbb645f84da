// Tensor backend selection: tfjs-node-gpu > tfjs-node > wasm > cpu (see README "Backends").
// Everything in the project imports TensorFlow.js through this module, so the backend is
// chosen once, before any tensor is created.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { UsageError } from '../io/errors.ts';
import { WASM_THREADS_ENV, activateThreadedWasm, parseWasmThreads } from './wasm-threads.ts';
import { installWasmRowTile, installWasmSharedIdentity, installWasmTiledTranspose } from './wasm-kernels.ts';
import { installWasmSimdGemm } from './wasm-gemm.ts';

// PROD silences tfjs' console banners ("install the node backend") that would garble progress bars.
tf.env().set('PROD', true);

export { tf };

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** Environment variable that forces a backend, like `--backend`. */
export const BACKEND_ENV = 'DEQN_BACKEND';

const require = createRequire(import.meta.url);

export interface BackendInfo {
  /** Name the user asked for or the first one that loaded. */
  name: BackendName;
  /** tfjs' own backend name (`tensorflow` for both native builds). */
  tfName: string;
  tfjsVersion: string;
  /** Why the preferred backends were skipped, for `deqn info`. */
  skipped: string[];
  wasmTransposeFix: boolean;
  /** Threads of the wasm backend's XNNPACK pool (1 = the stock single-threaded build). */
  wasmThreads?: number;
}

let active: BackendInfo | undefined;

/**
 * Diagnostic switch for before/after comparisons (bench, tests): a comma-separated list of the
 * engine's speed optimisations to leave off: simd-gemm, fma (the SIMD kernel's fused multiply-adds),
 * tiled-transpose, shared-identity, row-tile, fused-dense, fused-adam.
 */
export const DISABLE_ENV = 'DEQN_DISABLE_OPTIMISATIONS';

export function optimisationEnabled(
  name: 'simd-gemm' | 'fma' | 'tiled-transpose' | 'shared-identity' | 'row-tile' | 'fused-dense' | 'fused-adam',
): boolean {
  return !(process.env[DISABLE_ENV] ?? '').split(',').map((s) => s.trim()).includes(name);
}

/** Loads a native tfjs-node build; returns an error message when it is not installed or cannot load. */
function tryNative(pkg: string): string | undefined {
  try {
    require(pkg);
    return undefined;
  } catch (err) {
    return `${pkg}: ${(err as Error).message.split('\n')[0]}`;
  }
}

async function trySetBackend(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

let wasmThreads: number | undefined;

/**
 * The wasm backend with `DEQN_WASM_THREADS` threads (default: one per core, at most 4; see
 * parseWasmThreads for the measurements behind that default). More than one thread needs the
 * threaded build (shared memory): the project's SIMD matrix product then splits row blocks across
 * its own helper threads while XNNPACK keeps a pool of one (its pool threads spin between kernels,
 * which cost 2-4x CPU on the small DEQN networks); with simd-gemm disabled, XNNPACK's pool gets
 * the threads. If the threaded build fails to start, the stock build runs on one thread.
 */
async function activateWasm(skipped: string[]): Promise<boolean> {
  let threads: number;
  try {
    threads = parseWasmThreads(process.env[WASM_THREADS_ENV]);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (threads > 1) {
    const threaded = await activateThreadedWasm(optimisationEnabled('simd-gemm') ? 1 : threads);
    if ('threads' in threaded) {
      wasmThreads = threads;
      return true;
    }
    skipped.push(`threaded wasm: ${threaded.failed}; using one thread`);
  }
  wasmThreads = 1;
  return trySetBackend('wasm');
}

async function activate(name: BackendName, skipped: string[]): Promise<boolean> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
    const why = tryNative(pkg);
    if (why) {
      skipped.push(why);
      return false;
    }
    if (await trySetBackend('tensorflow')) return true;
    skipped.push(`${pkg}: loaded but the tensorflow backend did not initialise`);
    return false;
  }
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (await activateWasm(skipped)) {
      installWasmTransposedMatMulFix();
      if (optimisationEnabled('simd-gemm')) installWasmSimdGemm(wasmThreads, optimisationEnabled('fma'));
      if (optimisationEnabled('tiled-transpose')) installWasmTiledTranspose();
      if (optimisationEnabled('shared-identity')) installWasmSharedIdentity();
      if (optimisationEnabled('row-tile')) installWasmRowTile();
      return true;
    }
    skipped.push('wasm: backend did not initialise');
    return false;
  }
  return trySetBackend('cpu');
}

/**
 * Selects and initialises the tensor backend. `requested` (from `--backend`) wins over the
 * DEQN_BACKEND environment variable; without either the fastest available backend is used.
 * Calling it again with the same request is a no-op.
 */
export async function initBackend(requested?: string): Promise<BackendInfo> {
  const forced = requested ?? process.env[BACKEND_ENV] ?? undefined;
  if (forced !== undefined && !(BACKEND_NAMES as readonly string[]).includes(forced)) {
    throw new UsageError(
      `unknown backend "${forced}" (from ${requested !== undefined ? '--backend' : BACKEND_ENV}); allowed: ${BACKEND_NAMES.join(', ')}`,
    );
  }
  if (active && (forced === undefined || forced === active.name)) return active;
  const skipped: string[] = [];
  const order: readonly BackendName[] = forced ? [forced as BackendName] : BACKEND_NAMES;
  for (const name of order) {
    if (await activate(name, skipped)) {
      active = {
        name,
        tfName: tf.getBackend(),
        tfjsVersion: tf.version.tfjs,
        skipped,
        wasmTransposeFix: name === 'wasm',
        ...(name === 'wasm' ? { wasmThreads } : {}),
      };
      return active;
    }
  }
  throw new UsageError(`backend "${forced}" is not available here: ${skipped.join('; ')}`);
}

export function activeBackend(): BackendInfo | undefined {
  return active;
}

type KernelArgs = Parameters<tf.KernelConfig['kernelFunc']>[0];

let wasmFixInstalled = false;

/**
 * The wasm BatchMatMul kernel is 10-20x slower when asked for a transposed operand, and the
 * backward pass of every dense layer asks for exactly that (notes/tensorflowjs: ~25 GFLOP/s
 * plain vs 1-2 GFLOP/s transposed). Re-register it so a transposed operand is materialised by the
 * Transpose kernel first and the fast non-transposed kernel does the product. Same numbers,
 * 5-6x faster training steps. Applies to the fused variant too.
 */
export function installWasmTransposedMatMulFix(): void {
  if (wasmFixInstalled) return;
  for (const kernelName of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(kernelName, 'wasm');
    if (!original) continue;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: (args) => transposeThenMultiply(original, args) });
  }
  wasmFixInstalled = true;
}

function transposeThenMultiply(original: tf.KernelConfig, args: KernelArgs) {
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  if (!transposeA && !transposeB) return original.kernelFunc(args);
  const transpose = tf.getKernel('Transpose', 'wasm')!;
  const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
    const rank = x.shape.length;
    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    return transpose.kernelFunc({ inputs: { x }, backend: args.backend, attrs: { perm } }) as tf.TensorInfo;
  };
  const inputs = { ...args.inputs } as Record<string, tf.TensorInfo>;
  const temporaries: tf.TensorInfo[] = [];
  if (transposeA) temporaries.push((inputs.a = swapLastTwo(inputs.a)));
  if (transposeB) temporaries.push((inputs.b = swapLastTwo(inputs.b)));
  const out = original.kernelFunc({
    ...args,
    inputs,
    attrs: { ...args.attrs, transposeA: false, transposeB: false },
  });
  const backend = args.backend as { disposeData(dataId: object): void };
  for (const t of temporaries) backend.disposeData(t.dataId);
  return out;
}

/** Plain matMul throughput of the active backend, in GFLOP/s (median of `reps` timed runs). */
export function measureMatMulGflops(n = 1024, reps = 5): number {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const times: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
    if (i > 0) times.push(performance.now() - t0); // first run is warm-up
  }
  a.dispose();
  b.dispose();
  times.sort((x, y) => x - y);
  const median = times[Math.floor(times.length / 2)];
  return (2 * n * n * n) / (median * 1e6);
}
