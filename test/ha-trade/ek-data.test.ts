import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { deriveEk2022 } from '../../src/models/ha-trade/derive-ek2022.ts';
import { sharesFromSourceEffects } from '../../src/models/ha-trade/ek-calibration.ts';

const DIR = 'models/data/ek2002-waugh';
const rows = (f: string) =>
  readFileSync(`${DIR}/${f}`, 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((l) => l.split(','));

describe('EK 19-country data (models/data/ek2002-waugh)', () => {
  it('trade costs and source effects reproduce the fitted trade shares with elasticity 4', () => {
    const d = Float64Array.from(rows('tradecost-19x19.csv').slice(1).flatMap((r) => r.slice(1).map(Number)));
    const S = rows('source-effects.csv').slice(1).map((r) => Number(r[1]));
    const fitted = rows('tradeshare-fitted-19x19.csv').slice(1).flatMap((r) => r.slice(1).map(Number));
    const pi = sharesFromSourceEffects(S, d, 4);
    for (let k = 0; k < 361; k++) expect(Math.abs(pi[k] / fitted[k] - 1)).toBeLessThan(1e-7);
  });

  it('the shipped 2022 country parameters equal their derivation (DEU labour 0.225, A_USA = 1)', () => {
    const derived = deriveEk2022(DIR);
    const shipped = rows('ek19-2022-country-params.csv').slice(1);
    expect(shipped.map((r) => r[0])).toEqual(derived.iso);
    shipped.forEach((r, i) => {
      expect(Number(r[1])).toBe(derived.labor[i]);
      expect(Number(r[2])).toBeCloseTo(derived.tfp[i], 12);
    });
    expect(derived.labor[derived.iso.indexOf('DEU')]).toBe(0.225);
    expect(derived.tfp[derived.iso.indexOf('USA')]).toBe(1);
  });
});
