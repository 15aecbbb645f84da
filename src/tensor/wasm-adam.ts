// One Adam update of a parameter tensor as a single wasm SIMD pass (the module of
// wasm-gemm-module.ts, function `adam`) instead of eleven element-wise kernels and their
// temporaries. Same operations, operand order and float32 roundings as the unfused update in
// src/deqn/adam.ts, so the results are bit-identical to it (test/deqn/adam-fused.test.ts).
import * as tf from '@tensorflow/tfjs';
import { simdModuleExports } from './wasm-gemm.ts';

export const ADAM_KERNEL = 'DeqnAdamUpdate';

interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

export interface AdamConstants {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Learning rate with the bias corrections folded in. */
  stepSize: number;
}

function adamKernel(args: Parameters<tf.KernelConfig['kernelFunc']>[0]): tf.TensorInfo[] {
  const { p, m, v, g } = args.inputs as Record<string, tf.TensorInfo>;
  const { beta1, beta2, epsilon, stepSize } = args.attrs as unknown as AdamConstants;
  const backend = args.backend as unknown as WasmBackendInternals;
  const simd = simdModuleExports(backend)!;
  const outputs = [p, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const [pOut, mOut, vOut] = outputs.map(offset);
  const n = p.shape.reduce((a, b) => a * b, 1);
  if (n > 0) simd.adam(offset(p), offset(m), offset(v), offset(g), pOut, mOut, vOut, n, beta1, 1 - beta1, beta2, 1 - beta2, epsilon, stepSize);
  return outputs;
}

/** Registers the kernel on the active wasm backend; false when it cannot run there (then use the unfused update). */
export function fusedAdamAvailable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (tf.getKernel(ADAM_KERNEL, 'wasm')) return true;
  if (!simdModuleExports(tf.backend())) return false;
  tf.registerKernel({ kernelName: ADAM_KERNEL, backendName: 'wasm', kernelFunc: adamKernel as unknown as tf.KernelFunc });
  return true;
}

/** [p', m', v'] of one Adam update (all float32 tensors of one shape); call only when fusedAdamAvailable(). */
export function fusedAdamUpdate(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, constants: AdamConstants): tf.Tensor[] {
  return tf.engine().runKernel(ADAM_KERNEL, { p, m, v, g }, constants as unknown as tf.NamedAttrMap) as tf.Tensor[];
}
