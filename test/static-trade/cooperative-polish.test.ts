// The cooperative driver's trust-region polish (cooperative.newtonMethod 'trust-region',
// src/policy/trust-newton.ts) on the 3×3 test economy (IO links, scale economies): started after only 5
// quasi-Newton iterations it reaches the same world optimum as a long quasi-Newton run polished by Newton
// on the first-order conditions, with the certificate (first-order conditions, negative top eigenvalue).
import { describe, it, expect } from 'vitest';
import { loadConfig } from '../../src/models/static-trade/config.ts';
import { buildModel, runOptimize } from '../../src/models/static-trade/run.ts';

describe('cooperative optimum: trust-region polish', () => {
  it('from 5 quasi-Newton iterations = long quasi-Newton + FOC Newton (log welfare 1e-7), certified', () => {
    const common = ['cooperative.weights=income', 'cooperative.newton=true', 'cooperative.newtonTolerance=1e-9'];
    const trust = loadConfig('test/fixtures/static-trade/tiny.json', [...common, 'cooperative.maxIterations=5', 'cooperative.newtonMethod=trust-region', 'cooperative.newtonMaxIterations=60', 'cooperative.jumpRatio=4']);
    const reference = loadConfig('test/fixtures/static-trade/tiny.json', [...common, 'cooperative.maxIterations=300', 'optimizer.tolerance=1e-10', 'cooperative.newtonMethod=foc']);
    const t = runOptimize(buildModel(trust), trust, { mode: 'cooperative' });
    const r = runOptimize(buildModel(reference), reference, { mode: 'cooperative' });
    expect(r.converged).toBe(true);
    expect(t.converged).toBe(true);
    expect(t.nashCertificate?.residualByPlayer.World).toBeLessThanOrEqual(1e-9);
    expect(t.nashCertificate?.ownHessianMaxEigenvalue.World).toBeLessThan(0);
    for (let i = 0; i < t.logWelfare.length; i++) expect(Math.abs(t.logWelfare[i] - r.logWelfare[i])).toBeLessThan(1e-7);
  });
});
