// The union model (MODELS.md §E): the laissez-faire baseline computed from data, the equilibrium in
// changes for any policy mix by Newton–Krylov on the hat system, regional and union welfare, and the
// gradient of union welfare with respect to every instrument by one adjoint solve (§D.4).
//
// Reconstructed choices ([RECON] in MODELS.md §E, the seed's equations being lost):
//  - scale economies p = (1+τ̃) c Q^{−φ} with Q = V/p real output (E.1, E.3.2);
//  - public demand Ĝ is the instrument; local deficits B_n = Σ P G − T_n adjust, the union tax T^U
//    closes the union budget T^U + Σ R_n = Σ B_n + E and is levied on households by GNI shares ω_n;
//    the other union spending E is paid back to union households by shares e_n (so that Walras holds);
//  - net foreign income F_n is fixed in units of the numeraire, RoW's wage (its labour market is the
//    equation dropped by Walras' law); RoW's tariffs on union goods and its net taxes stay at the data,
//    its tariff revenue goes to its households, its public demand is fixed in real terms;
//  - welfare Ŵ_n = (Î_n/P̂^C_n)^{ς_n} Γ̂_n^{1−ς_n}, Γ Cobb–Douglas in G with government spending shares;
//    union weights ω̄ = regional shares of union final spending at the baseline;
//  - the baseline is laissez-faire (union t = 0, τ̃ = 0, G at status quo), solved from the data year.
import { NewtonKrylov, newtonSolverFor } from '../static-trade/solver/newton-krylov.ts';
import { buildUnionBaseline, type UnionBaseline } from './baseline.ts';
import type { UnionData } from './data.ts';
import { UnionHatSystem, laissezFaire, type UnionPolicy, type PolicyAdjoint } from './hat-system.ts';
import { unionWelfare, unionWelfareGradient } from './welfare.ts';

export interface UnionSettings {
  /** Relative tolerance on the scaled residuals. */
  tolerance: number;
  maxIterations: number;
  /**
   * Largest system solved with a dense LU preconditioner (built from n JVPs). Above it GMRES runs
   * unpreconditioned: the hat system is well scaled (relative residuals, log prices, contractions in
   * the input-output and trade blocks), and at 235 × 54 a Newton step needs about 40 GMRES iterations.
   */
  denseLimit: number;
  /** Inequality aversion ε of the union objective (MODELS.md §E.4). */
  epsilon: number;
  /** 'laissez-faire' (MODELS.md §E.4, default): hats relative to t = 0, τ̃ = 0, G at status quo; 'data': relative to the data year. */
  baseline: 'laissez-faire' | 'data';
}

export const DEFAULT_UNION_SETTINGS: UnionSettings = { tolerance: 1e-10, maxIterations: 50, denseLimit: 3000, epsilon: 2, baseline: 'laissez-faire' };

export interface UnionEquilibrium {
  policy: UnionPolicy;
  system: UnionHatSystem;
  z: Float64Array;
  /** ln Ŵ_n of every location (RoW last). */
  logWelfare: Float64Array;
  /** Ŵ_EU. */
  welfare: number;
  iterations: number;
  krylovIterations: number;
  residualMax: number;
}

export class UnionModel {
  readonly base: UnionBaseline;
  /** The data-year baseline (before moving to laissez-faire). */
  readonly dataBase: UnionBaseline;
  readonly settings: UnionSettings;
  readonly solver: NewtonKrylov;
  private warm: Float64Array | null = null;
  solves = 0;

  constructor(data: UnionData, settings: Partial<UnionSettings> = {}) {
    this.settings = { ...DEFAULT_UNION_SETTINGS, ...settings };
    this.solver = newtonSolverFor(this.settings);
    this.dataBase = buildUnionBaseline(data);
    if (this.settings.baseline === 'data') this.base = this.dataBase;
    else {
      const U = this.dataBase.U;
      const S = this.dataBase.S;
      const policy = laissezFaire(U, S);
      const sys = new UnionHatSystem(this.dataBase, policy);
      const z = this.run(sys, sys.baselinePoint()).z;
      this.base = buildUnionBaseline(rebuildData(this.dataBase, sys, z, policy));
    }
  }

  get U(): number {
    return this.base.U;
  }

  get S(): number {
    return this.base.S;
  }

  private run(sys: UnionHatSystem, z0: Float64Array) {
    const res = this.solver.solve(sys, z0);
    if (!res.converged) {
      throw new Error(`union equilibrium not found: Newton stopped after ${res.iterations} iterations with residual ${res.residualMax.toExponential(2)}`);
    }
    return res;
  }

  solve(policy: UnionPolicy, start?: Float64Array): UnionEquilibrium {
    const system = new UnionHatSystem(this.base, policy);
    const fromWarm = !start && this.warm !== null;
    const z0 = start ?? this.warm ?? system.baselinePoint();
    let res;
    try {
      res = this.run(system, z0);
    } catch (err) {
      if (!fromWarm) throw err;
      res = this.run(system, system.baselinePoint()); // a bad warm start: retry from the baseline
    }
    this.warm = res.z;
    this.solves++;
    const logWelfare = this.logWelfare(system, res.z);
    return {
      policy, system, z: res.z, logWelfare,
      welfare: unionWelfare(logWelfare.map(Math.exp), this.base.welfareWeights, this.settings.epsilon),
      iterations: res.iterations, krylovIterations: res.krylovIterations, residualMax: res.residualMax,
    };
  }

  /** ln Ŵ_n = ς_n (ln Î_n − Σ_r β^r_n ln P̂^r_n) + (1−ς_n) Σ_s δ^s_n ln Ĝ^s_n (MODELS.md §E.4, [RECON]). */
  logWelfare(sys: UnionHatSystem, z: Float64Array): Float64Array {
    const { N, S, U, beta, privateShare, publicMix } = this.base;
    const logP = sys.accounts(z).logPriceIndex;
    const out = new Float64Array(N);
    for (let n = 0; n < N; n++) {
      let priv = Math.log(z[sys.oI + n]);
      let pub = 0;
      for (let r = 0; r < S; r++) {
        priv -= beta[n * S + r] * logP[n * S + r];
        if (n < U && publicMix[n * S + r] > 0) pub += publicMix[n * S + r] * Math.log(sys.policy.publicDemand[n * S + r]);
      }
      out[n] = privateShare[n] * priv + (1 - privateShare[n]) * pub;
    }
    return out;
  }

  /** ∇ of Ŵ_EU with respect to the tariffs, net taxes and public demand Ĝ, by one adjoint solve. */
  welfareGradient(eq: UnionEquilibrium): PolicyAdjoint {
    const { S, U, beta, privateShare, publicMix } = this.base;
    const sys = eq.system;
    const W = Float64Array.from({ length: U }, (_, n) => Math.exp(eq.logWelfare[n]));
    const dW = unionWelfareGradient(W, this.base.welfareWeights, this.settings.epsilon);
    const logPSeed = new Float64Array(this.base.N * S);
    const gz = new Float64Array(sys.size);
    const direct = new Float64Array(U * S);
    for (let n = 0; n < U; n++) {
      const c = dW[n] * W[n]; // ∂Ŵ_EU/∂ln Ŵ_n
      gz[sys.oI + n] += (c * privateShare[n]) / eq.z[sys.oI + n];
      for (let r = 0; r < S; r++) {
        logPSeed[n * S + r] = -c * privateShare[n] * beta[n * S + r];
        direct[n * S + r] = (c * (1 - privateShare[n]) * publicMix[n * S + r]) / eq.policy.publicDemand[n * S + r];
      }
    }
    const pull = sys.pullbackPriceIndex(eq.z, logPSeed);
    for (let k = 0; k < gz.length; k++) gz[k] += pull.z[k];
    const v = this.solver.adjoint(sys, eq.z, gz);
    const adj = sys.vjpPolicy(eq.z, v);
    return {
      tariff: pull.policy.tariff.map((g, k) => g - adj.tariff[k]),
      tax: pull.policy.tax.map((g, k) => g - adj.tax[k]),
      publicDemand: pull.policy.publicDemand.map((g, k) => g + direct[k] - adj.publicDemand[k]),
    };
  }
}

/** Data consistent with an equilibrium z at `policy`: flows π'X', the new wedges, public spending P̂PGĜ. */
export function rebuildData(base: UnionBaseline, sys: UnionHatSystem, z: Float64Array, policy: UnionPolicy): UnionData {
  const { N, S, U } = base;
  const shares = sys.shares(z);
  const flows = new Float64Array(S * N * N);
  for (let r = 0; r < S; r++) {
    for (let n = 0; n < N; n++) {
      const X = z[sys.oX + n * S + r] * base.absorptionScale[n * S + r];
      for (let m = 0; m < N; m++) flows[(r * N + m) * N + n] = base.absorption[n * S + r] > 0 ? shares[(r * N + m) * N + n] * X : 0;
    }
  }
  const acc = sys.accounts(z);
  const publicSpending = new Float64Array(N * S);
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const g = n < U ? policy.publicDemand[n * S + s] : 1;
      publicSpending[n * S + s] = Math.exp(acc.logPriceIndex[n * S + s]) * base.publicSpending[n * S + s] * g;
    }
  }
  const netTax = Float64Array.from(base.tax);
  netTax.set(policy.tax);
  return { ...base.data, name: `${base.data.name} (laissez-faire)`, flows, externalTariff: Float64Array.from(policy.tariff), netTax, publicSpending };
}
