// One dense layer, act(x W + b), as a single kernel with its own gradient. Forward: the backend's
// _FusedMatMul (on wasm, XNNPACK adds the bias and clamps inside the product). Backward, compared
// with autodiff through matMul + add + relu: the bias gradient is a 1 x batch product with a ones
// row instead of a column sum (which the wasm Sum kernel does through a full transpose), relu's
// derivative needs no cast, and the gradient with respect to x is only formed when x needs one
// (tfjs evaluates gradient closures only for inputs on the path to the variables). Results agree
// with the unfused layer to float32 rounding (test/deqn/throughput-dense.test.ts).
import { tf } from './backend.ts';

export const DENSE_KERNEL = 'DeqnDense';
/** Activations the kernel applies itself; others are applied after a 'linear' layer. */
export type FusedActivation = 'linear' | 'relu';

let gradientRegistered = false;

/** Registers the kernel for `backendName` on first use (it wraps that backend's _FusedMatMul). */
function ensureKernel(backendName: string): boolean {
  if (tf.getKernel(DENSE_KERNEL, backendName)) return true;
  if (!tf.getKernel('_FusedMatMul', backendName)) return false;
  tf.registerKernel({
    kernelName: DENSE_KERNEL,
    backendName,
    kernelFunc: (args) => {
      // Looked up per call, so kernel replacements (the wasm transposed-matMul fix) apply.
      const fused = tf.getKernel('_FusedMatMul', backendName)!;
      const { x, kernel, bias } = args.inputs;
      const { activation } = args.attrs as unknown as { activation: FusedActivation };
      return fused.kernelFunc({
        ...args,
        inputs: { a: x, b: kernel, bias },
        attrs: { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 },
      });
    },
  });
  if (!gradientRegistered) {
    tf.registerGradient({
      kernelName: DENSE_KERNEL,
      inputsToSave: ['x', 'kernel'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, kernel, y] = saved as tf.Tensor3D[];
        const { activation } = attrs as unknown as { activation: FusedActivation };
        const dz = (activation === 'relu' ? tf.mul(dy as tf.Tensor, tf.step(y)) : dy) as tf.Tensor3D;
        const batch = dz.shape[1];
        return {
          x: () => tf.matMul(dz, kernel, false, true),
          kernel: () => tf.matMul(x, dz, true, false),
          bias: () => tf.reshape(tf.matMul(tf.ones([1, 1, batch]), dz), [dz.shape[2]]),
        };
      },
    });
    gradientRegistered = true;
  }
  return true;
}

/**
 * act(x W + b) for x [batch, in], kernel [in, out], bias [out]. Falls back to separate ops on a
 * backend without _FusedMatMul.
 */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: FusedActivation): tf.Tensor2D {
  if (!ensureKernel(tf.getBackend())) {
    const z = tf.add(tf.matMul(x, kernel), bias) as tf.Tensor2D;
    return activation === 'relu' ? tf.relu(z) : z;
  }
  return tf.tidy(() => {
    const [batch, inputs] = x.shape;
    const outputs = kernel.shape[1];
    const out = tf.engine().runKernel(
      DENSE_KERNEL,
      { x: tf.reshape(x, [1, batch, inputs]), kernel: tf.reshape(kernel, [1, inputs, outputs]), bias },
      { activation } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor3D;
    return tf.reshape(out, [batch, outputs]) as tf.Tensor2D;
  });
}
