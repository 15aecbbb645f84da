// `deqn info`: backend, versions and a one-line matMul speed probe.
import type { Command } from 'commander';
import { initBackend, measureMatMulGflops } from '../tensor/backend.ts';
import { PACKAGE_VERSION } from '../io/package-version.ts';
import { describeGemmArithmetic } from '../tensor/wasm-gemm.ts';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('print the tensor backend, versions and a matMul speed probe')
    .option('--backend <name>', 'force a backend: tensorflow-gpu, tensorflow, wasm, cpu')
    .option('--size <n>', 'matrix size of the speed probe', '1024')
    .action(async (opts: { backend?: string; size: string }) => {
      const info = await initBackend(opts.backend);
      const n = Number(opts.size);
      const gflops = measureMatMulGflops(n);
      const lines = [
        `deqn-trade ${PACKAGE_VERSION}`,
        `node ${process.version} (${process.platform}-${process.arch})`,
        `tfjs ${info.tfjsVersion}`,
        `backend ${info.name} (tfjs backend "${info.tfName}")${info.wasmTransposeFix ? ', transposed-matMul fix on' : ''}${info.wasmThreads ? `, ${info.wasmThreads} wasm thread(s) (DEQN_WASM_THREADS)` : ''}`,
        ...info.skipped.map((s) => `  skipped ${s}`),
        `matMul ${n}x${n} float32: ${gflops.toFixed(1)} GFLOP/s`,
        ...(info.name === 'wasm' ? [describeGemmArithmetic()] : []),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}

