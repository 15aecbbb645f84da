// Every kind of bad input gives one line on stderr naming the file and the field, exit code 2,
// and no stack trace.
import { describe, it, expect, beforeAll, vi } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../../src/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'deqn-cli-'));
const defaultConfig = JSON.parse(readFileSync('models/olg-analytic.json', 'utf8'));

function configFile(name: string, edit: (c: any) => void): string {
  const c = structuredClone(defaultConfig);
  edit(c);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(c));
  return file;
}

/** Runs the CLI in-process; returns the exit code and what it wrote to stderr. */
async function run(argv: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  try {
    const code = await main(argv);
    return { code, stderr, stdout };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

function expectUsageError(result: { code: number; stderr: string }, ...fragments: string[]) {
  expect(result.code).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^deqn: error: /);
  for (const f of fragments) expect(lines[0]).toContain(f);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const where = ['--checkpoints', join(dir, 'checkpoints'), '--runs', join(dir, 'runs')];
let checkpoint = '';

beforeAll(async () => {
  const small = configFile('small.json', (c) => {
    c.training.episodes = 2;
    c.training.paths = 32;
    c.training.stopAt = undefined;
    c.evaluation.states = 200;
  });
  const r = await run(['train', small, '--name', 'ok', ...where]);
  expect(r.code).toBe(0);
  checkpoint = join(dir, 'checkpoints', 'ok');
});

describe('deqn train: bad config files', () => {
  it('missing file', async () => {
    expectUsageError(await run(['train', join(dir, 'nope.json'), ...where]), 'nope.json', 'not found');
  });

  it('invalid JSON', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"model": "olg-analytic",');
    expectUsageError(await run(['train', file, ...where]), 'broken.json', 'invalid JSON');
  });

  it('unknown model', async () => {
    const file = configFile('unknown-model.json', (c) => (c.model = 'olg-magic'));
    expectUsageError(await run(['train', file, ...where]), 'unknown-model.json', '"model"', 'olg-magic', 'allowed: olg-analytic');
  });

  it('out-of-range hyper-parameter', async () => {
    const file = configFile('batch.json', (c) => (c.training.batchSize = 0));
    expectUsageError(await run(['train', file, ...where]), 'batch.json', '"training.batchSize"', '>=1');
  });

  it('out-of-range model parameter', async () => {
    const file = configFile('beta.json', (c) => (c.params.beta = 1.5));
    expectUsageError(await run(['train', file, ...where]), 'beta.json', '"params.beta"', '<1');
  });

  it('misspelt field', async () => {
    const file = configFile('typo.json', (c) => (c.training.learningrate = 0.1));
    expectUsageError(await run(['train', file, ...where]), 'typo.json', 'learningrate');
  });

  it('bad flag values', async () => {
    expectUsageError(await run(['train', 'models/olg-analytic.json', '--episodes', '-3', ...where]), '--episodes -3');
    expectUsageError(await run(['train', 'models/olg-analytic.json', '--backend', 'quantum', ...where]), 'unknown backend "quantum"');
  });

  it('an existing run id is not overwritten', async () => {
    expectUsageError(await run(['train', 'models/olg-analytic.json', '--name', 'ok', ...where]), 'already exists', '--resume ok');
  });

  it('resuming a run that does not exist', async () => {
    expectUsageError(await run(['train', '--resume', 'ghost', ...where]), '--resume ghost');
  });
});

describe('deqn evaluate: bad checkpoints', () => {
  it('evaluates a good checkpoint and writes CSV and Arrow tables', async () => {
    const r = await run(['evaluate', checkpoint, '--json', '--states', '300']);
    expect(r.code).toBe(0);
    const table = JSON.parse(r.stdout);
    expect(Object.keys(table.euler)).toEqual(['mean', 'max', 'p0.1', 'p10', 'p50', 'p90', 'p99.9']);
    expect(table.policyError.savings.mean).toBeGreaterThan(0);
    expect(statSync(join(checkpoint, 'evaluation-episode-2.arrow')).size).toBeGreaterThan(0);
  });

  it('missing directory', async () => {
    expectUsageError(await run(['evaluate', join(dir, 'missing')]), 'missing', 'not found');
  });

  it('a directory that is not a checkpoint', async () => {
    expectUsageError(await run(['evaluate', dir]), 'not a checkpoint');
  });

  it('corrupt tensors', async () => {
    const copy = join(dir, 'checkpoints', 'ok', 'episode-0000002');
    const bin = join(copy, 'tensors.bin');
    const original = readFileSync(bin);
    truncateSync(bin, 100);
    try {
      expectUsageError(await run(['evaluate', checkpoint]), 'tensors.bin', 'corrupt checkpoint');
    } finally {
      writeFileSync(bin, original);
    }
  });

  it('incompatible format version', async () => {
    const manifest = join(checkpoint, 'episode-0000002', 'manifest.json');
    const original = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, original.replace('"formatVersion": 1', '"formatVersion": 99'));
    try {
      expectUsageError(await run(['evaluate', checkpoint]), 'manifest.json', '"formatVersion"', 'not supported');
    } finally {
      writeFileSync(manifest, original);
    }
  });

  it('bad --states', async () => {
    expectUsageError(await run(['evaluate', checkpoint, '--states', 'many']), '--states many');
  });

  it('bad --grid-points of a heterogeneous-agent checkpoint', async () => {
    expectUsageError(await run(['counterfactual', 'checkpoints/ha-trade-two-country', '--grid-points', '3']), '--grid-points 3', 'integer');
    expectUsageError(await run(['optimize', 'checkpoints/ha-trade-two-country', '--mode', 'unilateral', '--grid-points', '1e9']), '--grid-points 1e9');
  });
});

describe('the real process', () => {
  it('exits with code 2 and prints no stack trace', () => {
    const file = join(dir, 'broken2.json');
    writeFileSync(file, 'not json');
    const r = spawnSync(process.execPath, ['bin/deqn.js', 'train', file], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('invalid JSON');
  });
});
