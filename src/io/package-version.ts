// The package version, stamped into checkpoints so an incompatible one can be refused.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const PACKAGE_VERSION: string = (require('../../package.json') as { version: string }).version;
