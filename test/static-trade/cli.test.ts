// `deqn optimize` and `deqn counterfactual` end to end on a 3×3 fixture in the dlopt file format.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { readArrowFile } from '../../src/io/tables.ts';

const CONFIG = 'test/fixtures/static-trade/tiny.json';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe('deqn counterfactual', () => {
  it('--json prints one object whose welfare maps every country to a percent change', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cf-'));
    const r = await run(['counterfactual', CONFIG, '--json', '--out', out]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json.welfare).sort()).toEqual(['CHN', 'EU', 'USA']);
    expect(json.welfare.CHN).toBeLessThan(0); // the US tariffs hurt China
    expect(existsSync(join(out, 'welfare.csv')) && existsSync(join(out, 'welfare.arrow')) && existsSync(join(out, 'summary.md'))).toBe(true);
    const table = readArrowFile(join(out, 'welfare.arrow'));
    expect(table.country).toEqual(['CHN', 'EU', 'USA']);
    expect(table.welfare_pct[0]).toBeCloseTo(json.welfare.CHN, 12);
  });

  it('--set changes the policy: setting tariffs to their data values is no change at all', async () => {
    const r = await run([
      'counterfactual', CONFIG, '--json', '--out', mkdtempSync(join(tmpdir(), 'cf-')),
      '--set', 'counterfactual.scenario=', '--set', 'counterfactual.changes=[{"instrument":"tariff","country":"USA","value":0,"mode":"add"}]',
    ]);
    expect(r.code).toBe(0);
    for (const v of Object.values(JSON.parse(r.stdout).welfare)) expect(Math.abs(v as number)).toBeLessThan(1e-9);
  });

  it('bad input exits with code 2 and a one-line message', async () => {
    const unknown = await run(['counterfactual', CONFIG, '--set', 'counterfactual.scenario=brexit']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown scenario "brexit" \(this data ships: us-china-2018\)/);
    const badField = await run(['counterfactual', CONFIG, '--set', 'imbalances=none']);
    expect(badField.code).toBe(2);
    expect(badField.stderr).toMatch(/tiny\.json: field "imbalances"/);
    const missing = await run(['counterfactual', 'nonexistent.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nonexistent\.json: config file not found/);
  });
});

describe('deqn optimize', () => {
  it('unilateral: writes instruments, welfare, history and summary; JSON welfare by country', async () => {
    const out = mkdtempSync(join(tmpdir(), 'opt-'));
    const r = await run(['optimize', CONFIG, '--mode', 'unilateral', '--country', 'USA', '--instruments', 'tariffs', '--json', '--out', out]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.converged).toBe(true);
    expect(json.dimension).toBe(3);
    expect(json.welfare.USA).toBeGreaterThan(0); // a unilateral optimum beats the status quo
    for (const f of ['instruments', 'instrument-vector', 'welfare', 'history']) {
      expect(existsSync(join(out, `${f}.csv`)) && existsSync(join(out, `${f}.arrow`))).toBe(true);
    }
    const instruments = readArrowFile(join(out, 'instruments.arrow'));
    expect(instruments.country.length).toBe(9); // country × sector
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/## Welfare change by country/);
    expect(r.stderr).toMatch(/optimiser stopped/);
  });

  it('nash and cooperative run; cooperation gives higher world welfare than the Nash tariff war', async () => {
    const nash = JSON.parse((await run(['optimize', CONFIG, '--mode', 'nash', '--instruments', 'tariffs', '--json', '--out', mkdtempSync(join(tmpdir(), 'n-'))])).stdout);
    const coop = JSON.parse((await run(['optimize', CONFIG, '--mode', 'cooperative', '--instruments', 'tariffs', '--json', '--out', mkdtempSync(join(tmpdir(), 'c-'))])).stdout);
    expect(nash.converged).toBe(true);
    const world = (w: Record<string, number>) => Object.values(w).reduce((s, v) => s + Math.log1p(v / 100), 0);
    expect(world(coop.welfare)).toBeGreaterThan(world(nash.welfare));
  });

  it('nash by Newton (tariffs + subsidies): converged with every player\'s marginal welfare below tolerance and negative own-Hessian eigenvalues', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nn-'));
    const sets = ['nash.method=newton', 'nash.update=gauss-seidel', 'nash.damping=1', 'nash.warmupRounds=1', 'nash.newtonTolerance=1e-9'];
    const r = await run(['optimize', CONFIG, '--mode', 'nash', ...sets.flatMap((s) => ['--set', s]), '--json', '--out', out]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.converged).toBe(true);
    expect(json.dimension).toBe(18); // 3 countries × (3 tariffs + 3 subsidies): every sector of the fixture is tradable
    for (const v of Object.values(json.certificate.residualByPlayer) as number[]) expect(v).toBeLessThan(1e-9);
    for (const v of Object.values(json.certificate.ownHessianMaxEigenvalue) as number[]) expect(v).toBeLessThan(0);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/first-order conditions hold/);
  });

  it('cooperative mode uses cooperative.localRadius; other modes keep solver.localRadius', async () => {
    const coopArgs = ['optimize', CONFIG, '--mode', 'cooperative', '--instruments', 'tariffs', '--json'];
    const radius0 = ['--set', 'cooperative.localRadius=0'];
    const own = await run([...coopArgs, ...radius0, '--out', mkdtempSync(join(tmpdir(), 'c-'))]);
    expect(own.code).toBe(0);
    const coop = JSON.parse(own.stdout);
    expect(coop.selection.localRadius).toBe(0);
    // radius 0: every new policy is continued from the status quo, none from a neighbour
    expect(coop.selection.paths).toBeGreaterThan(5);
    expect(coop.selection.fromStatusQuo).toBe(coop.selection.paths);
    expect(own.stderr).toMatch(/cooperative\.localRadius 0/);
    // without the field: the solver's radius (default 0.05), and most paths start from a neighbour
    const inherited = JSON.parse((await run([...coopArgs, '--out', mkdtempSync(join(tmpdir(), 'c-'))])).stdout);
    expect(inherited.selection.localRadius).toBe(0.05);
    expect(inherited.selection.fromStatusQuo).toBeLessThan(inherited.selection.paths);
    // same optimum either way on this fixture (one equilibrium branch), to the optimiser's tolerance
    for (const c of ['CHN', 'EU', 'USA']) expect(coop.welfare[c]).toBeCloseTo(inherited.welfare[c], 4);
    // a unilateral run with the field set keeps the solver's radius
    const uni = JSON.parse((await run(['optimize', CONFIG, '--mode', 'unilateral', '--country', 'USA', '--instruments', 'tariffs', '--json', ...radius0, '--out', mkdtempSync(join(tmpdir(), 'u-'))])).stdout);
    expect(uni.selection.localRadius).toBe(0.05);
    const bad = await run([...coopArgs, '--set', 'cooperative.localRadius=-0.1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/tiny\.json: field "cooperative\.localRadius": must be >= 0/);
    const notNumber = await run([...coopArgs, '--set', 'cooperative.localRadius=small']);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toMatch(/field "cooperative\.localRadius": expected a number >= 0/);
  });

  it('rejects a bad mode, a missing country and unknown instruments with exit code 2', async () => {
    expect((await run(['optimize', CONFIG, '--mode', 'selfish'])).code).toBe(2);
    const noCountry = await run(['optimize', CONFIG, '--mode', 'unilateral']);
    expect(noCountry.code).toBe(2);
    expect(noCountry.stderr).toMatch(/needs --country/);
    const badCountry = await run(['optimize', CONFIG, '--mode', 'unilateral', '--country', 'XYZ']);
    expect(badCountry.stderr).toMatch(/unknown country "XYZ"/);
    const badKind = await run(['optimize', CONFIG, '--instruments', 'tariffs,quotas']);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/"quotas" is not one of/);
  });
});
