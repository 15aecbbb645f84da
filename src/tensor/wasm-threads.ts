// The multi-threaded build of the wasm backend under Node. tfjs ships it (shared wasm memory and an
// XNNPACK pthread pool) but only enables it in browsers: it starts its pthread workers from Blob
// URLs, which Node's Worker cannot load, and it sizes the pool as "logical cores / 2" (one thread on
// a 2-core machine). Here the same module is created with a worker entry script on disk and the
// pool sized as asked. backend.ts uses it with a pool of one, for its shared memory: the project's
// SIMD matrix product (wasm-gemm.ts) then splits row blocks across its own helper threads, which
// wait without spinning. Results do not depend on the thread count (test/tensor/wasm-threads.test.ts).
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../io/errors.ts';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { Worker as WorkerThread, type WorkerOptions } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** Environment variable with the wasm thread count: a positive integer, or "auto" (one per core, at most 4). */
export const WASM_THREADS_ENV = 'DEQN_WASM_THREADS';
/** The backend's own ceiling (pthreadpool size it accepts). */
const MAX_THREADS = 4;

interface EmscriptenWorker {
  unref(): void;
}

interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => number;
  PThread: { unusedWorkers: EmscriptenWorker[]; runningWorkers: EmscriptenWorker[] };
  tfjs?: Record<string, unknown>;
}

/**
 * Threads to use for `value` (the environment variable's text); undefined or empty means "auto"
 * (one per core, at most 4). Measured on 2 cores: the 236-3x1000-221 MLP step at batch 2048 runs
 * 1.75x faster in wall time on an idle machine and the two-asset OLG step 1.1-1.5x faster even on
 * a loaded one; the threaded build costs small networks ~6-7% more CPU per step, and each process
 * ~0.7 s more start-up and ~80 MB more memory. DEQN_WASM_THREADS=1 suits many concurrent processes.
 */
export function parseWasmThreads(value: string | undefined): number {
  if (value === undefined || value === '' || value === 'auto') return Math.min(availableParallelism(), MAX_THREADS);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new UsageError(`${WASM_THREADS_ENV}=${value}: expected an integer 1-${MAX_THREADS} or "auto"`);
  }
  return n;
}

/** Presents `count` logical cores to the wasm module while `body` runs (see the file comment). */
async function withPresentedCores<T>(count: number, body: () => Promise<T>): Promise<T> {
  const os = require('node:os') as { cpus: () => unknown[] };
  const realCpus = os.cpus;
  os.cpus = () => Array.from({ length: count }, () => realCpus()[0]);
  try {
    return await body();
  } finally {
    os.cpus = realCpus;
  }
}

function threadedModulePaths() {
  const outDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  return {
    outDir,
    mainScript: join(outDir, 'tfjs-backend-wasm-threaded-simd.js'),
    workerSource: join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js'),
    binary: join(outDir, 'tfjs-backend-wasm-threaded-simd.wasm'),
    workerScript: join(dirname(fileURLToPath(import.meta.url)), 'wasm-pthread-worker.cjs'),
  };
}

/** Rejects as soon as a pthread worker reports an error (the module would otherwise wait forever). */
let rejectOnWorkerError: (err: Error) => void = () => {};

/**
 * The Worker class the module creates its pthread workers with (it reads the global `Worker`).
 * The workers get no inherited Node options: the parent's (a TypeScript loader, --input-type, an
 * --eval script) do not apply to the plain CommonJS worker script and some make it fail. A worker
 * error would be thrown from an event handler and end the process; it becomes a rejection instead,
 * so the caller can fall back to the single-threaded backend.
 */
class PthreadWorker extends WorkerThread {
  constructor(file: string | URL, options?: WorkerOptions) {
    super(file, { ...options, execArgv: [] });
    // Listening from the start: an error before the module attaches its own handlers would end the process.
    super.on('error', (err: Error) => rejectOnWorkerError(err));
  }

  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    if (event !== 'error') return super.on(event, listener);
    // The module's handler rethrows (fatal in an event handler); the constructor's listener reports it.
    return super.on('error', (err: Error) => {
      try {
        listener(err);
      } catch {
        // reported by the listener added in the constructor
      }
    });
  }
}

/** Runs `body` with the global `Worker` fixed to PthreadWorker (the module's own assignment is ignored). */
async function withPthreadWorkers<T>(body: () => Promise<T>): Promise<T> {
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => {} });
  try {
    return await body();
  } finally {
    // Workers the pool may add later are created with the same class.
    Object.defineProperty(globalThis, 'Worker', { configurable: true, writable: true, value: PthreadWorker });
  }
}

/** Creates the threaded wasm module; its pthread workers start from wasm-pthread-worker.cjs. */
async function createThreadedModule(): Promise<ThreadedModule> {
  const { outDir, mainScript, workerScript } = threadedModulePaths();
  const factory = require(mainScript) as (config: object) => Promise<ThreadedModule>;
  const workerFailed = new Promise<never>((_, reject) => (rejectOnWorkerError = reject));
  const module = await Promise.race([
    factory({
      locateFile: (path: string, prefix: string) =>
        path.endsWith('.worker.js') ? workerScript : path.endsWith('.wasm') ? join(outDir, path) : prefix + path,
      // Each pthread worker evaluates the module's script from this path (a Blob in browsers).
      mainScriptUrlOrBlob: mainScript,
    }),
    workerFailed,
  ]);
  // The same bridge functions tfjs' own init() attaches (backend_wasm.js).
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

interface WasmPackage {
  BackendWasm: new (module: ThreadedModule) => tf.KernelBackend;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/**
 * Makes `tf.setBackend('wasm')` create the threaded module with `threads` pool threads (wasm
 * kernels are registered by backend name and stay as they are). Must run before the wasm backend
 * is first initialised. Returns the pool size in use; on any failure the stock single-threaded
 * backend is registered again and initialised, and the reason is returned instead.
 */
export async function activateThreadedWasm(threads: number): Promise<{ threads: number } | { failed: string }> {
  const wasmPackage = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmPackage;
  const stockFactory = tf.findBackendFactory('wasm');
  const paths = threadedModulePaths();
  const missing = [paths.mainScript, paths.workerSource, paths.binary, paths.workerScript].filter((f) => !existsSync(f));
  if (missing.length > 0 || typeof SharedArrayBuffer === 'undefined') {
    return { failed: missing.length > 0 ? `missing ${missing.join(', ')}` : 'no SharedArrayBuffer' };
  }
  let module: ThreadedModule | undefined;
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    () =>
      // The module reads the core count while it initialises and again in BackendWasm's constructor.
      withPthreadWorkers(() =>
        withPresentedCores(2 * threads, async () => {
          module = await createThreadedModule();
          wasmPackage.setThreadsCount(threads);
          return new wasmPackage.BackendWasm(module);
        }),
      ),
    3,
  );
  try {
    const ok = await tf.setBackend('wasm');
    await tf.ready();
    if (!ok || tf.getBackend() !== 'wasm' || !module) throw new Error('the threaded wasm backend did not initialise');
  } catch (err) {
    tf.removeBackend('wasm');
    if (stockFactory) tf.registerBackend('wasm', stockFactory, 2);
    return { failed: (err as Error).message };
  }
  // Idle pool threads must not keep the process alive after the work is done.
  for (const w of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) w.unref();
  return { threads: wasmPackage.getThreadsCount() };
}
