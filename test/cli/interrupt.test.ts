// A run killed with Ctrl-C (SIGINT) or SIGTERM finishes its episode, saves a checkpoint, exits 130,
// and can be resumed from exactly there.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function startTraining(dir: string, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const config = JSON.parse(readFileSync('models/olg-analytic.json', 'utf8'));
  config.training = { ...config.training, episodes: 100_000, paths: 32, stopAt: undefined };
  config.evaluation.states = 200;
  const file = join(dir, 'long.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ['bin/deqn.js', 'train', file, '--name', 'long', '--checkpoints', join(dir, 'ck'), '--runs', join(dir, 'runs')]);
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    // Progress lines appear every 5,000 episodes here; signal once training has visibly started.
    if (!signalled && /run long: model/.test(stderr)) {
      signalled = true;
      setTimeout(() => child.kill(signal), 1500);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('interrupting deqn train', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} saves the current episode and exits 130`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'deqn-signal-'));
      const { code, stdout, stderr } = await startTraining(dir, signal);
      expect(code).toBe(130);
      expect(stderr).toContain('finishing this episode and saving a checkpoint');
      const latest = JSON.parse(readFileSync(join(dir, 'ck', 'long', 'latest.json'), 'utf8'));
      expect(latest.episode).toBeGreaterThan(0);
      expect(stdout).toContain(`stopped (interrupted) after episode ${latest.episode}`);
    });
  }
});
