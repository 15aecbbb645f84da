// Worker-thread entry for bench/static-trade.ts --parallel: registers the TypeScript loader (tsx) in
// this thread, then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./static-trade-worker.ts');
