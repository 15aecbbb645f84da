// Writes models/data/ek2002-waugh/ek19-2022-country-params.csv, the country data of the 2022 (seed
// slide) calibration: labour from ek-labor.csv with DEU corrected to 0.225 (see PROVENANCE.md) and TFP
// derived from the EK source effects (ek-calibration.ts). Run: npx tsx src/models/ha-trade/derive-ek2022.ts
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../io/tables.ts';
import { calibrateFromSourceEffects } from './ek-calibration.ts';

export const EK2022_THETA = 4;
/** DEU labour in ek-labor.csv (0.0225) is an order of magnitude below its neighbours; 0.225 is used. */
export const DEU_LABOR_CORRECTED = 0.225;

function rows(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((l) => l.split(','));
}

export function deriveEk2022(dataDir: string): { iso: string[]; labor: number[]; tfp: Float64Array; wages: Float64Array } {
  const effects = rows(resolve(dataDir, 'source-effects.csv')).slice(1);
  const iso = effects.map((r) => r[0]);
  const S = effects.map((r) => Number(r[1]));
  const costRows = rows(resolve(dataDir, 'tradecost-19x19.csv'));
  const header = costRows[0].slice(1);
  if (header.join() !== iso.join()) throw new Error('tradecost-19x19.csv and source-effects.csv list countries in different orders');
  const d = Float64Array.from(costRows.slice(1).flatMap((r) => r.slice(1).map(Number)));
  const labor = rows(resolve(dataDir, 'ek-labor.csv'))
    .slice(1)
    .map((r) => Number(r[0]));
  labor[iso.indexOf('DEU')] = DEU_LABOR_CORRECTED;
  const cal = calibrateFromSourceEffects(S, d, labor, EK2022_THETA, iso.indexOf('USA'));
  return { iso, labor, tfp: cal.tfp, wages: cal.wages };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dataDir = resolve(fileURLToPath(import.meta.url), '../../../../models/data/ek2002-waugh');
  const { iso, labor, tfp, wages } = deriveEk2022(dataDir);
  const lines = ['iso3,L,TFP,wage_ra'];
  iso.forEach((c, i) => lines.push(`${c},${labor[i]},${tfp[i]},${wages[i]}`));
  writeFileAtomic(resolve(dataDir, 'ek19-2022-country-params.csv'), lines.join('\n') + '\n');
  process.stdout.write(`wrote ${resolve(dataDir, 'ek19-2022-country-params.csv')}\n`);
}
