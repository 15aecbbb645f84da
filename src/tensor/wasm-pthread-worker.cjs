// Entry script of the threaded wasm backend's pthread workers (see wasm-threads.ts). The package
// ships this worker's source only as a string meant for a browser Blob URL, which Node's Worker
// cannot load; so each worker runs that string here. Direct eval, because the source expects this
// CommonJS module's `require` and `__filename`; newlines inside its string literals are escaped
// exactly as the package itself does before making its Blob.
'use strict';
const { join, dirname } = require('node:path');

const packageDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const { wasmWorkerContents } = require(join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'));
eval(wasmWorkerContents.replace(/\n/g, '\\n'));
