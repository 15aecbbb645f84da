// Policy changes for counterfactuals: a scenario shipped with the data (e.g. `us-china-2018`, `nafta`)
// and/or a list of explicit changes from the config, applied on top of the data's wedges.
import { UsageError } from '../../io/errors.ts';
import type { PolicyChange } from './data/types.ts';
import type { Wedges } from './hat-system.ts';
import type { StaticTradeModel } from './model.ts';
import { type StaticTradeConfig, type PolicyChangeSpec, sectorIndices, countryIndex } from './config.ts';

export interface CounterfactualPolicy {
  wedges: Wedges;
  /** Welfare is measured relative to this policy's equilibrium when present (e.g. NAFTA's baseline scenario). */
  reference?: Wedges;
  description: string;
}

function withChange(base: Wedges, change: PolicyChange): Wedges {
  return {
    tariff: Float64Array.from(change.tariff ?? base.tariff),
    exportTax: Float64Array.from(change.exportTax ?? base.exportTax),
    subsidy: Float64Array.from(change.subsidy ?? base.subsidy),
    iceberg: Float64Array.from(change.icebergChange ?? base.iceberg),
  };
}

export function counterfactualPolicy(model: StaticTradeModel, config: StaticTradeConfig, file: string): CounterfactualPolicy {
  const data = model.base.data;
  let wedges = model.dataWedges();
  let reference: Wedges | undefined;
  const parts: string[] = [];
  const name = config.counterfactual.scenario;
  if (name) {
    const scenario = data.scenarios[name];
    if (!scenario) {
      const known = Object.keys(data.scenarios);
      throw new UsageError(`${file}: field "counterfactual.scenario": unknown scenario "${name}" (this data ships: ${known.join(', ') || 'none'})`);
    }
    if (scenario.reference) reference = withChange(wedges, scenario.reference);
    wedges = withChange(wedges, scenario);
    parts.push(scenario.description ?? name);
  }
  for (const [k, change] of config.counterfactual.changes.entries()) {
    applyChange(wedges, change, model, `${file}: counterfactual.changes[${k}]`);
    if (reference) applyChange(reference, change, model, `${file}: counterfactual.changes[${k}]`);
    parts.push(`${change.instrument} ${change.mode} ${change.value} by ${change.country}${change.partner ? ` on ${change.partner}` : ''}`);
  }
  if (parts.length === 0) throw new UsageError(`${file}: no policy change: set counterfactual.scenario or counterfactual.changes (or use --set)`);
  return { wedges, reference, description: parts.join('; ') };
}

function applyChange(w: Wedges, c: PolicyChangeSpec, model: StaticTradeModel, where: string): void {
  const { N, J } = model.base;
  const data = model.base.data;
  const i = countryIndex(data, c.country, where);
  const partner = c.partner === undefined ? -1 : countryIndex(data, c.partner, where);
  const sectors = sectorIndices(c.sectors, data, where);
  const set = (arr: Float64Array, k: number) => (arr[k] = c.mode === 'add' ? arr[k] + c.value : c.value);
  for (const j of sectors) {
    if (c.instrument === 'subsidy') {
      set(w.subsidy, i * J + j);
      continue;
    }
    for (let h = 0; h < N; h++) {
      if (h === i || (partner >= 0 && h !== partner)) continue;
      if (c.instrument === 'tariff') set(w.tariff, (h * N + i) * J + j);
      else set(w.exportTax, (i * N + h) * J + j);
    }
  }
}
